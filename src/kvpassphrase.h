// SPDX-License-Identifier: GPL-2.0-or-later
/* The passphrase from what an operator brings back from Azure Key Vault: the result
 * of the key's unwrapKey operation, {"kid":"...","value":"<base64url>"}, or just its
 * value (bare, or as a JSON string), or a Key Vault secret that no key-encryption key
 * wraps (kvsecret.h); the value decodes to the passphrase. The document is read as
 * kvdoc.h says: json-c never sees the value. Pure logic: no I/O. */
#ifndef BEK_KVPASSPHRASE_H
#define BEK_KVPASSPHRASE_H

#include <stddef.h>

#include "kvdoc.h"
#include "why.h"

/* What the passphrase came from. */
enum bek_kv_source {
	BEK_KV_BARE,          /* the value alone */
	BEK_KV_JSON_STRING,   /* the value as a JSON string ("az ... --query value") */
	BEK_KV_UNWRAP_RESULT, /* a JSON object with "value" ({"kid":...,"value":...}) */
	BEK_KV_PLAIN_SECRET,  /* a Key Vault secret that no key-encryption key wraps */
};

/* "unwrapKey result", ... */
const char *bek_kv_source_name(enum bek_kv_source source);

/* Room enough for the passphrase of a len-byte document. */
size_t bek_kv_passphrase_max(size_t len);

/* Extracts and decodes the passphrase from text[0..len) into out (out_size bytes, at
 * least bek_kv_passphrase_max(len)). Refuses a secret that is still wrapped. Returns 0
 * with *out_len and *source set, or a negative errno with why set to one line. out may
 * hold partial output on failure. */
int bek_kv_passphrase(const char *text, size_t len, unsigned char *out, size_t out_size, size_t *out_len,
		      enum bek_kv_source *source, char why[BEK_WHY_MAX]);

#endif
