// SPDX-License-Identifier: GPL-2.0-or-later
#include "kvpassphrase.h"

#include <errno.h>
#include <json-c/json.h>

#include "kvsecret.h"

const char *bek_kv_source_name(enum bek_kv_source source)
{
	switch (source) {
	case BEK_KV_BARE:
		return "bare value";
	case BEK_KV_JSON_STRING:
		return "JSON string";
	case BEK_KV_UNWRAP_RESULT:
		return "unwrapKey result";
	case BEK_KV_PLAIN_SECRET:
		return "Key Vault secret (not wrapped)";
	}
	return "?";
}

size_t bek_kv_passphrase_max(size_t len)
{
	return bek_b64_decoded_max(len);
}

/* A document that is one JSON string: the span of its contents. */
static int json_string_span(const char *text, size_t len, size_t start, struct bek_kv_span *out,
			    char why[BEK_WHY_MAX])
{
	size_t j = start + 1;
	while (j < len && text[j] != '"' && text[j] != '\\')
		j++;
	if (j >= len)
		return bek_kv_refuse(why, -EINVAL, "not valid JSON (the string does not end)");
	if (text[j] == '\\')
		return bek_kv_refuse(why, -EINVAL, "the JSON string contains an escape sequence (a base64url value needs none)");
	if (j + 1 + bek_kv_skip_space(text + j + 1, len - j - 1) != len)
		return bek_kv_refuse(why, -EINVAL, "trailing data after the JSON string");
	*out = (struct bek_kv_span){ start + 1, j - start - 1 };
	return 0;
}

/* What a JSON object holding the passphrase is: an unwrapKey result, or a Key Vault
 * secret that is not wrapped. A wrapped secret is refused. */
static int object_source(const struct bek_kv_doc *d, enum bek_kv_source *source, char why[BEK_WHY_MAX])
{
	struct bek_kv_secret info;
	json_object *kid;
	if (bek_kv_doc_has(d, "kid")) {
		json_object_object_get_ex(d->root, "kid", &kid);
		if (!json_object_is_type(kid, json_type_string))
			return bek_kv_refuse(why, -EINVAL, "\"kid\" is not a string");
		*source = BEK_KV_UNWRAP_RESULT;
		return 0;
	}
	if (!bek_kv_doc_has(d, "id") && !bek_kv_doc_has(d, "tags")) {
		*source = BEK_KV_UNWRAP_RESULT;
		return 0;
	}
	int r = bek_kv_secret_fields(d, &info, why);
	if (r < 0)
		return r;
	if (info.wrapped)
		return bek_kv_refuse(why, -EINVAL, "this Key Vault secret is still wrapped by a key-encryption key: "
				     "send its value to unwrapKey first (see bek-unlock recover --describe)");
	*source = BEK_KV_PLAIN_SECRET;
	return 0;
}

int bek_kv_passphrase(const char *text, size_t len, unsigned char *out, size_t out_size, size_t *out_len,
		      enum bek_kv_source *source, char why[BEK_WHY_MAX])
{
	struct bek_kv_span whole = { 0, 0 };
	*out_len = 0;
	int r = bek_kv_preamble(&text, &len, why);
	if (r < 0)
		return r;
	size_t start = bek_kv_skip_space(text, len);

	if (start < len && text[start] == '"') {
		if ((r = json_string_span(text, len, start, &whole, why)) < 0)
			return r;
		*source = BEK_KV_JSON_STRING;
		return bek_kv_decode_span(text, &whole, "the JSON string", out, out_size, out_len, why);
	}
	if (start == len || text[start] != '{') {
		whole = (struct bek_kv_span){ 0, len };
		*source = BEK_KV_BARE;
		return bek_kv_decode_span(text, &whole, "the value", out, out_size, out_len, why);
	}

	struct bek_kv_doc d;
	const struct bek_kv_span *sp = NULL;
	if ((r = bek_kv_doc_parse(&d, text, len, why)) < 0 || (r = object_source(&d, source, why)) < 0)
		goto out;
	r = bek_kv_doc_value(&d, &sp, why);
	if (r == -ENOENT)
		r = bek_kv_refuse(why, -EINVAL, "no \"value\" member (expected the unwrapKey result, {\"kid\":...,\"value\":...})");
	if (r >= 0)
		r = bek_kv_decode_span(text, sp, "\"value\"", out, out_size, out_len, why);
out:
	bek_kv_doc_free(&d);
	return r;
}
