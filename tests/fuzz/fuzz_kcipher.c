// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: a LUKS header's cipher and mode (cipher NUL mode), as turned into
 * the kernel cipher names bek-unlock asks the kernel to build (src/kcipher.c); and, when
 * the input goes on (NUL modalias NUL aliases...), a CPU modalias and a modules.alias
 * (any bytes, NULs included, by length) searched for the CPU's module of the cipher. */
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
	size_t used = strlen(cipher) + 1 + strlen(mode) + 1;
	if (used < size) {
		const char *modalias = buf + used;
		size_t at = used + strlen(modalias) + 1;
		const char *aliases = at <= size ? buf + at : buf + size;
		size_t alen = at <= size ? size - at : 0;
		char module[BEK_KCIPHER_NAME_MAX];
		r = bek_kcipher_cpu_module(aliases, alen, modalias, cipher, module);
		assert(r == 0 || r == 1 || r == -EINVAL);
		if (r == 1) {
			assert(module[0] && strlen(module) < BEK_KCIPHER_NAME_MAX);
			assert(!strpbrk(module, " \t\n"));
			assert(memmem(aliases, alen, module, strlen(module)));
		} else
			assert(!module[0]);
	}
	free(buf);
	return 0;
}
