// SPDX-License-Identifier: GPL-2.0-or-later
#include "kcrypto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/cryptouser.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fileio.h"
#include "kcipher.h"

/* From the kernel's <linux/crypto.h>, which is not UAPI: stable since 4.x. */
#define KCRYPTO_ALG_TYPE_MASK     0x0000000fu
#define KCRYPTO_ALG_TYPE_SKCIPHER 0x00000005u
#define KCRYPTO_NEED_FALLBACK     0x00000100u
#define KCRYPTO_NOLOAD            0x00008000u   /* look up, build, but never request_module() */

/* What this relies on (CRYPTO_NOLOAD honoured by crypto_user's lookup, the XTS template
 * taking "ecb(CIPHER)" as its skcipher and naming the instance "xts(CIPHER)") was checked
 * on 6.1 only: kernels before 5.4 (RHEL 7's 3.10, Ubuntu 18.04's 4.15, RHEL 8's 4.18)
 * are left to dm-crypt's own lookup, as before. */
static bool kernel_new_enough(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 5 || (major == 5 && minor >= 4);
}

/* One crypto_user request; for CRYPTO_MSG_GETALG, *out is the kernel's report. Returns
 * 0, or the kernel's negative errno (-ENOENT: no such algorithm; -EEXIST: NEWALG found
 * one registered). The kernel handles the request within sendmsg(), including building
 * and self-testing an algorithm; the receive timeout only guards against a lost reply. */
static int request(int fd, uint16_t type, const struct crypto_user_alg *in, struct crypto_user_alg *out)
{
	static uint32_t seq;
	struct {
		struct nlmsghdr h;
		struct crypto_user_alg a;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		       .nlmsg_seq = ++seq },
		.a = *in,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	union {
		struct nlmsghdr h;
		char buf[4096];
	} rep;
	for (;;) {
		ssize_t got = recv(fd, &rep, sizeof(rep), 0);
		if (got < 0)
			return -errno;
		int n = (int)got;
		for (struct nlmsghdr *h = &rep.h; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;   /* the acknowledgement of an earlier report */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				if (e->error != 0 || !out)
					return e->error > 0 ? -e->error : e->error;
				return -EBADMSG;   /* GETALG acknowledged without a report */
			}
			if (h->nlmsg_type == type && out) {
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*out)))
					return -EBADMSG;
				memcpy(out, NLMSG_DATA(h), sizeof(*out));
				out->cru_driver_name[sizeof(out->cru_driver_name) - 1] = '\0';
				return 0;
			}
		}
	}
}

static struct crypto_user_alg skcipher(const char *name, const char *driver, uint32_t extra_mask)
{
	struct crypto_user_alg a = {
		.cru_type = KCRYPTO_ALG_TYPE_SKCIPHER,
		.cru_mask = KCRYPTO_ALG_TYPE_MASK | extra_mask,
	};
	snprintf(a.cru_name, sizeof(a.cru_name), "%s", name ? name : "");
	snprintf(a.cru_driver_name, sizeof(a.cru_driver_name), "%s", driver ? driver : "");
	return a;
}

/* The kernel has no k->wanted: build it, bottom up, without module requests. */
static int build(int fd, const struct bek_kcipher *k)
{
	struct crypto_user_alg got;
	/* "ecb(aes)" by name: the ECB template finds the plain cipher "aes" at once. */
	struct crypto_user_alg q = skcipher(k->inner, NULL, KCRYPTO_NOLOAD);
	int r = request(fd, CRYPTO_MSG_NEWALG, &q, NULL);
	if (r < 0 && r != -EEXIST)
		return r;
	q = skcipher(k->inner, NULL, 0);
	r = request(fd, CRYPTO_MSG_GETALG, &q, &got);
	if (r < 0)
		return r;
	/* "xts(ecb(aes-generic))" by driver name: the XTS template then asks for its inner
	 * skcipher by that exact driver name (found), and the new instance's driver name
	 * is the one requested; it registers as "xts(aes)", the name dm-crypt asks for. */
	char driver[BEK_KCIPHER_NAME_MAX];
	if (snprintf(driver, sizeof(driver), "%s(%s)", k->outer, got.cru_driver_name) >= (int)sizeof(driver))
		return -ENAMETOOLONG;
	q = skcipher(NULL, driver, KCRYPTO_NOLOAD);
	r = request(fd, CRYPTO_MSG_NEWALG, &q, NULL);
	if (r < 0 && r != -EEXIST)
		return r;
	q = skcipher(k->wanted, NULL, 0);
	r = request(fd, CRYPTO_MSG_GETALG, &q, &got);
	return r < 0 ? r : BEK_KCRYPTO_BUILT;
}

/* The module udev loads for this CPU that provides the cipher (kcipher.h), by the running
 * kernel's modules.alias (depmod's, in the image) and the CPU's modalias: 1 and its name
 * in module, or 0. */
static int cpu_module(const char *cipher, char module[BEK_KCIPHER_NAME_MAX])
{
	struct utsname u;
	char path[sizeof(u.release) + 32];
	size_t alen = 0, mlen = 0;
	int found = 0;
	module[0] = '\0';
	if (uname(&u) < 0 || snprintf(path, sizeof(path), "/lib/modules/%s/modules.alias", u.release) >= (int)sizeof(path))
		return 0;
	char *cpu = bek_read_small("/sys/devices/system/cpu/modalias", 0, 65536, &mlen);
	char *aliases = cpu ? bek_read_small(path, 0, 64u << 20, &alen) : NULL;
	if (cpu && aliases) {
		cpu[strcspn(cpu, "\n")] = '\0';
		found = bek_kcipher_cpu_module(aliases, alen, cpu, cipher, module) > 0;
	}
	free(aliases);
	free(cpu);
	/* The name goes into a /sys path: a plain module name only. */
	if (found && (module[0] == '.' || strspn(module, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(module)))
		found = 0;
	return found;
}

/* Is the module loaded and its init done? A built-in one has no initstate. */
static bool module_live(const char *module)
{
	char path[BEK_KCIPHER_NAME_MAX + 32], state[16] = "";
	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (access(path, F_OK) < 0)
		return false;
	strcat(path, "/initstate");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	ssize_t n = read(fd, state, sizeof(state) - 1);
	close(fd);
	return n >= 4 && strncmp(state, "live", 4) == 0;
}

static int prepare(int fd, const struct bek_kcipher *k, const char *cipher, char module[BEK_KCIPHER_NAME_MAX])
{
	struct crypto_user_alg got;
	struct crypto_user_alg q = skcipher(k->wanted, NULL, 0);
	int r = request(fd, CRYPTO_MSG_GETALG, &q, &got);
	if (r == 0)
		return BEK_KCRYPTO_PRESENT;   /* registered already (an accelerated driver, or built before) */
	if (r != -ENOENT)
		return r;
	if (cpu_module(cipher, module) && !module_live(module)) {
		/* The kernel's lookup of "aes" as an skcipher misses (it is a plain cipher), so
		 * it runs modprobe for "crypto-aes" (loading the CPU's module, or waiting for
		 * the load udev began: the kernel holds a second load of a module until the
		 * first is done) and fails after; with CRYPTO_ALG_NEED_FALLBACK in the mask but
		 * not the type, without asking for "crypto-aes-all" too. 6.1 then asks once
		 * for "cryptomgr" (built in: 45 ms under TCG) and replies -ENOENT. */
		q = skcipher(cipher, NULL, KCRYPTO_NEED_FALLBACK);
		(void)request(fd, CRYPTO_MSG_NEWALG, &q, NULL);
		q = skcipher(k->wanted, NULL, 0);
		if (request(fd, CRYPTO_MSG_GETALG, &q, &got) == 0)
			return BEK_KCRYPTO_LOADED;
	}
	/* No module for this CPU, or one that registered only the plain cipher (the build
	 * then takes its driver: the best "aes" now), or it did not load (blacklisted). */
	module[0] = '\0';
	return build(fd, k);
}

int bek_kcrypto_prepare(const char *cipher, const char *mode, char module[BEK_KCIPHER_NAME_MAX])
{
	struct bek_kcipher k;
	module[0] = '\0';
	int r = bek_kcipher_plan(cipher, mode, &k);
	if (r == -EOPNOTSUPP)
		return BEK_KCRYPTO_PRESENT;
	if (r < 0)
		return r;
	if (!kernel_new_enough())
		return BEK_KCRYPTO_PRESENT;
	/* Opening the socket without crypto_user loaded would ask modprobe for it
	 * (net-pf-16-proto-21): the very cost this saves. The dracut glue preloads it;
	 * where nobody did (initramfs-tools, whose images carry aesni_intel), skip. */
	if (access("/sys/module/crypto_user", F_OK) < 0)
		return -ENOPROTOOPT;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_CRYPTO);
	if (fd < 0)
		return -errno;
	struct timeval tv = { .tv_sec = 5 };
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = prepare(fd, &k, cipher, module);
	close(fd);
	return r;
}
