#include "bekfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

const char *bek_mount_options(const char *fstype)
{
	if (strcmp(fstype, "vfat") == 0)
		return "uid=0,gid=0,umask=0077";
	/* noload: no journal replay, so a read-only mount never writes to the disk. */
	if (strcmp(fstype, "ext4") == 0 || strcmp(fstype, "ext3") == 0 || strcmp(fstype, "ext2") == 0)
		return strcmp(fstype, "ext2") == 0 ? "" : "noload";
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

int bek_read_key(const char *devnode, const char *fstype, const char *key_file,
		 struct bek_secret *key, const char **why)
{
	char dir[] = BEK_MOUNT_PARENT "/bek-unlock.XXXXXX";
	int r;

	if (!mkdtemp(dir)) {   /* mode 0700 */
		*why = "cannot create a private mount directory";
		return -errno;
	}
	const char *options = bek_mount_options(fstype);
	if (!options) {
		*why = "not a VFAT or ext2/3/4 filesystem";
		rmdir(dir);
		return -EMEDIUMTYPE;
	}
	if (mount(devnode, dir, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME, options) < 0) {
		r = -errno;
		*why = "cannot mount the BEK filesystem";
		rmdir(dir);
		return r;
	}
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		r = -errno;
		*why = "cannot open the mounted BEK filesystem";
	} else {
		r = open_key(dirfd, key_file, key, why);
		close(dirfd);
	}
	if (umount2(dir, MNT_DETACH) < 0)
		bek_log_errno(LOG_ERR, errno, "Failed to unmount %s: %m", dir);
	rmdir(dir);
	return r;
}
