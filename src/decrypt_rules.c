// SPDX-License-Identifier: GPL-2.0-or-later
#include "decrypt_rules.h"

#include <stdio.h>

const char *bek_dc_state_name(enum bek_dc_state s)
{
	switch (s) {
	case BEK_DC_NOT_LUKS:     return "not-luks";
	case BEK_DC_ENCRYPTED:    return "encrypted";
	case BEK_DC_ENCRYPTING:   return "encrypting";
	case BEK_DC_DECRYPTING:   return "decrypting";
	case BEK_DC_REENCRYPTING: return "reencrypting";
	case BEK_DC_DECRYPTED:    return "plain";
	}
	return "unknown";
}

const char *bek_dc_action_name(enum bek_dc_action a)
{
	switch (a) {
	case BEK_DC_NOTHING:           return "none";
	case BEK_DC_DECRYPT:           return "decrypt";
	case BEK_DC_RESUME:            return "resume";
	case BEK_DC_FINISH_ENCRYPTION: return "finish-encryption-then-decrypt";
	case BEK_DC_ADOPT_RECOVERED:   return "take-recovered-header-then-resume";
	case BEK_DC_CONVERT:           return "convert-to-luks2-then-decrypt";
	case BEK_DC_DATASHIFT:         return "decrypt-moving-data";
	case BEK_DC_REFUSE:            return "refuse";
	}
	return "unknown";
}

static enum bek_dc_action refuse(char why[BEK_WHY_MAX], const char *reason)
{
	bek_why(why, "%s", reason);
	return BEK_DC_REFUSE;
}

/* The layout as it will be once LUKS2: a detached header with data offset 0 is decrypted
 * in place; a header on the device is exported and the data moved over it. */
static enum bek_dc_action luks2_layout(const struct bek_dc_facts *f, char why[BEK_WHY_MAX])
{
	if (f->detached && f->data_offset == 0)
		return BEK_DC_DECRYPT;
	if (f->detached)
		return refuse(why, "its detached header puts the data at a non-zero offset, which ADE never does "
			      "and libcryptsetup cannot decrypt in place");
	return BEK_DC_DATASHIFT;
}

enum bek_dc_action bek_dc_decide(const struct bek_dc_facts *f, char why[BEK_WHY_MAX])
{
	why[0] = '\0';
	if (f->state == BEK_DC_DECRYPTED)
		return BEK_DC_NOTHING;
	if (f->state == BEK_DC_NOT_LUKS)
		return refuse(why, "no LUKS header on it (a volume not made by ADE, or the wrong device or header)");
	if (f->integrity)
		return refuse(why, "it uses authenticated encryption (dm-integrity), which libcryptsetup cannot decrypt in place");
	if (f->state == BEK_DC_REENCRYPTING)
		return refuse(why, "a change of its volume key (cryptsetup reencrypt) is unfinished: finish that first");
	if (f->read_only)
		return refuse(why, "its device or header file is read-only");
	if (f->used_otherwise)
		return refuse(why, "it is in use other than through its own mapping (mounted or held directly)");
	/* libcryptsetup cannot recover an open volume (recovered.h); the boot may have. */
	if (f->crashed && f->active && f->recovered_copy && f->detached)
		return BEK_DC_ADOPT_RECOVERED;
	if (f->crashed && f->active)
		return refuse(why, "a chunk cut by a crash, recorded in its header, cannot be recovered while it is "
			      "open and the boot kept no recovered copy: finish it offline, from a rescue VM "
			      "(bek-unlock decrypt --header HDR --key-file KEY DEVICE)");
	if (f->state == BEK_DC_DECRYPTING)
		return BEK_DC_RESUME;
	if (f->state == BEK_DC_ENCRYPTING) {
		if (f->luks_version != 2 || !f->detached)
			return refuse(why, "an unfinished encryption that ADE did not start (header on the device)");
		return BEK_DC_FINISH_ENCRYPTION;
	}
	/* BEK_DC_ENCRYPTED */
	if (f->luks_version == 1) {
		if (f->active)
			return refuse(why, "LUKS1: libcryptsetup converts a LUKS1 header to LUKS2 (which it can decrypt) "
				      "only while the volume is closed: decrypt it offline, from a rescue VM");
		return BEK_DC_CONVERT;
	}
	if (f->luks_version != 2)
		return refuse(why, "an unknown LUKS version");
	enum bek_dc_action a = luks2_layout(f, why);
	if (a == BEK_DC_DATASHIFT && f->active)
		return refuse(why, "its header is on the device: moving the data over it is done only while the volume "
			      "is closed (unmount it and close it, or decrypt it offline from a rescue VM)");
	return a;
}

bool bek_dc_offline_only(enum bek_dc_action a, const struct bek_dc_facts *f)
{
	return a == BEK_DC_CONVERT || a == BEK_DC_DATASHIFT || (a == BEK_DC_RESUME && f->datashift_decrypt);
}
