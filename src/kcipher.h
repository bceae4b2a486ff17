// SPDX-License-Identifier: GPL-2.0-or-later
/* Which kernel ciphers dm-crypt's table load will look up for a LUKS cipher spec, in what
 * order to instantiate them so that no lookup misses, and which CPU-specific module would
 * provide a faster one (pure logic, no I/O). */
#ifndef BEK_KCIPHER_H
#define BEK_KCIPHER_H

#include <stddef.h>

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

/* The CPU-specific module udev loads for this CPU that provides the cipher: in aliases
 * (len bytes of a modules.alias, depmod's "alias PATTERN MODULE" lines), a module with an
 * alias "crypto-CIPHER" or "crypto-xts(CIPHER)" and a "cpu:" pattern that matches
 * cpu_modalias (/sys/devices/system/cpu/modalias) as kmod matches it (fnmatch(3)):
 * aesni_intel for "aes" on a CPU with the aes flag. Generic implementations have no "cpu:"
 * alias. The first such module's name goes to module (NUL-terminated), returns 1; 0 when
 * there is none; -EINVAL for a cipher that is not a plain name. Only the first
 * BEK_KCIPHER_PROVIDERS_MAX modules providing the cipher are considered. */
#define BEK_KCIPHER_PROVIDERS_MAX 32
int bek_kcipher_cpu_module(const char *aliases, size_t len, const char *cpu_modalias, const char *cipher,
			   char module[BEK_KCIPHER_NAME_MAX]);

#endif
