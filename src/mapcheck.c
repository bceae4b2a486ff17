// SPDX-License-Identifier: GPL-2.0-or-later
#include "mapcheck.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <libcryptsetup.h>
#include <libdevmapper.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"

/* The kernel's node of a mapping (devtmpfs names it dm-<minor>): udev makes no
 * /dev/mapper link for a private mapping. */
static int dm_node(const char *name, char *node, size_t size)
{
	struct dm_info info;
	int r = bek_dm_info(name, &info);
	if (r < 0)
		return r;
	if (!info.exists)
		return -ENODEV;
	return snprintf(node, size, "/dev/dm-%u", info.minor) < (int)size ? 0 : -ENAMETOOLONG;
}

/* 1 and type set when libblkid recognises what node holds (a filesystem, LVM, swap, a
 * partition table; two signatures at once count too: something real is there), 0 when
 * nothing, or a negative errno. */
static int probe_content(const char *node, char type[BEK_CONTENT_TYPE_MAX])
{
	const char *v = NULL;
	blkid_probe pr = blkid_new_probe_from_filename(node);
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	int r = blkid_do_safeprobe(pr);
	if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &v, NULL) < 0 &&
	    blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) < 0)
		v = "a signature";
	if (r == -2)
		v = "several signatures";
	snprintf(type, BEK_CONTENT_TYPE_MAX, "%s", v ? v : "");   /* v points into pr */
	blkid_free_probe(pr);
	return r == 0 || r == -2 ? 1 : r == 1 ? 0 : -EIO;
}

int bek_mapping_content(struct crypt_device *cd, int keyslot, const struct bek_secret *key, struct bek_activity *act,
			char type[BEK_CONTENT_TYPE_MAX], char why[BEK_WHY_MAX])
{
	char name[BEK_CHECK_NAME_MAX], node[64];
	snprintf(name, sizeof(name), BEK_CHECK_NAME_FMT, (long)getpid());
	type[0] = '\0';
	/* Not "activating": the record's name is the volume's, which this does not make. */
	bek_activity(act, false, "deriving the key to check what a LUKS header maps");
	int slot = crypt_activate_by_passphrase(cd, name, keyslot < 0 ? CRYPT_ANY_SLOT : keyslot, key->data,
						key->size, CRYPT_ACTIVATE_READONLY | CRYPT_ACTIVATE_PRIVATE |
						CRYPT_ACTIVATE_SHARED);   /* beside the volume's own mapping */
	bek_activity_idle(act);
	if (slot < 0)
		return bek_why(why, slot == -EPERM ? "the key opens no keyslot of it" : "cannot open it read-only: %s",
			       strerror(-slot)), slot;
	int r = dm_node(name, node, sizeof(node));
	if (r == 0)
		r = probe_content(node, type);
	int d = crypt_deactivate(cd, name);
	if (d < 0 && r >= 0)   /* a read-only mapping left behind: say so, do not go on */
		return bek_why(why, "cannot remove the check mapping %s: %s", name, strerror(-d)), d;
	if (r < 0)
		return bek_why(why, "cannot read what it maps: %s", strerror(-r)), r;
	if (r == 0)
		return bek_why(why, "the key opens keyslot %d, but it maps no filesystem, LVM or partition table",
			       slot), -ENODATA;
	bek_why(why, "the key opens keyslot %d and it maps %s", slot, type);
	return slot;
}
