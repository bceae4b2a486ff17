// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the image's list of the unlock path's kernel modules (src/modlist.c), which
 * bek-unlock hands to modprobe on a BEK boot: names only, never an option, bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "modlist.h"

static void parse(const char *text, struct bek_modlist *l)
{
	bek_modlist_parse(text, strlen(text), l);
}

/* What the dracut module writes: one name a line. */
static void dracut_list(void **state)
{
	(void)state;
	struct bek_modlist l;
	parse("vfat\nnls_cp437\nnls_ascii\ndm_crypt\nxts\ncrypto_user\n", &l);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.rejected, 0);
	assert_string_equal(l.names[0], "vfat");
	assert_string_equal(l.names[5], "crypto_user");
	parse("nls_iso8859-1", &l);   /* no final newline; '-' inside a name */
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "nls_iso8859-1");
}

/* Blanks, comments and empty lines, as modules-load.d allows; repeats once. */
static void blanks_comments(void **state)
{
	(void)state;
	struct bek_modlist l;
	parse("# the unlock path\n\n  vfat \t# VFAT\r\n\t\ndm_crypt\nvfat\n#xts\n", &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.rejected, 0);
	assert_string_equal(l.names[0], "vfat");
	assert_string_equal(l.names[1], "dm_crypt");
	parse("", &l);
	assert_int_equal(l.n, 0);
	parse("\n\n#\n", &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.rejected, 0);
}

/* The file is outside input: options, paths, two names a line, control characters and
 * NULs, overlong names are refused line by line; the rest is kept. */
static void hostile(void **state)
{
	(void)state;
	struct bek_modlist l;
	parse("-a\n--\n-r vfat\n../../tmp/x\n/lib/x.ko\nvfat dm_crypt\nx\x1b[2J\nxts\n", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "xts");
	assert_int_equal(l.rejected, 7);
	static const char nul[] = "vf\0at\nxts\n";
	bek_modlist_parse(nul, sizeof(nul) - 1, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.rejected, 1);
	char longest[BEK_MODNAME_MAX + 2];
	memset(longest, 'm', BEK_MODNAME_MAX);
	longest[BEK_MODNAME_MAX] = '\0';
	parse(longest, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(strlen(l.names[0]), BEK_MODNAME_MAX);
	longest[BEK_MODNAME_MAX] = 'm';
	longest[BEK_MODNAME_MAX + 1] = '\0';
	parse(longest, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.rejected, 1);
}

/* At most BEK_MODLIST_MAX names; the others are counted as refused. */
static void bounded(void **state)
{
	(void)state;
	struct bek_modlist l;
	char text[64 * 8] = "";
	for (int i = 0; i < BEK_MODLIST_MAX + 3; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "mod%d\n", i);
	parse(text, &l);
	assert_int_equal(l.n, BEK_MODLIST_MAX);
	assert_int_equal(l.rejected, 3);
	assert_string_equal(l.names[BEK_MODLIST_MAX - 1], "mod15");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dracut_list),
		cmocka_unit_test(blanks_comments),
		cmocka_unit_test(hostile),
		cmocka_unit_test(bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
