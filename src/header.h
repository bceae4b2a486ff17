/* ADE's detached LUKS headers (crypttab header=/boot/luks/osluksheader). The dracut
 * module puts a copy of each into the image and points the image's crypttab at it; at
 * boot the current header is read from the filesystem that holds it (/boot, found by
 * its UUID) over that copy, once it is known to be a LUKS header of the same volume, so
 * that bek-unlock and the passphrase prompt after it both use the current header. */
#ifndef BEK_HEADER_H
#define BEK_HEADER_H

#include <sys/types.h>

#include "crypttab.h"

struct bek_activity;
#include "why.h"

#define BEK_HEADER_COPY_DIR "/etc/bek-unlock/headers/"
#define BEK_HEADER_PATH_MAX (sizeof(BEK_HEADER_COPY_DIR) + BEK_NAME_MAX + 1)

/* The path of e's copy in the image. */
void bek_header_copy_path(const struct bek_crypttab_entry *e, char path[BEK_HEADER_PATH_MAX]);

/* Reads e's header from the filesystem on fsnode (the block device devnum, of type
 * fstype) over the copy, which is replaced only by a complete read of a LUKS header
 * whose LUKS UUID is the copy's (when there is a copy to compare with). Returns 0, or a
 * negative errno with why set ("header file not found on /dev/vda1: ..."); the copy is
 * then as it was. act: the deadline's record, told of the file being written (NULL: none). */
int bek_header_refresh(const struct bek_crypttab_entry *e, const char *fsnode, dev_t devnum, const char *fstype,
		       struct bek_activity *act, char why[BEK_WHY_MAX]);

#endif
