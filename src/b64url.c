// SPDX-License-Identifier: GPL-2.0-or-later
#include "b64url.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 0-63 for a character of either alphabet, -1 otherwise. */
static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

/* "'!'" for a printable ASCII character, "byte 0x01" otherwise. */
static void describe_char(char c, char *buf, size_t size)
{
	unsigned char u = (unsigned char)c;
	if (u > 0x20 && u < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", u);
}

size_t bek_b64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}

int bek_b64_decode(const char *in, size_t len, unsigned char *out, size_t out_size, size_t *out_len,
		   char why[BEK_WHY_MAX])
{
	char c[16];
	size_t start = 0, end = len, pad = 0, n, r;
	bool url = false, std = false;

	*out_len = 0;
	if (len > BEK_B64_INPUT_MAX) {
		bek_why(why, "larger than %u bytes", BEK_B64_INPUT_MAX);
		return -E2BIG;
	}
	if (out_size < bek_b64_decoded_max(len)) {
		bek_why(why, "output buffer too small");
		return -ENOBUFS;
	}
	while (start < end && is_space(in[start]))
		start++;
	while (end > start && is_space(in[end - 1]))
		end--;
	if (start == end) {
		bek_why(why, "empty");
		return -EINVAL;
	}
	while (end > start && in[end - 1] == '=') {
		end--;
		pad++;
	}
	if (pad > 2) {
		bek_why(why, "%zu '=' characters at the end (padding is at most 2)", pad);
		return -EINVAL;
	}

	/* Every character before the padding: one alphabet, no '=', no whitespace. */
	for (size_t i = start; i < end; i++) {
		if (in[i] == '=') {
			bek_why(why, "position %zu: '=' inside the value (padding only belongs at the end)",
				 i + 1);
			return -EINVAL;
		}
		if (is_space(in[i])) {
			bek_why(why, "position %zu: whitespace inside the value", i + 1);
			return -EINVAL;
		}
		if (sextet(in[i]) < 0) {
			describe_char(in[i], c, sizeof(c));
			bek_why(why, "position %zu: %s is not a base64url or base64 character", i + 1, c);
			return -EINVAL;
		}
		url |= in[i] == '-' || in[i] == '_';
		std |= in[i] == '+' || in[i] == '/';
		if (url && std) {
			describe_char(in[i], c, sizeof(c));
			bek_why(why,
				 "position %zu: %s mixes the base64url ('-', '_') and base64 ('+', '/') alphabets", i + 1, c);
			return -EINVAL;
		}
	}

	n = end - start;
	r = n % 4;
	if (r == 1) {
		bek_why(why,
			 "impossible length: %zu characters without padding leave 1 over a multiple of 4 "
			 "(a character is missing or extra)", n);
		return -EINVAL;
	}
	/* Missing padding is repaired; padding that is there must fit: r == 2 takes one
	 * or two '=', r == 3 one, r == 0 none. */
	if (pad > 0 && (r == 0 || pad > 4 - r)) {
		bek_why(why, "%zu '=' after %zu characters: wrong padding", pad, n);
		return -EINVAL;
	}

	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = start; i < end; i++) {
		acc = (acc << 6) | (uint32_t)sextet(in[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* The bits left over must be zero, as every encoder writes them: otherwise the
	 * last character is wrong, often because the value was cut short. */
	if (acc != 0) {
		describe_char(in[end - 1], c, sizeof(c));
		bek_why(why,
			 "position %zu: the last character %s has stray low bits (the value is truncated or corrupted)",
			 end, c);
		return -EINVAL;
	}
	*out_len = o;
	return 0;
}
