/* Key file names: the only path component bek-unlock ever opens on the BEK disk. */
#ifndef BEK_KEYNAME_H
#define BEK_KEYNAME_H

#define BEK_KEYNAME_MAX 255

/* Returns NULL when name is a safe bare file name at the root of the BEK
 * filesystem, otherwise a short reason ("contains '/'", ...). */
const char *bek_keyname_check(const char *name);

#endif
