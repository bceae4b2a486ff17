// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: what boot does with a volume (src/plan.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

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
	struct bek_crypttab_entry e = { .name = "osencrypt", .key_file = "LinuxPassPhraseFileName", .discard = true };
	struct bek_luks_info info = { .uuid = UUID, .version = 1, .token_id = -1 };

	/* Ours even though the command line names another volume and there is no token. */
	bek_config_init(&cfg);
	bek_cmdline_apply(&cfg, "rd.luks.uuid=0a1b2c3d-4e5f-6789-abcd-ef0123456780 rd.bek.keyfile=Other", NULL, NULL);
	bek_plan_volume(&cfg, &e, &info, &p);
	assert_true(p.use);
	assert_string_equal(p.name, "osencrypt");
	assert_string_equal(p.key_file, "LinuxPassPhraseFileName");
	assert_string_equal(p.key_source, "crypttab");
	assert_true(p.discard);

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
		cmocka_unit_test(not_named), cmocka_unit_test(bad_uuid), cmocka_unit_test(crypttab_entry), cmocka_unit_test(own), cmocka_unit_test(dm_uuid),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
