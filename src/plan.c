// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void skip(struct bek_plan *plan, const char *why)
{
	plan->use = false;
	snprintf(plan->skip, sizeof(plan->skip), "%s", why);
}

/* The name and options: the ADE entry's, else the image's crypttab entry's, else
 * rd.luks.name='s, else luks-UUID. Returns false when the volume must be left to the
 * stock unlocker (why in plan->skip). */
static bool name_volume(const struct bek_config *cfg, const struct bek_crypttab_entry *entry,
			const struct bek_target *target, struct bek_plan *plan)
{
	const struct bek_crypttab_entry *e = entry;
	if (!e && cfg->use_crypttab && cfg->n_crypttab)
		e = bek_crypttab_find(cfg->crypttab, cfg->n_crypttab, plan->uuid, cfg->same_device);
	if (e) {
		snprintf(plan->name, sizeof(plan->name), "%s", e->name);
		snprintf(plan->name_source, sizeof(plan->name_source), "%s", entry ? "ADE crypttab" : "crypttab");
		plan->flags = e->flags;
		if (e->refuse[0] || (!entry && e->header[0])) {
			char why[BEK_WHY_MAX];
			bek_why(why, "its crypttab entry %.64s has %.120s (the stock unlocker opens it)", e->name,
				e->refuse[0] ? e->refuse : "a detached header (header=), which bek-unlock does not read");
			skip(plan, why);
			return false;
		}
	} else {
		snprintf(plan->name, sizeof(plan->name), "luks-%s", plan->uuid);
		bool named = target && strcmp(target->name, plan->name) != 0;
		if (named)
			snprintf(plan->name, sizeof(plan->name), "%s", target->name);
		snprintf(plan->name_source, sizeof(plan->name_source), "%s", named ? "rd.luks.name=" : "default name");
	}
	return true;
}

void bek_plan_volume(const struct bek_config *cfg, const struct bek_crypttab_entry *entry,
		     const struct bek_luks_info *info, struct bek_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	plan->keyslot = -1;
	if (bek_uuid_canonical(info->uuid, strlen(info->uuid), plan->uuid) < 0)
		return skip(plan, "its LUKS UUID is not a valid UUID");
	const struct bek_target *target = bek_config_find_target(cfg, plan->uuid);
	if (!entry && cfg->n_targets > 0 && !target)
		return skip(plan, "not named by rd.luks.uuid= or rd.luks.name=");
	if (!entry && cfg->n_targets == 0 && info->token_id < 0)
		return skip(plan, "no usable bek token and no rd.luks.uuid= names it");
	if (!name_volume(cfg, entry, target, plan))
		return;
	plan->use = true;
	plan->own = entry || info->token_id >= 0 || cfg->asked;

	snprintf(plan->label, sizeof(plan->label), "%s", cfg->label);
	if (info->token_id >= 0) {
		snprintf(plan->key_file, sizeof(plan->key_file), "%s", info->token.key_file);
		snprintf(plan->key_source, sizeof(plan->key_source), "token %d", info->token_id);
		plan->keyslot = info->token.keyslot;
		if (info->token.label[0])
			snprintf(plan->label, sizeof(plan->label), "%s", info->token.label);
	} else if (entry) {
		snprintf(plan->key_file, sizeof(plan->key_file), "%s", entry->key_file);
		snprintf(plan->key_source, sizeof(plan->key_source), "crypttab");
	} else if (cfg->keyfile[0]) {
		snprintf(plan->key_file, sizeof(plan->key_file), "%s", cfg->keyfile);
		snprintf(plan->key_source, sizeof(plan->key_source), "rd.bek.keyfile=");
	} else {
		snprintf(plan->key_file, sizeof(plan->key_file), "%s", BEK_DEFAULT_KEYFILE);
		snprintf(plan->key_source, sizeof(plan->key_source), "default name");
	}
}

bool bek_dm_uuid_is_luks(const char *dm_uuid, const char *uuid)
{
	const char *p = dm_uuid + 12;
	size_t digits = 0;
	if (strncmp(dm_uuid, "CRYPT-LUKS", 10) != 0 || (dm_uuid[10] != '1' && dm_uuid[10] != '2') ||
	    dm_uuid[11] != '-')
		return false;
	for (const char *u = uuid; *u; u++) {
		if (*u == '-')
			continue;
		if (tolower((unsigned char)*p) != tolower((unsigned char)*u))
			return false;
		p++, digits++;
	}
	return digits == 32 && *p == '-';
}
