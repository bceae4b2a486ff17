// SPDX-License-Identifier: GPL-2.0-or-later
#include "kcrypto.h"

#include <errno.h>
#include <linux/cryptouser.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kcipher.h"

/* From the kernel's <linux/crypto.h>, which is not UAPI: stable since 4.x. */
#define KCRYPTO_ALG_TYPE_MASK     0x0000000fu
#define KCRYPTO_ALG_TYPE_SKCIPHER 0x00000005u
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

static int build(int fd, const struct bek_kcipher *k)
{
	struct crypto_user_alg got;
	struct crypto_user_alg q = skcipher(k->wanted, NULL, 0);
	int r = request(fd, CRYPTO_MSG_GETALG, &q, &got);
	if (r == 0)
		return 0;   /* registered already (an accelerated driver, or built before) */
	if (r != -ENOENT)
		return r;
	/* "ecb(aes)" by name: the ECB template finds the plain cipher "aes" at once. */
	q = skcipher(k->inner, NULL, KCRYPTO_NOLOAD);
	r = request(fd, CRYPTO_MSG_NEWALG, &q, NULL);
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
	return r < 0 ? r : 1;
}

int bek_kcrypto_prepare(const char *cipher, const char *mode)
{
	struct bek_kcipher k;
	int r = bek_kcipher_plan(cipher, mode, &k);
	if (r == -EOPNOTSUPP)
		return 0;
	if (r < 0)
		return r;
	if (!kernel_new_enough())
		return 0;
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
	r = build(fd, &k);
	close(fd);
	return r;
}
