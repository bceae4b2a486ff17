// SPDX-License-Identifier: GPL-2.0-or-later
/* What bek-unlock keeps of the block devices udev reports: the filesystems that can
 * matter (a VFAT disk with a wanted BEK label, the filesystem holding a detached
 * header), and the devices it has already decided to ignore, so that each decision is
 * made and said once per device, however many "change" events follow. Growable: no
 * fixed cap can drop the BEK disk; BEK_FS_MAX is a limit on hostile numbers of
 * BEK-labelled filesystems, and reaching it is said. */
#ifndef BEK_DISKS_H
#define BEK_DISKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmdline.h"
#include "probe.h"

#define BEK_FS_MAX 1024u
#define BEK_NOTES_MAX 65536u

struct bek_fs {
	dev_t devnum;
	char node[64];
	char fstype[32];
	char label[BEK_LABEL_MAX + 1];
	char uuid[64];
	uint64_t event_us;     /* when its udev event was handled */
	uint32_t tried;        /* bit i: volume i has been tried with it (no retry storm) */
};

struct bek_note {
	dev_t devnum;
	bool not_vfat;         /* labelled label, but not VFAT: ignored */
	char label[BEK_LABEL_MAX + 1];
};

struct bek_disks {
	struct bek_fs *fs;
	size_t n_fs, cap_fs;
	unsigned dropped;      /* filesystems not kept: over BEK_FS_MAX */
	struct bek_note *notes;
	size_t n_notes, cap_notes;
};

/* Keeps a filesystem (once per device number). Returns it, or NULL when over BEK_FS_MAX
 * or out of memory (counted in dropped; the caller says so). */
struct bek_fs *bek_disks_add(struct bek_disks *d, const char *node, dev_t devnum, const struct bek_probe *pr,
			     uint64_t event_us);
void bek_disks_remove(struct bek_disks *d, dev_t devnum);

/* Records that a device was decided about (and said so): not_vfat_label, when not NULL,
 * is the BEK label it carried without being VFAT. Returns false when it was already. */
bool bek_disks_note(struct bek_disks *d, dev_t devnum, const char *not_vfat_label);
bool bek_disks_noted(const struct bek_disks *d, dev_t devnum);

/* How many filesystems with this label are kept, and how many were ignored as not VFAT. */
unsigned bek_disks_with_label(const struct bek_disks *d, const char *label);
unsigned bek_disks_not_vfat(const struct bek_disks *d, const char *label);

void bek_disks_free(struct bek_disks *d);

#endif
