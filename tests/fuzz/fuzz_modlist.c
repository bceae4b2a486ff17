// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the image's list of the unlock path's kernel modules
 * (/etc/bek-unlock/preload, src/modlist.c), any bytes: every name kept is one modprobe
 * takes as a module name, never an option, at most BEK_MODLIST_MAX of them, no repeats. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "modlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bek_modlist list;
	bek_modlist_parse((const char *)data, size, &list);
	assert(list.n <= BEK_MODLIST_MAX);
	for (size_t i = 0; i < list.n; i++) {
		const char *s = list.names[i];
		size_t len = strlen(s);
		assert(len >= 1 && len <= BEK_MODNAME_MAX && s[0] != '-');
		assert(strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len);
		assert(memmem(data, size, s, len));
		for (size_t j = 0; j < i; j++)
			assert(strcmp(list.names[j], s) != 0);
	}
	return 0;
}
