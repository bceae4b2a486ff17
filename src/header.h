// SPDX-License-Identifier: GPL-2.0-or-later
/* ADE's detached LUKS headers (crypttab header=/boot/luks/osluksheader). The dracut
 * module puts a copy of each into the image and points the image's crypttab at it; at
 * boot the current header is read from the filesystem that holds it (/boot, found by
 * its UUID) over that copy, once it is known to be a LUKS header of the same volume, so
 * that bek-unlock and the passphrase prompt after it both use the current header. */
#ifndef BEK_HEADER_H
#define BEK_HEADER_H

#include <stdbool.h>
#include <sys/types.h>

#include "crypttab.h"

struct bek_activity;
#include "why.h"

#define BEK_HEADER_COPY_DIR "/etc/bek-unlock/headers/"
#define BEK_HEADER_PATH_MAX (sizeof(BEK_HEADER_COPY_DIR) + BEK_NAME_MAX + sizeof(".boot"))

/* The path of e's copy in the image. */
void bek_header_copy_path(const struct bek_crypttab_entry *e, char path[BEK_HEADER_PATH_MAX]);

/* Where a header read at boot waits while it disagrees with the copy (below). */
void bek_header_boot_path(const struct bek_crypttab_entry *e, char path[BEK_HEADER_PATH_MAX]);

/* Reads e's header from the filesystem on fsnode (the block device devnum, of type
 * fstype). A complete read of a LUKS header replaces the copy when the copy is absent,
 * unreadable or has the same LUKS UUID: returns 0. When the copy has another LUKS UUID,
 * neither is trusted blindly (a /boot from another VM; a copy made before the volume was
 * re-encrypted): the header read is kept at bek_header_boot_path(), the copy stays, why
 * names both UUIDs, and 1 is returned: bek_header_choose() decides with the key.
 * Otherwise a negative errno with why set ("header file not found on /dev/vda1: ...");
 * the copy is then as it was. act: the deadline's record, told of the file being written
 * (NULL: none). */
int bek_header_refresh(const struct bek_crypttab_entry *e, const char *fsnode, dev_t devnum, const char *fstype,
		       struct bek_activity *act, char why[BEK_WHY_MAX]);

/* After bek_header_refresh() returned 1: the header is the one with which the key opens
 * a keyslot AND the volume on device maps recognisable content (mapcheck.h); the header
 * read at boot is tried first, then the copy. The chosen one ends up at the copy's path
 * (the prompt that may follow uses it too), the other is dropped. Returns the keyslot
 * that opened (0 or more) with *from_boot set and why saying what was seen, or a
 * negative errno with why saying what each showed; the copy is then as it was. */
struct bek_secret;
int bek_header_choose(const struct bek_crypttab_entry *e, const char *device, const struct bek_secret *key,
		      struct bek_activity *act, bool *from_boot, char why[BEK_WHY_MAX]);

#endif
