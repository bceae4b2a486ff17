// SPDX-License-Identifier: GPL-2.0-or-later
#include "bekfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "deadline.h"
#include "log.h"
#include "timing.h"

static const char *mount_options(const char *fstype)
{
	/* The codepage and charset named, so that the same two NLS modules serve on every
	 * kernel (the dracut module preloads them); key file names are ASCII anyway. */
	if (strcmp(fstype, "vfat") == 0)
		return "uid=0,gid=0,umask=0077,codepage=437,iocharset=ascii";
	/* noload/norecovery: no journal replay, so a read-only mount never writes. */
	if (strcmp(fstype, "ext4") == 0 || strcmp(fstype, "ext3") == 0)
		return "noload";
	if (strcmp(fstype, "ext2") == 0)
		return "";
	if (strcmp(fstype, "xfs") == 0)   /* RHEL's /boot, holding ADE's detached header */
		return "norecovery";
	return NULL;
}

bool bek_key_fs_ok(const char *fstype)
{
	return strcmp(fstype, "vfat") == 0;
}

bool bek_header_fs_ok(const char *fstype)
{
	return mount_options(fstype) != NULL;
}

int bek_private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

static int read_all(int fd, struct bek_secret *key)
{
	size_t n = 0;
	while (n < key->size) {
		ssize_t k = read(fd, key->data + n, key->size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;   /* shrank under us */
		n += (size_t)k;
	}
	return 0;
}

static int open_key(int dirfd, const char *key_file, struct bek_secret *key, char why[BEK_WHY_MAX])
{
	struct stat st;
	int r;
	int fd = openat(dirfd, key_file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		bek_why(why, "%s", r == -ENOENT ? "key file not found" :
				   r == -ELOOP ? "key file is a symbolic link" : "cannot open key file");
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		bek_why(why, "cannot stat key file");
	} else if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		bek_why(why, "key file is a directory");
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		bek_why(why, "key file is not a regular file");
	} else if (st.st_size == 0) {
		r = -ENODATA;
		bek_why(why, "key file is empty");
	} else if (st.st_size > (off_t)BEK_KEY_SIZE_MAX) {
		r = -EFBIG;
		bek_why(why, "key file is larger than 8 MiB");
	} else if ((r = bek_secret_alloc(key, (size_t)st.st_size)) < 0) {
		bek_why(why, "cannot allocate locked memory for the key");
	} else if ((r = read_all(fd, key)) < 0) {
		bek_why(why, "cannot read key file");
		bek_secret_free(key);
	}
	close(fd);
	return r;
}

struct private_mount {
	char dir[sizeof(BEK_MOUNT_PARENT "/bek-unlock.XXXXXX")];
	int dirfd;
	struct bek_activity *act;   /* told of dir while it exists */
};

static void umount_private(struct private_mount *m)
{
	uint64_t t = bek_clock_us();
	close(m->dirfd);
	if (umount2(m->dir, MNT_DETACH) < 0)
		bek_log_errno(LOG_ERR, errno, "Failed to unmount %s: %m", m->dir);
	rmdir(m->dir);
	bek_activity_made(m->act, BEK_MADE_DIR, NULL);
	bek_timing_add(BEK_T_UNMOUNT, t);
}

/* Mounts devnode read-only, nosuid, nodev, noexec in a fresh 0700 directory, and makes
 * sure that what got mounted is devnum, the device that was probed: a /dev name is only
 * a name, and udev may have renamed or replaced the node since. */
static int mount_private(const char *devnode, dev_t devnum, const char *fstype, struct private_mount *m,
			 char why[BEK_WHY_MAX])
{
	const char *options = mount_options(fstype);
	uint64_t t = bek_clock_us();
	struct stat st;
	int r;

	if (!options)
		return bek_why(why, "%s is not a filesystem bek-unlock mounts", fstype), -EMEDIUMTYPE;
	if (stat(devnode, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != devnum)
		return bek_why(why, "%s is no longer the device that was probed", devnode), -ENXIO;
	snprintf(m->dir, sizeof(m->dir), "%s", BEK_MOUNT_PARENT "/bek-unlock.XXXXXX");
	if (!mkdtemp(m->dir)) {   /* mode 0700 */
		r = -errno;
		return bek_why(why, "cannot create a private mount directory"), r;
	}
	bek_activity_made(m->act, BEK_MADE_DIR, m->dir);
	if (mount(devnode, m->dir, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME, options) < 0) {
		r = -errno;
		rmdir(m->dir);
		bek_activity_made(m->act, BEK_MADE_DIR, NULL);
		return bek_why(why, "cannot mount the filesystem"), r;
	}
	m->dirfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->dirfd < 0) {
		r = -errno;
		umount2(m->dir, MNT_DETACH);
		rmdir(m->dir);
		bek_activity_made(m->act, BEK_MADE_DIR, NULL);
		return bek_why(why, "cannot open the mounted filesystem"), r;
	}
	if (fstat(m->dirfd, &st) < 0 || st.st_dev != devnum) {
		umount_private(m);
		return bek_why(why, "what got mounted from %s is not the device that was probed", devnode), -ENXIO;
	}
	bek_timing_add(BEK_T_MOUNT, t);
	return 0;
}

int bek_read_key(const char *devnode, dev_t devnum, const char *fstype, const char *key_file,
		 struct bek_secret *key, struct bek_activity *act, char why[BEK_WHY_MAX])
{
	struct private_mount m = { .act = act };
	if (!bek_key_fs_ok(fstype))
		return bek_why(why, "%s, not VFAT", fstype), -EMEDIUMTYPE;
	int r = mount_private(devnode, devnum, fstype, &m, why);
	if (r < 0)
		return r;
	uint64_t t = bek_clock_us();
	r = open_key(m.dirfd, key_file, key, why);
	bek_timing_add(BEK_T_KEY_READ, t);
	umount_private(&m);
	return r;
}

static int copy_fd(int in, int out, off_t size, char why[BEK_WHY_MAX])
{
	char buf[65536];
	for (off_t done = 0; done < size;) {
		ssize_t k = read(in, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)   /* 0: it shrank under us */
			return bek_why(why, "cannot read the header file"), k < 0 ? -errno : -EIO;
		ssize_t w = write(out, buf, (size_t)k);
		if (w != k)
			return bek_why(why, "cannot write the header copy"), w < 0 ? -errno : -ENOSPC;
		done += k;
	}
	return 0;
}

int bek_read_header(const char *devnode, dev_t devnum, const char *fstype, const char *path, int out,
		    struct bek_activity *act, char why[BEK_WHY_MAX])
{
	struct private_mount m = { .act = act };
	struct stat st;
	char w[BEK_WHY_MAX];
	int r = mount_private(devnode, devnum, fstype, &m, why);
	if (r < 0)
		return r;
	int fd = bek_open_beneath(m.dirfd, path, O_RDONLY | O_NONBLOCK, w);
	if (fd < 0) {
		r = fd;
		if (r == -ENOENT || r == -ELOOP)
			bek_why(why, "%s", r == -ENOENT ? "header file not found" : "header path has a symbolic link");
		else
			bek_why(why, "cannot open the header file: %.200s", w);
	} else if (fstat(fd, &st) < 0) {
		r = -errno;
		bek_why(why, "cannot stat the header file");
	} else if (!S_ISREG(st.st_mode) || st.st_size < 4096 || st.st_size > (off_t)BEK_HEADER_SIZE_MAX) {
		r = -EINVAL;
		bek_why(why, "header file is not a regular file of 4 KiB to 64 MiB");
	} else {
		r = copy_fd(fd, out, st.st_size, why);
	}
	if (fd >= 0)
		close(fd);
	umount_private(&m);
	return r;
}
