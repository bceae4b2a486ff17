// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: bek token parsing and formatting (src/token.c), key file and mapping names (src/keyname.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "token.h"

static char why[BEK_WHY_MAX];

static int parse(const char *json, struct bek_token *tok)
{
	why[0] = '\0';
	return bek_token_parse(json, strlen(json), tok, why);
}

static void refused(const char *json, const char *reason)
{
	struct bek_token tok;
	assert_int_equal(parse(json, &tok), -EINVAL);
	assert_true(why[0]);
	if (!strstr(why, reason))
		fail_msg("%s: got \"%s\", want \"%s\"", json, why, reason);
}

static void valid(void **state)
{
	(void)state;
	struct bek_token tok;
	assert_int_equal(parse("{\"type\":\"bek\",\"keyslots\":[\"1\"],\"key_file\":\"LinuxPassPhraseFileName\"}", &tok), 0);
	assert_int_equal(tok.keyslot, 1);
	assert_string_equal(tok.key_file, "LinuxPassPhraseFileName");
	assert_string_equal(tok.label, "");

	assert_int_equal(parse(" {\"key_file\":\"LinuxPassPhraseFileName_1_0\",\"keyslots\":[],\"type\":\"bek\","
			       "\"label\":\"MY KEYS\",\"future\":{\"x\":1}} ", &tok), 0);
	assert_int_equal(tok.keyslot, -1);
	assert_string_equal(tok.key_file, "LinuxPassPhraseFileName_1_0");
	assert_string_equal(tok.label, "MY KEYS");

	assert_int_equal(parse("{\"type\":\"bek\",\"keyslots\":[\"31\"],\"key_file\":\"k\"}", &tok), 0);
	assert_int_equal(tok.keyslot, 31);
}

static void bad_json(void **state)
{
	(void)state;
	refused("", "not valid JSON");
	refused("{", "not valid JSON");
	refused("{\"type\":\"bek\",}", "not valid JSON");
	refused("{\"type\":\"bek\",\"keyslots\":[\"1\"],\"key_file\":\"k\"} x", "JSON");
	refused("{\"type\":\"bek\",\"keyslots\":[\"1\"],\"key_file\":\"k\"}{}", "JSON");
	refused("{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "not valid JSON");   /* too deep */
	refused("[1]", "not a JSON object");
	refused("\"bek\"", "not a JSON object");
	refused("{\"type\":\"bek\",\"keyslots\":[\"1\"],\"key_file\":\"\\u00ff\xff\"}", "not valid JSON");
}

static void bad_fields(void **state)
{
	(void)state;
	refused("{\"type\":\"clevis\",\"keyslots\":[\"1\"],\"key_file\":\"k\"}", "not \"bek\"");
	refused("{\"keyslots\":[\"1\"],\"key_file\":\"k\"}", "not \"bek\"");
	refused("{\"type\":\"bek\",\"key_file\":\"k\"}", "no \"keyslots\"");
	refused("{\"type\":\"bek\",\"keyslots\":\"1\",\"key_file\":\"k\"}", "no \"keyslots\"");
	refused("{\"type\":\"bek\",\"keyslots\":[\"1\",\"2\"],\"key_file\":\"k\"}", "more than one keyslot");
	const char *slots[] = { "\"32\"", "\"-1\"", "\"01\"", "\"\"", "\"1a\"", "1", "\"999999999999\"", "null" };
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		char json[128];
		snprintf(json, sizeof(json), "{\"type\":\"bek\",\"keyslots\":[%s],\"key_file\":\"k\"}", slots[i]);
		refused(json, "keyslot is not a number");
	}
	refused("{\"type\":\"bek\",\"keyslots\":[]}", "no \"key_file\"");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":7}", "no \"key_file\"");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"../k\"}", "contains '/'");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"..\"}", "contains '..'");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"/etc/shadow\"}", "contains '/'");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"a\\nb\"}", "control character");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"a\\u0000b\"}", "NUL");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"\"}", "empty");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"k\",\"label\":\"\"}", "label");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"k\",\"label\":5}", "label");
	refused("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"k\",\"label\":\"a\\tb\"}", "control character");
}

static void sizes(void **state)
{
	(void)state;
	char json[BEK_TOKEN_JSON_MAX + 200];
	char name[300];
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	snprintf(json, sizeof(json), "{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"%s\"}", name);
	refused(json, "longer than 255");
	name[255] = '\0';
	snprintf(json, sizeof(json), "{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"%s\"}", name);
	struct bek_token tok;
	assert_int_equal(parse(json, &tok), 0);
	assert_int_equal(strlen(tok.key_file), 255);

	memset(json, ' ', sizeof(json));
	json[sizeof(json) - 1] = '\0';
	memcpy(json, "{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"k\"}", 43);
	refused(json, "larger than 4096");
	/* Not NUL-terminated input is read only up to len. */
	assert_int_equal(bek_token_parse("{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"k\"}GARBAGE", 43, &tok, why), 0);
	assert_int_equal(bek_token_parse("{\"type\":\"bek\"\0", 15, &tok, why), -EINVAL);
}

static void roundtrip(void **state)
{
	(void)state;
	struct bek_token in = { .keyslot = 7, .key_file = "LinuxPassPhraseFileName_1_0", .label = "BEK VOLUME" }, out;
	char *json = bek_token_format(&in);
	assert_non_null(json);
	assert_string_equal(json, "{\"type\":\"bek\",\"keyslots\":[\"7\"],\"key_file\":\"LinuxPassPhraseFileName_1_0\",\"label\":\"BEK VOLUME\"}");
	assert_int_equal(parse(json, &out), 0);
	assert_int_equal(out.keyslot, in.keyslot);
	assert_string_equal(out.key_file, in.key_file);
	assert_string_equal(out.label, in.label);
	free(json);

	struct bek_token any = { .keyslot = -1, .key_file = "k" };
	json = bek_token_format(&any);
	assert_string_equal(json, "{\"type\":\"bek\",\"keyslots\":[],\"key_file\":\"k\"}");
	free(json);
}

static void keynames(void **state)
{
	(void)state;
	assert_int_equal(bek_keyname_check("LinuxPassPhraseFileName", why), 0);
	assert_int_equal(bek_keyname_check("LinuxPassPhraseFileName_1_0", why), 0);
	assert_int_equal(bek_keyname_check("0d6a2e1c-aaaa-bbbb-cccc-123456789abc.BEK", why), 0);
	assert_int_equal(bek_keyname_check(".hidden", why), 0);
	assert_int_equal(bek_keyname_check("caf\xc3\xa9", why), 0);
	assert_int_equal(bek_keyname_check("", why), -EINVAL);
	assert_int_equal(bek_keyname_check(".", why), -EINVAL);
	assert_int_equal(bek_keyname_check("..", why), -EINVAL);
	assert_int_equal(bek_keyname_check("a..b", why), -EINVAL);
	assert_int_equal(bek_keyname_check("a/b", why), -EINVAL);
	assert_int_equal(bek_keyname_check("/abs", why), -EINVAL);
	assert_int_equal(bek_keyname_check("tab\there", why), -EINVAL);
	assert_int_equal(bek_keyname_check("del\x7f", why), -EINVAL);
	assert_int_equal(bek_keyname_check("nl\n", why), -EINVAL);
}

static void mapnames(void **state)
{
	(void)state;
	char big[200];
	assert_int_equal(bek_mapname_check("osencrypt", why), 0);
	assert_int_equal(bek_mapname_check("luks-0a1b2c3d-4e5f-6789-abcd-ef0123456789", why), 0);
	assert_int_equal(bek_mapname_check("rootvg-rootlv", why), 0);
	assert_int_equal(bek_mapname_check("", why), -EINVAL);
	assert_int_equal(bek_mapname_check(".", why), -EINVAL);
	assert_int_equal(bek_mapname_check("..", why), -EINVAL);
	assert_int_equal(bek_mapname_check("a/b", why), -EINVAL);
	assert_int_equal(bek_mapname_check("a b", why), -EINVAL);
	assert_int_equal(bek_mapname_check("tab\t", why), -EINVAL);
	assert_int_equal(bek_mapname_check("caf\xc3\xa9", why), -EINVAL);
	memset(big, 'n', sizeof(big));
	big[127] = '\0';
	assert_int_equal(bek_mapname_check(big, why), 0);
	big[127] = 'n';
	big[128] = '\0';
	assert_int_equal(bek_mapname_check(big, why), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid), cmocka_unit_test(bad_json), cmocka_unit_test(bad_fields),
		cmocka_unit_test(sizes), cmocka_unit_test(roundtrip), cmocka_unit_test(keynames),
		cmocka_unit_test(mapnames),
	};
	return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
