// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the wait for block devices (src/wait.c). Its one rule for which devices
 * bek-unlock reads itself, and a udev whose queue cannot be had (udev_queue_new() fails,
 * faked with --wrap, tests/tests.mk): a negative errno, never "done". Which of the
 * kernel's messages are dropped before libudev parses them (src/uevent.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <cmocka.h>
#include <libudev.h>

#include "uevent.h"
#include "wait.h"

struct udev_queue *__wrap_udev_queue_new(struct udev *udev);
struct udev_queue *__wrap_udev_queue_new(struct udev *udev)
{
	(void)udev;
	errno = ENOMEM;
	return NULL;
}

static void may_read_rule(void **state)
{
	(void)state;
	assert_true(bek_may_read("vda", "41943040"));
	assert_true(bek_may_read("sdb1", "98304"));
	assert_true(bek_may_read("nvme0n1p1", NULL));
	/* empty: a loop device without a file, a CD drive without media, a dm device
	 * without a table */
	assert_false(bek_may_read("loop0", "0"));
	assert_false(bek_may_read("dm-0", "0"));
	/* can block on a read (suspended, not assembled) or has its own probing */
	assert_false(bek_may_read("dm-0", "2048"));
	assert_false(bek_may_read("md127", "2048"));
	assert_false(bek_may_read("sr0", "2048"));
	assert_false(bek_may_read("fd0", "2880"));
	assert_false(bek_may_read(NULL, "2048"));
}

static unsigned done_calls;

static void on_device(void *ud, const char *action, const char *devnode, dev_t devnum,
		      const struct bek_probe *found)
{
	(void)ud, (void)action, (void)devnode, (void)devnum, (void)found;
}

static bool on_done(void *ud, bool settled, bool quiet)
{
	(void)ud, (void)settled, (void)quiet;
	done_calls++;
	return true;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Without udev's queue the wait cannot know when udev has settled: it fails at once
 * with a negative errno (the caller says so and exits), and never reports "done". */
static void queue_unavailable(void **state)
{
	(void)state;
	const struct bek_wait_ops ops = { .device = on_device, .done = on_done };
	double t = now_s();
	int r = bek_wait_run(2000, NULL, &ops, NULL, NULL);
	if (r == -EPROTONOSUPPORT || r == -EACCES || r == -EPERM) {
		fprintf(stderr, "skipped: no netlink uevent socket here (%d)\n", r);
		skip();
	}
	assert_int_equal(r, -ENOMEM);
	assert_int_equal(done_calls, 0);
	assert_true(now_s() - t < 1.0);
}

#define MSG(s) s, sizeof(s) - 1   /* a literal with its own NULs, without the final one */

static void uevent_prefilter(void **state)
{
	(void)state;
	/* The kernel's messages: a block device's kept, whatever the field order. */
	assert_true(bek_uevent_maybe_block(MSG("add@/devices/pci0000:00/virtio1/block/vda\0ACTION=add\0"
		"DEVPATH=/devices/pci0000:00/virtio1/block/vda\0SUBSYSTEM=block\0MAJOR=254\0MINOR=0\0"
		"DEVNAME=vda\0DEVTYPE=disk\0SEQNUM=1234\0")));
	assert_true(bek_uevent_maybe_block(MSG("remove@/devices/virtual/block/loop0\0SUBSYSTEM=block\0")));
	/* ... others dropped: another subsystem, or "block" only as a prefix or elsewhere */
	assert_false(bek_uevent_maybe_block(MSG("add@/devices/system/cpu/cpu0\0ACTION=add\0"
		"DEVPATH=/devices/system/cpu/cpu0\0SUBSYSTEM=cpu\0MODALIAS=cpu:type:x86\0SEQNUM=7\0")));
	assert_false(bek_uevent_maybe_block(MSG("add@/module/dm_mod\0ACTION=add\0SUBSYSTEM=module\0")));
	assert_false(bek_uevent_maybe_block(MSG("bind@/devices/block\0SUBSYSTEM=blockx\0X=SUBSYSTEM=block\0")));
	assert_false(bek_uevent_maybe_block(MSG("add@/block/vda\0SUBSYSTEM=bdi\0")));
	/* ... and anything not a whole kernel message left to libudev: cut short (no final
	 * NUL, the field may follow), libudev's own header, no header, nothing */
	assert_true(bek_uevent_maybe_block(MSG("add@/devices/x\0SUBSYSTEM=cpu\0SUBSYS")));
	assert_true(bek_uevent_maybe_block(MSG("libudev\0\xfe\xed\xca\xfe")));
	assert_true(bek_uevent_maybe_block(MSG("ACTION=add\0SUBSYSTEM=cpu\0")));
	assert_true(bek_uevent_maybe_block(MSG("add@/devices/x")));
	assert_true(bek_uevent_maybe_block("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(may_read_rule),
		cmocka_unit_test(queue_unavailable),
		cmocka_unit_test(uevent_prefilter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
