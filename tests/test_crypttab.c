// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: ADE crypttab lines (src/crypttab.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <libcryptsetup.h>

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
	assert_int_equal(e.flags, CRYPT_ACTIVATE_ALLOW_DISCARDS);
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
	assert_int_equal(e.flags, 0);
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
	assert_non_null(strstr(why, "\"plain\""));
	assert_int_equal(parse("os /dev/sdb1 /mnt/azure_bek_disk/K luks,offset=8"), 0);
	assert_non_null(strstr(why, "\"offset=8\""));
	/* Two fields (no key) is a valid crypttab line, and not ADE's. */
	assert_int_equal(parse("osencrypt /dev/sda2"), 0);
}

static void malformed(void **state)
{
	(void)state;
	assert_int_equal(parse("osencrypt"), -EINVAL);
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

static int any(const char *line)
{
	return bek_crypttab_parse_entry(line, &e, why);
}

/* Any crypttab: every source form, the UUID it names, the options that matter. */
static void image_entries(void **state)
{
	(void)state;
	assert_int_equal(any("sda3_crypt UUID=0A1B2C3D-4E5F-6789-ABCD-EF0123456789 none luks,discard"), 1);
	assert_string_equal(e.source, "/dev/disk/by-uuid/0A1B2C3D-4E5F-6789-ABCD-EF0123456789");
	assert_string_equal(e.uuid, "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
	assert_false(e.ade);
	assert_int_equal(e.flags, CRYPT_ACTIVATE_ALLOW_DISCARDS);
	assert_int_equal(any("x /dev/disk/by-uuid/0a1b2c3d-4e5f-6789-abcd-ef0123456789"), 1);
	assert_string_equal(e.uuid, "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
	assert_int_equal(any("luks-0a1b2c3d-4e5f-6789-abcd-ef0123456789 /dev/sda3 -"), 1);
	assert_string_equal(e.uuid, "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
	/* The device's UUID= wins over the name, as in systemd-cryptsetup-generator. */
	assert_int_equal(any("luks-0a1b2c3d-4e5f-6789-abcd-ef0123456789 UUID=0a1b2c3d-4e5f-6789-abcd-ef0123456780 -"), 1);
	assert_string_equal(e.uuid, "0a1b2c3d-4e5f-6789-abcd-ef0123456780");
	assert_int_equal(any("x UUID=not-a-uuid none"), 1);
	assert_string_equal(e.uuid, "");
	const char *forms[][2] = {
		{ "PARTUUID=1234-03", "/dev/disk/by-partuuid/1234-03" },
		{ "LABEL=root", "/dev/disk/by-label/root" },
		{ "PARTLABEL=root", "/dev/disk/by-partlabel/root" },
		{ "ID=nvme-Disk_1-part3", "/dev/disk/by-id/nvme-Disk_1-part3" },
		{ "/dev/nvme0n1p3", "/dev/nvme0n1p3" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "nvme0n1p3_crypt %s none luks", forms[i][0]);
		assert_int_equal(any(line), 1);
		assert_string_equal(e.source, forms[i][1]);
		assert_string_equal(e.uuid, "");
	}
	assert_int_equal(any("c /dev/sda3 none readonly,read-only,same-cpu-crypt,submit-from-crypt-cpus,"
			     "no-read-workqueue,no-write-workqueue,nofail,noauto,initramfs,tries=3,keyscript=/bin/x,"
			     "x-systemd.device-timeout=0,keyfile-timeout=10s,cipher=aes,size=256"), 1);
	assert_int_equal(e.flags, CRYPT_ACTIVATE_READONLY | CRYPT_ACTIVATE_SAME_CPU_CRYPT |
				  CRYPT_ACTIVATE_SUBMIT_FROM_CRYPT_CPUS | CRYPT_ACTIVATE_NO_READ_WORKQUEUE |
				  CRYPT_ACTIVATE_NO_WRITE_WORKQUEUE);
	assert_string_equal(e.refuse, "");
	char buf[160];
	assert_string_equal(bek_crypttab_flags_str(e.flags, buf, sizeof(buf)),
			    "read-only,same-cpu-crypt,submit-from-crypt-cpus,no-read-workqueue,no-write-workqueue");
	assert_string_equal(bek_crypttab_flags_str(e.flags, buf, 12), "read-only");
	assert_string_equal(bek_crypttab_flags_str(0, buf, sizeof(buf)), "");
	assert_int_equal(any("c /dev/sda3 none luks,skip=1,offset=2"), 1);
	assert_non_null(strstr(e.refuse, "\"skip=1\""));
	/* A loop file is not a device bek-unlock sees; nothing else outside /dev is accepted. */
	assert_int_equal(any("c /var/lib/disk.img none"), 0);
	assert_non_null(strstr(why, "file"));
	assert_int_equal(any("c /dev/sda3/.. none"), -EINVAL);
	assert_int_equal(any("c LABEL=.. none"), -EINVAL);
	assert_int_equal(any("c ID= none"), -EINVAL);
}

static void find(void **state)
{
	(void)state;
	struct bek_crypttab_entry t[3];
	assert_int_equal(bek_crypttab_parse_entry("a /dev/sda3 none", &t[0], why), 1);
	assert_int_equal(bek_crypttab_parse_entry("b UUID=0a1b2c3d-4e5f-6789-abcd-ef0123456780 none", &t[1], why), 1);
	assert_int_equal(bek_crypttab_parse_entry("c UUID=0a1b2c3d-4e5f-6789-abcd-ef0123456789 none", &t[2], why), 1);
	assert_ptr_equal(bek_crypttab_find(t, 3, "0a1b2c3d-4e5f-6789-abcd-ef0123456789", NULL), &t[2]);
	assert_null(bek_crypttab_find(t, 3, "0a1b2c3d-4e5f-6789-abcd-ef0123456781", NULL));
	assert_null(bek_crypttab_find(t, 0, "0a1b2c3d-4e5f-6789-abcd-ef0123456789", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ade_redhat), cmocka_unit_test(ade_ubuntu_keyscript),
		cmocka_unit_test(module_options), cmocka_unit_test(not_ours), cmocka_unit_test(malformed),
		cmocka_unit_test(image_entries), cmocka_unit_test(find),
	};
	return cmocka_run_group_tests_name("crypttab", tests, NULL, NULL);
}
