// SPDX-License-Identifier: GPL-2.0-or-later
#include "kvsecret.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 8
#define SPANS_MAX 8   /* "value" strings in one document; placeholders are "#0" to "#7" */

static const char TAG_KEK_URL[] = "DiskEncryptionKeyEncryptionKeyURL";
static const char TAG_KEK_URL_OLD[] = "DiskEncryptionKeyEncryptionUrl";
static const char TAG_ALGORITHM[] = "DiskEncryptionKeyEncryptionAlgorithm";
static const char TAG_MACHINE[] = "MachineName";
static const char TAG_KEY_FILE[] = "DiskEncryptionKeyFileName";

struct span {
	size_t off, len;
};

/* A JSON document: the caller's text, and json-c's tree of its redacted copy. */
struct doc {
	const char *text;
	char *redacted;
	size_t redacted_size;
	struct span spans[SPANS_MAX];
	size_t n_spans;
	json_object *root;
};

__attribute__((format(printf, 3, 4)))
static int failf(char why[BEK_WHY_MAX], int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, BEK_WHY_MAX, fmt, ap);
	va_end(ap);
	return err;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

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

/* Skips a UTF-8 byte order mark; refuses what is too large, UTF-16 and NUL bytes. */
static int preamble(const char **text, size_t *len, char why[BEK_WHY_MAX])
{
	const unsigned char *u = (const unsigned char *)*text;
	if (*len > BEK_KV_INPUT_MAX)
		return failf(why, -E2BIG, "larger than %u bytes", BEK_KV_INPUT_MAX);
	if (*len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return failf(why, -EINVAL, "UTF-16 text (what PowerShell's '>' writes): save it as UTF-8 or ASCII");
	if (*len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		*text += 3;
		*len -= 3;
	}
	if (memchr(*text, '\0', *len))
		return failf(why, -EINVAL, "contains a NUL byte (UTF-16 text?)");
	return 0;
}

/* Copies d->text into d->redacted, replacing the contents of every string that
 * follows a "value" key with a placeholder "#N"; d->spans[N] is where the original
 * contents are. Member names must not use escapes, so that the names json-c sees are
 * the names compared here. The top-level "value" must be a string: anything else (a
 * number, an object, an array, true, false, null) is refused here, unread and unquoted,
 * before json-c copies it into buffers that nobody wipes. Malformed JSON is left for
 * json-c to refuse. */
static int redact(struct doc *d, size_t len, char why[BEK_WHY_MAX])
{
	const char *t = d->text;
	/* A placeholder string is 4 bytes; the shortest string it replaces is 2. */
	char *o = d->redacted = malloc(len + 2 * SPANS_MAX + 1);
	bool pending = false;   /* after "value" and before the next token */
	bool top = false;       /* ... and that "value" is a member of the top-level object */
	size_t depth = 0;       /* of objects and arrays */

	if (!o)
		return failf(why, -ENOMEM, "out of memory");
	d->redacted_size = len + 2 * SPANS_MAX + 1;
	for (size_t i = 0; i < len;) {
		if (t[i] != '"') {
			if (!is_space(t[i]) && t[i] != ':') {
				if (pending && top)
					return failf(why, -EINVAL, "\"value\" is not a string (a JSON number, object, array, "
						     "true, false or null): refused without reading it");
				pending = false;
			}
			if (t[i] == '{' || t[i] == '[')
				depth++;
			else if ((t[i] == '}' || t[i] == ']') && depth > 0)
				depth--;
			*o++ = t[i++];
			continue;
		}
		size_t j = i + 1;
		bool escaped = false;
		while (j < len && t[j] != '"') {
			if (t[j] == '\\') {
				escaped = true;
				j++;
			}
			j++;
		}
		if (j >= len)
			return failf(why, -EINVAL, "not valid JSON (a string does not end)");
		size_t k = j + 1;
		while (k < len && is_space(t[k]))
			k++;
		size_t n = j - i - 1;
		if (k < len && t[k] == ':') {
			if (escaped)
				return failf(why, -EINVAL, "a JSON member name contains an escape sequence");
			pending = n == 5 && memcmp(t + i + 1, "value", 5) == 0;
			top = depth == 1;
		} else if (pending) {
			pending = false;
			if (d->n_spans == SPANS_MAX)
				return failf(why, -EINVAL, "more than %d \"value\" members", SPANS_MAX);
			if (escaped)
				return failf(why, -EINVAL, "the \"value\" string contains a JSON escape sequence "
					     "(a base64url value needs none)");
			for (size_t c = i + 1; c < j; c++)
				if ((unsigned char)t[c] < 0x20)
					return failf(why, -EINVAL, "not valid JSON (a control character in the \"value\" string)");
			d->spans[d->n_spans] = (struct span){ i + 1, n };
			o += sprintf(o, "\"#%zu\"", d->n_spans++);
			i = j + 1;
			continue;
		}
		memcpy(o, t + i, j + 1 - i);
		o += j + 1 - i;
		i = j + 1;
	}
	*o = '\0';
	return 0;
}

/* Parses text[0..len) (after the preamble) as one JSON object. */
static int doc_parse(struct doc *d, const char *text, size_t len, char why[BEK_WHY_MAX])
{
	memset(d, 0, sizeof(*d));
	d->text = text;
	int r = redact(d, len, why);
	if (r < 0)
		return r;
	size_t rlen = strlen(d->redacted);
	while (rlen > 0 && is_space(d->redacted[rlen - 1]))
		rlen--;

	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok)
		return failf(why, -ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	d->root = json_tokener_parse_ex(tok, d->redacted, (int)rlen);
	if (!d->root || json_tokener_get_error(tok) != json_tokener_success)
		r = failf(why, -EINVAL, "not valid JSON");
	else if (json_tokener_get_parse_end(tok) != rlen)
		r = failf(why, -EINVAL, "trailing data after the JSON object");
	else if (!json_object_is_type(d->root, json_type_object))
		r = failf(why, -EINVAL, "not a JSON object");
	json_tokener_free(tok);
	return r;
}

static void doc_free(struct doc *d)
{
	json_object_put(d->root);
	if (d->redacted)   /* holds no "value" string, but what json-c was shown: wiped all the same */
		explicit_bzero(d->redacted, d->redacted_size);
	free(d->redacted);
	d->root = NULL;
	d->redacted = NULL;
}

/* Present and not null ("az" prints "kid": null for a secret). */
static bool has_member(const struct doc *d, const char *name)
{
	json_object *v;
	return json_object_object_get_ex(d->root, name, &v) && !json_object_is_type(v, json_type_null);
}

/* The span of the top-level "value" string: 0, -ENOENT when there is none, or -EINVAL. */
static int value_span(const struct doc *d, const struct span **out, char why[BEK_WHY_MAX])
{
	json_object *v;
	if (!json_object_object_get_ex(d->root, "value", &v))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return failf(why, -EINVAL, "\"value\" is not a string");
	const char *s = json_object_get_string(v);
	/* Every string after a "value" key was replaced; anything else is a bug. */
	if (s[0] != '#' || s[1] < '0' || s[1] > '9' || s[2] || (size_t)(s[1] - '0') >= d->n_spans)
		return failf(why, -EINVAL, "\"value\" cannot be located");
	*out = &d->spans[s[1] - '0'];
	return 0;
}

static int decode_span(const char *text, const struct span *sp, const char *what, unsigned char *out,
		       size_t out_size, size_t *out_len, char why[BEK_WHY_MAX])
{
	char b64why[BEK_WHY_MAX];
	int r = bek_b64_decode(text + sp->off, sp->len, out, out_size, out_len, b64why);
	if (r < 0)
		return failf(why, r, "%s is not base64url: %s", what, b64why);
	return 0;
}

/* A string member of obj: 0 with *out (NULL when absent), or -EINVAL. Empty strings
 * count as absent when empty_is_absent. */
static int get_string(json_object *obj, const char *name, const char *what, bool empty_is_absent,
		      const char **out, char why[BEK_WHY_MAX])
{
	json_object *v;
	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return failf(why, -EINVAL, "%s %s is not a string", what, name);
	const char *s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return failf(why, -EINVAL, "%s %s contains a NUL byte", what, name);
	if (!(empty_is_absent && !s[0]))
		*out = s;
	return 0;
}

/* Printable ASCII of 1 to size-1 bytes, copied into dst. */
static int copy_text(const char *what, const char *name, const char *s, char *dst, size_t size,
		     char why[BEK_WHY_MAX])
{
	size_t len = strlen(s);
	if (len == 0)
		return failf(why, -EINVAL, "%s %s is empty", what, name);
	if (len >= size)
		return failf(why, -EINVAL, "%s %s is longer than %zu bytes", what, name, size - 1);
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return failf(why, -EINVAL, "%s %s contains a control or non-ASCII character", what, name);
	memcpy(dst, s, len + 1);
	return 0;
}

/* NULL when url is https://HOST/KIND/NAME/VERSION (VERSION optional unless
 * need_version), otherwise a reason. */
static const char *url_check(const char *url, const char *kind, bool need_version)
{
	size_t kl = strlen(kind), n;
	const char *p;

	if (strlen(url) > BEK_KV_URL_MAX)
		return "is longer than 512 bytes";
	if (strncmp(url, "https://", 8) != 0)
		return "is not an https:// URL";
	const char *host = url + 8;
	for (p = host; is_alnum(*p) || *p == '-' || *p == '.'; p++)
		;
	n = (size_t)(p - host);
	if (n == 0 || !memchr(host, '.', n) || host[0] == '.' || host[0] == '-' || p[-1] == '.' || p[-1] == '-')
		return "has no valid host name";
	if (p[0] != '/' || strncmp(p + 1, kind, kl) != 0 || p[1 + kl] != '/')
		return strcmp(kind, "keys") == 0 ? "is not a key URL (https://VAULT/keys/NAME/VERSION)"
						 : "is not a secret URL (https://VAULT/secrets/NAME/VERSION)";
	p += 2 + kl;
	for (n = 0; is_alnum(p[n]) || p[n] == '-'; n++)
		;
	if (n == 0 || n > 127)
		return "has no valid name (1-127 letters, digits, '-')";
	p += n;
	if (!*p && !need_version)
		return NULL;
	if (*p != '/')
		return *p ? "has an unexpected character after the name" : "names no version (https://VAULT/keys/NAME/VERSION)";
	p++;
	for (n = 0; is_alnum(p[n]); n++)
		;
	if (n == 0 || n > 64)
		return "has no valid version (1-64 letters and digits)";
	if (p[n])
		return "has an unexpected character after the version";
	return NULL;
}

/* id, contentType and ADE's tags. */
static int secret_fields(const struct doc *d, struct bek_kv_secret *out, char why[BEK_WHY_MAX])
{
	json_object *tags = NULL;
	const char *s, *url, *url_old, *alg, *reason;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = get_string(d->root, "id", "member", false, &s, why)) < 0)
		return r;
	if (s && (reason = url_check(s, "secrets", false)))
		return failf(why, -EINVAL, "\"id\" %s", reason);
	if (s)
		memcpy(out->id, s, strlen(s) + 1);
	if ((r = get_string(d->root, "contentType", "member", true, &s, why)) < 0 ||
	    (s && (r = copy_text("member", "contentType", s, out->content_type, sizeof(out->content_type), why)) < 0))
		return r;

	if (json_object_object_get_ex(d->root, "tags", &tags) && json_object_is_type(tags, json_type_null))
		tags = NULL;
	if (tags && !json_object_is_type(tags, json_type_object))
		return failf(why, -EINVAL, "\"tags\" is not a JSON object");

	if ((r = get_string(tags, TAG_MACHINE, "tag", true, &s, why)) < 0 ||
	    (s && (r = copy_text("tag", TAG_MACHINE, s, out->machine, sizeof(out->machine), why)) < 0))
		return r;
	if ((r = get_string(tags, TAG_KEY_FILE, "tag", true, &s, why)) < 0)
		return r;
	char name_why[BEK_WHY_MAX];
	if (s && bek_keyname_check(s, name_why) < 0)
		return failf(why, -EINVAL, "tag %s: %s", TAG_KEY_FILE, name_why);
	if (s)
		memcpy(out->key_file, s, strlen(s) + 1);

	if ((r = get_string(tags, TAG_KEK_URL, "tag", true, &url, why)) < 0 ||
	    (r = get_string(tags, TAG_KEK_URL_OLD, "tag", true, &url_old, why)) < 0 ||
	    (r = get_string(tags, TAG_ALGORITHM, "tag", true, &alg, why)) < 0)
		return r;
	if (url && url_old && strcmp(url, url_old) != 0)
		return failf(why, -EINVAL, "tags %s and %s name different keys", TAG_KEK_URL, TAG_KEK_URL_OLD);
	out->kek_tag = url ? TAG_KEK_URL : TAG_KEK_URL_OLD;
	url = url ? url : url_old;
	if (!url && alg)
		return failf(why, -EINVAL, "tag %s names an algorithm but no tag names the key-encryption key: "
			     "cannot tell whether the value is wrapped", TAG_ALGORITHM);
	if (!url) {
		out->kek_tag = NULL;
		return 0;
	}
	if ((reason = url_check(url, "keys", true)))
		return failf(why, -EINVAL, "tag %s %s", out->kek_tag, reason);
	memcpy(out->kek_url, url, strlen(url) + 1);
	out->wrapped = true;
	out->algorithm_assumed = !alg;
	alg = alg ? alg : "RSA-OAEP";
	if (strcmp(alg, "RSA-OAEP") != 0 && strcmp(alg, "RSA-OAEP-256") != 0 && strcmp(alg, "RSA1_5") != 0)
		return failf(why, -EINVAL, "tag %s is not RSA-OAEP, RSA-OAEP-256 or RSA1_5", TAG_ALGORITHM);
	memcpy(out->algorithm, alg, strlen(alg) + 1);
	return 0;
}

static size_t skip_space(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && is_space(text[i]))
		i++;
	return i;
}

/* A document that is one JSON string: the span of its contents. */
static int json_string_span(const char *text, size_t len, size_t start, struct span *out, char why[BEK_WHY_MAX])
{
	size_t j = start + 1;
	while (j < len && text[j] != '"' && text[j] != '\\')
		j++;
	if (j >= len)
		return failf(why, -EINVAL, "not valid JSON (the string does not end)");
	if (text[j] == '\\')
		return failf(why, -EINVAL, "the JSON string contains an escape sequence (a base64url value needs none)");
	if (j + 1 + skip_space(text + j + 1, len - j - 1) != len)
		return failf(why, -EINVAL, "trailing data after the JSON string");
	*out = (struct span){ start + 1, j - start - 1 };
	return 0;
}

int bek_kv_passphrase(const char *text, size_t len, unsigned char *out, size_t out_size, size_t *out_len,
		      enum bek_kv_source *source, char why[BEK_WHY_MAX])
{
	struct span whole = { 0, 0 };
	*out_len = 0;
	int r = preamble(&text, &len, why);
	if (r < 0)
		return r;
	size_t start = skip_space(text, len);

	if (start < len && text[start] == '"') {
		if ((r = json_string_span(text, len, start, &whole, why)) < 0)
			return r;
		*source = BEK_KV_JSON_STRING;
		return decode_span(text, &whole, "the JSON string", out, out_size, out_len, why);
	}
	if (start == len || text[start] != '{') {
		whole = (struct span){ 0, len };
		*source = BEK_KV_BARE;
		return decode_span(text, &whole, "the value", out, out_size, out_len, why);
	}

	struct doc d;
	struct bek_kv_secret info;
	const struct span *sp = NULL;
	json_object *kid;
	if ((r = doc_parse(&d, text, len, why)) < 0)
		goto out;
	if (has_member(&d, "kid")) {
		json_object_object_get_ex(d.root, "kid", &kid);
		if (!json_object_is_type(kid, json_type_string)) {
			r = failf(why, -EINVAL, "\"kid\" is not a string");
			goto out;
		}
		*source = BEK_KV_UNWRAP_RESULT;
	} else if (has_member(&d, "id") || has_member(&d, "tags")) {
		if ((r = secret_fields(&d, &info, why)) < 0)
			goto out;
		if (info.wrapped) {
			r = failf(why, -EINVAL, "this Key Vault secret is still wrapped by a key-encryption key: "
				  "send its value to unwrapKey first (see bek-unlock recover --describe)");
			goto out;
		}
		*source = BEK_KV_PLAIN_SECRET;
	} else
		*source = BEK_KV_UNWRAP_RESULT;

	r = value_span(&d, &sp, why);
	if (r == -ENOENT)
		r = failf(why, -EINVAL, "no \"value\" member (expected the unwrapKey result, {\"kid\":...,\"value\":...})");
	if (r >= 0)
		r = decode_span(text, sp, "\"value\"", out, out_size, out_len, why);
out:
	doc_free(&d);
	return r;
}

int bek_kv_secret_parse(const char *text, size_t len, struct bek_kv_secret *out, char why[BEK_WHY_MAX])
{
	struct doc d;
	const struct span *sp = NULL;
	memset(out, 0, sizeof(*out));
	int r = preamble(&text, &len, why);
	if (r < 0)
		return r;
	size_t start = skip_space(text, len);
	if (start == len || text[start] != '{')
		return failf(why, -EINVAL, "not a JSON object (expected one secret, as \"az keyvault secret show\" prints it)");

	if ((r = doc_parse(&d, text, len, why)) < 0)
		goto out;
	if (has_member(&d, "kid") && !has_member(&d, "id") && !has_member(&d, "tags")) {
		r = failf(why, -EINVAL, "this is an unwrapKey result, not a Key Vault secret: "
			  "give it to bek-unlock recover --secret-file");
		goto out;
	}
	if ((r = secret_fields(&d, out, why)) < 0)
		goto out;
	r = value_span(&d, &sp, why);
	if (r == -ENOENT)
		r = failf(why, -EINVAL, "no \"value\" member (expected one secret, as \"az keyvault secret show\" prints it)");
	if (r < 0)
		goto out;
	/* The passphrase itself when not wrapped: not even looked at. */
	out->value_chars = sp->len;
	if (!out->wrapped)
		goto out;

	unsigned char wrapped[BEK_KV_WRAPPED_MAX];
	size_t s = sp->off + skip_space(text + sp->off, sp->len), e = sp->off + sp->len;
	while (e > s && is_space(text[e - 1]))
		e--;
	if (sp->len > BEK_KV_WRAPPED_MAX) {
		r = failf(why, -EINVAL, "the wrapped \"value\" is longer than %d characters", BEK_KV_WRAPPED_MAX);
		goto out;
	}
	if ((r = decode_span(text, sp, "\"value\"", wrapped, sizeof(wrapped), &out->wrapped_bytes, why)) < 0)
		goto out;
	memcpy(out->wrapped_value, text + s, e - s);
	out->wrapped_value[e - s] = '\0';
out:
	doc_free(&d);
	return r;
}

int bek_kv_unwrap_url(const struct bek_kv_secret *s, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/unwrapkey?api-version=" BEK_KV_API_VERSION, s->kek_url);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

int bek_kv_resource(const char *url, char *buf, size_t size)
{
	const char *host = strncmp(url, "https://", 8) == 0 ? url + 8 : url;
	size_t n = strcspn(host, "/");
	const char *dot = memchr(host, '.', n);
	if (dot) {
		n -= (size_t)(dot + 1 - host);
		host = dot + 1;
	}
	int w = snprintf(buf, size, "https://%.*s", (int)n, host);
	return w < 0 || (size_t)w >= size ? -ENOBUFS : 0;
}
