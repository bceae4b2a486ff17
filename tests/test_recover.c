// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: base64url decoding (src/b64url.c) and the Key Vault documents of an
 * offline recovery (src/kvdoc.c): the unwrapKey result (src/kvpassphrase.c) and a
 * secret's JSON (src/kvsecret.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "b64url.h"
#include "b64_reference.h"
#include "kvpassphrase.h"
#include "kvsecret.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every heap buffer freed, json-c's included, is searched for `watch`: a buffer that
 * held (part of) a secret and was not wiped before free() counts in `unwiped`. Not
 * under ASan, which owns free(). */
#if !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#define WIPE_CHECK 1
extern void __libc_free(void *p);
static const char *watch;
static int unwiped;
void free(void *p)
{
	if (p && watch && memmem(p, malloc_usable_size(p), watch, strlen(watch)))
		unwiped++;
	__libc_free(p);
}
#endif

static char why[BEK_WHY_MAX];
static unsigned char out[BEK_B64_INPUT_MAX];
static size_t out_len;
static struct bek_kv_secret sec;

/* ---- base64url ---- */

static int decode_n(const char *in, size_t len)
{
	why[0] = '\0';
	return bek_b64_decode(in, len, out, sizeof(out), &out_len, why);
}

static int decode(const char *in)
{
	return decode_n(in, strlen(in));
}

static void decodes_to(const char *in, const void *want, size_t want_len)
{
	if (decode(in) != 0)
		fail_msg("\"%s\": refused: %s", in, why);
	assert_int_equal(out_len, want_len);
	assert_memory_equal(out, want, want_len);
}

static void refused_n(const char *in, size_t len, int err, const char *reason)
{
	assert_int_equal(decode_n(in, len), err);
	if (!strstr(why, reason))
		fail_msg("\"%.40s\": got \"%s\", want \"%s\"", in, why, reason);
	assert_null(memchr(why, '\n', strlen(why)));
}

static void refused(const char *in, const char *reason)
{
	refused_n(in, strlen(in), -EINVAL, reason);
}

static size_t encode(const unsigned char *in, size_t len, char *dst, int url, int pad)
{
	return b64_reference(in, len, dst, url, pad);
}

static void padding(void **state)
{
	(void)state;
	decodes_to("QUJD", "ABC", 3);       /* nothing missing */
	decodes_to("QUI=", "AB", 2);
	decodes_to("QUI", "AB", 2);         /* one '=' missing */
	decodes_to("QQ==", "A", 1);
	decodes_to("QQ=", "A", 1);          /* one of two missing */
	decodes_to("QQ", "A", 1);           /* two missing */
	decodes_to("QUJDRA", "ABCD", 4);
	decodes_to("QUJDREU", "ABCDE", 5);
	refused("QUJDR", "impossible length: 5 characters");
	refused("Q", "impossible length: 1 characters");
	refused("Q=", "impossible length");
	refused("QUJDR===", "3 '=' characters at the end");
	refused("QUJD=", "1 '=' after 4 characters: wrong padding");
	refused("QUJ==", "2 '=' after 3 characters: wrong padding");
	refused("==", "wrong padding");
}

static void alphabets(void **state)
{
	(void)state;
	decodes_to("----", "\xfb\xef\xbe", 3);
	decodes_to("++++", "\xfb\xef\xbe", 3);
	decodes_to("__8", "\xff\xff", 2);
	decodes_to("//8=", "\xff\xff", 2);
	decodes_to("-w", "\xfb", 1);
	decodes_to("+vA=", "\xfa\xf0", 2);
	refused("-_+/", "position 3: '+' mixes the base64url");
	refused("++__", "position 3: '_' mixes");
	refused("QU!D", "position 3: '!' is not a base64url or base64 character");
	refused("QUJD.", "position 5: '.' is not");
	refused("QU\x01" "D", "position 3: byte 0x01 is not");
	refused("QU\xc3\xa9", "position 3: byte 0xc3 is not");
	refused("QU\"D", "position 3: '\"' is not");
	/* Unused low bits must be zero, as every encoder writes them. */
	refused("QR", "position 2: the last character 'R' has stray low bits");
	refused("QUK", "position 3: the last character 'K' has stray low bits");
	refused("QUK=", "stray low bits");
}

static void whitespace(void **state)
{
	(void)state;
	decodes_to("QUJD\n", "ABC", 3);
	decodes_to("QUJD\r\n", "ABC", 3);
	decodes_to("  \t\nQUI\n\n", "AB", 2);
	decodes_to(" QQ== ", "A", 1);
	refused("QU JD", "position 3: whitespace inside the value");
	refused("QUJD\nQUJD", "position 5: whitespace inside");
	refused(" QQ=\n=", "position 4: '=' inside");
	refused(" QQ\n==", "position 4: whitespace inside");
	refused("QQ==QUJD", "position 3: '=' inside the value");
	refused("Q=UJ", "position 2: '=' inside");
	refused("", "empty");
	refused(" \r\n\t ", "empty");
	/* Positions count from the start of the text, leading whitespace included. */
	refused("\n\nQU*D", "position 5: '*'");
}

static void sizes(void **state)
{
	(void)state;
	static char big[BEK_B64_INPUT_MAX + 2];
	memset(big, 'A', sizeof(big));
	assert_int_equal(decode_n(big, BEK_B64_INPUT_MAX), 0);
	assert_int_equal(out_len, BEK_B64_INPUT_MAX / 4 * 3);
	refused_n(big, BEK_B64_INPUT_MAX + 1, -E2BIG, "larger than 65536 bytes");
	memset(big, ' ', sizeof(big));
	refused_n(big, BEK_B64_INPUT_MAX, -EINVAL, "empty");

	unsigned char small[6];
	assert_int_equal(bek_b64_decode("QUJDQUJD", 8, small, sizeof(small), &out_len, why), -ENOBUFS);
	/* Not NUL-terminated: read only up to len. */
	assert_int_equal(decode_n("QUJD!!!!", 4), 0);
	assert_int_equal(out_len, 3);
}

static void roundtrip(void **state)
{
	(void)state;
	unsigned char bytes[130];
	char text[200];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 37 + 11) ^ (unsigned char)(i >> 2);
	for (size_t len = 1; len <= sizeof(bytes); len++)
		for (int url = 0; url <= 1; url++)
			for (int pad = 0; pad <= 1; pad++) {
				encode(bytes, len, text, url, pad);
				decodes_to(text, bytes, len);
			}

	/* ADE: the key file is the base64 text of 127 random bytes, 172 characters ending
	 * "=="; unwrapKey gives that text base64url-encoded, without padding. */
	char keyfile[180], value[240];
	assert_int_equal(encode(bytes, 127, keyfile, 0, 1), 172);
	assert_int_equal(encode((unsigned char *)keyfile, 172, value, 1, 0), 230);
	decodes_to(value, keyfile, 172);
}

/* ---- the passphrase document ---- */

static enum bek_kv_source source;

static int pass_n(const char *text, size_t len)
{
	why[0] = '\0';
	return bek_kv_passphrase(text, len, out, sizeof(out), &out_len, &source, why);
}

static void pass_ok(const char *text, const char *want, enum bek_kv_source want_source)
{
	if (pass_n(text, strlen(text)) != 0)
		fail_msg("%s: refused: %s", text, why);
	assert_int_equal(out_len, strlen(want));
	assert_memory_equal(out, want, out_len);
	assert_int_equal(source, want_source);
}

static void pass_refused_n(const char *text, size_t len, int err, const char *reason)
{
	assert_int_equal(pass_n(text, len), err);
	if (!strstr(why, reason))
		fail_msg("%.60s: got \"%s\", want \"%s\"", text, why, reason);
	assert_null(memchr(why, '\n', strlen(why)));
}

static void pass_refused(const char *text, const char *reason)
{
	pass_refused_n(text, strlen(text), -EINVAL, reason);
}

#define KID "\"kid\":\"https://myvault.vault.azure.net/keys/mykek/0123456789abcdef0123456789abcdef\""
#define KEK_URL "https://myvault.vault.azure.net/keys/mykek/fedcba9876543210fedcba9876543210"
#define SECRET_ID "https://myvault.vault.azure.net/secrets/0e4f3f0a-1111-2222-3333-444455556666/0123456789abcdef"

static void passphrase_forms(void **state)
{
	(void)state;
	pass_ok("QUJD", "ABC", BEK_KV_BARE);
	pass_ok("QUI\n", "AB", BEK_KV_BARE);
	pass_ok("\"QUI\"\n", "AB", BEK_KV_JSON_STRING);
	pass_ok(" \"QQ\" ", "A", BEK_KV_JSON_STRING);
	pass_ok("{" KID ",\"value\":\"QUJD\"}", "ABC", BEK_KV_UNWRAP_RESULT);
	pass_ok("{\"value\":\"QUI\"," KID "}\n", "AB", BEK_KV_UNWRAP_RESULT);
	pass_ok("{\r\n  " KID ",\r\n  \"value\" : \"QQ\"\r\n}\r\n", "A", BEK_KV_UNWRAP_RESULT);
	pass_ok("{\"value\":\"QUJD\"}", "ABC", BEK_KV_UNWRAP_RESULT);
	pass_ok("\xef\xbb\xbf{\"value\":\"QUJD\"}", "ABC", BEK_KV_UNWRAP_RESULT);   /* UTF-8 BOM */
	pass_ok("{\"kid\":null,\"value\":\"QUJD\"}", "ABC", BEK_KV_UNWRAP_RESULT);
	/* A "value" elsewhere is not the one. */
	pass_ok("{\"tags\":{\"value\":\"x\"},\"extra\":[\"value\",{\"value\":1}],\"value\":\"QUJD\"}", "ABC",
		BEK_KV_PLAIN_SECRET);
	pass_ok("{\"x\":{\"value\":\"QUI\"},\"value\":\"QUJD\"," KID "}", "ABC", BEK_KV_UNWRAP_RESULT);
	/* json-c keeps the last of duplicate members, and so does the decoding. */
	pass_ok("{\"value\":\"QUJD\",\"value\":\"QUI\"}", "AB", BEK_KV_UNWRAP_RESULT);

	/* A secret that no key wraps: its value is the passphrase, base64. */
	pass_ok("{\"id\":\"" SECRET_ID "\",\"tags\":{\"MachineName\":\"vm\",\"DiskEncryptionKeyFileName\":"
		"\"LinuxPassPhraseFileName\"},\"value\":\"QUJD\"}", "ABC", BEK_KV_PLAIN_SECRET);
	pass_ok("{\"attributes\":{\"enabled\":true},\"id\":\"" SECRET_ID "\",\"kid\":null,\"tags\":null,"
		"\"value\":\"QUI=\"}", "AB", BEK_KV_PLAIN_SECRET);
}

static void passphrase_refused(void **state)
{
	(void)state;
	pass_refused("QU!D", "the value is not base64url: position 3: '!'");
	pass_refused("", "the value is not base64url: empty");
	pass_refused("[\"QUJD\"]", "position 1: '['");
	pass_refused("\"QU\\/D\"", "the JSON string contains an escape sequence");
	pass_refused("\"QUJD", "the string does not end");
	pass_refused("\"QUJD\" x", "trailing data after the JSON string");
	pass_refused("\"QUJ\"", "the JSON string is not base64url: position 3: the last character 'J' has stray");

	pass_refused("{" KID "}", "no \"value\" member");
	pass_refused("{\"value\":5}", "\"value\" is not a string");
	pass_refused("{\"value\":null}", "\"value\" is not a string");
	pass_refused("{\"value\":{\"value\":\"QUJD\"}}", "\"value\" is not a string");
	pass_refused("{\"value\":[\"QUJD\"]}", "\"value\" is not a string");
	pass_refused("{\"kid\":7,\"value\":\"QUJD\"}", "\"kid\" is not a string");
	pass_refused("{\"value\":\"QU!D\"}", "\"value\" is not base64url: position 3: '!'");
	pass_refused("{\"value\":\"\"}", "\"value\" is not base64url: empty");
	pass_refused("{\"value\":\"QU\\/D\"}", "\"value\" string contains a JSON escape");
	pass_refused("{\"value\":\"QU\\\"D\"}", "\"value\" string contains a JSON escape");
	pass_refused("{\"value\":\"QUJD\n\"}", "control character in the \"value\" string");
	pass_refused("{\"val\\u0075e\":\"QUJD\"}", "member name contains an escape sequence");

	pass_refused("{\"value\":\"QUJD\"", "not valid JSON");
	pass_refused("{\"value\":\"QUJD}", "not valid JSON (a string does not end)");
	pass_refused("{\"value\":\"QUJD\",}", "not valid JSON");
	pass_refused("{'value':'QUJD'}", "not valid JSON");
	pass_refused("{\"value\":\"QUJD\"} x", "JSON");
	pass_refused("{\"value\":\"QUJD\"}{}", "JSON");
	pass_refused("{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]],\"value\":\"QUJD\"}", "not valid JSON");   /* too deep */
	pass_refused("{\"a\":\"\xff\",\"value\":\"QUJD\"}", "not valid JSON");                  /* bad UTF-8 */
	pass_refused("{\"value\":\"QUJD\",\"a\":\"\\u00\"}", "not valid JSON");
	pass_refused("{\"value\":\"Q\",\"value\":\"Q\",\"value\":\"Q\",\"value\":\"Q\",\"value\":\"Q\","
		     "\"value\":\"Q\",\"value\":\"Q\",\"value\":\"Q\",\"value\":\"QUJD\"}", "more than 8 \"value\"");

	pass_refused("\xff\xfe{\x00\"\x00", "UTF-16 text");
	pass_refused_n("\xfe\xff\x00{", 4, -EINVAL, "UTF-16 text");
	pass_refused_n("Q\0U\0J\0D\0", 8, -EINVAL, "NUL byte");

	/* Still wrapped: refused, whichever tag names the key. */
	pass_refused("{\"id\":\"" SECRET_ID "\",\"tags\":{\"DiskEncryptionKeyEncryptionKeyURL\":\"" KEK_URL "\"},"
		     "\"value\":\"QUJD\"}", "still wrapped by a key-encryption key");
	pass_refused("{\"tags\":{\"DiskEncryptionKeyEncryptionUrl\":\"" KEK_URL "\"},\"value\":\"QUJD\"}",
		     "still wrapped");
	pass_refused("{\"tags\":[],\"value\":\"QUJD\"}", "\"tags\" is not a JSON object");
	pass_refused("{\"tags\":{\"MachineName\":1},\"value\":\"QUJD\"}", "tag MachineName is not a string");
}

static void passphrase_sizes(void **state)
{
	(void)state;
	static char big[BEK_KV_INPUT_MAX + 2];
	const char *json = "{\"value\":\"QUJD\"}";
	memset(big, ' ', sizeof(big));
	memcpy(big, json, strlen(json));
	assert_int_equal(pass_n(big, BEK_KV_INPUT_MAX), 0);
	assert_int_equal(out_len, 3);
	pass_refused_n(big, BEK_KV_INPUT_MAX + 1, -E2BIG, "larger than 65536 bytes");

	/* A huge value inside JSON: decoded when it fits, refused when the document does not. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "{\"value\":\"", 10);
	memcpy(big + BEK_KV_INPUT_MAX - 2 - 2, "\"}", 2);
	assert_int_equal(pass_n(big, BEK_KV_INPUT_MAX - 2), 0);
	assert_int_equal(out_len, (BEK_KV_INPUT_MAX - 14) / 4 * 3 + 1);   /* 65522 characters */
	memcpy(big + BEK_KV_INPUT_MAX - 2 - 2, "AA", 2);
	memcpy(big + BEK_KV_INPUT_MAX + 2 - 2, "\"}", 2);
	pass_refused_n(big, BEK_KV_INPUT_MAX + 2, -E2BIG, "larger than");

	/* Not NUL-terminated input is read only up to len. */
	assert_int_equal(pass_n("{\"value\":\"QUJD\"}GARBAGE", 16), 0);
	assert_int_equal(out_len, 3);
}

/* A "value" that is not a string is refused without being quoted, and no buffer
 * that held it (the redacted copy, json-c's tokener and objects) is freed unwiped. */
#define MARK "SECRETMARK0123456789"
static void passphrase_not_string(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{" KID ",\"value\":{\"k\":\"" MARK "\"}}",
		"{" KID ",\"value\":[\"" MARK "\"]}",
		"{\"value\":[" MARK "]}",   /* not even JSON */
		"{\"value\":{\"value\":\"" MARK "\"}}",
		"{\"value\":" "31415926535897932384626433832795" "}",
		"{" KID ",\"value\":" "-31415926535897932384626433832795e7" "}",
		"{\"value\":true}",
		"{\"value\":null}",
		"{\"id\":\"" SECRET_ID "\",\"tags\":{},\"value\":{\"k\":\"" MARK "\"}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		const char *mark = strstr(docs[i], "314") ? "31415926535897932384626433832795" : MARK;
#ifdef WIPE_CHECK
		unwiped = 0;
		watch = mark;
#endif
		pass_refused(docs[i], "\"value\" is not a string");
		if (strstr(why, mark))
			fail_msg("%s: the reason quotes the value: %s", docs[i], why);
		why[0] = '\0';
		assert_int_equal(bek_kv_secret_parse(docs[i], strlen(docs[i]), &sec, why), -EINVAL);
		if (strstr(why, mark))
			fail_msg("%s: the reason quotes the value: %s", docs[i], why);
#ifdef WIPE_CHECK
		watch = NULL;
		if (unwiped)
			fail_msg("%s: %d buffer(s) freed with the value in them", docs[i], unwiped);
#endif
	}
	/* A string value never reaches json-c, accepted or not. */
#ifdef WIPE_CHECK
	unwiped = 0;
	watch = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
#endif
	pass_ok("{" KID ",\"value\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\"}", "ABCDEFGHIJKLMNOPQRSTUVWX",
		BEK_KV_UNWRAP_RESULT);
	pass_refused("{" KID ",\"value\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\",}", "not valid JSON");
#ifdef WIPE_CHECK
	watch = NULL;
	assert_int_equal(unwiped, 0);
#endif
}

/* ---- the secret's JSON ---- */


static int secret_parse(const char *json)
{
	why[0] = '\0';
	return bek_kv_secret_parse(json, strlen(json), &sec, why);
}

static void secret_refused(const char *json, const char *reason)
{
	assert_int_equal(secret_parse(json), -EINVAL);
	if (!strstr(why, reason))
		fail_msg("%.80s: got \"%s\", want \"%s\"", json, why, reason);
	assert_null(memchr(why, '\n', strlen(why)));
}

/* As "az keyvault secret show" prints it; value: 256 bytes, base64url, no padding. */
static char wrapped[400];
static char *secret_json(const char *tags, const char *value)
{
	static char json[4096];
	snprintf(json, sizeof(json),
		 "{\n  \"attributes\": {\n    \"created\": \"2024-05-01T10:00:00+00:00\",\n    \"enabled\": true,\n"
		 "    \"recoverableDays\": 90\n  },\n  \"contentType\": \"Wrapped BEK\",\n"
		 "  \"id\": \"" SECRET_ID "\",\n  \"kid\": null,\n  \"managed\": null,\n"
		 "  \"name\": \"0e4f3f0a-1111-2222-3333-444455556666\",\n  \"tags\": %s,\n  \"value\": \"%s\"\n}\n",
		 tags, value);
	return json;
}

static int setup_wrapped(void **state)
{
	(void)state;
	unsigned char bytes[256];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 151 + 7);
	assert_int_equal(encode(bytes, sizeof(bytes), wrapped, 1, 0), 342);
	return 0;
}

#define ADE_TAGS \
	"{\n    \"DiskEncryptionKeyEncryptionAlgorithm\": \"RSA-OAEP\",\n" \
	"    \"DiskEncryptionKeyEncryptionKeyURL\": \"" KEK_URL "\",\n" \
	"    \"DiskEncryptionKeyFileName\": \"LinuxPassPhraseFileName\",\n    \"MachineName\": \"myvm\"\n  }"

static void secret_wrapped(void **state)
{
	(void)state;
	char url[BEK_KV_URL_MAX + 64], res[BEK_KV_URL_MAX];
	assert_int_equal(secret_parse(secret_json(ADE_TAGS, wrapped)), 0);
	assert_string_equal(sec.id, SECRET_ID);
	assert_string_equal(sec.machine, "myvm");
	assert_string_equal(sec.key_file, "LinuxPassPhraseFileName");
	assert_string_equal(sec.content_type, "Wrapped BEK");
	assert_true(sec.wrapped);
	assert_string_equal(sec.kek_url, KEK_URL);
	assert_string_equal(sec.kek_tag, "DiskEncryptionKeyEncryptionKeyURL");
	assert_string_equal(sec.algorithm, "RSA-OAEP");
	assert_false(sec.algorithm_assumed);
	assert_int_equal(sec.value_chars, 342);
	assert_int_equal(sec.wrapped_bytes, 256);
	assert_string_equal(sec.wrapped_value, wrapped);
	assert_int_equal(bek_kv_unwrap_url(&sec, url, sizeof(url)), 0);
	assert_string_equal(url, KEK_URL "/unwrapkey?api-version=7.4");
	assert_int_equal(bek_kv_resource(sec.kek_url, res, sizeof(res)), 0);
	assert_string_equal(res, "https://vault.azure.net");
	assert_int_equal(bek_kv_resource("https://hsm1.managedhsm.azure.net/keys/k/1", res, sizeof(res)), 0);
	assert_string_equal(res, "https://managedhsm.azure.net");
	assert_int_equal(bek_kv_resource("https://kv.vault.azure.cn/keys/k/1", res, 10), -ENOBUFS);
	assert_int_equal(bek_kv_unwrap_url(&sec, url, 20), -ENOBUFS);

	/* Older secrets: ...EncryptionUrl; no algorithm tag: ADE's RSA-OAEP. */
	assert_int_equal(secret_parse(secret_json("{\"DiskEncryptionKeyEncryptionUrl\":\"" KEK_URL "\"}", wrapped)), 0);
	assert_true(sec.wrapped);
	assert_string_equal(sec.kek_tag, "DiskEncryptionKeyEncryptionUrl");
	assert_string_equal(sec.algorithm, "RSA-OAEP");
	assert_true(sec.algorithm_assumed);
	assert_string_equal(sec.machine, "");
	assert_string_equal(sec.key_file, "");
	assert_int_equal(secret_parse(secret_json("{\"DiskEncryptionKeyEncryptionUrl\":\"" KEK_URL "\","
						  "\"DiskEncryptionKeyEncryptionKeyURL\":\"" KEK_URL "\","
						  "\"DiskEncryptionKeyEncryptionAlgorithm\":\"RSA-OAEP-256\"}", wrapped)), 0);
	assert_string_equal(sec.algorithm, "RSA-OAEP-256");
	/* Padding and the standard alphabet are fine in the wrapped value too. */
	assert_int_equal(secret_parse(secret_json(ADE_TAGS, "QUI=")), 0);
	assert_int_equal(sec.wrapped_bytes, 2);
	assert_string_equal(sec.wrapped_value, "QUI=");
	/* Minimal: no id, no contentType. */
	assert_int_equal(secret_parse("{\"tags\":{\"DiskEncryptionKeyEncryptionKeyURL\":\"https://a.b/keys/k/1\"},"
				      "\"value\":\"QUJD\"}"), 0);
	assert_string_equal(sec.id, "");
	assert_string_equal(sec.content_type, "");
}

static void secret_plain(void **state)
{
	(void)state;
	assert_int_equal(secret_parse(secret_json("{\"MachineName\":\"myvm\",\"DiskEncryptionKeyFileName\":"
						  "\"LinuxPassPhraseFileName_1_0\"}", "c2VjcmV0")), 0);
	assert_false(sec.wrapped);
	assert_null(sec.kek_tag);
	assert_string_equal(sec.kek_url, "");
	assert_string_equal(sec.machine, "myvm");
	assert_string_equal(sec.key_file, "LinuxPassPhraseFileName_1_0");
	assert_int_equal(sec.value_chars, 8);
	assert_string_equal(sec.wrapped_value, "");   /* the passphrase is never copied */
	assert_int_equal(secret_parse(secret_json("null", "c2VjcmV0")), 0);
	assert_false(sec.wrapped);
	assert_int_equal(secret_parse(secret_json("{}", "c2VjcmV0")), 0);
	assert_false(sec.wrapped);
	/* Empty key tags count as absent. */
	assert_int_equal(secret_parse(secret_json("{\"DiskEncryptionKeyEncryptionKeyURL\":\"\","
						  "\"DiskEncryptionKeyEncryptionAlgorithm\":\"\"}", "c2VjcmV0")), 0);
	assert_false(sec.wrapped);
	/* Not wrapped, so not decoded here: recover does that. */
	assert_int_equal(secret_parse(secret_json("{}", "not base64!")), 0);
}

static void secret_bad_tags(void **state)
{
	(void)state;
	secret_refused(secret_json("[]", wrapped), "\"tags\" is not a JSON object");
	secret_refused(secret_json("\"x\"", wrapped), "\"tags\" is not a JSON object");
	secret_refused(secret_json("{\"MachineName\":5}", wrapped), "tag MachineName is not a string");
	secret_refused(secret_json("{\"MachineName\":[\"vm\"]}", wrapped), "tag MachineName is not a string");
	secret_refused(secret_json("{\"MachineName\":\"a\\u0007b\"}", wrapped), "tag MachineName contains a control");
	secret_refused(secret_json("{\"MachineName\":\"caf\\u00e9\"}", wrapped), "non-ASCII");
	secret_refused(secret_json("{\"MachineName\":\"a\\u0000b\"}", wrapped), "tag MachineName contains a NUL byte");
	secret_refused(secret_json("{\"DiskEncryptionKeyFileName\":true}", wrapped),
		       "tag DiskEncryptionKeyFileName is not a string");
	secret_refused(secret_json("{\"DiskEncryptionKeyFileName\":\"../etc/shadow\"}", wrapped),
		       "tag DiskEncryptionKeyFileName: key file name contains '/'");
	secret_refused(secret_json("{\"DiskEncryptionKeyEncryptionKeyURL\":{}}", wrapped),
		       "tag DiskEncryptionKeyEncryptionKeyURL is not a string");
	secret_refused(secret_json("{\"DiskEncryptionKeyEncryptionAlgorithm\":\"RSA-OAEP\"}", wrapped),
		       "names an algorithm but no tag names the key-encryption key");
	secret_refused(secret_json("{\"DiskEncryptionKeyEncryptionKeyURL\":\"" KEK_URL "\","
				   "\"DiskEncryptionKeyEncryptionAlgorithm\":\"A256KW\"}", wrapped),
		       "is not RSA-OAEP, RSA-OAEP-256 or RSA1_5");
	secret_refused(secret_json("{\"DiskEncryptionKeyEncryptionKeyURL\":\"" KEK_URL "\","
				   "\"DiskEncryptionKeyEncryptionUrl\":\"https://other.vault.azure.net/keys/k/1\"}", wrapped),
		       "name different keys");

	static const char *const bad_urls[][2] = {
		{ "http://kv.vault.azure.net/keys/k/1", "not an https:// URL" },
		{ "https://kv.vault.azure.net/keys/k", "names no version" },
		{ "https://kv.vault.azure.net/keys/k/", "no valid version" },
		{ "https://kv.vault.azure.net/secrets/k/1", "is not a key URL" },
		{ "https://kv.vault.azure.net/keys//1", "no valid name" },
		{ "https://kv.vault.azure.net/keys/k/1/x", "unexpected character after the version" },
		{ "https://kv.vault.azure.net/keys/k'x/1", "unexpected character after the name" },
		{ "https://kv.vault.azure.net/keys/k/1?x", "unexpected character after the version" },
		{ "https://kv.vault.azure.net:443/keys/k/1", "is not a key URL" },
		{ "https:///keys/k/1", "no valid host name" },
		{ "https://localhost/keys/k/1", "no valid host name" },
		{ "https://.x/keys/k/1", "no valid host name" },
		{ "https://user@kv.vault.azure.net/keys/k/1", "no valid host name" },
	};
	char tags[1024];
	for (size_t i = 0; i < ARRAY_SIZE(bad_urls); i++) {
		snprintf(tags, sizeof(tags), "{\"DiskEncryptionKeyEncryptionKeyURL\":\"%s\"}", bad_urls[i][0]);
		secret_refused(secret_json(tags, wrapped), bad_urls[i][1]);
	}
	char name[200];
	memset(name, 'n', 128);
	name[128] = '\0';
	snprintf(tags, sizeof(tags), "{\"DiskEncryptionKeyEncryptionKeyURL\":\"https://kv.vault.azure.net/keys/%s/1\"}", name);
	secret_refused(secret_json(tags, wrapped), "no valid name");
	name[127] = '\0';
	snprintf(tags, sizeof(tags), "{\"DiskEncryptionKeyEncryptionKeyURL\":\"https://kv.vault.azure.net/keys/%s/1\"}", name);
	assert_int_equal(secret_parse(secret_json(tags, wrapped)), 0);

	char machine[300];
	memset(machine, 'm', 256);
	machine[256] = '\0';
	snprintf(tags, sizeof(tags), "{\"MachineName\":\"%s\"}", machine);
	secret_refused(secret_json(tags, wrapped), "tag MachineName is longer than 255 bytes");
}

static void secret_bad_documents(void **state)
{
	(void)state;
	secret_refused("[" "{\"value\":\"QUJD\"}" "]", "not a JSON object (expected one secret");
	secret_refused("", "not a JSON object");
	secret_refused("QUJD", "not a JSON object");
	secret_refused("{\"tags\":{}}", "no \"value\" member");
	secret_refused("{\"tags\":{},\"value\":7}", "\"value\" is not a string");
	secret_refused("{" KID ",\"value\":\"QUJD\"}", "this is an unwrapKey result");
	secret_refused("{\"id\":\"https://kv.vault.azure.net/keys/k/1\",\"value\":\"QUJD\"}", "\"id\" is not a secret URL");
	secret_refused("{\"id\":7,\"value\":\"QUJD\"}", "member id is not a string");
	secret_refused("{\"contentType\":\"a\\nb\",\"value\":\"QUJD\"}", "member contentType contains a control");
	secret_refused(secret_json(ADE_TAGS, "QU!D"), "\"value\" is not base64url: position 3");
	secret_refused(secret_json(ADE_TAGS, ""), "\"value\" is not base64url: empty");

	static char json[8192], longval[BEK_KV_WRAPPED_MAX + 8];
	memset(longval, 'A', BEK_KV_WRAPPED_MAX + 4);
	longval[BEK_KV_WRAPPED_MAX + 4] = '\0';
	snprintf(json, sizeof(json), "{\"tags\":" ADE_TAGS ",\"value\":\"%s\"}", longval);
	secret_refused(json, "longer than 1024 characters");
	longval[BEK_KV_WRAPPED_MAX] = '\0';
	snprintf(json, sizeof(json), "{\"tags\":" ADE_TAGS ",\"value\":\"%s\"}", longval);
	assert_int_equal(secret_parse(json), 0);
	assert_int_equal(sec.wrapped_bytes, BEK_KV_WRAPPED_MAX / 4 * 3);

	static char big[BEK_KV_INPUT_MAX + 2];
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"value\":\"QUJD\"}", 16);
	assert_int_equal(bek_kv_secret_parse(big, BEK_KV_INPUT_MAX, &sec, why), 0);
	assert_int_equal(bek_kv_secret_parse(big, BEK_KV_INPUT_MAX + 1, &sec, why), -E2BIG);
	assert_non_null(strstr(why, "larger than 65536 bytes"));

	/* Deep nesting, a JSON bomb of brackets: refused by depth, quickly. */
	memset(big, '[', BEK_KV_INPUT_MAX);
	big[0] = '{';
	assert_int_equal(bek_kv_secret_parse(big, BEK_KV_INPUT_MAX, &sec, why), -EINVAL);
	assert_non_null(strstr(why, "not valid JSON"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(padding),
		cmocka_unit_test(alphabets),
		cmocka_unit_test(whitespace),
		cmocka_unit_test(sizes),
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(passphrase_forms),
		cmocka_unit_test(passphrase_refused),
		cmocka_unit_test(passphrase_sizes),
		cmocka_unit_test(passphrase_not_string),
		cmocka_unit_test_setup(secret_wrapped, setup_wrapped),
		cmocka_unit_test(secret_plain),
		cmocka_unit_test_setup(secret_bad_tags, setup_wrapped),
		cmocka_unit_test(secret_bad_documents),
	};
	return cmocka_run_group_tests_name("recover", tests, NULL, NULL);
}
