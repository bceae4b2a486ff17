// SPDX-License-Identifier: GPL-2.0-or-later
/* Which kernel ciphers dm-crypt's table load will look up for a LUKS cipher spec, and in
 * what order to instantiate them so that no lookup misses (pure logic, no I/O). */
#ifndef BEK_KCIPHER_H
#define BEK_KCIPHER_H

/* The kernel's CRYPTO_MAX_ALG_NAME, as in <linux/cryptouser.h> (CRYPTO_MAX_NAME). */
#define BEK_KCIPHER_NAME_MAX 64

struct bek_kcipher {
	char wanted[BEK_KCIPHER_NAME_MAX];  /* the name dm-crypt asks for: "xts(aes)" */
	char inner[BEK_KCIPHER_NAME_MAX];   /* built first, by name: "ecb(aes)" */
	char outer[BEK_KCIPHER_NAME_MAX];   /* the template around it: "xts" */
};

/* cipher, mode: as libcryptsetup reports them ("aes", "xts-plain64"). Fills k and
 * returns 0 for the XTS modes, whose kernel template asks for its block cipher as an
 * skcipher first (a miss: "aes" is a plain cipher) and only then for "ecb(CIPHER)";
 * -EOPNOTSUPP for any other mode (CBC and the rest find their cipher at once), -EINVAL
 * for a name that is not a plain kernel cipher name. */
int bek_kcipher_plan(const char *cipher, const char *mode, struct bek_kcipher *k);

#endif
