// SPDX-License-Identifier: GPL-2.0-or-later
/* The "bek" LUKS2 token: where a volume's key lives. Pure logic: no I/O.
 *   {"type":"bek","keyslots":["1"],"key_file":"LinuxPassPhraseFileName","label":"BEK VOLUME"}
 * "keyslots" holds at most one keyslot; "label" is optional. */
#ifndef BEK_TOKEN_H
#define BEK_TOKEN_H

#include <stddef.h>

#include "keyname.h"
#include "why.h"

#define BEK_TOKEN_TYPE "bek"
#define BEK_TOKEN_JSON_MAX 4096
#define BEK_KEYSLOT_MAX 31      /* LUKS2 has 32 keyslots */

struct bek_token {
	int keyslot;                         /* -1: any keyslot */
	char key_file[BEK_KEYNAME_MAX + 1];
	char label[256];                     /* "" when the token names none */
};

/* Parses and validates a token's JSON text (len bytes, need not be NUL-terminated).
 * Returns 0, or -EINVAL with why set to a short reason. */
int bek_token_parse(const char *json, size_t len, struct bek_token *out, char why[BEK_WHY_MAX]);

/* Builds the token JSON for tok. Returns a malloc'd string or NULL on ENOMEM. */
char *bek_token_format(const struct bek_token *tok);

#endif
