// SPDX-License-Identifier: GPL-2.0-or-later
/* Names from outside that become path components: key file names (the only name
 * bek-unlock opens on the BEK disk) and device-mapper names. */
#ifndef BEK_KEYNAME_H
#define BEK_KEYNAME_H

#include "why.h"

#define BEK_KEYNAME_MAX 255

/* Returns 0 when name is a safe bare file name at the root of the BEK filesystem,
 * otherwise -EINVAL with why set to a short reason ("key file name contains '/'", ...). */
int bek_keyname_check(const char *name, char why[BEK_WHY_MAX]);

#define BEK_MAPNAME_MAX 127   /* device-mapper names are below 128 bytes */

/* Returns 0 when name can be a device-mapper name (/dev/mapper/NAME): 1-127
 * printable ASCII bytes, no '/', no space, not "." or "..". Otherwise -EINVAL
 * with why set to a short reason. */
int bek_mapname_check(const char *name, char why[BEK_WHY_MAX]);

#endif
