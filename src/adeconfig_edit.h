// SPDX-License-Identifier: GPL-2.0-or-later
/* The text edits behind src/adeconfig.h, pure (no I/O): each takes a file's whole text
 * (any bytes but NUL; lines end in "\n" or "\r\n", the last one maybe in nothing, as
 * ADE's Ubuntu code appends its crypttab line) and leaves every line it does not need to
 * change byte for byte. Each returns 1 with *out the new text (malloc'd), 0 when nothing
 * changes (*out NULL), -ENOMEM, or -EINVAL with why set when the text asks for something
 * it cannot change safely (the plan is then refused). */
#ifndef BEK_ADECONFIG_EDIT_H
#define BEK_ADECONFIG_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "adeconfig.h"
#include "why.h"

#define BEK_ADE_BEK_MOUNT "/mnt/azure_bek_disk"

/* Words removed from and added to command lines, each once, blank-separated ("" none). */
struct bek_edit_words {
	char *removed;
	char *added;
};
void bek_edit_words_free(struct bek_edit_words *w);

/* Whether the volume holds a filesystem that is mounted by UUID (not an LVM PV). */
bool bek_edit_is_fs(const struct bek_plain_volume *v);

/* /etc/crypttab: the entries of the volumes named (first field) removed. Refused when
 * another entry still takes its key from the BEK disk (ADE's, not yet plain). */
int bek_edit_crypttab(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		      char why[BEK_WHY_MAX]);

/* /etc/fstab: a source naming a volume's mapping (/dev/mapper/NAME,
 * /dev/disk/by-id/dm-name-NAME) becomes UUID=<fs_uuid>; the BEK disk's own line (mount
 * point /mnt/azure_bek_disk) is removed. Refused for a mapping whose filesystem UUID is
 * unknown or that holds LVM (an LV is mounted by its own /dev/mapper/VG-LV name). */
int bek_edit_fstab(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		   char why[BEK_WHY_MAX]);

/* /etc/lvm/lvm.conf: ADE's appended line devices { filter = ["a|NAME|", "r|<PARTUUID>|"] }
 * for a volume removed (blanks anywhere). Refused for any other line accepting "a|NAME|". */
int bek_edit_lvmconf(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     char why[BEK_WHY_MAX]);
/* /etc/lvm/devices/system.devices: -EINVAL (why says what to do) when it lists a PV by a
 * volume's mapping (IDNAME=CRYPT-...-NAME, DEVNAME=/dev/mapper/NAME); 0 otherwise. */
int bek_check_lvm_devices(const char *text, const struct bek_plain_volume *v, size_t n, char why[BEK_WHY_MAX]);

/* A kernel command line (blank-separated words, "..." quoting kept): rd.luks.ade.*,
 * rd.bek.*, rd.luks.name=U=NAME and every rd.luks.*=U... / rd.luks.uuid=[luks-]U of a U so
 * named for one of the volumes removed; root=/dev/mapper/NAME (or
 * /dev/disk/by-id/dm-name-NAME) becomes root=UUID=<fs_uuid>. When w is not NULL, the
 * words removed and added are appended to it (for grubby --remove-args / --args). */
int bek_edit_cmdline(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX]);

/* /etc/default/grub and /etc/default/grub.d/ *.cfg: the values of GRUB_CMDLINE_LINUX and
 * GRUB_CMDLINE_LINUX_DEFAULT edited as above, quotes kept. Refused for a value that does
 * not end on its own line. */
int bek_edit_grub_default(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
			  char why[BEK_WHY_MAX]);

/* A BLS entry (/boot/loader/entries/ *.conf): its "options" line edited as above. */
int bek_edit_bls(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		 struct bek_edit_words *w, char why[BEK_WHY_MAX]);
/* RHEL 8's /boot/grub2/grubenv: the value of its kernelopts= line, as above. */
int bek_edit_grubenv(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX]);
/* RHEL 7's grub.cfg (no BLS; grubby edits it): its linux16/linuxefi/linux lines, as above. */
int bek_edit_grubcfg(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX]);
/* /etc/kernel/cmdline: every line that is not a comment edited as a command line. */
int bek_edit_cmdline_file(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
			  struct bek_edit_words *w, char why[BEK_WHY_MAX]);

#endif
