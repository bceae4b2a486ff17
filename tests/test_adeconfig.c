// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the boot-configuration text edits after decryption (src/adeconfig_edit.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "adeconfig_edit.h"

#define U "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
#define D "5e6f7a8b-1111-2222-3333-444455556666"
#define L "11111111-2222-3333-4444-555555555555" /* a LUKS UUID */

static const struct bek_plain_volume vols[] = {
	{ "osencrypt", U, "ext4" },
	{ "datadisk1", D, "xfs" },
	{ "lvmpv", "pv-uuid", "LVM2_member" },
	{ "nouuid", NULL, "ext4" },
};
static char why[BEK_WHY_MAX];
static char *out;

typedef int (*edit)(const char *, const struct bek_plain_volume *, size_t, char **, char[BEK_WHY_MAX]);

/* The edit of text with the first n volumes: its result, want NULL for "unchanged". */
static void expect(edit fn, size_t n, const char *text, const char *want)
{
	why[0] = '\0';
	int r = fn(text, vols, n, &out, why);
	if (want) {
		assert_int_equal(r, 1);
		assert_non_null(out);
		assert_string_equal(out, want);
	} else {
		assert_int_equal(r, 0);
		assert_null(out);
	}
	free(out);
	out = NULL;
}

static void refused(edit fn, size_t n, const char *text, const char *reason)
{
	why[0] = '\0';
	assert_int_equal(fn(text, vols, n, &out, why), -EINVAL);
	assert_null(out);
	assert_non_null(strstr(why, reason));
}

static void crypttab_ade_lines(void **state)
{
	(void)state;
	/* Ubuntu's line appended without a newline; tabs, a comment, a CRLF entry kept. */
	expect(bek_edit_crypttab, 2,
	       "# osencrypt is ADE's\nswap\t/dev/sdb2\t/dev/urandom\tswap,cipher=aes-xts-plain64,size=256\r\n"
	       "datadisk1 UUID=" D " /mnt/azure_bek_disk/LinuxPassPhraseFileName_1_0 luks,nofail\n"
	       "osencrypt /dev/disk/by-partuuid/P /azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader",
	       "# osencrypt is ADE's\nswap\t/dev/sdb2\t/dev/urandom\tswap,cipher=aes-xts-plain64,size=256\r\n");
	/* Ubuntu 16.04's keyscript line, indented; an entry with one field. */
	expect(bek_edit_crypttab, 1, "  osencrypt /dev/sda1 none luks,keyscript=/usr/sbin/azure_crypt_key.sh\nx y\n", "x y\n");
	expect(bek_edit_crypttab, 1, "osencrypt\n", "");
	/* A name that only starts like a volume's, or nothing of ours: unchanged. */
	expect(bek_edit_crypttab, 1, "osencrypt2 /dev/sdc none luks\n", NULL);
	expect(bek_edit_crypttab, 1, "", NULL);
	expect(bek_edit_crypttab, 1, "\n\n#\n", NULL);
}

static void crypttab_ade_left(void **state)
{
	(void)state;
	refused(bek_edit_crypttab, 1, "osencrypt /dev/sda1 /mnt/azure_bek_disk/LinuxPassPhraseFileName luks\n"
				      "data2 /dev/sdc1 /mnt/azure_bek_disk/LinuxPassPhraseFileName_1_1 luks,nofail\n",
		"\"data2\" still takes its key from the BEK disk");
	refused(bek_edit_crypttab, 1, "other UUID=x none luks,keyscript=/usr/sbin/azure_crypt_key.sh", "\"other\"");
}

static void fstab_sources(void **state)
{
	(void)state;
	expect(bek_edit_fstab, 2,
	       "# /dev/mapper/osencrypt / ext4\n/dev/mapper/osencrypt\t/\text4\tdefaults,discard\t0 1\r\n"
	       "  /dev/disk/by-id/dm-name-datadisk1 /data xfs defaults,nofail 0 2\n"
	       "/dev/mapper/rootvg-rootlv /home xfs defaults 0 0\n"
	       "LABEL=BEK\\040VOLUME /mnt/azure_bek_disk auto defaults,discard,nofail 0 0\n"
	       "/dev/mapper/osencrypt2 /x ext4 defaults",
	       "# /dev/mapper/osencrypt / ext4\nUUID=" U "\t/\text4\tdefaults,discard\t0 1\r\n"
	       "  UUID=" D " /data xfs defaults,nofail 0 2\n"
	       "/dev/mapper/rootvg-rootlv /home xfs defaults 0 0\n"
	       "/dev/mapper/osencrypt2 /x ext4 defaults");
	/* The BEK disk's line with a slash, last, without its newline; a line with one field. */
	expect(bek_edit_fstab, 1, "/dev/mapper/osencrypt\nLABEL=x /mnt/azure_bek_disk/ vfat ro", "UUID=" U "\n");
	expect(bek_edit_fstab, 1, "UUID=" U " / ext4 defaults 0 1\n", NULL);
}

static void fstab_refusals(void **state)
{
	(void)state;
	refused(bek_edit_fstab, 3, "/dev/mapper/lvmpv /x ext4 defaults\n", "holds LVM2_member, not a filesystem");
	refused(bek_edit_fstab, 4, "/dev/mapper/nouuid /x ext4 defaults\n", "UUID of its filesystem is unknown");
	static const struct bek_plain_volume bad[] = { { "v", "x y", "ext4" } };
	assert_int_equal(bek_edit_fstab("/dev/mapper/v / ext4 d\n", bad, 1, &out, why), -EINVAL);
	assert_non_null(strstr(why, "malformed"));
}

static void cmdline_words(void **state)
{
	(void)state;
	struct bek_edit_words w = { 0 };
	/* ADE's detached-header form: every rd.luks.* of the LUKS UUID named osencrypt goes. */
	assert_int_equal(bek_edit_cmdline("rd.luks.name=" L "=osencrypt BOOT_IMAGE=/vmlinuz root=/dev/mapper/osencrypt "
					  "rd.luks.options=" L "=header=/luks/osluksheader "
					  "rd.luks.key=" L "=/LinuxPassPhraseFileName:LABEL=\"BEK VOLUME\" rd.luks.data=" L
					  "=PARTUUID=P rd.luks.hdr=" L "=UUID=B rd.luks.uuid=luks-" L " rd.luks.uuid=OTHER "
					  "rd.bek.wait=10 rd.bek rd.luks.ade.partuuid=P rd.debug  quiet",
					  vols, 1, &out, &w, why),
			 1);
	assert_string_equal(out, "BOOT_IMAGE=/vmlinuz root=UUID=" U " rd.luks.uuid=OTHER rd.debug  quiet");
	assert_string_equal(w.added, "root=UUID=" U);
	assert_non_null(strstr(w.removed, "rd.luks.key=" L "=/LinuxPassPhraseFileName:LABEL=\"BEK VOLUME\""));
	assert_non_null(strstr(w.removed, "rd.luks.name=" L "=osencrypt"));
	free(out);
	bek_edit_words_free(&w);
	/* An LV root stays; a root that holds LVM or whose UUID is unknown is refused. */
	assert_int_equal(bek_edit_cmdline("root=/dev/mapper/rootvg-rootlv rd.lvm.lv=rootvg/rootlv", vols, 4, &out, NULL, why), 0);
	assert_int_equal(bek_edit_cmdline("ro root=/dev/disk/by-id/dm-name-nouuid", vols, 4, &out, NULL, why), -EINVAL);
	assert_int_equal(bek_edit_cmdline("root=/dev/mapper/lvmpv", vols, 4, &out, NULL, why), -EINVAL);
	/* Only removed words: the blanks around what is left are the text's own. */
	assert_int_equal(bek_edit_cmdline(" rd.luks.ade.partuuid=P  a\tb rd.luks.ade.bootuuid=B ", vols, 1, &out, NULL, why), 1);
	assert_string_equal(out, " a\tb ");
	free(out);
	assert_int_equal(bek_edit_cmdline("rd.luks.ade.x=1", vols, 1, &out, NULL, why), 1);
	assert_string_equal(out, "");
	free(out);
	/* More LUKS UUIDs named for the volumes than it keeps: refused, not half done (fuzzing
	 * found a second edit removing what the first had left). */
	char many[17 * 30 + 1] = "";
	for (int i = 0; i < 17; i++)
		sprintf(many + strlen(many), "rd.luks.name=%02d=osencrypt ", i);
	assert_int_equal(bek_edit_cmdline(many, vols, 1, &out, NULL, why), -EINVAL);
	assert_non_null(strstr(why, "more than 16"));
	assert_int_equal(bek_edit_cmdline("rd.luks.adex=1 rd.bekx rd.luks.name=" L "=osencrypt2", vols, 1, &out, NULL, why), 0);
}

static int grub(const char *t, const struct bek_plain_volume *v, size_t n, char **o, char w[BEK_WHY_MAX])
{
	return bek_edit_grub_default(t, v, n, o, w);
}

static void grub_default(void **state)
{
	(void)state;
	expect(grub, 1,
	       "GRUB_TIMEOUT=1\n# GRUB_CMDLINE_LINUX=\"rd.luks.ade.x=1\"\n"
	       "GRUB_CMDLINE_LINUX=\"root=/dev/mapper/osencrypt console=ttyS0 rd.luks.ade.partuuid=P rd.luks.key=x:LABEL=\\\"BEK VOLUME\\\"\"\r\n"
	       "  export GRUB_CMDLINE_LINUX_DEFAULT='quiet rd.bek.debug'\n"
	       "GRUB_CMDLINE_LINUX_DEFAULT=rd.luks.ade.bootuuid=B # tail",
	       "GRUB_TIMEOUT=1\n# GRUB_CMDLINE_LINUX=\"rd.luks.ade.x=1\"\n"
	       "GRUB_CMDLINE_LINUX=\"root=UUID=" U " console=ttyS0 rd.luks.key=x:LABEL=\\\"BEK VOLUME\\\"\"\r\n"
	       "  export GRUB_CMDLINE_LINUX_DEFAULT='quiet'\n"
	       "GRUB_CMDLINE_LINUX_DEFAULT= # tail");
	/* $GRUB_CMDLINE_LINUX and the settings' look-alikes untouched. */
	expect(grub, 1, "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX console=ttyS0\"\nGRUB_CMDLINE_LINUX_X=\"rd.bek.x\"\n", NULL);
	refused(grub, 1, "GRUB_CMDLINE_LINUX=\"root=/dev/mapper/osencrypt\n quiet\"\n", "continues past its line");
}

static void bls_and_grubenv(void **state)
{
	(void)state;
	struct bek_edit_words w = { 0 };
	const char *bls = "title Red Hat\nversion 4.18\nlinux /vmlinuz\noptions root=/dev/mapper/osencrypt ro rd.luks.ade.partuuid=P\n"
			  "optionsx rd.luks.ade.x\n";
	assert_int_equal(bek_edit_bls(bls, vols, 1, &out, &w, why), 1);
	assert_string_equal(out, "title Red Hat\nversion 4.18\nlinux /vmlinuz\noptions root=UUID=" U " ro\noptionsx rd.luks.ade.x\n");
	free(out);
	assert_int_equal(bek_edit_grubenv("# GRUB Environment Block\nkernelopts=root=/dev/mapper/osencrypt ro rd.luks.ade.bootuuid=B \n####",
					  vols, 1, &out, &w, why),
			 1);
	assert_string_equal(out, "# GRUB Environment Block\nkernelopts=root=UUID=" U " ro \n####");
	free(out);
	assert_string_equal(w.removed, "rd.luks.ade.partuuid=P rd.luks.ade.bootuuid=B");
	assert_string_equal(w.added, "root=UUID=" U);
	bek_edit_words_free(&w);
	/* RHEL 7's grub.cfg: the kernel lines, indented, each command grub knows. */
	assert_int_equal(bek_edit_grubcfg("menuentry 'x' {\n\tlinux16 /vmlinuz-3.10 root=/dev/mapper/osencrypt ro rd.luks.ade.partuuid=P\n"
					  "\tlinuxefi /vmlinuz rd.luks.ade.bootuuid=B\n\tlinux /vmlinuz rd.bek.x=1 quiet\n"
					  "\tinitrd16 /initramfs-3.10.img rd.luks.ade.x\n}\n",
					  vols, 1, &out, NULL, why),
			 1);
	assert_string_equal(out, "menuentry 'x' {\n\tlinux16 /vmlinuz-3.10 root=UUID=" U " ro\n\tlinuxefi /vmlinuz\n"
				 "\tlinux /vmlinuz quiet\n\tinitrd16 /initramfs-3.10.img rd.luks.ade.x\n}\n");
	free(out);
	assert_int_equal(bek_edit_grubcfg("\tlinux16 /vmlinuz ro\n", vols, 1, &out, NULL, why), 0);
	assert_null(out);
	assert_int_equal(bek_edit_cmdline_file("# c rd.bek.x\nquiet rd.bek.x\n", vols, 1, &out, NULL, why), 1);
	assert_string_equal(out, "# c rd.bek.x\nquiet\n");
	free(out);
}

static void lvm(void **state)
{
	(void)state;
	/* ADE's appended filter (after an empty line), in any spacing; the rest kept. */
	expect(bek_edit_lvmconf, 1,
	       "config {\n}\n# devices { filter = [\"a|osencrypt|\", \"r|.*|\"] }\n\n"
	       "devices { filter = [\"a|osencrypt|\", \"r|3c9f1a2b-0001-4c5e-9d1a-1234567890ab|\"] }\n"
	       "devices{filter=[ \"a|osencrypt|\" , \"r|P|\" ]}\r\n",
	       "config {\n}\n# devices { filter = [\"a|osencrypt|\", \"r|.*|\"] }\n\n");
	expect(bek_edit_lvmconf, 1, "devices { filter = [\"a|osencrypt2|\", \"r|P|\"] }\n", NULL);
	/* Any other filter accepting the mapping would hide the plain partition: refused. */
	refused(bek_edit_lvmconf, 1, "devices {\n filter = [ \"a|osencrypt|\", \"r|.*|\" ]\n}\n", "not ADE's line");
	refused(bek_edit_lvmconf, 1, "devices { filter = [\"a|osencrypt|\", \"r|P|\", \"r|x|\"] }\n", "not ADE's line");
	/* A devices file listing the PV by its mapping: refused, with what to do. */
	const char *dev = "# LVM uses devices listed in this file.\nVERSION=1.1.2\n"
			  "IDTYPE=sys_wwid IDNAME=naa.1 DEVNAME=/dev/sdb PVID=abc\n";
	assert_int_equal(bek_check_lvm_devices(dev, vols, 1, why), 0);
	assert_int_equal(bek_check_lvm_devices("IDTYPE=dm_uuid IDNAME=CRYPT-LUKS2-0a1b-osencrypt2 DEVNAME=/dev/dm-0\n", vols, 1, why), 0);
	assert_int_equal(bek_check_lvm_devices("IDTYPE=dm_uuid IDNAME=CRYPT-LUKS2-0a1b-osencrypt DEVNAME=/dev/dm-0 PVID=x", vols, 1, why),
			 -EINVAL);
	assert_non_null(strstr(why, "lvmdevices --adddev"));
	assert_int_equal(bek_check_lvm_devices("IDTYPE=devname IDNAME=/dev/dm-0 DEVNAME=/dev/mapper/osencrypt PVID=x\n", vols, 1, why),
			 -EINVAL);
}

/* A 200 000-byte line and 10 000 lines: kept byte for byte, the entry after them found. */
static void long_input(void **state)
{
	(void)state;
	size_t n = 200000;
	char *t = malloc(n + 200), *want = malloc(n + 200);
	assert_non_null(t);
	assert_non_null(want);
	memset(t, 'a', n);
	strcpy(t + n, " x y\nosencrypt /dev/sda none luks");
	memcpy(want, t, n);
	strcpy(want + n, " x y\n");
	expect(bek_edit_crypttab, 1, t, want);
	for (size_t i = 0; i < 10000; i++)
		memcpy(t + i * 2, "\r\n", 2);
	strcpy(t + 20000, "/dev/mapper/osencrypt /");
	assert_int_equal(bek_edit_fstab(t, vols, 1, &out, why), 1);
	assert_int_equal(strlen(out), 20000 + 5 + strlen(U) + 2);
	free(out);
	free(t);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crypttab_ade_lines), cmocka_unit_test(crypttab_ade_left), cmocka_unit_test(fstab_sources),
		cmocka_unit_test(fstab_refusals),     cmocka_unit_test(cmdline_words),     cmocka_unit_test(grub_default),
		cmocka_unit_test(bls_and_grubenv),    cmocka_unit_test(lvm),
		cmocka_unit_test(long_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
