// SPDX-License-Identifier: GPL-2.0-or-later
#include "recovered.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define LUKS2_MAGIC "LUKS\xba\xbe"
#define HDR_SEQID_AT 16
#define HDR_UUID_AT 168
#define HDR_UUID_LEN 40

void bek_recovered_path(const char *uuid, char *out, size_t size)
{
	out[0] = '\0';
	if (!uuid || !uuid[0] || strlen(uuid) >= HDR_UUID_LEN || strspn(uuid, "0123456789abcdefABCDEF-") != strlen(uuid))
		return;
	snprintf(out, size, "%s/%s.luksheader", BEK_RECOVERED_DIR, uuid);
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int bek_luks2_seqid(const unsigned char *buf, size_t len, uint64_t *seqid, char uuid[40])
{
	if (len < HDR_UUID_AT + HDR_UUID_LEN || memcmp(buf, LUKS2_MAGIC, 6) != 0 || buf[6] != 0 || buf[7] != 2)
		return -EINVAL;
	*seqid = be64(buf + HDR_SEQID_AT);
	memcpy(uuid, buf + HDR_UUID_AT, HDR_UUID_LEN - 1);
	uuid[HDR_UUID_LEN - 1] = '\0';
	return 0;
}

/* A binary header's size, which is also the offset of the second one: 16 KiB to 4 MiB, a
 * power of two. */
static bool hdr_size_ok(uint64_t size)
{
	return size >= 16384 && size <= (4u << 20) && !(size & (size - 1));
}

/* The higher sequence number of a header file's two binary headers (libcryptsetup uses
 * the newer valid one), and the UUID. 0 or -errno. */
static int file_seqid(const char *path, uint64_t *seqid, char uuid[40])
{
	unsigned char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	int r = n < 0 ? -errno : bek_luks2_seqid(buf, (size_t)n, seqid, uuid);
	uint64_t second_at = r == 0 ? be64(buf + 8) : 0, s2;
	char u2[40];
	if (r == 0 && hdr_size_ok(second_at)) {
		n = pread(fd, buf, sizeof(buf), (off_t)second_at);
		if (n > 0 && bek_luks2_seqid(buf, (size_t)n, &s2, u2) == 0 && strcmp(u2, uuid) == 0 && s2 > *seqid)
			*seqid = s2;
	}
	close(fd);
	return r;
}

/* Copies from over to (keeping to's permissions, else 0600): beside it first, then
 * renamed, then the directory synced. */
static int replace_file(const char *from, const char *to)
{
	char tmp[PATH_MAX];
	struct stat st;
	if (snprintf(tmp, sizeof(tmp), "%s" BEK_RECOVERED_TMP, to) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int r = bek_copy_file(from, tmp, lstat(to, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mode & 0777 : 0600);
	if (r == 0 && rename(tmp, to) < 0) {
		r = -errno;
		unlink(tmp);
	}
	return r < 0 ? r : bek_sync_parent(to);
}

int bek_recovered_keep(const char *header, const char *uuid, char why[BEK_WHY_MAX])
{
	char path[PATH_MAX];
	bek_recovered_path(uuid, path, sizeof(path));
	if (!path[0])
		return bek_why(why, "unusable LUKS UUID"), -EINVAL;
	if (mkdir(BEK_RECOVERED_DIR, 0700) < 0 && errno != EEXIST)
		return bek_why(why, "cannot create %.150s: %s", BEK_RECOVERED_DIR, strerror(errno)), -errno;
	int r = replace_file(header, path);
	if (r < 0)
		bek_why(why, "cannot write %.150s: %s", path, strerror(-r));
	return r;
}

/* The reencryption state of a header file: CRYPT_REENCRYPT_* or -errno. */
static int state_of(const char *path, char uuid[40])
{
	struct crypt_device *cd = NULL;
	int r = crypt_init(&cd, path);
	if (r == 0)
		r = crypt_load(cd, CRYPT_LUKS2, NULL);
	if (r == 0) {
		snprintf(uuid, 40, "%s", crypt_get_uuid(cd) ? crypt_get_uuid(cd) : "");
		r = (int)crypt_reencrypt_status(cd, NULL);
	}
	crypt_free(cd);
	return r;
}

int bek_recovered_check(const char *copy, const char *header, char why[BEK_WHY_MAX])
{
	char cu[40], hu[40], cu2[40], hu2[40];
	uint64_t cs, hs;
	int c = state_of(copy, cu), h = state_of(header, hu);
	if (c < 0)
		return bek_why(why, "%.150s is not a readable LUKS2 header (%s)", copy, strerror(-c)), c;
	if (h < 0)
		return bek_why(why, "%.150s is not a readable LUKS2 header (%s)", header, strerror(-h)), h;
	if (strcmp(cu, hu) != 0)
		return bek_why(why, "%.100s belongs to another volume (LUKS UUID %s, not %s)", copy, cu, hu), -ESTALE;
	if (h != CRYPT_REENCRYPT_CRASH)
		return bek_why(why, "%.150s records no chunk cut by a crash", header), -EINVAL;
	if (c == CRYPT_REENCRYPT_CRASH || c == CRYPT_REENCRYPT_INVALID)
		return bek_why(why, "%.150s still records a chunk cut by a crash", copy), -EINVAL;
	int r = file_seqid(copy, &cs, cu2);
	if (r == 0)
		r = file_seqid(header, &hs, hu2);
	if (r < 0)
		return bek_why(why, "cannot read the headers' sequence numbers: %s", strerror(-r)), r;
	if (cs <= hs)
		return bek_why(why, "%.80s (sequence %llu) is not newer than %.80s (sequence %llu)", copy,
			       (unsigned long long)cs, header, (unsigned long long)hs), -ESTALE;
	return 0;
}

/* The binary header's size of a LUKS2 header file (hdr_size_ok). 0 or -errno. */
static int hdr_size_of(int fd, uint64_t *size)
{
	unsigned char b[16];
	if (pread(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	*size = be64(b + 8);
	return hdr_size_ok(*size) ? 0 : -EINVAL;
}

/* Whether two open files have the same size and the same bytes from offset on. */
static int same_from(int a, int b, uint64_t offset)
{
	struct stat sa, sb;
	char x[65536], y[65536];
	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		return -errno;
	if (sa.st_size != sb.st_size)
		return 0;
	for (off_t at = (off_t)offset; at < sa.st_size;) {
		ssize_t n = pread(a, x, sizeof(x), at), m = pread(b, y, sizeof(y), at);
		if (n <= 0 || n != m)
			return n < 0 || m < 0 ? -EIO : 0;
		if (memcmp(x, y, (size_t)n) != 0)
			return 0;
		at += n;
	}
	return 1;
}

/* Copies len bytes at offset from one open file to the other, then makes them durable. */
static int copy_range(int from, int to, uint64_t offset, uint64_t len)
{
	char buf[65536];
	for (uint64_t done = 0; done < len;) {
		size_t want = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		ssize_t n = pread(from, buf, want, (off_t)(offset + done));
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (pwrite(to, buf, (size_t)n, (off_t)(offset + done)) != n)
			return -EIO;
		done += (uint64_t)n;
	}
	return fdatasync(to) < 0 ? -errno : 0;
}

/* The recovery changed only the two metadata copies at the start of the file (JSON
 * segments, the reencryption digest; libcryptsetup's LUKS2_hdr_write()): the keyslot
 * areas after them must be the same bytes in both files, else nothing is written. Then,
 * as libcryptsetup writes a header, one copy at a time, each made durable before the
 * next: the secondary, then the primary. A power cut leaves at least one whole copy, old
 * or new, and libcryptsetup takes the whole one with the higher sequence number. Before
 * that, the two copies as they were are kept in keep_as (all that changes). */
int bek_recovered_adopt(const char *copy, const char *header, const char *keep_as, char why[BEK_WHY_MAX])
{
	uint64_t hs = 0, cs = 0;
	int r = -EIO, c = open(copy, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int h = open(header, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	int k = -1;
	if (c < 0 || h < 0) {
		r = -errno;
		bek_why(why, "cannot open %.150s: %s", c < 0 ? copy : header, strerror(-r));
	} else if ((r = hdr_size_of(h, &hs)) < 0 || (r = hdr_size_of(c, &cs)) < 0 || hs != cs) {
		bek_why(why, "%.60s and %.60s have different or unreadable metadata sizes", copy, header);
		r = r < 0 ? r : -EINVAL;
	} else if ((r = same_from(c, h, 2 * hs)) <= 0) {
		bek_why(why, "%.60s and %.60s differ beyond their metadata (keyslot areas or size): not swapped",
			copy, header);
		r = r < 0 ? r : -EINVAL;
	} else if ((k = open(keep_as, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
		   (r = copy_range(h, k, 0, 2 * hs)) < 0 || (r = bek_sync_parent(keep_as)) < 0) {
		r = k < 0 ? -errno : r;
		bek_why(why, "cannot keep the header's metadata as it was in %.150s: %s", keep_as, strerror(-r));
	} else if ((r = copy_range(c, h, hs, hs)) < 0 || (r = copy_range(c, h, 0, hs)) < 0)
		bek_why(why, "cannot write %.150s: %s", header, strerror(-r));
	if (k >= 0)
		close(k);
	if (c >= 0)
		close(c);
	if (h >= 0)
		close(h);
	return r < 0 ? r : 0;
}
