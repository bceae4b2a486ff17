/* Names from outside that become path components: key file names (the only name
 * bek-unlock opens on the BEK disk) and device-mapper names. */
#ifndef BEK_KEYNAME_H
#define BEK_KEYNAME_H

#define BEK_KEYNAME_MAX 255

/* Returns NULL when name is a safe bare file name at the root of the BEK
 * filesystem, otherwise a short reason ("contains '/'", ...). */
const char *bek_keyname_check(const char *name);

#define BEK_MAPNAME_MAX 127   /* device-mapper names are below 128 bytes */

/* Returns NULL when name can be a device-mapper name (/dev/mapper/NAME): 1-127
 * printable ASCII bytes, no '/', no space, not "." or "..". Otherwise a short reason. */
const char *bek_mapname_check(const char *name);

#endif
