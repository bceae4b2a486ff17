/* The BEK filesystem: mounted read-only in a private directory just long enough
 * to read one key file into locked memory, then unmounted whatever happened. */
#ifndef BEK_BEKFS_H
#define BEK_BEKFS_H

#include <stddef.h>

#include "secret.h"

#define BEK_KEY_SIZE_MAX (8u * 1024 * 1024)
#define BEK_MOUNT_PARENT "/run"

/* Mount options for a filesystem of type fstype, or NULL when that type is not
 * accepted: VFAT (what Azure attaches), ext2/3/4 (self-made key disks, /boot) and
 * XFS (/boot on RHEL). */
const char *bek_mount_options(const char *fstype);

/* Makes this process's mounts private so that no mount it makes is ever seen
 * by, or outlives, anything else. Returns 0 or a negative errno. */
int bek_private_mounts(void);

/* Mounts devnode (filesystem fstype) read-only, nosuid, nodev, noexec in a
 * fresh 0700 directory, reads key_file from its root and unmounts it.
 * Returns 0 with the key in *key, or a negative errno and *why: the reason,
 * phrased for the console ("key file is empty", ...). */
int bek_read_key(const char *devnode, const char *fstype, const char *key_file,
		 struct bek_secret *key, const char **why);

#define BEK_HEADER_SIZE_MAX (64u * 1024 * 1024)

/* Mounts devnode read-only like bek_read_key, copies the detached LUKS header at
 * path (relative, no symbolic links followed) to the file open at out, and unmounts.
 * Returns 0 or a negative errno with why set. */
int bek_read_header(const char *devnode, const char *fstype, const char *path, int out, const char **why);

#endif
