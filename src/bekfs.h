// SPDX-License-Identifier: GPL-2.0-or-later
/* The filesystems bek-unlock reads: the BEK disk (VFAT only) for one key file, the
 * filesystem holding a detached header (/boot) for that header. Each is mounted
 * read-only in a private directory just long enough for one read, then unmounted
 * whatever happened. */
#ifndef BEK_BEKFS_H
#define BEK_BEKFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "secret.h"

struct bek_activity;
#include "why.h"

#define BEK_KEY_SIZE_MAX (8u * 1024 * 1024)
#define BEK_HEADER_SIZE_MAX (64u * 1024 * 1024)
#define BEK_MOUNT_PARENT "/run"

/* A disk found by its BEK label is mounted only when it is VFAT (what Azure attaches):
 * every other type is one more kernel parser exposed to a disk anyone with attach
 * rights controls. */
bool bek_key_fs_ok(const char *fstype);

/* The filesystem holding a detached header (found by its UUID): VFAT, ext2/3/4, XFS. */
bool bek_header_fs_ok(const char *fstype);

/* Makes this process's mounts private so that no mount it makes is ever seen
 * by, or outlives, anything else. Returns 0 or a negative errno. */
int bek_private_mounts(void);

/* Mounts devnode (which must still be the block device devnum that was probed, and
 * VFAT) read-only, nosuid, nodev, noexec in a fresh 0700 directory, reads key_file from
 * its root into locked memory and unmounts it. Returns 0 with the key in *key, or a
 * negative errno with why set ("key file is empty", ...). act: the deadline's record,
 * told of the mount directory while it exists (NULL: none). */
int bek_read_key(const char *devnode, dev_t devnum, const char *fstype, const char *key_file,
		 struct bek_secret *key, struct bek_activity *act, char why[BEK_WHY_MAX]);

/* Mounts devnode like bek_read_key, copies the detached LUKS header at path (relative;
 * no symbolic link followed, the mount never left) to the file open at out, and
 * unmounts. Returns 0 or a negative errno with why set. */
int bek_read_header(const char *devnode, dev_t devnum, const char *fstype, const char *path, int out,
		    struct bek_activity *act, char why[BEK_WHY_MAX]);

#endif
