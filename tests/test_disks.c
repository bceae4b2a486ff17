// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the filesystems bek-unlock keeps and the devices it has decided about
 * (src/disks.c): no fixed cap drops a BEK disk, the real limit is counted, a decision
 * is made once per device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "disks.h"

static struct bek_probe fs(const char *type, const char *label)
{
	struct bek_probe p = { 0 };
	snprintf(p.type, sizeof(p.type), "%s", type);
	snprintf(p.label, sizeof(p.label), "%s", label);
	return p;
}

/* 200 data filesystems before the BEK disk (the old fixed array held 32). */
static void many_before_the_bek_disk(void **state)
{
	(void)state;
	struct bek_disks d = { 0 };
	struct bek_probe data = fs("vfat", "BEK VOLUME"), bek = fs("vfat", "BEK VOLUME");
	char node[32];
	for (unsigned i = 0; i < 200; i++) {
		snprintf(node, sizeof(node), "/dev/vdb%u", i + 1);
		assert_non_null(bek_disks_add(&d, node, makedev(259, i), &data, i));
	}
	assert_non_null(bek_disks_add(&d, "/dev/vdc1", makedev(252, 33), &bek, 0));
	assert_int_equal(d.n_fs, 201);
	assert_int_equal(d.dropped, 0);
	assert_int_equal(bek_disks_with_label(&d, "BEK VOLUME"), 201);
	/* once per device number: a "change" event adds nothing */
	assert_non_null(bek_disks_add(&d, "/dev/vdc1", makedev(252, 33), &bek, 0));
	assert_int_equal(d.n_fs, 201);
	bek_disks_remove(&d, makedev(252, 33));
	assert_int_equal(d.n_fs, 200);
	bek_disks_free(&d);
}

static void limit_is_counted(void **state)
{
	(void)state;
	struct bek_disks d = { 0 };
	struct bek_probe p = fs("vfat", "BEK VOLUME");
	for (unsigned i = 0; i < BEK_FS_MAX; i++)
		assert_non_null(bek_disks_add(&d, "/dev/x", makedev(259, i), &p, 0));
	assert_null(bek_disks_add(&d, "/dev/y", makedev(260, 0), &p, 0));
	assert_null(bek_disks_add(&d, "/dev/z", makedev(260, 1), &p, 0));
	assert_int_equal(d.n_fs, BEK_FS_MAX);
	assert_int_equal(d.dropped, 2);
	bek_disks_free(&d);
}

static void notes_once_per_device(void **state)
{
	(void)state;
	struct bek_disks d = { 0 };
	assert_true(bek_disks_note(&d, makedev(252, 1), "BEK VOLUME"));
	assert_false(bek_disks_note(&d, makedev(252, 1), "BEK VOLUME"));   /* change event */
	assert_true(bek_disks_note(&d, makedev(252, 2), "BEK VOLUME"));
	assert_true(bek_disks_note(&d, makedev(252, 3), NULL));            /* a LUKS volume left alone */
	assert_true(bek_disks_note(&d, makedev(252, 4), "KEYS"));
	assert_true(bek_disks_noted(&d, makedev(252, 3)));
	assert_false(bek_disks_noted(&d, makedev(252, 5)));
	assert_int_equal(bek_disks_not_vfat(&d, "BEK VOLUME"), 2);
	assert_int_equal(bek_disks_not_vfat(&d, "KEYS"), 1);
	assert_int_equal(bek_disks_not_vfat(&d, "OTHER"), 0);
	bek_disks_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(many_before_the_bek_disk), cmocka_unit_test(limit_is_counted),
		cmocka_unit_test(notes_once_per_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
