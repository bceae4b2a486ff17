// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening a file beneath a directory, as openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV) does, also on kernels older than 5.6 where
 * openat2() does not exist (RHEL 7's 3.10, RHEL 8's 4.18, Ubuntu 18.04's 4.15 and 5.4). */
#ifndef BEK_BENEATH_H
#define BEK_BENEATH_H

#include "why.h"

/* Opens path below dirfd with flags (O_RDONLY, O_NONBLOCK, ...; O_NOFOLLOW, O_CLOEXEC and
 * O_NOCTTY are added). path must be relative and non-empty, without "." or ".." or empty
 * components; no component may be a symbolic link; the file must be on dirfd's mount.
 * Uses openat2() and, when the kernel lacks it (ENOSYS), bek_open_beneath_walk().
 * Returns the descriptor, or a negative errno with why set to a phrase about the path
 * ("path not found", "path has a symbolic link", "path leaves the filesystem", ...):
 *   -EINVAL  path is empty, absolute, or has a ".", ".." or empty component
 *   -ENOENT  a component does not exist
 *   -ELOOP   a component is a symbolic link
 *   -EXDEV   a component is on another mount
 *   -ENOTDIR a component before the last is not a directory
 *   other    what openat2()/openat() said */
int bek_open_beneath(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX]);

/* The same with openat2() only, and with the walk only (no openat2()): exported for tests.
 * bek_open_beneath_openat2() returns -ENOSYS (why set) on a kernel without openat2(). */
int bek_open_beneath_openat2(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX]);
int bek_open_beneath_walk(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX]);

#endif
