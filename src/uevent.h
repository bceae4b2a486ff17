// SPDX-License-Identifier: GPL-2.0-or-later
/* A kernel uevent message (NETLINK_KOBJECT_UEVENT, "ACTION@DEVPATH\0KEY=VALUE\0..."),
 * looked at before anything parses it. Pure logic. */
#ifndef BEK_UEVENT_H
#define BEK_UEVENT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the message msg[0..len) (as received, possibly cut short at the receive
 * buffer, not NUL-terminated) may be a block device's: false only when it is a whole
 * kernel message ("ACTION@DEVPATH" first, every field NUL-terminated) none of whose
 * fields is "SUBSYSTEM=block"; true for anything else (a libudev message, a message cut
 * short, bytes of no known form), which the caller leaves to libudev to judge. */
bool bek_uevent_maybe_block(const char *msg, size_t len);

#endif
