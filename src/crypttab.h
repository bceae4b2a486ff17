// SPDX-License-Identifier: GPL-2.0-or-later
/* Azure Disk Encryption's /etc/crypttab entries, as the dracut module carries them
 * into the image (/etc/bek-unlock/crypttab). Pure logic: no I/O.
 *
 *   osencrypt /dev/disk/by-partuuid/P /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader
 *   osencrypt UUID=U none luks,discard,keyscript=/usr/sbin/azure_crypt_key.sh
 *
 * Only entries whose key lives on the BEK disk are ours. The module adds
 * x-bek-header-fs=UUID=<uuid of the filesystem holding the header> and
 * x-bek-header-path=<header path inside that filesystem>. */
#ifndef BEK_CRYPTTAB_H
#define BEK_CRYPTTAB_H

#include <stdbool.h>

#include "cmdline.h"
#include "keyname.h"
#include "why.h"

#define BEK_ADE_MOUNT "/mnt/azure_bek_disk/"
#define BEK_PATH_MAX 255

struct bek_crypttab_entry {
	char name[BEK_NAME_MAX + 1];
	char source[BEK_PATH_MAX + 1];        /* a /dev path: UUID=, PARTUUID=, LABEL= are turned into /dev/disk/by-* */
	char key_file[BEK_KEYNAME_MAX + 1];   /* bare name on the BEK disk */
	bool discard;
	char header[BEK_PATH_MAX + 1];        /* header= as on the host, "" when on the device */
	char header_fs[BEK_UUID_LEN + 1 + 16];/* filesystem UUID holding the header, "" if unknown */
	char header_path[BEK_PATH_MAX + 1];   /* relative path of the header in that filesystem */
};

/* Parses one line. Returns 1 with *e filled for an entry whose key is on the BEK disk,
 * 0 for a blank line, a comment (why is "") or somebody else's entry (why says why),
 * -EINVAL for a malformed line (why says why). */
int bek_crypttab_parse_line(const char *line, struct bek_crypttab_entry *e, char why[BEK_WHY_MAX]);

#endif
