// SPDX-License-Identifier: GPL-2.0-or-later
/* What an operator brings back from Azure Key Vault for an offline recovery, parsed.
 * Pure logic: no I/O.
 *
 * Two documents:
 *  - the result of the key's unwrapKey operation, {"kid":"...","value":"<base64url>"},
 *    or just its value (bare, or as a JSON string): the value decodes to the passphrase;
 *  - a Key Vault secret as "az keyvault secret show" prints it, with ADE's tags. Its
 *    value is wrapped by a key-encryption key (tag DiskEncryptionKeyEncryptionKeyURL,
 *    older DiskEncryptionKeyEncryptionUrl) or, without those tags, is the passphrase
 *    itself, base64-encoded.
 *
 * Every "value" string may be key material, so json-c never sees one: it parses a copy
 * of the text in which the contents of each string that follows a "value" key are
 * replaced by a placeholder, and the value is decoded straight from the caller's text
 * (in locked memory) into the caller's buffer. */
#ifndef BEK_KVSECRET_H
#define BEK_KVSECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "b64url.h"
#include "keyname.h"
#include "why.h"

#define BEK_KV_INPUT_MAX BEK_B64_INPUT_MAX   /* bytes of a whole document */
#define BEK_KV_URL_MAX 512
#define BEK_KV_TEXT_MAX 255
#define BEK_KV_WRAPPED_MAX 1024   /* characters; an RSA-4096 wrap gives 683 */
#define BEK_KV_API_VERSION "7.4"

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

/* A Key Vault secret written by Azure Disk Encryption. Strings are "" when absent;
 * every string is printable ASCII, URLs are https://HOST/(keys|secrets)/NAME[/VERSION]. */
struct bek_kv_secret {
	char id[BEK_KV_URL_MAX + 1];
	char content_type[BEK_KV_TEXT_MAX + 1];
	char machine[BEK_KV_TEXT_MAX + 1];        /* tag MachineName */
	char key_file[BEK_KEYNAME_MAX + 1];       /* tag DiskEncryptionKeyFileName */
	bool wrapped;                             /* a key-encryption key is named */
	const char *kek_tag;                      /* the tag that names it */
	char kek_url[BEK_KV_URL_MAX + 1];
	char algorithm[16];                       /* RSA-OAEP, RSA-OAEP-256 or RSA1_5 */
	bool algorithm_assumed;                   /* no algorithm tag: ADE's RSA-OAEP */
	size_t value_chars;                       /* length of "value" */
	size_t wrapped_bytes;                     /* wrapped: decoded size of "value" */
	char wrapped_value[BEK_KV_WRAPPED_MAX + 1]; /* wrapped: "value" (not secret); else "" */
};

/* Parses a secret's JSON. Returns 0, or a negative errno with why set to one line. */
int bek_kv_secret_parse(const char *text, size_t len, struct bek_kv_secret *out, char why[BEK_WHY_MAX]);

/* KEK_URL/unwrapkey?api-version=7.4 for a wrapped secret. Returns 0 or -ENOBUFS. */
int bek_kv_unwrap_url(const struct bek_kv_secret *s, char *buf, size_t size);

/* The token audience of the vault that url names: "https://vault.azure.net" for
 * https://NAME.vault.azure.net/... Returns 0 or -ENOBUFS. */
int bek_kv_resource(const char *url, char *buf, size_t size);

#endif
