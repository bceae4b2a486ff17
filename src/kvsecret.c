// SPDX-License-Identifier: GPL-2.0-or-later
#include "kvsecret.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char TAG_KEK_URL[] = "DiskEncryptionKeyEncryptionKeyURL";
static const char TAG_KEK_URL_OLD[] = "DiskEncryptionKeyEncryptionUrl";
static const char TAG_ALGORITHM[] = "DiskEncryptionKeyEncryptionAlgorithm";
static const char TAG_MACHINE[] = "MachineName";
static const char TAG_KEY_FILE[] = "DiskEncryptionKeyFileName";

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Printable ASCII of 1 to size-1 bytes, copied into dst. */
static int copy_text(const char *what, const char *name, const char *s, char *dst, size_t size,
		     char why[BEK_WHY_MAX])
{
	size_t len = strlen(s);
	if (len == 0)
		return bek_kv_refuse(why, -EINVAL, "%s %s is empty", what, name);
	if (len >= size)
		return bek_kv_refuse(why, -EINVAL, "%s %s is longer than %zu bytes", what, name, size - 1);
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return bek_kv_refuse(why, -EINVAL, "%s %s contains a control or non-ASCII character", what, name);
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

int bek_kv_secret_fields(const struct bek_kv_doc *d, struct bek_kv_secret *out, char why[BEK_WHY_MAX])
{
	json_object *tags = NULL;
	const char *s, *url, *url_old, *alg, *reason;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = bek_kv_doc_string(d->root, "id", "member", false, &s, why)) < 0)
		return r;
	if (s && (reason = url_check(s, "secrets", false)))
		return bek_kv_refuse(why, -EINVAL, "\"id\" %s", reason);
	if (s)
		memcpy(out->id, s, strlen(s) + 1);
	if ((r = bek_kv_doc_string(d->root, "contentType", "member", true, &s, why)) < 0 ||
	    (s && (r = copy_text("member", "contentType", s, out->content_type, sizeof(out->content_type), why)) < 0))
		return r;

	if (json_object_object_get_ex(d->root, "tags", &tags) && json_object_is_type(tags, json_type_null))
		tags = NULL;
	if (tags && !json_object_is_type(tags, json_type_object))
		return bek_kv_refuse(why, -EINVAL, "\"tags\" is not a JSON object");

	if ((r = bek_kv_doc_string(tags, TAG_MACHINE, "tag", true, &s, why)) < 0 ||
	    (s && (r = copy_text("tag", TAG_MACHINE, s, out->machine, sizeof(out->machine), why)) < 0))
		return r;
	if ((r = bek_kv_doc_string(tags, TAG_KEY_FILE, "tag", true, &s, why)) < 0)
		return r;
	char name_why[BEK_WHY_MAX];
	if (s && bek_keyname_check(s, name_why) < 0)
		return bek_kv_refuse(why, -EINVAL, "tag %s: %s", TAG_KEY_FILE, name_why);
	if (s)
		memcpy(out->key_file, s, strlen(s) + 1);

	if ((r = bek_kv_doc_string(tags, TAG_KEK_URL, "tag", true, &url, why)) < 0 ||
	    (r = bek_kv_doc_string(tags, TAG_KEK_URL_OLD, "tag", true, &url_old, why)) < 0 ||
	    (r = bek_kv_doc_string(tags, TAG_ALGORITHM, "tag", true, &alg, why)) < 0)
		return r;
	if (url && url_old && strcmp(url, url_old) != 0)
		return bek_kv_refuse(why, -EINVAL, "tags %s and %s name different keys", TAG_KEK_URL, TAG_KEK_URL_OLD);
	out->kek_tag = url ? TAG_KEK_URL : TAG_KEK_URL_OLD;
	url = url ? url : url_old;
	if (!url && alg)
		return bek_kv_refuse(why, -EINVAL, "tag %s names an algorithm but no tag names the key-encryption key: "
				     "cannot tell whether the value is wrapped", TAG_ALGORITHM);
	if (!url) {
		out->kek_tag = NULL;
		return 0;
	}
	if ((reason = url_check(url, "keys", true)))
		return bek_kv_refuse(why, -EINVAL, "tag %s %s", out->kek_tag, reason);
	memcpy(out->kek_url, url, strlen(url) + 1);
	out->wrapped = true;
	out->algorithm_assumed = !alg;
	alg = alg ? alg : "RSA-OAEP";
	if (strcmp(alg, "RSA-OAEP") != 0 && strcmp(alg, "RSA-OAEP-256") != 0 && strcmp(alg, "RSA1_5") != 0)
		return bek_kv_refuse(why, -EINVAL, "tag %s is not RSA-OAEP, RSA-OAEP-256 or RSA1_5", TAG_ALGORITHM);
	memcpy(out->algorithm, alg, strlen(alg) + 1);
	return 0;
}

/* The wrapped "value" at sp, checked as base64url, kept as text: not secret. */
static int keep_wrapped(const char *text, const struct bek_kv_span *sp, struct bek_kv_secret *out,
			char why[BEK_WHY_MAX])
{
	unsigned char wrapped[BEK_KV_WRAPPED_MAX];
	size_t s = sp->off + bek_kv_skip_space(text + sp->off, sp->len), e = sp->off + sp->len;
	while (e > s && bek_kv_is_space(text[e - 1]))
		e--;
	if (sp->len > BEK_KV_WRAPPED_MAX)
		return bek_kv_refuse(why, -EINVAL, "the wrapped \"value\" is longer than %d characters", BEK_KV_WRAPPED_MAX);
	int r = bek_kv_decode_span(text, sp, "\"value\"", wrapped, sizeof(wrapped), &out->wrapped_bytes, why);
	if (r < 0)
		return r;
	memcpy(out->wrapped_value, text + s, e - s);
	out->wrapped_value[e - s] = '\0';
	return 0;
}

int bek_kv_secret_parse(const char *text, size_t len, struct bek_kv_secret *out, char why[BEK_WHY_MAX])
{
	struct bek_kv_doc d;
	const struct bek_kv_span *sp = NULL;
	memset(out, 0, sizeof(*out));
	int r = bek_kv_preamble(&text, &len, why);
	if (r < 0)
		return r;
	size_t start = bek_kv_skip_space(text, len);
	if (start == len || text[start] != '{')
		return bek_kv_refuse(why, -EINVAL, "not a JSON object (expected one secret, "
				     "as \"az keyvault secret show\" prints it)");

	if ((r = bek_kv_doc_parse(&d, text, len, why)) < 0)
		goto out;
	if (bek_kv_doc_has(&d, "kid") && !bek_kv_doc_has(&d, "id") && !bek_kv_doc_has(&d, "tags")) {
		r = bek_kv_refuse(why, -EINVAL, "this is an unwrapKey result, not a Key Vault secret: "
				  "give it to bek-unlock recover --secret-file");
		goto out;
	}
	if ((r = bek_kv_secret_fields(&d, out, why)) < 0)
		goto out;
	r = bek_kv_doc_value(&d, &sp, why);
	if (r == -ENOENT)
		r = bek_kv_refuse(why, -EINVAL, "no \"value\" member (expected one secret, "
				  "as \"az keyvault secret show\" prints it)");
	if (r < 0)
		goto out;
	/* The passphrase itself when not wrapped: not even looked at. */
	out->value_chars = sp->len;
	if (out->wrapped)
		r = keep_wrapped(text, sp, out, why);
out:
	bek_kv_doc_free(&d);
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
