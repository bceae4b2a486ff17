// SPDX-License-Identifier: GPL-2.0-or-later
#include "plainmap.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libcryptsetup.h>
#include <libdevmapper.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

bool bek_segment_is_backup(struct json_object *seg)
{
	json_object *flags;
	if (!json_object_object_get_ex(seg, "flags", &flags) || !json_object_is_type(flags, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(flags, i));
		if (f && strncmp(f, "backup-", 7) == 0)
			return true;
	}
	return false;
}

/* Keyslots that can open the volume (type luks2); the reencryption keyslot is not one. */
static int luks2_keyslots(json_object *root)
{
	json_object *slots, *j;
	int n = 0;
	if (!json_object_object_get_ex(root, "keyslots", &slots) || !json_object_is_type(slots, json_type_object))
		return -1;
	json_object_object_foreach(slots, key, slot) {
		(void)key;
		if (json_object_object_get_ex(slot, "type", &j) && strcmp(json_object_get_string(j), "luks2") == 0)
			n++;
	}
	return n;
}

bool bek_header_decrypted(struct crypt_device *cd, uint64_t *offset)
{
	const char *text = NULL;
	struct crypt_params_reencrypt p = { 0 };
	if (!cd || !crypt_get_type(cd) || strcmp(crypt_get_type(cd), CRYPT_LUKS2) != 0)
		return false;
	crypt_reencrypt_info ri = crypt_reencrypt_status(cd, &p);
	if ((ri != CRYPT_REENCRYPT_NONE && p.mode != CRYPT_REENCRYPT_DECRYPT) || crypt_dump_json(cd, &text, 0) < 0 || !text)
		return false;
	json_object *root = json_tokener_parse(text), *segs, *j;
	bool plain = false;
	/* A decryption cut during its last metadata writes (libcryptsetup destroys the old
	 * keyslots before it clears the reencryption state) is plain data that no key opens
	 * any more. While any keyslot is left, a cut hotzone may be half written: that is
	 * libcryptsetup's recovery's business, never a plain mapping. */
	if (root && ri != CRYPT_REENCRYPT_NONE && luks2_keyslots(root) != 0) {
		json_object_put(root);
		return false;
	}
	if (root && json_object_object_get_ex(root, "segments", &segs) && json_object_is_type(segs, json_type_object)) {
		/* Every live segment linear, one after another on the device as in the volume
		 * (what a finished decryption leaves: one segment, or the last hotzone's and the
		 * rest), so that one linear mapping from the first offset is the data. */
		int live = 0;
		bool ok = true, open_end = false;
		uint64_t expect = 0;
		json_object_object_foreach(segs, key, seg) {
			(void)key;
			if (bek_segment_is_backup(seg))
				continue;
			if (open_end || !json_object_object_get_ex(seg, "type", &j) ||
			    strcmp(json_object_get_string(j), "linear") != 0 || !json_object_object_get_ex(seg, "offset", &j)) {
				ok = false;
				break;
			}
			uint64_t off = strtoull(json_object_get_string(j), NULL, 10);
			if (live++ == 0)
				*offset = expect = off;
			if (off != expect) {
				ok = false;
				break;
			}
			if (!json_object_object_get_ex(seg, "size", &j) || strcmp(json_object_get_string(j), "dynamic") == 0)
				open_end = true;
			else
				expect += strtoull(json_object_get_string(j), NULL, 10);
		}
		plain = ok && live >= 1;
	}
	json_object_put(root);
	return plain;
}

int bek_map_plain(const char *device, const char *uuid, const char *name, uint64_t offset, uint32_t flags,
		  char why[BEK_WHY_MAX])
{
	int fd = open(device, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t size = 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || ioctl(fd, BLKGETSIZE64, &size) < 0) {
		int r = fd < 0 || errno == 0 ? -ENODEV : -errno;
		if (fd >= 0)
			close(fd);
		return bek_why(why, "cannot read %.200s", device), r;
	}
	close(fd);
	if (offset % 512 || size <= offset)
		return bek_why(why, "its plain data offset %llu does not fit the device", (unsigned long long)offset), -EINVAL;
	char dm_uuid[129], params[64];
	size_t n = 0;
	n = (size_t)snprintf(dm_uuid, sizeof(dm_uuid), "CRYPT-LUKS2-");
	for (const char *p = uuid; *p && n + 1 < sizeof(dm_uuid); p++)
		if (*p != '-')
			dm_uuid[n++] = *p;
	snprintf(dm_uuid + n, sizeof(dm_uuid) - n, "-%s", name);
	snprintf(params, sizeof(params), "%u:%u %llu", major(st.st_rdev), minor(st.st_rdev),
		 (unsigned long long)(offset / 512));
	uint32_t cookie = 0;
	struct dm_task *t = dm_task_create(DM_DEVICE_CREATE);
	int r = -ENOMEM;
	if (t && dm_task_set_name(t, name) && dm_task_set_uuid(t, dm_uuid) &&
	    dm_task_add_target(t, 0, (size - offset) / 512, "linear", params) &&
	    (!(flags & CRYPT_ACTIVATE_READONLY) || dm_task_set_ro(t)) &&
	    dm_task_set_cookie(t, &cookie, DM_UDEV_DISABLE_LIBRARY_FALLBACK)) {
		r = dm_task_run(t) ? 0 : -EIO;
		(void)dm_udev_wait(cookie);
	}
	if (t)
		dm_task_destroy(t);
	if (r < 0)
		bek_why(why, "device-mapper refused the plain mapping");
	return r;
}
