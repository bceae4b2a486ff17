// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: kernel command line parsing (src/cmdline.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"

static char warned[1024];

static void warn(void *userdata, const char *param, const char *why)
{
	(void)userdata;
	size_t n = strlen(warned);
	snprintf(warned + n, sizeof(warned) - n, "%s: %s;", param, why);
}

static struct bek_config parse(const char *text)
{
	struct bek_config cfg;
	warned[0] = '\0';
	bek_config_init(&cfg);
	bek_cmdline_apply(&cfg, text, warn, NULL);
	return cfg;
}

#define UUID "0a1b2c3d-4e5f-6789-abcd-ef0123456789"

static void defaults(void **state)
{
	(void)state;
	struct bek_config cfg = parse("root=/dev/vda1 quiet console=ttyS0");
	assert_true(cfg.enabled);
	assert_int_equal(cfg.timeout_s, 30);
	assert_string_equal(cfg.label, "BEK VOLUME");
	assert_string_equal(cfg.keyfile, "");
	assert_int_equal(cfg.n_targets, 0);
	assert_string_equal(warned, "");
}

static void luks_uuid(void **state)
{
	(void)state;
	struct bek_config cfg = parse("rd.luks.uuid=" UUID " rd.luks.uuid=luks-0A1B2C3D-4E5F-6789-ABCD-EF0123456780");
	assert_int_equal(cfg.n_targets, 2);
	assert_string_equal(cfg.targets[0].uuid, UUID);
	assert_string_equal(cfg.targets[0].name, "luks-" UUID);
	assert_string_equal(cfg.targets[1].uuid, "0a1b2c3d-4e5f-6789-abcd-ef0123456780");
	assert_string_equal(warned, "");
}

static void luks_uuid_list_and_duplicates(void **state)
{
	(void)state;
	struct bek_config cfg = parse("rd.luks.uuid=" UUID ",luks-" UUID " rd.luks.uuid=" UUID);
	assert_int_equal(cfg.n_targets, 1);
}

static void luks_name(void **state)
{
	(void)state;
	struct bek_config cfg = parse("rd.luks.uuid=" UUID " rd.luks.name=" UUID "=cryptroot");
	assert_int_equal(cfg.n_targets, 1);
	assert_string_equal(cfg.targets[0].name, "cryptroot");
	/* The order does not matter: a later rd.luks.uuid= keeps the name. */
	cfg = parse("rd.luks.name=" UUID "=cryptroot rd.luks.uuid=" UUID);
	assert_string_equal(cfg.targets[0].name, "cryptroot");
}

static void bad_luks(void **state)
{
	(void)state;
	struct bek_config cfg = parse("rd.luks.uuid=not-a-uuid rd.luks.uuid rd.luks.name=" UUID
				      "=bad/name rd.luks.name=" UUID " rd.luks.uuid=" UUID "0");
	assert_int_equal(cfg.n_targets, 0);
	assert_non_null(strstr(warned, "rd.luks.uuid: not a UUID"));
	assert_non_null(strstr(warned, "rd.luks.name: mapping name"));
	assert_non_null(strstr(warned, "rd.luks.name: expected UUID=NAME"));
}

static void too_many_targets(void **state)
{
	(void)state;
	char text[4096] = "";
	for (int i = 0; i < BEK_MAX_TARGETS + 3; i++) {
		char one[64];
		snprintf(one, sizeof(one), "rd.luks.uuid=0a1b2c3d-4e5f-6789-abcd-ef01234567%02d ", i);
		strcat(text, one);
	}
	struct bek_config cfg = parse(text);
	assert_int_equal(cfg.n_targets, BEK_MAX_TARGETS);
	assert_non_null(strstr(warned, "too many volumes"));
}

static void disable(void **state)
{
	(void)state;
	assert_false(parse("rd.bek=0").enabled);
	assert_false(parse("rd.bek=no").enabled);
	assert_false(parse("rd.luks=0").enabled);
	assert_true(parse("rd.bek=0 rd.bek=1").enabled);
	assert_true(parse("rd.bek=maybe").enabled);
	assert_non_null(strstr(warned, "rd.bek: expected 0 or 1"));
}

static void timeout(void **state)
{
	(void)state;
	assert_int_equal(parse("rd.bek.timeout=5").timeout_s, 5);
	assert_int_equal(parse("rd.bek.timeout=0").timeout_s, 0);
	assert_int_equal(parse("rd.bek.timeout=600").timeout_s, 600);
	const char *bad[] = { "rd.bek.timeout=601", "rd.bek.timeout=-1", "rd.bek.timeout=5s",
			      "rd.bek.timeout=", "rd.bek.timeout", "rd.bek.timeout=99999999999999999999",
			      "rd.bek.timeout=+5", "rd.bek.timeout= 5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bek_config cfg = parse(bad[i]);
		assert_int_equal(cfg.timeout_s, 30);
		assert_non_null(strstr(warned, "rd.bek.timeout"));
	}
}

static void debug(void **state)
{
	(void)state;
	assert_false(parse("").debug);
	assert_true(parse("rd.bek.debug").debug);
	assert_true(parse("rd.bek.debug=1").debug);
	assert_false(parse("rd.bek.debug rd.bek.debug=0").debug);
	assert_false(parse("rd.bek.debugx rd.debug").debug);
	assert_false(parse("rd.bek.debug=verbose").debug);
	assert_non_null(strstr(warned, "rd.bek.debug: expected nothing, 0 or 1"));
}

/* The opt-in rule: only an explicit rd.bek.* request makes the rd.luks.* volumes
 * bek-unlock's own (rd.bek.debug and rd.luks.* alone do not). */
static void asked(void **state)
{
	(void)state;
	assert_false(parse("").asked);
	assert_false(parse("rd.luks.uuid=" UUID " rd.luks.name=" UUID "=root rd.bek.debug").asked);
	assert_false(parse("rd.bek=0").asked);
	assert_false(parse("rd.bek.timeout=601 rd.bek.label= rd.bek.keyfile=../x").asked);
	assert_true(parse("rd.bek=1").asked);
	assert_true(parse("rd.bek.timeout=10").asked);
	assert_true(parse("rd.bek.label=KEYS").asked);
	assert_true(parse("rd.bek.keyfile=LinuxPassPhraseFileName_1_0").asked);
}

static void label_unescape(void **state)
{
	(void)state;
	char out[BEK_LABEL_MAX + 1];
	assert_int_equal(bek_label_unescape("BEK\\x20VOLUME", out), 0);
	assert_string_equal(out, "BEK VOLUME");
	assert_int_equal(bek_label_unescape("a\\x5cb", out), 0);
	assert_string_equal(out, "a\\b");
	const char *bad[] = { "", "A\\x0aB", "A\\x1", "A\\", "A\\y20", "A\\x7f" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bek_label_unescape(bad[i], out), -EINVAL);
	char big[2 * BEK_LABEL_MAX];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(bek_label_unescape(big, out), -EINVAL);
}

static void label(void **state)
{
	(void)state;
	assert_string_equal(parse("rd.bek.label=KEYS").label, "KEYS");
	assert_string_equal(parse("rd.bek.label=\"MY KEYS\"").label, "MY KEYS");
	assert_string_equal(parse("\"rd.bek.label=MY KEYS\"").label, "MY KEYS");
	assert_string_equal(parse("rd.bek.label=BEK\\x20VOLUME").label, "BEK VOLUME");
	const char *bad[] = { "rd.bek.label=", "rd.bek.label=A\\x0aB", "rd.bek.label=A\\x2", "rd.bek.label=A\\y20" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_string_equal(parse(bad[i]).label, "BEK VOLUME");
		assert_non_null(strstr(warned, "rd.bek.label"));
	}
}

static void keyfile(void **state)
{
	(void)state;
	assert_string_equal(parse("rd.bek.keyfile=LinuxPassPhraseFileName_1_0").keyfile, "LinuxPassPhraseFileName_1_0");
	assert_string_equal(parse("rd.bek.keyfile=../etc/shadow").keyfile, "");
	assert_non_null(strstr(warned, "rd.bek.keyfile: key file name contains"));
	assert_string_equal(parse("rd.bek.keyfile=").keyfile, "");
}

static void quoting_and_noise(void **state)
{
	(void)state;
	struct bek_config cfg = parse("  \"rd.bek.timeout=7\"\trd.bekx=1 rd.luksfoo=3 \"unterminated rd.bek.timeout=9");
	/* An unterminated quote swallows the rest, as in the kernel. */
	assert_int_equal(cfg.timeout_s, 7);
	char big[6000];
	memset(big, 'a', sizeof(big));
	memcpy(big, "rd.bek.label=", 13);
	big[sizeof(big) - 1] = '\0';
	cfg = parse(big);
	assert_string_equal(cfg.label, "BEK VOLUME");
	assert_non_null(strstr(warned, "too long"));
}

static void uuid_canonical(void **state)
{
	(void)state;
	char out[BEK_UUID_LEN + 1];
	assert_int_equal(bek_uuid_canonical(UUID, strlen(UUID), out), 0);
	assert_int_equal(bek_uuid_canonical("0A1B2C3D-4E5F-6789-ABCD-EF0123456789", 36, out), 0);
	assert_string_equal(out, UUID);
	assert_int_equal(bek_uuid_canonical("0a1b2c3d04e5f-6789-abcd-ef0123456789", 36, out), -EINVAL);
	assert_int_equal(bek_uuid_canonical("0a1b2c3d-4e5f-6789-abcd-ef012345678g", 36, out), -EINVAL);
	assert_int_equal(bek_uuid_canonical("luks-", 5, out), -EINVAL);
	assert_int_equal(bek_uuid_canonical("", 0, out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults), cmocka_unit_test(luks_uuid),
		cmocka_unit_test(luks_uuid_list_and_duplicates), cmocka_unit_test(luks_name),
		cmocka_unit_test(bad_luks), cmocka_unit_test(too_many_targets),
		cmocka_unit_test(disable), cmocka_unit_test(timeout), cmocka_unit_test(debug), cmocka_unit_test(asked), cmocka_unit_test(label_unescape), cmocka_unit_test(label),
		cmocka_unit_test(keyfile), cmocka_unit_test(quoting_and_noise),
		cmocka_unit_test(uuid_canonical),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
