// SPDX-License-Identifier: GPL-2.0-or-later
/* Small file I/O shared by the subcommands: the first line of a small (sysfs) file, a
 * whole small file, a file copied, and making a write durable in its directory. */
#ifndef BEK_FILEIO_H
#define BEK_FILEIO_H
#include <stddef.h>
#include <sys/types.h>

/* The first line of a small file (sysfs), without its newline. 0 or a negative errno. */
int bek_read_line(const char *path, char *buf, size_t size);

/* A whole small file (sysfs, modules.alias, a list in the image) into a new
 * NUL-terminated buffer the caller frees; *len its length. oflags are added to
 * O_RDONLY | O_CLOEXEC | O_NOCTTY (e.g. O_NOFOLLOW). NULL with errno set on any error,
 * EFBIG when the file has max bytes or more. */
char *bek_read_small(const char *path, int oflags, size_t max, size_t *len);

/* Copies from into to, created or truncated with mode (a symbolic link at to is refused),
 * its data fsynced. On failure to is removed. 0 or -errno. */
int bek_copy_file(const char *from, const char *to, mode_t mode);

/* Makes a write to path durable: the file was fsync()ed, now its directory. 0 or -errno. */
int bek_sync_parent(const char *path);
#endif
