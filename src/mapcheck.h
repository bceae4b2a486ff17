// SPDX-License-Identifier: GPL-2.0-or-later
/* What a LUKS header maps with a key, before anything is handed on: the volume is opened
 * read-only under a private temporary name (udev's disk rules skip it, so no by-uuid
 * link, no mount and no unit ever sees it), its first blocks are probed with libblkid for
 * a filesystem, LVM, swap or partition-table signature, and the mapping is removed.
 * Used where two detached headers disagree (header.h): the one that opens the volume
 * with the key AND maps its content is the volume's. Also used by "bek-unlock decrypt"
 * before its first write, beside the volume's own mapping when it is open (shared). */
#ifndef BEK_MAPCHECK_H
#define BEK_MAPCHECK_H

#include "secret.h"
#include "why.h"

struct crypt_device;

#define BEK_CONTENT_TYPE_MAX 32
/* The private temporary name, one per worker process: the deadline's parent removes a
 * mapping of that name its stopped worker left behind. */
#define BEK_CHECK_NAME_FMT "bek-unlock-check-%ld"
#define BEK_CHECK_NAME_MAX 40

struct bek_activity;

/* cd: a header loaded with its data device set. keyslot: the keyslot to try, or -1 for
 * any. act: the deadline's record (deadline.h), told of the key derivation. Returns the keyslot that opened when the mapping shows content (type names it:
 * "ext4", "LVM2_member", "dos"...), -ENODATA when the key opens a keyslot but the
 * mapping shows nothing recognisable (another volume's header, a stale one), -EPERM
 * when the key opens no keyslot, or another negative errno; why says which. */
int bek_mapping_content(struct crypt_device *cd, int keyslot, const struct bek_secret *key, struct bek_activity *act,
			char type[BEK_CONTENT_TYPE_MAX], char why[BEK_WHY_MAX]);

#endif
