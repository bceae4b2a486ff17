/* TEMPORARY stand-in, replaced by the real beneath.c from branch csides. */
#include "beneath.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
int bek_open_beneath(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX])
{
	struct open_how how = { .flags = (unsigned)flags | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0) {
		int r = -errno;
		bek_why(why, "%s", r == -ENOENT ? "not found" : r == -ELOOP ? "has a symbolic link" : "cannot be opened");
		return r;
	}
	return fd;
}
