// SPDX-License-Identifier: GPL-2.0-or-later
/* Which kernel uevents may be a block device's, before libudev parses them (uevent.h).
 * The kernel's monitor receives every uevent of a coldplug (hundreds, of every subsystem):
 * libudev's socket filter can only judge its own messages, and parses each of the
 * kernel's into a device before it compares the subsystem. Pure logic. */
#include "uevent.h"

#include <string.h>

static const char block[] = "SUBSYSTEM=block";

bool bek_uevent_maybe_block(const char *msg, size_t len)
{
	/* The kernel's header: "ACTION@DEVPATH", NUL-terminated; libudev's starts "libudev". */
	const char *nul = len ? memchr(msg, '\0', len) : NULL;
	if (!nul || !memchr(msg, '@', (size_t)(nul - msg)))
		return true;
	/* Every field after it must end in a NUL inside the message: else it was cut short. */
	if (msg[len - 1] != '\0')
		return true;
	for (const char *f = nul + 1; f < msg + len; f += strlen(f) + 1)
		if (strcmp(f, block) == 0)
			return true;
	return false;
}
