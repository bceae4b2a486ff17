// SPDX-License-Identifier: GPL-2.0-or-later
/* Hash-table seeds that never wait for the kernel's RNG (static build only).
 *
 * json-c seeds its hash tables from RDRAND, else getrandom(GRND_NONBLOCK), else by
 * reading /dev/urandom; since Linux 5.18 such a read first generates jitter entropy
 * until the RNG is initialised: seconds, in a VM without a hardware RNG, at the first
 * LUKS2 header libcryptsetup parses. A hash seed is not a key: like systemd's hashmaps,
 * take it from getrandom(GRND_INSECURE), which never blocks. The static link routes
 * json-c's calls here (-Wl,--wrap=json_c_get_random_seed, static.mk); a kernel without
 * GRND_INSECURE (before 5.6) gets json-c's own function. */
#include <errno.h>
#include <sys/random.h>
#include <sys/types.h>

int __real_json_c_get_random_seed(void);
int __wrap_json_c_get_random_seed(void);

int __wrap_json_c_get_random_seed(void)
{
	int seed;
	ssize_t n;

	do
		n = getrandom(&seed, sizeof(seed), GRND_INSECURE);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(seed))
		return seed;
	return __real_json_c_get_random_seed();
}
