// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: LUKS2 token JSON, as read from a (hostile) volume header. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bek_token tok, again;
	char why[BEK_WHY_MAX] = "";

	if (bek_token_parse((const char *)data, size, &tok, why) < 0) {
		assert(why[0] && strlen(why) < BEK_WHY_MAX && !strchr(why, '\n'));
		return 0;
	}
	/* Whatever is accepted is safe to open and survives a format/parse round trip. */
	assert(!why[0]);
	assert(bek_keyname_check(tok.key_file, why) == 0 && !why[0]);
	assert(tok.keyslot >= -1 && tok.keyslot <= BEK_KEYSLOT_MAX);
	char *json = bek_token_format(&tok);
	assert(json);
	assert(bek_token_parse(json, strlen(json), &again, why) == 0 && !why[0]);
	assert(again.keyslot == tok.keyslot && strcmp(again.key_file, tok.key_file) == 0 &&
	       strcmp(again.label, tok.label) == 0);
	free(json);
	return 0;
}
