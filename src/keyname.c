// SPDX-License-Identifier: GPL-2.0-or-later
#include "keyname.h"

#include <errno.h>
#include <string.h>

static const char *keyname_reason(const char *name)
{
	size_t len = strlen(name);
	if (len == 0)
		return "key file name is empty";
	if (len > BEK_KEYNAME_MAX)
		return "key file name is longer than 255 bytes";
	if (strchr(name, '/'))
		return "key file name contains '/'";
	if (strstr(name, ".."))
		return "key file name contains '..'";
	if (strcmp(name, ".") == 0)
		return "key file name is '.'";
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			return "key file name contains a control character";
	return NULL;
}

static const char *mapname_reason(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > BEK_MAPNAME_MAX)
		return "mapping name must be 1-127 bytes";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "mapping name is '.' or '..'";
	for (const char *p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "mapping name must be printable ASCII without '/' or spaces";
	return NULL;
}

int bek_keyname_check(const char *name, char why[BEK_WHY_MAX])
{
	const char *reason = keyname_reason(name);
	if (!reason)
		return 0;
	bek_why(why, "%s", reason);
	return -EINVAL;
}

int bek_mapname_check(const char *name, char why[BEK_WHY_MAX])
{
	const char *reason = mapname_reason(name);
	if (!reason)
		return 0;
	bek_why(why, "%s", reason);
	return -EINVAL;
}
