// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: key file names (from tokens and rd.bek.keyfile=). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	char why[BEK_WHY_MAX] = "";
	int r = bek_keyname_check(name, why);
	assert(r == 0 || r == -EINVAL);
	if (r < 0)   /* a reason, on one line */
		assert(why[0] && !strchr(why, '\n') && strlen(why) < BEK_WHY_MAX);
	else {
		assert(!why[0]);
		/* An accepted name is one path component, never a way out of the mount. */
		size_t len = strlen(name);
		assert(len >= 1 && len <= BEK_KEYNAME_MAX);
		assert(!strchr(name, '/') && !strstr(name, ".."));
		for (size_t i = 0; i < len; i++)
			assert((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
	}
	free(name);
	return 0;
}
