// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: what boot does with a volume (src/plan.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <libcryptsetup.h>

#include "plan.h"

#define UUID "0a1b2c3d-4e5f-6789-abcd-ef0123456789"

static struct bek_plan plan_for(const char *cmdline, const struct bek_luks_info *info)
{
	struct bek_config cfg;
	struct bek_plan plan;
	bek_config_init(&cfg);
	bek_cmdline_apply(&cfg, cmdline, NULL, NULL);
	bek_plan_volume(&cfg, NULL, info, &plan);
	return plan;
}

static struct bek_luks_info with_token(int keyslot, const char *file, const char *label)
{
	struct bek_luks_info info = { .uuid = UUID, .version = 2, .token_id = 3 };
	info.token.keyslot = keyslot;
	snprintf(info.token.key_file, sizeof(info.token.key_file), "%s", file);
	snprintf(info.token.label, sizeof(info.token.label), "%s", label);
	return info;
}

static void token_wins(void **state)
{
	(void)state;
	struct bek_luks_info info = with_token(1, "LinuxPassPhraseFileName_1_0", "");
	struct bek_plan p = plan_for("rd.bek.keyfile=Other", &info);
	assert_true(p.use);
	assert_string_equal(p.name, "luks-" UUID);
	assert_string_equal(p.key_file, "LinuxPassPhraseFileName_1_0");
	assert_string_equal(p.key_source, "token 3");
	assert_int_equal(p.keyslot, 1);
	assert_string_equal(p.label, "BEK VOLUME");

	info = with_token(-1, "k", "MY KEYS");
	p = plan_for("rd.bek.label=IGNORED", &info);
	assert_string_equal(p.label, "MY KEYS");
	assert_int_equal(p.keyslot, -1);
}

static void no_token(void **state)
{
	(void)state;
	struct bek_luks_info info = { .uuid = UUID, .version = 1, .token_id = -1 };
	struct bek_plan p = plan_for("", &info);
	assert_false(p.use);
	assert_non_null(strstr(p.skip, "no usable bek token"));

	p = plan_for("rd.luks.uuid=" UUID, &info);
	assert_true(p.use);
	assert_string_equal(p.key_file, "LinuxPassPhraseFileName");
	assert_string_equal(p.key_source, "default name");
	assert_int_equal(p.keyslot, -1);

	p = plan_for("rd.luks.name=" UUID "=osencrypt rd.bek.keyfile=LinuxPassPhraseFileName_0_1 rd.bek.label=KEYS", &info);
	assert_string_equal(p.name, "osencrypt");
	assert_string_equal(p.key_file, "LinuxPassPhraseFileName_0_1");
	assert_string_equal(p.key_source, "rd.bek.keyfile=");
	assert_string_equal(p.label, "KEYS");
}

static void not_named(void **state)
{
	(void)state;
	struct bek_luks_info info = with_token(1, "k", "");
	struct bek_plan p = plan_for("rd.luks.uuid=0a1b2c3d-4e5f-6789-abcd-ef0123456780", &info);
	assert_false(p.use);
	assert_non_null(strstr(p.skip, "not named"));
}

static void bad_uuid(void **state)
{
	(void)state;
	struct bek_luks_info info = with_token(1, "k", "");
	snprintf(info.uuid, sizeof(info.uuid), "../../etc");
	struct bek_plan p = plan_for("", &info);
	assert_false(p.use);
	/* An upper-case UUID in the header still matches the command line. */
	snprintf(info.uuid, sizeof(info.uuid), "0A1B2C3D-4E5F-6789-ABCD-EF0123456789");
	p = plan_for("rd.luks.name=" UUID "=root", &info);
	assert_true(p.use);
	assert_string_equal(p.name, "root");
}

static void crypttab_entry(void **state)
{
	(void)state;
	struct bek_config cfg;
	struct bek_plan p;
	struct bek_crypttab_entry e = { .name = "osencrypt", .key_file = "LinuxPassPhraseFileName",
					.flags = CRYPT_ACTIVATE_ALLOW_DISCARDS };
	struct bek_luks_info info = { .uuid = UUID, .version = 1, .token_id = -1 };

	/* Ours even though the command line names another volume and there is no token. */
	bek_config_init(&cfg);
	bek_cmdline_apply(&cfg, "rd.luks.uuid=0a1b2c3d-4e5f-6789-abcd-ef0123456780 rd.bek.keyfile=Other", NULL, NULL);
	bek_plan_volume(&cfg, &e, &info, &p);
	assert_true(p.use);
	assert_string_equal(p.name, "osencrypt");
	assert_string_equal(p.key_file, "LinuxPassPhraseFileName");
	assert_string_equal(p.key_source, "crypttab");
	assert_int_equal(p.flags, CRYPT_ACTIVATE_ALLOW_DISCARDS);

	/* A token still names the key file. */
	info = with_token(2, "LinuxPassPhraseFileName_0_0", "");
	bek_plan_volume(&cfg, &e, &info, &p);
	assert_string_equal(p.key_file, "LinuxPassPhraseFileName_0_0");
	assert_int_equal(p.keyslot, 2);
	assert_string_equal(p.name, "osencrypt");
}

/* The opt-in rule: a bek token, a crypttab entry or an rd.bek.* option makes a volume
 * bek-unlock's own; a volume merely named by rd.luks.* is not. */
static void own(void **state)
{
	(void)state;
	struct bek_luks_info bare = { .uuid = UUID, .version = 2, .token_id = -1 };
	struct bek_luks_info tok = with_token(1, "LinuxPassPhraseFileName", "");
	assert_true(plan_for("", &tok).own);
	assert_true(plan_for("rd.luks.uuid=" UUID, &tok).own);
	assert_false(plan_for("rd.luks.uuid=" UUID, &bare).own);
	assert_false(plan_for("rd.luks.name=" UUID "=root rd.bek.debug", &bare).own);
	assert_true(plan_for("rd.luks.uuid=" UUID " rd.bek.timeout=10", &bare).own);
	assert_true(plan_for("rd.luks.uuid=" UUID " rd.bek.keyfile=K", &bare).own);
	struct bek_config cfg;
	struct bek_plan plan;
	struct bek_crypttab_entry e = { .name = "osencrypt", .key_file = "LinuxPassPhraseFileName" };
	bek_config_init(&cfg);
	bek_plan_volume(&cfg, &e, &bare, &plan);
	assert_true(plan.use && plan.own);
}

/* The image's crypttab (dracut's /etc/crypttab, initramfs-tools' /cryptroot/crypttab). */
static struct bek_crypttab_entry image_ct[4];
static size_t n_image_ct;
static const char *same_path;     /* the path the fake udev links to the volume */

static bool fake_same(const char *path, const char *uuid)
{
	return strcmp(uuid, UUID) == 0 && same_path && strcmp(path, same_path) == 0;
}

static void image_crypttab(const char *const *lines, size_t n)
{
	char why[BEK_WHY_MAX];
	n_image_ct = 0;
	for (size_t i = 0; i < n; i++)
		if (bek_crypttab_parse_entry(lines[i], &image_ct[n_image_ct], why) == 1)
			n_image_ct++;
}

static struct bek_plan plan_ct(const char *cmdline, const struct bek_luks_info *info, bool by_device)
{
	struct bek_config cfg;
	struct bek_plan plan;
	bek_config_init(&cfg);
	bek_cmdline_apply(&cfg, cmdline, NULL, NULL);
	cfg.crypttab = image_ct;
	cfg.n_crypttab = n_image_ct;
	cfg.same_device = by_device ? fake_same : NULL;
	bek_plan_volume(&cfg, NULL, info, &plan);
	return plan;
}

/* A volume listed in the image's crypttab is opened under that name, with its options. */
static void crypttab_names(void **state)
{
	(void)state;
	struct bek_luks_info tok = with_token(-1, "LinuxPassPhraseFileName", "");
	const char *lines[] = {
		"home UUID=0a1b2c3d-4e5f-6789-abcd-ef0123456780 none luks",
		"cryptroot UUID=" UUID " none luks,discard,no-read-workqueue,nofail,x-systemd.device-timeout=0",
	};
	image_crypttab(lines, 2);
	struct bek_plan p = plan_ct("rd.luks.uuid=luks-" UUID, &tok, false);
	assert_true(p.use);
	assert_string_equal(p.name, "cryptroot");
	assert_string_equal(p.name_source, "crypttab");
	assert_int_equal(p.flags, CRYPT_ACTIVATE_ALLOW_DISCARDS | CRYPT_ACTIVATE_NO_READ_WORKQUEUE);
	/* The crypttab name wins over rd.luks.name=, as in systemd-cryptsetup-generator. */
	p = plan_ct("rd.luks.name=" UUID "=other", &tok, false);
	assert_string_equal(p.name, "cryptroot");
	/* rd.luks.crypttab=0: the image's crypttab is ignored. */
	p = plan_ct("rd.luks.name=" UUID "=other rd.luks.crypttab=0", &tok, false);
	assert_string_equal(p.name, "other");
	assert_int_equal(p.flags, 0);
	/* Not named by the command line: still not ours, whatever crypttab says. */
	struct bek_luks_info bare = { .uuid = UUID, .version = 2, .token_id = -1 };
	p = plan_ct("", &bare, true);
	assert_false(p.use);
	/* The crypttab does not make the volume bek-unlock's own. */
	p = plan_ct("rd.luks.uuid=" UUID, &bare, true);
	assert_true(p.use);
	assert_false(p.own);
	assert_string_equal(p.name, "cryptroot");

	/* Upper case, /dev/disk/by-uuid/ and luks-UUID names all name the volume. */
	const char *by_uuid[] = { "a /dev/disk/by-uuid/0A1B2C3D-4E5F-6789-ABCD-EF0123456789 none read-only" };
	image_crypttab(by_uuid, 1);
	p = plan_ct("", &tok, false);
	assert_string_equal(p.name, "a");
	assert_int_equal(p.flags, CRYPT_ACTIVATE_READONLY);
	const char *by_name[] = { "luks-" UUID " /dev/sda3 none" };
	image_crypttab(by_name, 1);
	assert_string_equal(plan_ct("", &tok, false).name, "luks-" UUID);

	/* Entries that name no UUID are matched by device, when the world allows it. */
	const char *by_dev[] = { "sda3_crypt PARTUUID=1234-03 none luks,same-cpu-crypt",
				 "nvme0n1p3_crypt /dev/nvme0n1p3 none luks,submit-from-crypt-cpus" };
	image_crypttab(by_dev, 2);
	same_path = "/dev/disk/by-partuuid/1234-03";
	p = plan_ct("", &tok, true);
	assert_string_equal(p.name, "sda3_crypt");
	assert_int_equal(p.flags, CRYPT_ACTIVATE_SAME_CPU_CRYPT);
	same_path = "/dev/nvme0n1p3";
	p = plan_ct("", &tok, true);
	assert_string_equal(p.name, "nvme0n1p3_crypt");
	assert_int_equal(p.flags, CRYPT_ACTIVATE_SUBMIT_FROM_CRYPT_CPUS);
	/* systemd with rd.luks.uuid=: UUID only (its generator skips the other entries). */
	p = plan_ct("rd.luks.uuid=" UUID, &tok, false);
	assert_string_equal(p.name, "luks-" UUID);
	assert_int_equal(p.flags, 0);
	/* A UUID match wins over a device match. */
	const char *both[] = { "bydev /dev/nvme0n1p3 none", "byuuid UUID=" UUID " none" };
	image_crypttab(both, 2);
	assert_string_equal(plan_ct("", &tok, true).name, "byuuid");
	same_path = NULL;
}

/* An option bek-unlock cannot apply leaves the volume to the stock unlocker. */
static void crypttab_refused(void **state)
{
	(void)state;
	struct bek_luks_info tok = with_token(-1, "LinuxPassPhraseFileName", "");
	const char *refused[] = { "offset=2048", "skip=8", "plain", "tcrypt", "tcrypt-hidden", "veracrypt", "bitlk" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char line[160];
		snprintf(line, sizeof(line), "cryptroot UUID=%s none luks,discard,%s", UUID, refused[i]);
		const char *lines[] = { line };
		image_crypttab(lines, 1);
		struct bek_plan p = plan_ct("rd.luks.uuid=" UUID, &tok, false);
		assert_false(p.use);
		assert_string_equal(p.name, "cryptroot");
		assert_non_null(strstr(p.skip, refused[i]));
		assert_non_null(strstr(p.skip, "stock unlocker"));
	}
	const char *hdr[] = { "cryptroot UUID=" UUID " none luks,header=/boot/hdr" };
	image_crypttab(hdr, 1);
	struct bek_plan p = plan_ct("", &tok, false);
	assert_false(p.use);
	assert_non_null(strstr(p.skip, "header="));
	/* For LUKS, cipher=, hash=, size= are the header's business: ignored, as stock does. */
	const char *ignored[] = { "cryptroot UUID=" UUID " none luks,cipher=aes-xts-plain64,hash=sha256,size=512,tries=3" };
	image_crypttab(ignored, 1);
	p = plan_ct("", &tok, false);
	assert_true(p.use);
	assert_int_equal(p.flags, 0);
}

static void dm_uuid(void **state)
{
	(void)state;
	assert_true(bek_dm_uuid_is_luks("CRYPT-LUKS2-0a1b2c3d4e5f6789abcdef0123456789-root", UUID));
	assert_true(bek_dm_uuid_is_luks("CRYPT-LUKS1-0A1B2C3D4E5F6789ABCDEF0123456789-x", UUID));
	assert_false(bek_dm_uuid_is_luks("CRYPT-LUKS2-0a1b2c3d4e5f6789abcdef0123456780-root", UUID));
	assert_false(bek_dm_uuid_is_luks("CRYPT-LUKS2-0a1b2c3d4e5f6789abcdef012345678-root", UUID));
	assert_false(bek_dm_uuid_is_luks("CRYPT-LUKS2-0a1b2c3d4e5f6789abcdef0123456789", UUID));
	assert_false(bek_dm_uuid_is_luks("CRYPT-PLAIN-0a1b2c3d4e5f6789abcdef0123456789-root", UUID));
	assert_false(bek_dm_uuid_is_luks("LVM-0a1b2c3d4e5f6789abcdef0123456789-root", UUID));
	assert_false(bek_dm_uuid_is_luks("", UUID));
	assert_false(bek_dm_uuid_is_luks("CRYPT-LUKS2-0a1b2c3d4e5f6789abcdef0123456789-root", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_wins), cmocka_unit_test(no_token),
		cmocka_unit_test(not_named), cmocka_unit_test(bad_uuid), cmocka_unit_test(crypttab_entry), cmocka_unit_test(own),
		cmocka_unit_test(crypttab_names), cmocka_unit_test(crypttab_refused), cmocka_unit_test(dm_uuid),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
