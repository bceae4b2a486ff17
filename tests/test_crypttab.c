// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: ADE crypttab lines (src/crypttab.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crypttab.h"

static struct bek_crypttab_entry e;
static char why[BEK_WHY_MAX];

static int parse(const char *line)
{
	return bek_crypttab_parse_line(line, &e, why);
}

static void ade_redhat(void **state)
{
	(void)state;
	assert_int_equal(parse("osencrypt /dev/disk/by-partuuid/3c9f1a2b-0001-4c5e-9d1a-1234567890ab "
			       "/mnt/azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader\n"), 1);
	assert_string_equal(e.name, "osencrypt");
	assert_string_equal(e.source, "/dev/disk/by-partuuid/3c9f1a2b-0001-4c5e-9d1a-1234567890ab");
	assert_string_equal(e.key_file, "LinuxPassPhraseFileName");
	assert_true(e.discard);
	assert_string_equal(e.header, "/boot/luks/osluksheader");
	assert_string_equal(e.header_fs, "");
}

static void ade_ubuntu_keyscript(void **state)
{
	(void)state;
	assert_int_equal(parse("osencrypt UUID=0a1b2c3d-4e5f-6789-abcd-ef0123456789 none "
			       "luks,discard,keyscript=/usr/sbin/azure_crypt_key.sh"), 1);
	assert_string_equal(e.source, "/dev/disk/by-uuid/0a1b2c3d-4e5f-6789-abcd-ef0123456789");
	assert_string_equal(e.key_file, "LinuxPassPhraseFileName");
	assert_int_equal(parse("data PARTUUID=abcd /mnt/azure_bek_disk/LinuxPassPhraseFileName_1_0 luks"), 1);
	assert_string_equal(e.source, "/dev/disk/by-partuuid/abcd");
	assert_string_equal(e.key_file, "LinuxPassPhraseFileName_1_0");
	assert_false(e.discard);
}

static void module_options(void **state)
{
	(void)state;
	assert_int_equal(parse("osencrypt /dev/sda2 /mnt/azure_bek_disk/LinuxPassPhraseFileName "
			       "luks,header=/boot/luks/osluksheader,x-bek-header-fs=UUID=5e6f-77,x-bek-header-path=luks/osluksheader"), 1);
	assert_string_equal(e.header_fs, "5e6f-77");
	assert_string_equal(e.header_path, "luks/osluksheader");
	/* A component that merely starts with dots is a name like any other. */
	assert_int_equal(parse("n /dev/sda2 /mnt/azure_bek_disk/K luks,x-bek-header-path=..luks/.hdr"), 1);
	assert_string_equal(e.header_path, "..luks/.hdr");
	const char *bad[] = { "../x", "/abs", "a/../b", "a//b", "a/", ".", "a/./b", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[256];
		snprintf(line, sizeof(line), "n /dev/sda2 /mnt/azure_bek_disk/K luks,x-bek-header-path=%s", bad[i]);
		assert_int_equal(parse(line), -EINVAL);
		assert_non_null(strstr(why, "x-bek-header-path"));
	}
	assert_int_equal(parse("n /dev/sda2 /mnt/azure_bek_disk/K x-bek-header-fs=UUID=a/b"), -EINVAL);
	assert_int_equal(parse("n /dev/sda2 /mnt/azure_bek_disk/K header=relative"), -EINVAL);
}

static void not_ours(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse("   \t\n"), 0);
	assert_int_equal(parse("# osencrypt /dev/sda2 /mnt/azure_bek_disk/LinuxPassPhraseFileName"), 0);
	assert_int_equal(parse("home UUID=x /etc/keys/home.key luks"), 0);
	assert_non_null(strstr(why, "not on the BEK disk"));
	assert_int_equal(parse("home UUID=x none luks"), 0);
	assert_int_equal(parse("home UUID=x none luks,keyscript=/lib/cryptsetup/scripts/passdev"), 0);
	assert_int_equal(parse("swap /dev/sdb1 /mnt/azure_bek_disk/K plain"), 0);
	assert_non_null(strstr(why, "not a LUKS"));
}

static void malformed(void **state)
{
	(void)state;
	assert_int_equal(parse("osencrypt /dev/sda2"), -EINVAL);
	assert_int_equal(parse("a b c d e"), -EINVAL);
	assert_int_equal(parse("os/encrypt /dev/sda2 /mnt/azure_bek_disk/K"), -EINVAL);
	assert_int_equal(parse("os sda2 /mnt/azure_bek_disk/K"), -EINVAL);
	assert_int_equal(parse("os UUID= /mnt/azure_bek_disk/K"), -EINVAL);
	assert_int_equal(parse("os UUID=a/b /mnt/azure_bek_disk/K"), -EINVAL);
	assert_int_equal(parse("os /dev/../etc/x /mnt/azure_bek_disk/K"), -EINVAL);
	assert_int_equal(parse("os /dev/sda2 /mnt/azure_bek_disk/../../etc/shadow"), -EINVAL);
	assert_non_null(strstr(why, "key file name"));
	assert_int_equal(parse("os /dev/sda2 /mnt/azure_bek_disk/"), -EINVAL);
	char big[5000];
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big), -EINVAL);
	assert_non_null(strstr(why, "longer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ade_redhat), cmocka_unit_test(ade_ubuntu_keyscript),
		cmocka_unit_test(module_options), cmocka_unit_test(not_ours), cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests_name("crypttab", tests, NULL, NULL);
}
