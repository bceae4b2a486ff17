// SPDX-License-Identifier: GPL-2.0-or-later
/* Decides, for one LUKS volume, whether bek-unlock handles it and how: mapping name (and
 * where it came from), activation options, key file name (and where that name came
 * from), keyslot, BEK label. Pure logic. */
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
	char skip[BEK_WHY_MAX];          /* why not, when !use */
	char uuid[BEK_UUID_LEN + 1];
	char name[BEK_NAME_MAX + 1];
	char name_source[48];            /* "crypttab", "rd.luks.name=", "default name" */
	char key_file[BEK_KEYNAME_MAX + 1];
	char key_source[32];             /* "token 0", "crypttab", "rd.bek.keyfile=", "default name" */
	int keyslot;                     /* -1: any */
	uint32_t flags;                  /* CRYPT_ACTIVATE_*: the crypttab entry's options */
	char label[BEK_LABEL_MAX + 1];
};

/* entry: the volume's ADE crypttab entry (/etc/bek-unlock/crypttab), or NULL. The rules:
 * an ADE entry or a command-line name makes a volume ours, else a bek token does; the
 * key file name comes from the token, else the ADE entry, else rd.bek.keyfile=, else the
 * default. The name and the options come from the ADE entry, else from the image's
 * crypttab entry for the volume (cfg->crypttab: it wins over rd.luks.name=, as in
 * systemd-cryptsetup-generator), else rd.luks.name=, else luks-UUID. An entry with an
 * option bek-unlock cannot apply leaves the volume to the stock unlocker (!use). A volume
 * merely named by rd.luks.* or the image's crypttab is not bek-unlock's own (see
 * bek_plan.own). */
void bek_plan_volume(const struct bek_config *cfg, const struct bek_crypttab_entry *entry,
		     const struct bek_luks_info *info, struct bek_plan *plan);

/* Whether a device-mapper UUID is the one libcryptsetup gives a mapping of the LUKS
 * volume with this (canonical) UUID: "CRYPT-LUKS2-<uuid without dashes>-<name>". */
bool bek_dm_uuid_is_luks(const char *dm_uuid, const char *uuid);

#endif
