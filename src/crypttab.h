// SPDX-License-Identifier: GPL-2.0-or-later
/* crypttab lines: the image's own crypttab (/etc/crypttab in dracut images,
 * /cryptroot/crypttab in initramfs-tools ones), which names volumes and gives their
 * options, and Azure Disk Encryption's entries as the dracut module carries them into the
 * image (/etc/bek-unlock/crypttab). Pure logic: no I/O.
 *
 *   cryptroot UUID=U none luks,discard
 *   osencrypt /dev/disk/by-partuuid/P /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader
 *   osencrypt UUID=U none luks,discard,keyscript=/usr/sbin/azure_crypt_key.sh
 *
 * An entry is ADE's (ours to wait for) when its key lives on the BEK disk. The module adds
 * x-bek-header-fs=UUID=<uuid of the filesystem holding the header> and
 * x-bek-header-path=<header path inside that filesystem>. */
#ifndef BEK_CRYPTTAB_H
#define BEK_CRYPTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "keyname.h"
#include "why.h"

#define BEK_ADE_MOUNT "/mnt/azure_bek_disk/"
#define BEK_PATH_MAX 255

struct bek_crypttab_entry {
	char name[BEK_NAME_MAX + 1];
	char source[BEK_PATH_MAX + 1];        /* a /dev path: UUID=, PARTUUID=, LABEL=, PARTLABEL=, ID= are
	                                       * turned into /dev/disk/by-* as udev links them */
	char uuid[BEK_UUID_LEN + 1];          /* the LUKS UUID it names (UUID=, /dev/disk/by-uuid/, a
	                                       * luks-UUID name), canonical; "" when it names none */
	bool ade;                             /* its key is on the BEK disk */
	char key_file[BEK_KEYNAME_MAX + 1];   /* ade: bare name on the BEK disk */
	uint32_t flags;                       /* libcryptsetup's CRYPT_ACTIVATE_* its options ask for */
	char refuse[BEK_WHY_MAX];             /* "" or why bek-unlock must leave this volume to the
	                                       * stock unlocker (an option it cannot apply) */
	char header[BEK_PATH_MAX + 1];        /* header= as on the host, "" when on the device */
	char header_fs[BEK_UUID_LEN + 1 + 16];/* filesystem UUID holding the header, "" if unknown */
	char header_path[BEK_PATH_MAX + 1];   /* relative path of the header in that filesystem */
};

/* Parses one line of any crypttab. Returns 1 with *e filled, 0 for a blank line or a
 * comment (why is "") or an entry bek-unlock cannot match to a block device (why says
 * why), -EINVAL for a malformed line (why says why). */
int bek_crypttab_parse_entry(const char *line, struct bek_crypttab_entry *e, char why[BEK_WHY_MAX]);

/* Parses one line of /etc/bek-unlock/crypttab. Returns 1 with *e filled for an entry whose
 * key is on the BEK disk and whose options bek-unlock can apply, 0 for a blank line, a
 * comment (why is "") or somebody else's entry (why says why), -EINVAL for a malformed
 * line (why says why). */
int bek_crypttab_parse_line(const char *line, struct bek_crypttab_entry *e, char why[BEK_WHY_MAX]);

/* "discard,read-only": the options behind flags, for the console ("" for none). */
const char *bek_crypttab_flags_str(uint32_t flags, char *buf, size_t size);

/* Whether the block device at path (a crypttab source) is the LUKS volume uuid. */
typedef bool (*bek_same_device_fn)(const char *path, const char *uuid);

/* The entry that names the LUKS volume uuid (canonical), as systemd-cryptsetup-generator
 * and dracut match them: first by UUID (UUID=, /dev/disk/by-uuid/, a luks-UUID name),
 * then, for entries that name no UUID, by device (same(source, uuid): PARTUUID=, LABEL=,
 * by-id paths, /dev/sdX). NULL when none does. */
const struct bek_crypttab_entry *bek_crypttab_find(const struct bek_crypttab_entry *entries, size_t n,
						   const char *uuid, bek_same_device_fn same);

#endif
