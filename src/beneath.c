// SPDX-License-Identifier: GPL-2.0-or-later
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COMPONENT_MAX 255   /* NAME_MAX */

/* The refusals both ways share: the path's syntax, checked before any system call. */
static int check_path(const char *path, char why[BEK_WHY_MAX])
{
	if (!path[0])
		return bek_why(why, "path is empty"), -EINVAL;
	if (path[0] == '/')
		return bek_why(why, "path is absolute"), -EINVAL;
	for (const char *c = path;;) {
		size_t n = strcspn(c, "/");
		if (n == 0)
			return bek_why(why, "path has an empty component"), -EINVAL;
		if (n == 1 && c[0] == '.')
			return bek_why(why, "path has a '.' component"), -EINVAL;
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return bek_why(why, "path has a '..' component"), -EINVAL;
		if (n > COMPONENT_MAX)
			return bek_why(why, "path has a component longer than 255 bytes"), -ENAMETOOLONG;
		if (!c[n])
			return 0;
		c += n + 1;
	}
}

/* Writes the phrase for the negative errno r into why and returns r: one errno, one
 * phrase, the same whichever way the path was opened. */
static int explain_errno(int r, char why[BEK_WHY_MAX])
{
	switch (r) {
	case -ENOENT:
		bek_why(why, "path not found");
		break;
	case -ELOOP:
		bek_why(why, "path has a symbolic link");
		break;
	case -EXDEV:
		bek_why(why, "path leaves the filesystem");
		break;
	case -ENOTDIR:
		bek_why(why, "path has a component that is not a directory");
		break;
	case -ENOSYS:
		bek_why(why, "openat2() is not available");
		break;
	default:
		bek_why(why, "path cannot be opened: %s", strerror(-r));
	}
	return r;
}

int bek_open_beneath_openat2(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX])
{
	struct open_how how = {
		.flags = (unsigned)flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int r = check_path(path, why);
	if (r < 0)
		return r;
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd >= 0 ? fd : explain_errno(-errno, why);
}

/* fd is on device dev: 0, -EXDEV or what fstat says. Symbolic links (O_PATH opens
 * them) are -ELOOP. */
static int check_fd(int fd, dev_t dev, bool want_dir)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (st.st_dev != dev)
		return -EXDEV;
	if (want_dir && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* openat() of a directory component that refuses a symbolic link says ENOTDIR
 * (O_DIRECTORY is checked first): say ELOOP when it is one. */
static int dir_errno(int at, const char *name, int err)
{
	struct stat st;
	if (err == ENOTDIR && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	return -err;
}

int bek_open_beneath_walk(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX])
{
	char name[COMPONENT_MAX + 1];
	struct stat top;
	int r = check_path(path, why);
	if (r < 0)
		return r;
	if (fstat(dirfd, &top) < 0)
		return explain_errno(-errno, why);

	int at = dirfd, fd = -1;
	for (const char *c = path;;) {
		size_t n = strcspn(c, "/");
		bool last = !c[n];
		memcpy(name, c, n);
		name[n] = '\0';
		if (last)
			fd = openat(at, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		else
			fd = openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			r = last ? -errno : dir_errno(at, name, errno);
		else
			r = check_fd(fd, top.st_dev, !last);
		if (at != dirfd)
			close(at);
		if (r < 0) {
			if (fd >= 0)
				close(fd);
			return explain_errno(r, why);
		}
		if (last)
			return fd;
		at = fd;
		c += n + 1;
	}
}

int bek_open_beneath(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX])
{
	int fd = bek_open_beneath_openat2(dirfd, path, flags, why);
	if (fd == -ENOSYS)
		fd = bek_open_beneath_walk(dirfd, path, flags, why);
	return fd;
}
