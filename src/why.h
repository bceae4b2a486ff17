// SPDX-License-Identifier: GPL-2.0-or-later
/* The one convention for "why it failed", in every module: a function that can fail
 * for a reason the user must read returns a negative errno and writes that reason, a
 * phrase for the console ("key file is empty"), into the caller's buffer
 * char why[BEK_WHY_MAX]. The caller adds context (device, volume) and logs it once. */
#ifndef BEK_WHY_H
#define BEK_WHY_H

#include <errno.h>
#include <stdio.h>

#define BEK_WHY_MAX 256

/* bek_why(why, "format", ...): sets the reason; truncated, never overflowed. */
#define bek_why(why, ...) ((void)snprintf((why), BEK_WHY_MAX, __VA_ARGS__))

/* For parsers of hostile input: sets the reason, returns -EINVAL. */
static inline int bek_invalid(char why[BEK_WHY_MAX], const char *reason)
{
	bek_why(why, "%s", reason);
	return -EINVAL;
}

#endif
