// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: what to do with one volume, decided from what was read of it.
 * Pure logic: no I/O. The facts come from decrypt_volume.c. */
#ifndef BEK_DECRYPT_RULES_H
#define BEK_DECRYPT_RULES_H
#include <stdbool.h>
#include <stdint.h>
#include "why.h"

/* Where the volume stands, as its header says. */
enum bek_dc_state {
	BEK_DC_NOT_LUKS,      /* no LUKS header on the device or in the header file */
	BEK_DC_ENCRYPTED,     /* LUKS, no reencryption */
	BEK_DC_ENCRYPTING,    /* LUKS2 in the middle of an encryption (ADE's online encryption) */
	BEK_DC_DECRYPTING,    /* LUKS2 in the middle of a decryption (ours, interrupted) */
	BEK_DC_REENCRYPTING,  /* LUKS2 in the middle of a key change: someone else's */
	BEK_DC_DECRYPTED,     /* LUKS2 whose only segment is plain (linear): decryption finished */
};

/* What will be done. */
enum bek_dc_action {
	BEK_DC_NOTHING,          /* already plain */
	BEK_DC_DECRYPT,          /* detached header, data offset 0: decrypt in place, backward */
	BEK_DC_RESUME,           /* a decryption was interrupted: resume it */
	BEK_DC_FINISH_ENCRYPTION,/* ADE's encryption is unfinished: finish it, then decrypt */
	BEK_DC_ADOPT_RECOVERED,  /* open, its header records a cut chunk the boot recovered in its
				    copy (recovered.h): that copy replaces it, then resumed */
	BEK_DC_CONVERT,          /* LUKS1: convert to LUKS2 (closed volume only), then as LUKS2 */
	BEK_DC_DATASHIFT,        /* header on the device: export it, decrypt moving the data (closed only) */
	BEK_DC_REFUSE,           /* why says why; nothing is written */
};

struct bek_dc_facts {
	enum bek_dc_state state;
	int luks_version;         /* 1 or 2; 0 when not LUKS */
	bool detached;            /* the header is not on the data device */
	uint64_t data_offset;     /* bytes */
	bool crashed;             /* reencryption needs recovery (a crash during a write) */
	bool recovered_copy;      /* the boot kept a recovered copy of the header (recovered.h) */
	bool active;              /* a dm-crypt mapping of this volume exists */
	bool used_otherwise;      /* held or mounted other than through its own mapping */
	bool integrity;           /* authenticated encryption (dm-integrity): not ours */
	bool read_only;           /* the data device (or the header file) cannot be written */
	bool datashift_decrypt;   /* the interrupted decryption moves the data (resilience datashift-*) */
};

const char *bek_dc_state_name(enum bek_dc_state s);
const char *bek_dc_action_name(enum bek_dc_action a);

/* Decides. BEK_DC_REFUSE comes with a one-line reason in why (no trailing period). */
enum bek_dc_action bek_dc_decide(const struct bek_dc_facts *f, char why[BEK_WHY_MAX]);

/* Whether the action needs the volume closed (offline). */
bool bek_dc_offline_only(enum bek_dc_action a, const struct bek_dc_facts *f);
#endif
