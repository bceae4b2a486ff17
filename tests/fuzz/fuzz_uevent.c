// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: a kernel uevent message as received (src/uevent.c), any bytes: never
 * reads past it, and a message is dropped (false) only when it is a whole kernel message
 * with no "SUBSYSTEM=block" field. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "uevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	if (bek_uevent_maybe_block(msg, size))
		return 0;
	static const char field[] = "SUBSYSTEM=block";
	assert(size > 0 && msg[size - 1] == '\0');
	const char *nul = memchr(msg, '\0', size);
	assert(nul && memchr(msg, '@', (size_t)(nul - msg)));
	for (const char *f = nul + 1; f < msg + size; f += strlen(f) + 1)
		assert(strcmp(f, field) != 0);
	return 0;
}
