// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: the layouts that need the volume closed. A LUKS1 header becomes
 * LUKS2 (libcryptsetup reencrypts LUKS2 only); a header on the device is exported to a
 * file and the decrypted data moved over its place ("datashift", libcryptsetup 2.5+). */
#include "decrypt_volume.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

#define ROOM_FOR_LUKS2 (4u << 20)   /* what a detached LUKS1 header file grows to, at least */

int bek_dc_convert_luks1(struct bek_dc_volume *v, struct crypt_device **cd, const char *dir)
{
	(void)dir;
	int r;
	if (!v->header[0]) {
		/* On the device: converted in place (the backup made before is the way back). */
		r = crypt_convert(*cd, CRYPT_LUKS2, NULL);
		if (r < 0)
			return bek_log_errno(LOG_ERR, r, "%s: failed to convert its LUKS1 header to LUKS2: %m", v->name);
		bek_log(LOG_NOTICE, "%s: LUKS1 header converted to LUKS2", v->name);
		return 0;
	}
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.bek-new", v->header);
	unlink(tmp);
	r = bek_copy_file(v->header, tmp, 0600);
	struct stat st;
	if (r == 0 && stat(tmp, &st) == 0 && (uint64_t)st.st_size < ROOM_FOR_LUKS2 && truncate(tmp, ROOM_FOR_LUKS2) < 0)
		r = -errno;
	struct crypt_device *ncd = NULL;
	if (r == 0)
		r = bek_dc_load(&ncd, tmp, v->device);
	if (r == 0)
		r = crypt_convert(ncd, CRYPT_LUKS2, NULL);
	crypt_free(ncd);
	if (r == 0)
		r = bek_dc_fsync_path(tmp);
	if (r == 0 && rename(tmp, v->header) < 0)
		r = -errno;
	if (r == 0)
		r = bek_dc_fsync_path(v->header);
	if (r < 0) {
		unlink(tmp);
		return bek_log_errno(LOG_ERR, r, "%s: failed to convert its LUKS1 header %s to LUKS2: %m", v->name, v->header);
	}
	bek_log(LOG_NOTICE, "%s: LUKS1 header %s converted to LUKS2", v->name, v->header);
	return 0;
}

/* Removes every signature libblkid finds at the start of the device (the old LUKS
 * header's), as cryptsetup does before moving data over it. */
static int wipe_signatures(const char *device)
{
	int fd = open(device, O_RDWR | O_CLOEXEC), r = 0;
	if (fd < 0)
		return -errno;
	blkid_probe pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, 0) < 0)
		r = -ENOMEM;
	else {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
		for (int i = 0; i < 16 && blkid_do_probe(pr) == 0; i++)
			if (blkid_do_wipe(pr, 0) < 0) {
				r = -errno ? -errno : -EIO;
				break;
			}
	}
	blkid_free_probe(pr);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void identity_path(const char *export, char *out, size_t size)
{
	snprintf(out, size, "%.*s.device", (int)(strlen(export) - strlen(".header-in-use")), export);
}

/* What ties an exported header to its device: the device's size. Written before the
 * device's own header is wiped. */
static int write_identity(const char *export, uint64_t size)
{
	char path[PATH_MAX + 16];
	identity_path(export, path, sizeof(path));
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "size=%llu\n", (unsigned long long)size);
	int r = fclose(f) == 0 ? bek_dc_fsync_path(path) : -errno;
	return r;
}

int bek_dc_find_export(const char *name, const char *device, const char *dir, char *path, size_t size)
{
	DIR *d = opendir(dir);
	if (!d)
		return -ENOENT;
	size_t nl = strlen(name);
	int r = -ENOENT;
	for (struct dirent *e; r == -ENOENT && (e = readdir(d));) {
		size_t l = strlen(e->d_name), sl = strlen(".header-in-use");
		if (l <= nl + 1 + sl || strncmp(e->d_name, name, nl) != 0 || e->d_name[nl] != '-' ||
		    strcmp(e->d_name + l - sl, ".header-in-use") != 0)
			continue;
		char id[PATH_MAX + 16], line[64] = "";
		snprintf(path, size, "%s/%s", dir, e->d_name);
		identity_path(path, id, sizeof(id));
		FILE *f = fopen(id, "re");
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		unsigned long long want = 0;
		int fd = open(device, O_RDONLY | O_CLOEXEC);
		uint64_t have = 0;
		if (fd >= 0) {
			have = (uint64_t)lseek(fd, 0, SEEK_END);
			close(fd);
		}
		if (sscanf(line, "size=%llu", &want) == 1 && want == have)
			r = 0;
	}
	closedir(d);
	return r;
}

int bek_dc_decrypt_shift(struct bek_dc_volume *v, struct crypt_device **cd, const struct bek_secret *key,
			 const char *dir, bek_dc_progress_fn fn, void *usr)
{
	char export[PATH_MAX];
	bek_dc_export_path(v, dir, export, sizeof(export));
	uint64_t devsize = v->size + v->facts.data_offset;
	unlink(export);
	int r = crypt_header_backup(*cd, CRYPT_LUKS2, export);
	if (r == 0)
		r = bek_dc_fsync_path(export);
	if (r == 0)
		r = write_identity(export, devsize);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "%s: failed to export its header to %s: %m", v->name, export);
	struct crypt_params_reencrypt p = {
		.mode = CRYPT_REENCRYPT_DECRYPT,
		.direction = CRYPT_REENCRYPT_FORWARD,
		.resilience = "datashift-checksum",
		.hash = "sha256",
		.data_shift = crypt_get_data_offset(*cd),
		.flags = CRYPT_REENCRYPT_MOVE_FIRST_SEGMENT,
	};
	crypt_free(*cd);
	*cd = NULL;
	r = bek_dc_load(cd, export, v->device);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "%s: failed to read the exported header %s: %m", v->name, export);
	r = wipe_signatures(v->device);
	if (r < 0)
		bek_log_errno(LOG_ERR, r, "%s: failed to wipe the header on %s: %m", v->name, v->device);
	else
		r = crypt_reencrypt_init_by_passphrase(*cd, NULL, key->data, key->size, CRYPT_ANY_SLOT, CRYPT_ANY_SLOT,
						       NULL, NULL, &p);
	if (r < 0 && crypt_reencrypt_status(*cd, NULL) == CRYPT_REENCRYPT_NONE) {
		/* Nothing moved yet: the header goes back where it was. */
		struct crypt_device *dev = NULL;
		int rr = crypt_init(&dev, v->device);
		if (rr == 0)
			rr = crypt_header_restore(dev, CRYPT_LUKS2, export);
		crypt_free(dev);
		bek_log_errno(LOG_ERR, r, "%s: failed to start the decryption: %m; %s", v->name,
			      rr == 0 ? "its header is back on the device" : "its header is in the exported file and the backup");
		return r;
	}
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "%s: failed to start the decryption: %m", v->name);
	snprintf(v->header, sizeof(v->header), "%s", export);
	bek_log(LOG_NOTICE, "%s: its header now lives in %s until the end", v->name, export);
	return bek_dc_reencrypt(*cd, v, fn, usr);
}
