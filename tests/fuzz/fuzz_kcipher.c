// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: a LUKS header's cipher and mode (cipher NUL mode), as turned into
 * the kernel cipher names bek-unlock asks the kernel to build (src/kcipher.c). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kcipher.h"

static void plain(const char *s)
{
	assert(strlen(s) < BEK_KCIPHER_NAME_MAX);
	for (; *s; s++)
		assert((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		       *s == '-' || *s == '_' || *s == '(' || *s == ')');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	const char *cipher = buf, *mode = buf + strlen(buf) + 1;
	struct bek_kcipher k;
	int r = bek_kcipher_plan(cipher, mode, &k);
	assert(r == 0 || r == -EINVAL || r == -EOPNOTSUPP);
	if (r == 0) {
		plain(k.wanted);
		plain(k.inner);
		assert(strcmp(k.outer, "xts") == 0 && strncmp(mode, "xts", 3) == 0);
		assert(strncmp(k.wanted, "xts(", 4) == 0 && strncmp(k.wanted + 4, cipher, strlen(cipher)) == 0);
		assert(strncmp(k.inner, "ecb(", 4) == 0 && strlen(k.inner) == strlen(cipher) + 5);
		assert(!strchr(cipher, '(') && !strchr(cipher, ':'));
	} else
		assert(!k.wanted[0] && !k.inner[0] && !k.outer[0]);
	free(buf);
	return 0;
}
