// SPDX-License-Identifier: GPL-2.0-or-later
/* Tests of the private read-only mounts (src/bekfs.c) on loop devices: needs root, loop
 * devices and ext4 in the host kernel (the QEMU guest covers VFAT); skipped, and said
 * so, without them. What is pinned: the device mounted must be the device that was
 * probed (its number), and a disk found by its BEK label is mounted only when VFAT. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "bekfs.h"

static char loop[64], img[] = "/tmp/bek-test-bekfs.XXXXXX";
static dev_t loop_dev;

static int sh(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	if (out && !fgets(out, (int)size, p))
		out[0] = '\0';
	if (out)
		out[strcspn(out, "\n")] = '\0';
	return pclose(p);
}

/* An ext4 image holding luks/hdr (8 KiB of 'H') on a loop device. */
static int setup(void **state)
{
	char cmd[512];
	struct stat st;
	(void)state;
	if (geteuid() != 0)
		return 0;
	int fd = mkstemp(img);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "set -e; d=$(mktemp -d); mkdir $d/luks; head -c 8192 /dev/zero | tr '\\0' H > $d/luks/hdr; "
		 "truncate -s 8M %s; mkfs.ext4 -q -F -d $d %s; rm -rf $d; losetup -f --show %s", img, img, img);
	if (sh(cmd, loop, sizeof(loop)) != 0 || stat(loop, &st) < 0 || !S_ISBLK(st.st_mode)) {
		loop[0] = '\0';
		return 0;
	}
	loop_dev = st.st_rdev;
	return bek_private_mounts() < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	if (loop[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", loop);
		sh(cmd, NULL, 0);
	}
	unlink(img);
	return 0;
}

static bool mounted_anything(void)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, BEK_MOUNT_PARENT "/bek-unlock.") != NULL;
	if (f)
		fclose(f);
	return found;
}

#define NEED_LOOP() do { if (!loop[0]) { fprintf(stderr, "skipped: needs root, a loop device and ext4\n"); skip(); } } while (0)

static void reads_the_probed_device(void **state)
{
	(void)state;
	NEED_LOOP();
	char why[BEK_WHY_MAX] = "", buf[9000];
	FILE *out = tmpfile();
	assert_non_null(out);
	assert_int_equal(bek_read_header(loop, loop_dev, "ext4", "luks/hdr", fileno(out), NULL, why), 0);
	assert_int_equal(pread(fileno(out), buf, sizeof(buf), 0), 8192);
	assert_int_equal(buf[0], 'H');
	assert_int_equal(buf[8191], 'H');
	fclose(out);
	assert_false(mounted_anything());
}

/* The /dev name now leads to another device than the one udev probed: never mounted. */
static void refuses_another_device(void **state)
{
	(void)state;
	NEED_LOOP();
	char why[BEK_WHY_MAX] = "";
	FILE *out = tmpfile();
	assert_non_null(out);
	int r = bek_read_header(loop, makedev(major(loop_dev), minor(loop_dev) + 200), "ext4", "luks/hdr",
				fileno(out), NULL, why);
	assert_int_equal(r, -ENXIO);
	assert_non_null(strstr(why, "is no longer the device that was probed"));
	assert_int_equal(lseek(fileno(out), 0, SEEK_END), 0);
	fclose(out);
	assert_false(mounted_anything());
}

/* A BEK-labelled disk that is not VFAT is never mounted. */
static void key_only_from_vfat(void **state)
{
	(void)state;
	NEED_LOOP();
	char why[BEK_WHY_MAX] = "";
	struct bek_secret key = { 0 };
	assert_int_equal(bek_read_key(loop, loop_dev, "ext4", "luks", &key, NULL, why), -EMEDIUMTYPE);
	assert_string_equal(why, "ext4, not VFAT");
	assert_null(key.data);
	assert_false(mounted_anything());
}

static void header_path_beneath_the_mount(void **state)
{
	(void)state;
	NEED_LOOP();
	char why[BEK_WHY_MAX] = "";
	FILE *out = tmpfile();
	assert_non_null(out);
	assert_int_equal(bek_read_header(loop, loop_dev, "ext4", "luks/../luks/hdr", fileno(out), NULL, why), -EINVAL);
	assert_int_equal(bek_read_header(loop, loop_dev, "ext4", "luks/none", fileno(out), NULL, why), -ENOENT);
	assert_string_equal(why, "header file not found");
	fclose(out);
	assert_false(mounted_anything());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_the_probed_device), cmocka_unit_test(refuses_another_device),
		cmocka_unit_test(key_only_from_vfat), cmocka_unit_test(header_path_beneath_the_mount),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
