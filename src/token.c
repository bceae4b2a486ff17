// SPDX-License-Identifier: GPL-2.0-or-later
#include "token.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 4

/* A keyslot number as LUKS2 writes it: a decimal string, "0" to "31". */
static int parse_keyslot_json(json_object *v, int *out)
{
	const char *s;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	if (strlen(s) < 1 || strlen(s) > 2 || (s[0] == '0' && s[1]))
		return -EINVAL;
	int n = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (*s - '0');
	}
	if (n > BEK_KEYSLOT_MAX)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_object(json_object *root, struct bek_token *out, char why[BEK_WHY_MAX])
{
	json_object *v;

	if (!json_object_is_type(root, json_type_object))
		return bek_invalid(why, "token is not a JSON object");
	if (!json_object_object_get_ex(root, "type", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), BEK_TOKEN_TYPE) != 0)
		return bek_invalid(why, "token type is not \"bek\"");

	out->keyslot = -1;
	if (!json_object_object_get_ex(root, "keyslots", &v) || !json_object_is_type(v, json_type_array))
		return bek_invalid(why, "token has no \"keyslots\" array");
	if (json_object_array_length(v) > 1)
		return bek_invalid(why, "token names more than one keyslot");
	if (json_object_array_length(v) == 1 && parse_keyslot_json(json_object_array_get_idx(v, 0), &out->keyslot) < 0)
		return bek_invalid(why, "token keyslot is not a number from 0 to 31");

	if (!json_object_object_get_ex(root, "key_file", &v) || !json_object_is_type(v, json_type_string))
		return bek_invalid(why, "token has no \"key_file\" string");
	const char *name = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(name))
		return bek_invalid(why, "token key_file contains a NUL byte");
	if (bek_keyname_check(name, why) < 0)
		return -EINVAL;
	memcpy(out->key_file, name, strlen(name) + 1);

	out->label[0] = '\0';
	if (json_object_object_get_ex(root, "label", &v)) {
		const char *label = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		size_t len = label ? strlen(label) : 0;
		if (!label || len == 0 || len >= sizeof(out->label) || (size_t)json_object_get_string_len(v) != len)
			return bek_invalid(why, "token label is not a string of 1-255 bytes");
		for (const char *p = label; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return bek_invalid(why, "token label contains a control character");
		memcpy(out->label, label, len + 1);
	}
	return 0;
}

int bek_token_parse(const char *json, size_t len, struct bek_token *out, char why[BEK_WHY_MAX])
{
	if (len > BEK_TOKEN_JSON_MAX)
		return bek_invalid(why, "token is larger than 4096 bytes");
	if (memchr(json, '\0', len))
		return bek_invalid(why, "token contains a NUL byte");

	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok)
		return bek_invalid(why, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	int r;
	if (!root || json_tokener_get_error(tok) != json_tokener_success)
		r = bek_invalid(why, "token is not valid JSON");
	else if (json_tokener_get_parse_end(tok) != len)
		r = bek_invalid(why, "token has trailing data after the JSON object");
	else
		r = parse_object(root, out, why);
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}

char *bek_token_format(const struct bek_token *tok)
{
	json_object *root = json_object_new_object();
	json_object *slots = json_object_new_array();
	char *res = NULL;

	if (!root || !slots)
		goto out;
	json_object_object_add(root, "type", json_object_new_string(BEK_TOKEN_TYPE));
	if (tok->keyslot >= 0) {
		char num[12];
		snprintf(num, sizeof(num), "%d", tok->keyslot);
		json_object_array_add(slots, json_object_new_string(num));
	}
	json_object_object_add(root, "keyslots", slots);
	slots = NULL;
	json_object_object_add(root, "key_file", json_object_new_string(tok->key_file));
	if (tok->label[0])
		json_object_object_add(root, "label", json_object_new_string(tok->label));
	res = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(slots);
	json_object_put(root);
	return res;
}
