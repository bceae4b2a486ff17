// SPDX-License-Identifier: GPL-2.0-or-later
/* What is on a block device: filesystem type, label, UUID. From udev's own probe
 * (its blkid builtin's ID_FS_* properties) when it made one, else read with libblkid. */
#ifndef BEK_PROBE_H
#define BEK_PROBE_H

struct udev_device;

struct bek_probe {
	char type[32];      /* "vfat", "crypto_LUKS", ... */
	char version[16];   /* "2" for LUKS2 */
	char label[256];
	char uuid[64];
};

/* Returns 0, or a negative errno when nothing recognisable is on the device. */
int bek_probe_device(const char *devnode, struct bek_probe *out);

/* What udev's blkid builtin found for dev (which udev has processed), without reading
 * the device again. Returns 0, or -ENOENT when udev has no ID_FS_TYPE for it (not
 * processed yet, no blkid rule, or nothing found): then bek_probe_device() decides. */
int bek_probe_udev(struct udev_device *dev, struct bek_probe *out);

#endif
