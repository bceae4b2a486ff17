// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel cipher of a volume, instantiated ahead of dm-crypt's table load. */
#ifndef BEK_KCRYPTO_H
#define BEK_KCRYPTO_H

/* cipher, mode: as libcryptsetup reports them for the volume ("aes", "xts-plain64").
 * Builds the kernel skcipher dm-crypt will ask for ("xts(aes)") through the kernel's
 * crypto user interface (crypto_user), bottom up and without module requests, when the
 * kernel does not have it yet: dm-crypt's own lookup would first ask modprobe for
 * module names that do not exist ("crypto-xts(aes)", "crypto-aes", "crypto-ecb(aes)"
 * and their "-all" forms: seven runs of modprobe, 0.7 s under TCG). Only an
 * optimisation: on any failure dm-crypt does its own lookup as before. Returns 1 when
 * it built the cipher, 0 when there was nothing to do, -ENOPROTOOPT when crypto_user
 * is not loaded (opening its socket would run modprobe), or another negative errno. */
int bek_kcrypto_prepare(const char *cipher, const char *mode);

#endif
