// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel cipher of a volume, instantiated ahead of dm-crypt's table load. */
#ifndef BEK_KCRYPTO_H
#define BEK_KCRYPTO_H

#include "kcipher.h"

/* What bek_kcrypto_prepare() did, when it did not fail. */
enum bek_kcrypto_outcome {
	BEK_KCRYPTO_PRESENT,   /* the kernel had the cipher already (or it is not an XTS one) */
	BEK_KCRYPTO_LOADED,    /* the CPU's module for it was loaded first: its driver is there */
	BEK_KCRYPTO_BUILT,     /* built ahead from the templates */
};

/* cipher, mode: as libcryptsetup reports them for the volume ("aes", "xts-plain64").
 * Makes sure the kernel skcipher dm-crypt will ask for ("xts(aes)") is there before the
 * table load, and is the one dm-crypt would end up with on its own:
 * - a module udev loads for this CPU that provides the cipher (aesni_intel for AES on a
 *   CPU with the aes flag: an alias "crypto-aes" and one matching the CPU's modalias in
 *   /lib/modules/$(uname -r)/modules.alias) and that is not live yet is loaded first: the
 *   kernel is asked for the cipher with module loading allowed, so it runs modprobe once
 *   for "crypto-aes", which also waits for a load udev has begun. Its own "xts(aes)"
 *   (xts-aes-aesni) is then there, and dm-crypt binds the root to it, as stock does, not
 *   to a software instance built before the module came (held for the whole uptime);
 * - otherwise (no such module for this CPU, or it did not register the XTS mode) the
 *   cipher is built through crypto_user, bottom up and without module requests, when the
 *   kernel does not have it yet: dm-crypt's own lookup would first ask modprobe for
 *   module names that do not exist ("crypto-xts(aes)", "crypto-ecb(aes)" and their "-all"
 *   forms; and "crypto-aes", the alias of aesni_intel and aes_ti: five to seven runs of
 *   modprobe, 0.7 s under TCG).
 * Only an optimisation: on any failure dm-crypt does its own lookup as before. module
 * receives the module's name for BEK_KCRYPTO_LOADED. Returns an outcome, -ENOPROTOOPT
 * when crypto_user is not loaded (opening its socket would run modprobe), or another
 * negative errno. */
int bek_kcrypto_prepare(const char *cipher, const char *mode, char module[BEK_KCIPHER_NAME_MAX]);

#endif
