// SPDX-License-Identifier: GPL-2.0-or-later
/* A plain reference base64 encoder for the tests and fuzz targets (not used by
 * bek-unlock itself): url selects the "-_" alphabet, pad adds the '=' padding. */
#ifndef BEK_TEST_B64_REFERENCE_H
#define BEK_TEST_B64_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

static inline size_t b64_reference(const unsigned char *in, size_t len, char *dst, int url, int pad)
{
	const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			      : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);
		dst[o++] = abc[v >> 18 & 63];
		dst[o++] = abc[v >> 12 & 63];
		if (i + 1 < len)
			dst[o++] = abc[v >> 6 & 63];
		else if (pad)
			dst[o++] = '=';
		if (i + 2 < len)
			dst[o++] = abc[v & 63];
		else if (pad)
			dst[o++] = '=';
	}
	dst[o] = '\0';
	return o;
}

#endif
