// SPDX-License-Identifier: GPL-2.0-or-later
#include "probe.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

static void copy_value(blkid_probe pr, const char *name, char *out, size_t size)
{
	const char *v = NULL;
	size_t len = 0;
	out[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &v, &len) == 0 && v)
		snprintf(out, size, "%s", v);
}

int bek_probe_device(const char *devnode, struct bek_probe *out)
{
	blkid_probe pr = blkid_new_probe_from_filename(devnode);
	int r;

	memset(out, 0, sizeof(*out));
	if (!pr)
		return errno ? -errno : -ENODEV;
	/* Only the types bek-unlock uses, and two it names when a disk with the BEK label
	 * has them: fewer probers, fewer reads and system calls. */
	static char *types[] = { "vfat", "ext2", "ext3", "ext4", "xfs", "crypto_LUKS", "exfat", "ntfs", NULL };
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_ONLYIN, types);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL |
					   BLKID_SUBLKS_UUID | BLKID_SUBLKS_VERSION);
	r = blkid_do_safeprobe(pr);
	if (r == 0) {
		copy_value(pr, "TYPE", out->type, sizeof(out->type));
		copy_value(pr, "VERSION", out->version, sizeof(out->version));
		copy_value(pr, "LABEL", out->label, sizeof(out->label));
		copy_value(pr, "UUID", out->uuid, sizeof(out->uuid));
	}
	blkid_free_probe(pr);
	/* 1: nothing found, -2: ambiguous (several signatures): both unusable. */
	return r == 0 ? 0 : -ENOENT;
}

static void copy_property(struct udev_device *dev, const char *name, char *out, size_t size)
{
	const char *v = udev_device_get_property_value(dev, name);
	snprintf(out, size, "%s", v ? v : "");
}

int bek_probe_udev(struct udev_device *dev, struct bek_probe *out)
{
	const char *type = udev_device_get_property_value(dev, "ID_FS_TYPE");
	const char *label = udev_device_get_property_value(dev, "ID_FS_LABEL_ENC");

	memset(out, 0, sizeof(*out));
	if (udev_device_get_is_initialized(dev) <= 0 || !type || !type[0])
		return -ENOENT;
	copy_property(dev, "ID_FS_TYPE", out->type, sizeof(out->type));
	copy_property(dev, "ID_FS_VERSION", out->version, sizeof(out->version));
	copy_property(dev, "ID_FS_UUID", out->uuid, sizeof(out->uuid));
	/* ID_FS_LABEL has spaces turned into '_'; the _ENC form keeps them as \x20. A label
	 * that does not decode (control characters) is no label. */
	if (label && bek_label_unescape(label, out->label) < 0)
		out->label[0] = '\0';
	return 0;
}
