// SPDX-License-Identifier: GPL-2.0-or-later
/* Base64url decoding for Key Vault values, forgiving only where Key Vault and its
 * clients differ in practice: missing '=' padding, the standard alphabet ('+', '/'),
 * whitespace around the value. Everything else is refused with a reason that names
 * the position. Pure logic: no I/O. The decoded bytes may be key material: the
 * caller provides the output buffer (a struct bek_secret). */
#ifndef BEK_B64URL_H
#define BEK_B64URL_H

#include <stddef.h>

#include "why.h"

#define BEK_B64_INPUT_MAX (64u * 1024)   /* bytes of text, whitespace included */

/* Room enough for the decoded bytes of len characters of text. */
size_t bek_b64_decoded_max(size_t len);

/* Decodes in[0..len) into out (out_size bytes, at least bek_b64_decoded_max(len)).
 * Returns 0 with *out_len set, or -EINVAL (not base64url; why says where and why),
 * -E2BIG (larger than BEK_B64_INPUT_MAX) or -ENOBUFS (out too small). Positions in
 * why count characters of in from 1. out may hold partial output on failure. */
int bek_b64_decode(const char *in, size_t len, unsigned char *out, size_t out_size, size_t *out_len,
		   char why[BEK_WHY_MAX]);

#endif
