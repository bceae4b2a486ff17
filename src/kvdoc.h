// SPDX-License-Identifier: GPL-2.0-or-later
/* A JSON document brought back from Azure Key Vault, read so that json-c never sees
 * key material: every "value" string may be a secret, so json-c parses a copy of the
 * text in which the contents of each string that follows a "value" key are replaced
 * by a placeholder, and the value is decoded straight from the caller's text (in
 * locked memory) into the caller's buffer. The layer under kvsecret.c (a secret's
 * JSON) and kvpassphrase.c (the unwrapKey result). Pure logic: no I/O. */
#ifndef BEK_KVDOC_H
#define BEK_KVDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "b64url.h"
#include "why.h"

#define BEK_KV_INPUT_MAX BEK_B64_INPUT_MAX   /* bytes of a whole document */
#define BEK_KV_SPANS_MAX 8   /* "value" strings in one document; placeholders are "#0" to "#7" */

struct json_object;

/* Where the contents of a string are in the caller's text. */
struct bek_kv_span {
	size_t off, len;
};

/* A JSON document: the caller's text, and json-c's tree of its redacted copy. */
struct bek_kv_doc {
	const char *text;
	char *redacted;
	size_t redacted_size;
	struct bek_kv_span spans[BEK_KV_SPANS_MAX];
	size_t n_spans;
	struct json_object *root;
};

/* Writes the reason for a refusal into why (truncated to one BEK_WHY_MAX line, as
 * why.h's bek_why()) and returns err, the negative errno the caller returns. */
__attribute__((format(printf, 3, 4)))
int bek_kv_refuse(char why[BEK_WHY_MAX], int err, const char *fmt, ...);

/* JSON whitespace. */
bool bek_kv_is_space(char c);

/* How many bytes of whitespace text[0..len) starts with. */
size_t bek_kv_skip_space(const char *text, size_t len);

/* Skips a UTF-8 byte order mark; refuses what is larger than BEK_KV_INPUT_MAX, UTF-16
 * and NUL bytes. Returns 0, or a negative errno with why set. */
int bek_kv_preamble(const char **text, size_t *len, char why[BEK_WHY_MAX]);

/* Parses text[0..len) (after the preamble) as one JSON object whose top-level "value",
 * if any, is a string. Returns 0, or a negative errno with why set; either way
 * bek_kv_doc_free() must follow. */
int bek_kv_doc_parse(struct bek_kv_doc *d, const char *text, size_t len, char why[BEK_WHY_MAX]);

/* Frees and wipes what bek_kv_doc_parse() allocated. */
void bek_kv_doc_free(struct bek_kv_doc *d);

/* The top-level member name is present and not null ("az" prints "kid": null for a
 * secret). */
bool bek_kv_doc_has(const struct bek_kv_doc *d, const char *name);

/* The span of the top-level "value" string: 0, -ENOENT when there is none, or -EINVAL
 * with why set. */
int bek_kv_doc_value(const struct bek_kv_doc *d, const struct bek_kv_span **out, char why[BEK_WHY_MAX]);

/* A string member of obj (NULL: none): 0 with *out (NULL when absent or null), or
 * -EINVAL with why set ("WHAT NAME is not a string"). Empty strings count as absent
 * when empty_is_absent. */
int bek_kv_doc_string(struct json_object *obj, const char *name, const char *what, bool empty_is_absent,
		      const char **out, char why[BEK_WHY_MAX]);

/* Decodes the base64url at span sp of text into out (see bek_b64_decode()). Returns
 * 0, or a negative errno with why set ("WHAT is not base64url: ..."). */
int bek_kv_decode_span(const char *text, const struct bek_kv_span *sp, const char *what, unsigned char *out,
		       size_t out_size, size_t *out_len, char why[BEK_WHY_MAX]);

#endif
