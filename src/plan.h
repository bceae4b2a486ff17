// SPDX-License-Identifier: GPL-2.0-or-later
/* Decides, for one LUKS volume, whether bek-unlock handles it and how: mapping name,
 * key file name (and where that name came from), keyslot, BEK label. Pure logic. */
#ifndef BEK_PLAN_H
#define BEK_PLAN_H

#include <stdbool.h>

#include "cmdline.h"
#include "crypttab.h"
#include "luks.h"

struct bek_plan {
	bool use;                        /* false: not ours, see skip */
	bool own;                        /* says it is bek-unlock's (a bek token, an ADE crypttab
	                                  * entry, an rd.bek.* option): worth the full rd.bek.timeout */
	const char *skip;
	char uuid[BEK_UUID_LEN + 1];
	char name[BEK_NAME_MAX + 1];
	char key_file[BEK_KEYNAME_MAX + 1];
	char key_source[32];             /* "token 0", "crypttab", "rd.bek.keyfile=", "default name" */
	int keyslot;                     /* -1: any */
	bool discard;
	char label[BEK_LABEL_MAX + 1];
};

/* entry: the volume's crypttab entry, or NULL. The rules: a crypttab entry or a
 * command-line name makes a volume ours, else a bek token does; the key file name
 * comes from the token, else crypttab, else rd.bek.keyfile=, else the default. A
 * volume merely named by rd.luks.* is not bek-unlock's own (see bek_plan.own). */
void bek_plan_volume(const struct bek_config *cfg, const struct bek_crypttab_entry *entry,
		     const struct bek_luks_info *info, struct bek_plan *plan);

/* Whether a device-mapper UUID is the one libcryptsetup gives a mapping of the LUKS
 * volume with this (canonical) UUID: "CRYPT-LUKS2-<uuid without dashes>-<name>". */
bool bek_dm_uuid_is_luks(const char *dm_uuid, const char *uuid);

#endif
