// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: which kernel ciphers bek-unlock builds ahead of dm-crypt's table load
 * (src/kcipher.c): XTS modes only, plain kernel cipher names only, nothing too long. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kcipher.h"

static void xts_modes(void **state)
{
	(void)state;
	struct bek_kcipher k;
	assert_int_equal(bek_kcipher_plan("aes", "xts-plain64", &k), 0);
	assert_string_equal(k.wanted, "xts(aes)");
	assert_string_equal(k.inner, "ecb(aes)");
	assert_string_equal(k.outer, "xts");
	assert_int_equal(bek_kcipher_plan("serpent", "xts-plain", &k), 0);
	assert_string_equal(k.wanted, "xts(serpent)");
	assert_string_equal(k.inner, "ecb(serpent)");
	assert_int_equal(bek_kcipher_plan("twofish", "xts", &k), 0);
	assert_string_equal(k.wanted, "xts(twofish)");
}

/* Modes whose template takes the plain cipher (or that dm-crypt builds otherwise). */
static void other_modes(void **state)
{
	(void)state;
	struct bek_kcipher k;
	const char *modes[] = { "cbc-essiv:sha256", "cbc-plain64", "ecb", "xtsx-plain64", "xt-plain64",
				"lrw-benbi", "", "-xts", "XTS-plain64" };
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		memset(&k, 'x', sizeof(k));
		assert_int_equal(bek_kcipher_plan("aes", modes[i], &k), -EOPNOTSUPP);
		assert_string_equal(k.wanted, "");
	}
}

/* The header is outside input: template syntax, a "capi:" spec, control characters
 * and overlong names are not passed to the kernel. */
static void hostile_names(void **state)
{
	(void)state;
	struct bek_kcipher k;
	char longest[BEK_KCIPHER_NAME_MAX];
	const char *bad[] = { "", "ecb(aes)", "capi:xts(aes)", "aes)", "a es", "aes\n", "aes,sha256", "aes/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(bek_kcipher_plan(bad[i], "xts-plain64", &k), -EINVAL);
	assert_int_equal(bek_kcipher_plan(NULL, "xts-plain64", &k), -EINVAL);
	assert_int_equal(bek_kcipher_plan("aes", NULL, &k), -EINVAL);
	/* "xts(ecb(NAME))" with its NUL must fit the kernel's 64 bytes */
	memset(longest, 'a', sizeof(longest));
	longest[BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())")] = '\0';
	assert_int_equal(bek_kcipher_plan(longest, "xts-plain64", &k), 0);
	assert_int_equal(strlen(k.wanted), strlen(longest) + 5);
	longest[BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())")] = 'a';
	longest[BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())") + 1] = '\0';
	assert_int_equal(bek_kcipher_plan(longest, "xts-plain64", &k), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xts_modes),
		cmocka_unit_test(other_modes),
		cmocka_unit_test(hostile_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
