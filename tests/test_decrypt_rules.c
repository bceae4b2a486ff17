// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: what "bek-unlock decrypt" does with a volume, from what its header and the
 * system say (src/decrypt_rules.c): each ADE layout's way out, and a clear refusal,
 * before any write, for everything it must not touch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "decrypt_rules.h"

static const struct bek_dc_facts RHEL = {   /* ADE's OS disk: LUKS2, header on /boot, offset 0 */
	.state = BEK_DC_ENCRYPTED, .luks_version = 2, .detached = true, .data_offset = 0,
};

static enum bek_dc_action decide(struct bek_dc_facts f, char why[BEK_WHY_MAX])
{
	return bek_dc_decide(&f, why);
}

static void layouts(void **state)
{
	(void)state;
	char why[BEK_WHY_MAX];
	struct bek_dc_facts f = RHEL;
	assert_int_equal(decide(f, why), BEK_DC_DECRYPT);
	assert_string_equal(why, "");
	f.active = true;   /* the mounted root: online */
	assert_int_equal(decide(f, why), BEK_DC_DECRYPT);
	assert_false(bek_dc_offline_only(BEK_DC_DECRYPT, &f));
	f = RHEL, f.luks_version = 1;   /* Ubuntu 16.04/18.04 */
	assert_int_equal(decide(f, why), BEK_DC_CONVERT);
	assert_true(bek_dc_offline_only(BEK_DC_CONVERT, &f));
	f = RHEL, f.detached = false, f.data_offset = 16u << 20;   /* a data disk, header on it */
	assert_int_equal(decide(f, why), BEK_DC_DATASHIFT);
	assert_true(bek_dc_offline_only(BEK_DC_DATASHIFT, &f));
	f.luks_version = 1;
	assert_int_equal(decide(f, why), BEK_DC_CONVERT);
	f = RHEL, f.state = BEK_DC_ENCRYPTING, f.active = true;   /* ADE's online encryption, mid-way */
	assert_int_equal(decide(f, why), BEK_DC_FINISH_ENCRYPTION);
	f = RHEL, f.state = BEK_DC_DECRYPTING;
	assert_int_equal(decide(f, why), BEK_DC_RESUME);
	f.crashed = true;   /* a crash while closed: recovered, then resumed */
	assert_int_equal(decide(f, why), BEK_DC_RESUME);
	f.active = true, f.recovered_copy = true;   /* cut while open, the boot recovered it in its copy */
	assert_int_equal(decide(f, why), BEK_DC_ADOPT_RECOVERED);
	assert_false(bek_dc_offline_only(BEK_DC_ADOPT_RECOVERED, &f));
	f.active = false;   /* closed: libcryptsetup recovers the header itself */
	assert_int_equal(decide(f, why), BEK_DC_RESUME);
	f = RHEL, f.state = BEK_DC_ENCRYPTING, f.crashed = true, f.active = true, f.recovered_copy = true;
	assert_int_equal(decide(f, why), BEK_DC_ADOPT_RECOVERED);   /* ADE's encryption cut, then ours */
	f.read_only = true;   /* but nothing is written to a read-only header */
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	f = RHEL, f.state = BEK_DC_DECRYPTING, f.datashift_decrypt = true;
	assert_int_equal(decide(f, why), BEK_DC_RESUME);
	assert_true(bek_dc_offline_only(BEK_DC_RESUME, &f));
	f = RHEL, f.state = BEK_DC_DECRYPTED;
	assert_int_equal(decide(f, why), BEK_DC_NOTHING);
	f.read_only = true, f.used_otherwise = true;   /* done is done, whatever else holds */
	assert_int_equal(decide(f, why), BEK_DC_NOTHING);
}

static void refusals(void **state)
{
	(void)state;
	char why[BEK_WHY_MAX];
	struct bek_dc_facts f = RHEL;
	f.state = BEK_DC_NOT_LUKS, f.luks_version = 0;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "no LUKS header"));
	f = RHEL, f.read_only = true;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "read-only"));
	f = RHEL, f.used_otherwise = true;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "in use"));
	f = RHEL, f.integrity = true;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	f = RHEL, f.state = BEK_DC_REENCRYPTING;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "volume key"));
	f = RHEL, f.luks_version = 1, f.active = true;   /* LUKS1 open: conversion needs it closed */
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "offline"));
	f = RHEL, f.detached = false, f.data_offset = 16u << 20, f.active = true;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "closed"));
	f = RHEL, f.data_offset = 4096;   /* detached with an offset: not ADE's, not decryptable in place */
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	f = RHEL, f.state = BEK_DC_DECRYPTING, f.crashed = true, f.active = true;   /* no recovered copy */
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	assert_non_null(strstr(why, "offline"));
	f.detached = false, f.recovered_copy = true;   /* a copy of a header on the device: not ours to swap */
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	f = RHEL, f.state = BEK_DC_ENCRYPTING, f.detached = false;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
	f = RHEL, f.luks_version = 3;
	assert_int_equal(decide(f, why), BEK_DC_REFUSE);
}

static void names(void **state)
{
	(void)state;
	for (int s = BEK_DC_NOT_LUKS; s <= BEK_DC_DECRYPTED; s++)
		assert_string_not_equal(bek_dc_state_name((enum bek_dc_state)s), "unknown");
	for (int a = BEK_DC_NOTHING; a <= BEK_DC_REFUSE; a++)
		assert_string_not_equal(bek_dc_action_name((enum bek_dc_action)a), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layouts),
		cmocka_unit_test(refusals),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
