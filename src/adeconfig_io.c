// SPDX-License-Identifier: GPL-2.0-or-later
/* File I/O of the boot-configuration change (adeconfig_int.h): reading and atomically
 * replacing files beneath a system's root without following symbolic links,
 * backups, and running the distribution's tools in that system. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "adeconfig_int.h"

/* Opens path (relative, made of our own constant names) below dirfd one component at a
 * time, never following a symbolic link (a link in a rescued system would lead into the
 * rescue VM), crossing mount points (/usr or /boot may be their own filesystems).
 * Returns the descriptor or -errno with why set. */
static int open_walk(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX])
{
	char buf[512];
	if (!path[0] || path[0] == '/' || strlen(path) >= sizeof(buf))
		return bek_invalid(why, "bad path");
	strcpy(buf, path);
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	for (char *c = buf, *slash; fd >= 0; c = slash + 1) {
		slash = strchr(c, '/');
		if (slash)
			*slash = '\0';
		if (!c[0] || strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			close(fd);
			return bek_invalid(why, "bad path");
		}
		int next = openat(fd, c, (slash ? O_RDONLY | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
					    (slash ? 0 : O_NONBLOCK));
		int e = errno;
		close(fd);
		if (next < 0) {
			bek_why(why, e == ELOOP || (e == ENOTDIR && slash) ? "has a symbolic link in its path" : "cannot be opened: %s",
				strerror(e));
			return -e;
		}
		if (!slash)
			return next;
		fd = next;
	}
	return -errno;
}

/* Opens the directory holding path (absolute in the system) beneath rootfd, creating
 * missing ones (0755) when create; *base points at the last component. */
static int open_parent(int rootfd, const char *path, bool create, const char **base, char why[BEK_WHY_MAX])
{
	char dir[512];
	const char *slash = strrchr(path, '/');
	if (path[0] != '/' || !slash || !slash[1] || (size_t)(slash - path) >= sizeof(dir))
		return bek_invalid(why, "bad path");
	*base = slash + 1;
	if (slash == path)
		return fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	memcpy(dir, path + 1, (size_t)(slash - path) - 1);
	dir[slash - path - 1] = '\0';
	for (char *p = dir; create; p++) {
		p = strchr(p, '/');
		if (p)
			*p = '\0';
		int r = mkdirat(rootfd, dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
		if (r < 0) {
			bek_why(why, "cannot create /%.120s: %s", dir, strerror(-r));
			return r;
		}
		if (!p)
			break;
		*p = '/';
	}
	return open_walk(rootfd, dir, O_RDONLY | O_DIRECTORY, why);
}

static int read_fd(int fd, char **text, char why[BEK_WHY_MAX])
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return bek_invalid(why, "is not a regular file");
	if (st.st_size > BEK_CFG_FILE_MAX)
		return bek_invalid(why, "is larger than 1 MiB");
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	for (ssize_t r; len < (size_t)st.st_size; len += (size_t)r) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			free(buf);
			bek_why(why, "cannot be read: %s", strerror(e));
			return -e;
		}
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(buf);
		return bek_invalid(why, "holds a NUL byte");
	}
	*text = buf;
	return 0;
}

int bek_cfg_read(int rootfd, const char *path, char **text, char why[BEK_WHY_MAX])
{
	*text = NULL;
	if (path[0] != '/' || !path[1])
		return bek_invalid(why, "bad path");
	int fd = open_walk(rootfd, path + 1, O_RDONLY, why);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	int r = read_fd(fd, text, why);
	close(fd);
	return r;
}

int bek_cfg_read_tool(int dirfd, const char *path, char **text, char why[BEK_WHY_MAX])
{
	char target[256];
	int r;
	*text = NULL;
	if (path[0] != '/' || !path[1])
		return bek_invalid(why, "bad path");
	int fd = openat(dirfd, path + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) {
		ssize_t l = readlinkat(dirfd, path + 1, target, sizeof(target) - 1);
		if (l <= 0 || target[0] == '/')
			return bek_invalid(why, "is an absolute symbolic link");
		fd = openat(dirfd, path + 1, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	}
	if (fd < 0)
		return errno == ENOENT ? 0 : (r = -errno, bek_why(why, "cannot be opened: %s", strerror(-r)), r);
	r = read_fd(fd, text, why);
	close(fd);
	return r;
}

bool bek_cfg_exists(int rootfd, const char *path)
{
	struct stat st;
	return path[0] == '/' && fstatat(rootfd, path + 1, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		data += w, len -= (size_t)w;
	}
	return 0;
}

/* data to dirfd/name atomically; like is the file it replaces (-1: none, then mode). */
static int replace_at(int dirfd, const char *name, const char *data, int like, mode_t mode, char why[BEK_WHY_MAX])
{
	char tmp[300];
	struct stat st = { .st_mode = mode };
	int r = 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.bek-new", name) >= sizeof(tmp))
		return bek_invalid(why, "name too long");
	if (like >= 0 && fstat(like, &st) < 0)
		return -errno;
	(void)unlinkat(dirfd, tmp, 0);   /* left by an interrupted run */
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		bek_why(why, "cannot create a temporary file: %s", strerror(-r));
		return r;
	}
	char label[256];
	ssize_t ll = like >= 0 ? fgetxattr(like, "security.selinux", label, sizeof(label)) : -1;
	if ((r = write_all(fd, data, strlen(data))) < 0 || fchown(fd, like >= 0 ? st.st_uid : 0, like >= 0 ? st.st_gid : 0) < 0 ||
	    fchmod(fd, st.st_mode & 07777) < 0 || (ll > 0 && fsetxattr(fd, "security.selinux", label, (size_t)ll, 0) < 0) ||
	    fsync(fd) < 0) {
		r = r < 0 ? r : -errno;
		bek_why(why, "cannot write a temporary file: %s", strerror(-r));
		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0 || fsync(dirfd) < 0) {
		r = -errno;
		bek_why(why, "cannot replace it: %m");
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int bek_cfg_write(int rootfd, const char *path, const char *data, char why[BEK_WHY_MAX])
{
	const char *base;
	int dirfd = open_parent(rootfd, path, true, &base, why);
	if (dirfd < 0)
		return dirfd;
	char w2[BEK_WHY_MAX];
	int like = open_walk(dirfd, base, O_RDONLY, w2);
	if (like < 0 && like != -ENOENT) {
		close(dirfd);
		bek_why(why, "%s", w2);
		return like;
	}
	int r = replace_at(dirfd, base, data, like, 0644, why);
	if (like >= 0)
		close(like);
	close(dirfd);
	return r;
}

int bek_cfg_remove(int rootfd, const char *path, char why[BEK_WHY_MAX])
{
	const char *base;
	int dirfd = open_parent(rootfd, path, false, &base, why);
	if (dirfd < 0)
		return dirfd == -ENOENT ? 0 : dirfd;
	int r = 0;
	if ((unlinkat(dirfd, base, 0) < 0 && errno != ENOENT) || fsync(dirfd) < 0) {
		r = -errno;
		bek_why(why, "cannot remove it: %m");
	}
	close(dirfd);
	return r;
}

int bek_cfg_backup(int rootfd, const char *backup_dir, const char *path, const char *data, char why[BEK_WHY_MAX])
{
	/* The original's permissions for its owner only (a keyscript stays executable). */
	struct stat st = { .st_mode = 0600 };
	char w2[BEK_WHY_MAX];
	int ofd = open_walk(rootfd, path + 1, O_RDONLY, w2);
	if (ofd >= 0) {
		if (fstat(ofd, &st) < 0)
			st.st_mode = 0600;
		close(ofd);
	}
	int bfd = open(backup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0) {
		int r = -errno;
		bek_why(why, "cannot open the backup directory %.150s: %s", backup_dir, strerror(-r));
		return r;
	}
	const char *base;
	int dirfd = open_parent(bfd, path, true, &base, why), r = 0;
	close(bfd);
	if (dirfd < 0)
		return dirfd;
	char name[300];
	for (int i = 0; i < 10; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s.%d", base, i);
		char *have = NULL;
		int fd = open_walk(dirfd, name, O_RDONLY, w2);
		if (fd == -ENOENT) {
			r = replace_at(dirfd, name, data, -1, (st.st_mode & 0700) | 0600, why);
			break;
		}
		r = fd < 0 ? fd : read_fd(fd, &have, w2);
		if (fd >= 0)
			close(fd);
		bool same = r == 0 && strcmp(have, data) == 0;
		free(have);
		if (same)
			break;   /* this version is saved already */
		r = -EEXIST;
	}
	if (r == -EEXIST)
		bek_why(why, "ten different backups of %s exist already", path);
	close(dirfd);
	return r;
}

/* In the child: the system's root with /dev, /proc, /sys bound, in a private namespace
 * (the bindings end with the process, however it ends). */
static void enter_root(const char *root)
{
	static const char *const bind[] = { "dev", "proc", "sys" };
	if (strcmp(root, "/") == 0)
		return;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "bek-unlock: cannot make a private mount namespace: %m\n");
		_exit(126);
	}
	for (size_t i = 0; i < 3; i++) {
		char from[8], to[4096];
		snprintf(from, sizeof(from), "/%s", bind[i]);
		snprintf(to, sizeof(to), "%s/%s", root, bind[i]);
		if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0) {
			fprintf(stderr, "bek-unlock: cannot bind /%s into %s: %m\n", bind[i], root);
			_exit(126);
		}
	}
	if (chroot(root) < 0 || chdir("/") < 0) {
		fprintf(stderr, "bek-unlock: cannot change root to %s: %m\n", root);
		_exit(126);
	}
}

int bek_cfg_run(const char *root, char *const argv[], char why[BEK_WHY_MAX])
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		bek_why(why, "cannot fork: %s", strerror(-r));
		return r;
	}
	if (pid == 0) {
		enter_root(root);
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
		execvp(argv[0], argv);
		fprintf(stderr, "bek-unlock: cannot run %s: %m\n", argv[0]);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			int r = -errno;
			bek_why(why, "cannot wait for %.100s: %s", argv[0], strerror(-r));
			return r;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		bek_why(why, "%s exited with status %d", argv[0], WEXITSTATUS(st));
	else
		bek_why(why, "%s was killed by signal %d", argv[0], WTERMSIG(st));
	return -EIO;
}
