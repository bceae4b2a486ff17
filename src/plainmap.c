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

bool bek_header_decrypted(struct crypt_device *cd, uint64_t *offset)
{
	const char *text = NULL;
	if (!cd || !crypt_get_type(cd) || strcmp(crypt_get_type(cd), CRYPT_LUKS2) != 0 ||
	    crypt_reencrypt_status(cd, NULL) != CRYPT_REENCRYPT_NONE || crypt_dump_json(cd, &text, 0) < 0 || !text)
		return false;
	json_object *root = json_tokener_parse(text), *segs, *j;
	bool plain = false;
	if (root && json_object_object_get_ex(root, "segments", &segs) && json_object_is_type(segs, json_type_object)) {
		int live = 0, linear = 0;
		json_object_object_foreach(segs, key, seg) {
			(void)key;
			if (json_object_object_get_ex(seg, "flags", &j) && json_object_array_length(j) > 0)
				continue;
			live++;
			if (json_object_object_get_ex(seg, "type", &j) && strcmp(json_object_get_string(j), "linear") == 0 &&
			    json_object_object_get_ex(seg, "offset", &j)) {
				linear++;
				*offset = strtoull(json_object_get_string(j), NULL, 10);
			}
		}
		plain = live == 1 && linear == 1;
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
