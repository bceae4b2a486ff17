#include "keyname.h"

#include <string.h>

const char *bek_keyname_check(const char *name)
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

const char *bek_mapname_check(const char *name)
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
