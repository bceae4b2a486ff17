#include "bekfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "timing.h"

const char *bek_mount_options(const char *fstype)
{
	/* The codepage and charset named, so that the same two NLS modules serve on every
	 * kernel (the dracut module preloads them); key file names are ASCII anyway. */
	if (strcmp(fstype, "vfat") == 0)
		return "uid=0,gid=0,umask=0077,codepage=437,iocharset=ascii";
	/* noload/norecovery: no journal replay, so a read-only mount never writes. */
	if (strcmp(fstype, "ext4") == 0 || strcmp(fstype, "ext3") == 0 || strcmp(fstype, "ext2") == 0)
		return strcmp(fstype, "ext2") == 0 ? "" : "noload";
	if (strcmp(fstype, "xfs") == 0)   /* RHEL's /boot, holding ADE's detached header */
		return "norecovery";
	return NULL;
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

static int open_key(int dirfd, const char *key_file, struct bek_secret *key, const char **why)
{
	struct stat st;
	int r;
	int fd = openat(dirfd, key_file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		*why = r == -ENOENT ? "key file not found" :
		       r == -ELOOP ? "key file is a symbolic link" : "cannot open key file";
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		*why = "cannot stat key file";
	} else if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		*why = "key file is a directory";
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		*why = "key file is not a regular file";
	} else if (st.st_size == 0) {
		r = -ENODATA;
		*why = "key file is empty";
	} else if (st.st_size > (off_t)BEK_KEY_SIZE_MAX) {
		r = -EFBIG;
		*why = "key file is larger than 8 MiB";
	} else if ((r = bek_secret_alloc(key, (size_t)st.st_size)) < 0) {
		*why = "cannot allocate locked memory for the key";
	} else if ((r = read_all(fd, key)) < 0) {
		*why = "cannot read key file";
		bek_secret_free(key);
	}
	close(fd);
	return r;
}

struct private_mount {
	char dir[sizeof(BEK_MOUNT_PARENT "/bek-unlock.XXXXXX")];
	int dirfd;
};

/* Mounts devnode read-only, nosuid, nodev, noexec in a fresh 0700 directory. */
static int mount_private(const char *devnode, const char *fstype, struct private_mount *m, const char **why)
{
	const char *options = bek_mount_options(fstype);
	uint64_t t = bek_clock_us();
	int r;

	if (!options) {
		*why = "not a VFAT, ext2/3/4 or XFS filesystem";
		return -EMEDIUMTYPE;
	}
	snprintf(m->dir, sizeof(m->dir), "%s", BEK_MOUNT_PARENT "/bek-unlock.XXXXXX");
	if (!mkdtemp(m->dir)) {   /* mode 0700 */
		*why = "cannot create a private mount directory";
		return -errno;
	}
	if (mount(devnode, m->dir, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME, options) < 0) {
		r = -errno;
		*why = "cannot mount the filesystem";
		rmdir(m->dir);
		return r;
	}
	m->dirfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->dirfd < 0) {
		r = -errno;
		*why = "cannot open the mounted filesystem";
		umount2(m->dir, MNT_DETACH);
		rmdir(m->dir);
		return r;
	}
	bek_timing_add(BEK_T_MOUNT, t);
	return 0;
}

static void umount_private(struct private_mount *m)
{
	uint64_t t = bek_clock_us();
	close(m->dirfd);
	if (umount2(m->dir, MNT_DETACH) < 0)
		bek_log_errno(LOG_ERR, errno, "Failed to unmount %s: %m", m->dir);
	rmdir(m->dir);
	bek_timing_add(BEK_T_UNMOUNT, t);
}

int bek_read_key(const char *devnode, const char *fstype, const char *key_file,
		 struct bek_secret *key, const char **why)
{
	struct private_mount m;
	int r = mount_private(devnode, fstype, &m, why);
	if (r < 0)
		return r;
	uint64_t t = bek_clock_us();
	r = open_key(m.dirfd, key_file, key, why);
	bek_timing_add(BEK_T_KEY_READ, t);
	umount_private(&m);
	return r;
}

static int copy_fd(int in, int out, off_t size, const char **why)
{
	char buf[65536];
	for (off_t done = 0; done < size;) {
		ssize_t k = read(in, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*why = "cannot read the header file";
			return k < 0 ? -errno : -EIO;   /* 0: it shrank under us */
		}
		ssize_t w = write(out, buf, (size_t)k);
		if (w != k) {
			*why = "cannot write the header copy";
			return w < 0 ? -errno : -ENOSPC;
		}
		done += k;
	}
	return 0;
}

int bek_read_header(const char *devnode, const char *fstype, const char *path, int out, const char **why)
{
	struct private_mount m;
	struct stat st;
	/* Beneath the mount, no symbolic links, no crossing into other mounts. */
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int r = mount_private(devnode, fstype, &m, why);
	if (r < 0)
		return r;
	int fd = (int)syscall(SYS_openat2, m.dirfd, path, &how, sizeof(how));
	if (fd < 0) {
		r = -errno;
		*why = r == -ENOENT ? "header file not found" : r == -ELOOP ? "header path has a symbolic link" :
								   "cannot open the header file";
	} else if (fstat(fd, &st) < 0) {
		r = -errno;
		*why = "cannot stat the header file";
	} else if (!S_ISREG(st.st_mode) || st.st_size < 4096 || st.st_size > (off_t)BEK_HEADER_SIZE_MAX) {
		r = -EINVAL;
		*why = "header file is not a regular file of 4 KiB to 64 MiB";
	} else {
		r = copy_fd(fd, out, st.st_size, why);
	}
	if (fd >= 0)
		close(fd);
	umount_private(&m);
	return r;
}
