// SPDX-License-Identifier: GPL-2.0-or-later
#include "kvdoc.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 8

int bek_kv_refuse(char why[BEK_WHY_MAX], int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, BEK_WHY_MAX, fmt, ap);
	va_end(ap);
	return err;
}

bool bek_kv_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t bek_kv_skip_space(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && bek_kv_is_space(text[i]))
		i++;
	return i;
}

int bek_kv_preamble(const char **text, size_t *len, char why[BEK_WHY_MAX])
{
	const unsigned char *u = (const unsigned char *)*text;
	if (*len > BEK_KV_INPUT_MAX)
		return bek_kv_refuse(why, -E2BIG, "larger than %u bytes", BEK_KV_INPUT_MAX);
	if (*len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return bek_kv_refuse(why, -EINVAL, "UTF-16 text (what PowerShell's '>' writes): save it as UTF-8 or ASCII");
	if (*len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		*text += 3;
		*len -= 3;
	}
	if (memchr(*text, '\0', *len))
		return bek_kv_refuse(why, -EINVAL, "contains a NUL byte (UTF-16 text?)");
	return 0;
}

/* Copies d->text into d->redacted, replacing the contents of every string that
 * follows a "value" key with a placeholder "#N"; d->spans[N] is where the original
 * contents are. Member names must not use escapes, so that the names json-c sees are
 * the names compared here. The top-level "value" must be a string: anything else (a
 * number, an object, an array, true, false, null) is refused here, unread and unquoted,
 * before json-c copies it into buffers that nobody wipes. Malformed JSON is left for
 * json-c to refuse. */
static int redact(struct bek_kv_doc *d, size_t len, char why[BEK_WHY_MAX])
{
	const char *t = d->text;
	/* A placeholder string is 4 bytes; the shortest string it replaces is 2. */
	char *o = d->redacted = malloc(len + 2 * BEK_KV_SPANS_MAX + 1);
	bool pending = false;   /* after "value" and before the next token */
	bool top = false;       /* ... and that "value" is a member of the top-level object */
	size_t depth = 0;       /* of objects and arrays */

	if (!o)
		return bek_kv_refuse(why, -ENOMEM, "out of memory");
	d->redacted_size = len + 2 * BEK_KV_SPANS_MAX + 1;
	for (size_t i = 0; i < len;) {
		if (t[i] != '"') {
			if (!bek_kv_is_space(t[i]) && t[i] != ':') {
				if (pending && top)
					return bek_kv_refuse(why, -EINVAL, "\"value\" is not a string (a JSON number, object, array, "
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
			return bek_kv_refuse(why, -EINVAL, "not valid JSON (a string does not end)");
		size_t k = j + 1;
		while (k < len && bek_kv_is_space(t[k]))
			k++;
		size_t n = j - i - 1;
		if (k < len && t[k] == ':') {
			if (escaped)
				return bek_kv_refuse(why, -EINVAL, "a JSON member name contains an escape sequence");
			pending = n == 5 && memcmp(t + i + 1, "value", 5) == 0;
			top = depth == 1;
		} else if (pending) {
			pending = false;
			if (d->n_spans == BEK_KV_SPANS_MAX)
				return bek_kv_refuse(why, -EINVAL, "more than %d \"value\" members", BEK_KV_SPANS_MAX);
			if (escaped)
				return bek_kv_refuse(why, -EINVAL, "the \"value\" string contains a JSON escape sequence "
						     "(a base64url value needs none)");
			for (size_t c = i + 1; c < j; c++)
				if ((unsigned char)t[c] < 0x20)
					return bek_kv_refuse(why, -EINVAL, "not valid JSON (a control character in the \"value\" string)");
			d->spans[d->n_spans] = (struct bek_kv_span){ i + 1, n };
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

int bek_kv_doc_parse(struct bek_kv_doc *d, const char *text, size_t len, char why[BEK_WHY_MAX])
{
	memset(d, 0, sizeof(*d));
	d->text = text;
	int r = redact(d, len, why);
	if (r < 0)
		return r;
	size_t rlen = strlen(d->redacted);
	while (rlen > 0 && bek_kv_is_space(d->redacted[rlen - 1]))
		rlen--;

	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok)
		return bek_kv_refuse(why, -ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	d->root = json_tokener_parse_ex(tok, d->redacted, (int)rlen);
	if (!d->root || json_tokener_get_error(tok) != json_tokener_success)
		r = bek_kv_refuse(why, -EINVAL, "not valid JSON");
	else if (json_tokener_get_parse_end(tok) != rlen)
		r = bek_kv_refuse(why, -EINVAL, "trailing data after the JSON object");
	else if (!json_object_is_type(d->root, json_type_object))
		r = bek_kv_refuse(why, -EINVAL, "not a JSON object");
	json_tokener_free(tok);
	return r;
}

void bek_kv_doc_free(struct bek_kv_doc *d)
{
	json_object_put(d->root);
	if (d->redacted)   /* holds no "value" string, but what json-c was shown: wiped all the same */
		explicit_bzero(d->redacted, d->redacted_size);
	free(d->redacted);
	d->root = NULL;
	d->redacted = NULL;
}

bool bek_kv_doc_has(const struct bek_kv_doc *d, const char *name)
{
	json_object *v;
	return json_object_object_get_ex(d->root, name, &v) && !json_object_is_type(v, json_type_null);
}

int bek_kv_doc_value(const struct bek_kv_doc *d, const struct bek_kv_span **out, char why[BEK_WHY_MAX])
{
	json_object *v;
	if (!json_object_object_get_ex(d->root, "value", &v))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return bek_kv_refuse(why, -EINVAL, "\"value\" is not a string");
	const char *s = json_object_get_string(v);
	/* Every string after a "value" key was replaced; anything else is a bug. */
	if (s[0] != '#' || s[1] < '0' || s[1] > '9' || s[2] || (size_t)(s[1] - '0') >= d->n_spans)
		return bek_kv_refuse(why, -EINVAL, "\"value\" cannot be located");
	*out = &d->spans[s[1] - '0'];
	return 0;
}

int bek_kv_doc_string(json_object *obj, const char *name, const char *what, bool empty_is_absent,
		      const char **out, char why[BEK_WHY_MAX])
{
	json_object *v;
	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bek_kv_refuse(why, -EINVAL, "%s %s is not a string", what, name);
	const char *s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return bek_kv_refuse(why, -EINVAL, "%s %s contains a NUL byte", what, name);
	if (!(empty_is_absent && !s[0]))
		*out = s;
	return 0;
}

int bek_kv_decode_span(const char *text, const struct bek_kv_span *sp, const char *what, unsigned char *out,
		       size_t out_size, size_t *out_len, char why[BEK_WHY_MAX])
{
	char b64why[BEK_WHY_MAX];
	int r = bek_b64_decode(text + sp->off, sp->len, out, out_size, out_len, b64why);
	if (r < 0)
		return bek_kv_refuse(why, r, "%s is not base64url: %s", what, b64why);
	return 0;
}
