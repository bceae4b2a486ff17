// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: where one volume stands, read without writing anything. */
#include "decrypt_volume.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libcryptsetup.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "plainmap.h"
#include "plan.h"
#include "recovered.h"


/* Holders of dev in sysfs: our own dm-crypt mapping (by its device-mapper UUID) names
 * v->active; any other holder makes the device used otherwise. */
static void find_holders(struct bek_dc_volume *v, dev_t dev)
{
	char dir[96];
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/holders", major(dev), minor(dev));
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX], uuid[160] = "", name[128] = "";
		snprintf(path, sizeof(path), "/sys/class/block/%.64s/dm/uuid", e->d_name);
		(void)bek_read_line(path, uuid, sizeof(uuid));
		snprintf(path, sizeof(path), "/sys/class/block/%.64s/dm/name", e->d_name);
		(void)bek_read_line(path, name, sizeof(name));
		if (v->uuid[0] && name[0] && bek_dm_uuid_is_luks(uuid, v->uuid))
			snprintf(v->active, sizeof(v->active), "%s", name);
		else
			v->facts.used_otherwise = true;
	}
	closedir(d);
}

static bool mounted_directly(dev_t dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[4096], want[32];
	snprintf(want, sizeof(want), " %u:%u ", major(dev), minor(dev));
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

bool bek_dc_path_on_device(const char *path, dev_t dev)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return false;
	/* Walk from the filesystem's device down its slaves (dm, md, partitions' disks are
	 * not slaves: a partition is its own device). */
	dev_t stack[32];
	size_t n = 0;
	stack[n++] = st.st_dev;
	for (size_t seen = 0; n > 0 && seen < 256; seen++) {
		dev_t d = stack[--n];
		if (d == dev)
			return true;
		char dir[96];
		snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/slaves", major(d), minor(d));
		DIR *s = opendir(dir);
		if (!s)
			continue;
		for (struct dirent *e; (e = readdir(s)) && n < 32;) {
			char p[PATH_MAX], num[32];
			unsigned ma, mi;
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "/sys/class/block/%.64s/dev", e->d_name);
			if (bek_read_line(p, num, sizeof(num)) == 0 && sscanf(num, "%u:%u", &ma, &mi) == 2)
				stack[n++] = makedev(ma, mi);
		}
		closedir(s);
	}
	return false;
}

/* The segments of a LUKS2 header: whether every live one is plain, and how much of the
 * data is plain (decrypted) or, during an encryption, encrypted. */
static void read_segments(struct crypt_device *cd, struct bek_dc_volume *v, bool *all_plain)
{
	const char *text = NULL;
	*all_plain = false;
	if (crypt_dump_json(cd, &text, 0) < 0 || !text)
		return;
	json_object *root = json_tokener_parse(text), *segs;
	if (!root || !json_object_object_get_ex(root, "segments", &segs) || !json_object_is_type(segs, json_type_object)) {
		json_object_put(root);
		return;
	}
	uint64_t plain = 0, crypt = 0, dynamic_at = UINT64_MAX;
	bool dynamic_plain = false, any = false;
	json_object_object_foreach(segs, key, seg) {
		(void)key;
		json_object *j;
		if (bek_segment_is_backup(seg))
			continue;   /* backup segments describe the past, not the data */
		if (!json_object_object_get_ex(seg, "type", &j))
			continue;
		bool lin = strcmp(json_object_get_string(j), "linear") == 0;
		any = true;
		uint64_t off = 0;
		if (json_object_object_get_ex(seg, "offset", &j))
			off = strtoull(json_object_get_string(j), NULL, 10);
		if (!json_object_object_get_ex(seg, "size", &j) || strcmp(json_object_get_string(j), "dynamic") == 0) {
			dynamic_at = off, dynamic_plain = lin;
			continue;
		}
		uint64_t sz = strtoull(json_object_get_string(j), NULL, 10);
		*(lin ? &plain : &crypt) += sz;
	}
	json_object_put(root);
	if (!any)
		return;
	uint64_t total = v->size;
	if (dynamic_at != UINT64_MAX && total > plain + crypt)
		*(dynamic_plain ? &plain : &crypt) += total - plain - crypt;
	*all_plain = crypt == 0;
	if (total > 0) {
		double f = (double)(v->facts.state == BEK_DC_ENCRYPTING ? crypt : plain) / (double)total;
		v->done = f > 1 ? 1 : f;
	}
}

/* blkid's view of a device's first bytes: TYPE and UUID. */
static void probe_content(const char *dev, char type[32], char uuid[64])
{
	type[0] = uuid[0] = '\0';
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
	if (blkid_do_safeprobe(pr) == 0) {
		const char *s;
		if (blkid_probe_lookup_value(pr, "TYPE", &s, NULL) == 0)
			snprintf(type, 32, "%s", s);
		if (blkid_probe_lookup_value(pr, "UUID", &s, NULL) == 0)
			snprintf(uuid, 64, "%s", s);
	}
	blkid_free_probe(pr);
}

static void discard_log(int level, const char *msg, void *usr)
{
	(void)level, (void)msg, (void)usr;
}

static int device_size(const char *path, uint64_t *size, bool *ro)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0, flag = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0)
			r = -errno;
		else if (ioctl(fd, BLKROGET, &flag) == 0 && flag)
			*ro = true;
	} else if (S_ISREG(st.st_mode))
		*size = (uint64_t)st.st_size;
	else
		r = -ENOTBLK;
	close(fd);
	if (r == 0 && access(path, W_OK) < 0)
		*ro = true;
	return r;
}

/* A copy of v's header that the boot recovered (recovered.h), when it may replace it. */
static void find_recovered(struct bek_dc_volume *v)
{
	char why[BEK_WHY_MAX];
	bek_recovered_path(v->uuid, v->recovered, sizeof(v->recovered));
	if (!v->recovered[0] || access(v->recovered, F_OK) < 0)
		v->recovered[0] = '\0';
	else if (bek_recovered_check(v->recovered, v->header, why) == 0)
		v->facts.recovered_copy = true;
	else
		bek_log(LOG_WARNING, "%s: the header copy the boot kept is not used: %s", v->name, why);
}

int bek_dc_examine(struct bek_dc_volume *v)
{
	struct bek_dc_facts *f = &v->facts;
	memset(f, 0, sizeof(*f));
	v->uuid[0] = v->active[0] = v->content[0] = v->content_uuid[0] = v->why[0] = v->recovered[0] = '\0';
	v->done = 0;
	uint64_t devsize = 0;
	int r = device_size(v->device, &devsize, &f->read_only);
	if (r < 0)
		return bek_why(v->why, "cannot read %.200s: %s", v->device, strerror(-r)), r;
	struct stat st;
	if (v->header[0] && (stat(v->header, &st) < 0 || !S_ISREG(st.st_mode)))
		return bek_why(v->why, "no header file %.200s", v->header), -ENOENT;
	if (v->header[0] && access(v->header, W_OK) < 0)
		f->read_only = true;

	struct crypt_device *cd = NULL;
	crypt_set_log_callback(NULL, discard_log, NULL);
	r = v->header[0] ? crypt_init_data_device(&cd, v->header, v->device) : crypt_init(&cd, v->device);
	if (r == 0)
		r = crypt_load(cd, CRYPT_LUKS, NULL);
	if (r < 0) {
		crypt_free(cd);
		f->state = BEK_DC_NOT_LUKS;
		v->size = devsize;
		probe_content(v->device, v->content, v->content_uuid);
		if (!v->header[0] && v->content[0] && strcmp(v->content, "crypto_LUKS") != 0)
			f->state = BEK_DC_DECRYPTED;   /* plain content, no header: nothing to decrypt */
		v->action = bek_dc_decide(f, v->why);
		return 0;
	}
	snprintf(v->uuid, sizeof(v->uuid), "%s", crypt_get_uuid(cd) ? crypt_get_uuid(cd) : "");
	f->luks_version = strcmp(crypt_get_type(cd), CRYPT_LUKS1) == 0 ? 1 : 2;
	f->detached = crypt_header_is_detached(cd) == 1;
	f->data_offset = crypt_get_data_offset(cd) * 512;
	struct crypt_params_integrity ip = { 0 };
	f->integrity = crypt_get_integrity_info(cd, &ip) == 0 && ip.tag_size > 0;
	v->size = devsize > f->data_offset ? devsize - f->data_offset : 0;
	if (f->detached && v->header[0] && stat(v->header, &st) == 0)
		v->header_size = (uint64_t)st.st_size;
	else if (f->luks_version == 2) {
		uint64_t md = 0, ks = 0;
		v->header_size = crypt_get_metadata_size(cd, &md, &ks) == 0 ? 2 * md + ks : f->data_offset;
	} else
		v->header_size = f->data_offset;

	f->state = BEK_DC_ENCRYPTED;
	if (f->luks_version == 2) {
		struct crypt_params_reencrypt p = { 0 };
		crypt_reencrypt_info ri = crypt_reencrypt_status(cd, &p);
		if (ri == CRYPT_REENCRYPT_CLEAN || ri == CRYPT_REENCRYPT_CRASH || ri == CRYPT_REENCRYPT_INVALID) {
			f->crashed = ri != CRYPT_REENCRYPT_CLEAN;
			f->state = p.mode == CRYPT_REENCRYPT_DECRYPT ? BEK_DC_DECRYPTING
				 : p.mode == CRYPT_REENCRYPT_ENCRYPT ? BEK_DC_ENCRYPTING : BEK_DC_REENCRYPTING;
			f->datashift_decrypt = p.resilience && strncmp(p.resilience, "datashift", 9) == 0;
		}
		bool all_plain;
		read_segments(cd, v, &all_plain);
		/* All plain: done; also when a decryption's last metadata write was cut after its
		 * keyslots were destroyed (bek_header_decrypted() says when that is safe). */
		uint64_t at;
		if ((all_plain && ri == CRYPT_REENCRYPT_NONE) || bek_header_decrypted(cd, &at)) {
			f->state = BEK_DC_DECRYPTED;
			f->crashed = false;
			v->done = 1;
		}
	}
	crypt_free(cd);
	if (stat(v->device, &st) == 0 && S_ISBLK(st.st_mode)) {
		find_holders(v, st.st_rdev);
		f->active = v->active[0] != '\0';
		if (mounted_directly(st.st_rdev))
			f->used_otherwise = true;
	}
	if (f->crashed && f->active && f->detached)
		find_recovered(v);
	if (f->state == BEK_DC_DECRYPTED)
		probe_content(v->device, v->content, v->content_uuid);
	else if (f->active) {   /* what it will hold once plain: what its mapping shows now */
		char node[PATH_MAX];
		snprintf(node, sizeof(node), "/dev/mapper/%s", v->active);
		probe_content(node, v->content, v->content_uuid);
	}
	v->action = bek_dc_decide(f, v->why);
	return 0;
}
