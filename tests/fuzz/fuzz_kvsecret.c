// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: what an operator brings back from Key Vault for a recovery
 * (src/kvdoc.c, src/kvpassphrase.c, src/kvsecret.c, src/b64url.c): the unwrapKey
 * result, a secret's JSON, base64url. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../b64_reference.h"
#include "kvpassphrase.h"
#include "kvsecret.h"

static void one_line(const char *why)
{
	assert(why[0]);
	for (const char *p = why; *p; p++)
		assert(*p != '\n' && *p != '\r');
}

static void printable(const char *s)
{
	for (; *s; s++)
		assert(*s >= 0x20 && *s <= 0x7e);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char why[BEK_WHY_MAX];
	size_t n;

	/* base64url: whatever decodes re-encodes to the input, once normalised. */
	unsigned char *out = malloc(bek_b64_decoded_max(size));
	assert(out);
	why[0] = '\0';
	if (bek_b64_decode(text, size, out, bek_b64_decoded_max(size), &n, why) == 0) {
		char *enc = malloc(n / 3 * 4 + 4), *norm = malloc(size + 1);
		size_t e = b64_reference(out, n, enc, 1, 0), m = 0;
		for (size_t i = 0; i < size; i++) {
			char c = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
			if (c != '=' && c != ' ' && c != '\t' && c != '\r' && c != '\n')
				norm[m++] = c;
		}
		assert(e == m && memcmp(enc, norm, m) == 0);
		free(enc);
		free(norm);
	} else
		one_line(why);

	enum bek_kv_source source;
	why[0] = '\0';
	if (bek_kv_passphrase(text, size, out, bek_kv_passphrase_max(size), &n, &source, why) == 0)
		assert(n <= bek_kv_passphrase_max(size) && bek_kv_source_name(source)[0] != '?');
	else
		one_line(why);
	free(out);

	struct bek_kv_secret s;
	why[0] = '\0';
	if (bek_kv_secret_parse(text, size, &s, why) < 0) {
		one_line(why);
		return 0;
	}
	printable(s.id);
	printable(s.machine);
	printable(s.content_type);
	printable(s.kek_url);
	printable(s.wrapped_value);
	assert(!s.key_file[0] || bek_keyname_check(s.key_file, why) == 0);
	if (s.wrapped) {
		char url[BEK_KV_URL_MAX + 64], res[BEK_KV_URL_MAX];
		assert(strncmp(s.kek_url, "https://", 8) == 0 && !strchr(s.kek_url, '\''));
		assert(bek_kv_unwrap_url(&s, url, sizeof(url)) == 0);
		assert(bek_kv_resource(s.kek_url, res, sizeof(res)) == 0);
		assert(strspn(s.wrapped_value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=") ==
		       strlen(s.wrapped_value));
	} else
		assert(!s.wrapped_value[0]);
	return 0;
}
