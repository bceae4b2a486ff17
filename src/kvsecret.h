// SPDX-License-Identifier: GPL-2.0-or-later
/* A Key Vault secret as "az keyvault secret show" prints it, with the tags Azure Disk
 * Encryption writes, parsed for an offline recovery. Its value is wrapped by a
 * key-encryption key (tag DiskEncryptionKeyEncryptionKeyURL, older
 * DiskEncryptionKeyEncryptionUrl) or, without those tags, is the passphrase itself,
 * base64-encoded (kvpassphrase.h decodes that). The document is read as kvdoc.h says:
 * json-c never sees the value. Pure logic: no I/O. */
#ifndef BEK_KVSECRET_H
#define BEK_KVSECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "keyname.h"
#include "kvdoc.h"
#include "why.h"

#define BEK_KV_URL_MAX 512
#define BEK_KV_TEXT_MAX 255
#define BEK_KV_WRAPPED_MAX 1024   /* characters; an RSA-4096 wrap gives 683 */
#define BEK_KV_API_VERSION "7.4"

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

/* The id, contentType and ADE's tags of a parsed document, checked; "value" is left
 * alone. Also what kvpassphrase.c uses to tell a plain secret from a wrapped one.
 * Returns 0, or a negative errno with why set. */
int bek_kv_secret_fields(const struct bek_kv_doc *d, struct bek_kv_secret *out, char why[BEK_WHY_MAX]);

/* KEK_URL/unwrapkey?api-version=7.4 for a wrapped secret. Returns 0 or -ENOBUFS. */
int bek_kv_unwrap_url(const struct bek_kv_secret *s, char *buf, size_t size);

/* The token audience of the vault that url names: "https://vault.azure.net" for
 * https://NAME.vault.azure.net/... Returns 0 or -ENOBUFS. */
int bek_kv_resource(const char *url, char *buf, size_t size);

#endif
