// SPDX-License-Identifier: GPL-2.0-or-later
#include "wait.h"

#include <errno.h>
#include <libudev.h>
#include <poll.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"
#include "timing.h"
#include "uevent.h"

#define MONITOR_BUFFER (4 * 1024 * 1024)

/* Which block devices bek-unlock may read itself (libblkid), when udev has not said what
 * is on them: one rule for the devices there at start, udev's events and the kernel's.
 * Never: empty devices (loop, ram, CD drives without media, a device-mapper device
 * without a table), nor device-mapper or MD devices (they can exist suspended or not yet
 * assembled, where a read blocks until someone resumes them; udev's rules know,
 * DM_SUSPENDED or md/array_state, and skip them), nor CD and floppy drives (udev probes
 * them with their own helpers; a floppy's probe can stall for seconds). Those are known
 * only by udev's own probe (ID_FS_TYPE), when it made one. */
bool bek_may_read(const char *sysname, const char *size)
{
	static const char *const udev_only[] = { "dm-", "md", "sr", "fd" };
	if (!sysname || (size && strcmp(size, "0") == 0))
		return false;
	for (size_t i = 0; i < sizeof(udev_only) / sizeof(udev_only[0]); i++)
		if (strncmp(sysname, udev_only[i], strlen(udev_only[i])) == 0)
			return false;
	return true;
}

static bool may_read(struct udev_device *dev)
{
	return bek_may_read(udev_device_get_sysname(dev), udev_device_get_sysattr_value(dev, "size"));
}

/* The kernel's own "add"/"change" announcement of a disk or partition comes before udev
 * has run its rules on it (under load, most of a second before: doc/boot-time.md), and
 * its node is already in devtmpfs: such a device
 * is probed on it when udev has not reported it EARLY_GRACE_MS later, if bek_may_read()
 * allows; the others wait for udev's event. */

/* Tells ops about a device: what udev's probe found on it, or NULL (the callee reads it)
 * when udev has not probed it and bek_may_read() allows; else nothing yet (udev's own
 * event will say). */
static void report_device(const struct bek_wait_ops *ops, void *ud, struct udev_device *dev, const char *action)
{
	const char *node = udev_device_get_devnode(dev);
	struct bek_probe found;
	bool removed = strcmp(action, "remove") == 0;

	if (!node)
		return;
	/* udev has already read the device (its blkid builtin): no need to read it again. */
	uint64_t t = bek_clock_us();
	bool known = !removed && bek_probe_udev(dev, &found) == 0;
	bek_timing_add(BEK_T_PROBE, t);
	if (!removed && !known && !may_read(dev))
		return;
	ops->device(ud, action, node, udev_device_get_devnum(dev), known ? &found : NULL);
}

static int enumerate(struct udev *udev, const struct bek_wait_ops *ops, void *ud)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *it;
	if (!e)
		return -ENOMEM;
	int r = udev_enumerate_add_match_subsystem(e, "block");
	if (r >= 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0) {
		udev_enumerate_unref(e);
		return r;
	}
	udev_list_entry_foreach(it, udev_enumerate_get_list_entry(e)) {
		struct udev_device *dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(it));
		if (dev) {
			report_device(ops, ud, dev, "enumerate");
			udev_device_unref(dev);
		}
	}
	udev_enumerate_unref(e);
	return 0;
}

/* Devices the kernel has announced and udev has not processed yet. udev's queue can be
 * empty for a moment after the kernel's event (udevd has not read it yet): udev has
 * settled only when the queue is empty and this set is too.
 * Such a device is probed on the kernel's event only when udev has not reported it
 * within EARLY_GRACE_MS: when udev keeps up, its own probe is used and the disk is not
 * read twice while the kernel is still probing the next disk (under TCG, an
 * initramfs-tools boot saw the BEK disk 0.1-0.2 s later and unlocked later with the
 * second read than without); when udev lags (0.7-0.9 s for a LUKS disk in a systemd
 * initramfs), the device is read long before udev's event. */
#define UNSEEN_MAX 4096
#define EARLY_GRACE_MS 100
/* "Quiet" (done()'s third argument): every disk the kernel has announced has been
 * reported, the last one at least QUIET_MS ago. A driver announces the disks it probes
 * one after the other, a disk's partitions right after it (virtio: 0.05-0.25 s apart under
 * TCG, so up to 0.75 s on a host three times slower): quiet says that a disk a moment
 * behind the last one is not still coming. What quiet misses, the agent still answers
 * (boot --answer-prompts); under TCG udev takes longer than this to process the disk,
 * which the prompt waits for anyway. */
#define QUIET_MS 1000
struct unseen_dev {
	dev_t d;
	struct udev_device *dev;    /* the kernel's event, until reported (then NULL) */
	uint64_t due_us;            /* when it is reported if udev has not been first */
};
struct unseen {
	struct unseen_dev *v;
	size_t n, cap;
	bool overflow;    /* more than UNSEEN_MAX at once: settled by udev's queue alone */
	uint64_t last_us; /* the kernel's last announcement of a disk that may be read */
};

static void unseen_del(struct unseen *u, dev_t d)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].d == d) {
			udev_device_unref(u->v[i].dev);
			u->v[i] = u->v[--u->n];
			return;
		}
}

/* Returns false when the set is full: the caller reports the device at once. */
static bool unseen_add(struct unseen *u, struct udev_device *dev)
{
	dev_t d = udev_device_get_devnum(dev);
	unseen_del(u, d);
	if (u->n == u->cap) {
		size_t want = u->cap ? u->cap * 2 : 32;
		struct unseen_dev *p = want <= UNSEEN_MAX ? realloc(u->v, want * sizeof(*p)) : NULL;
		if (!p) {
			u->overflow = true;
			return false;
		}
		u->v = p;
		u->cap = want;
	}
	u->last_us = bek_clock_us();
	u->v[u->n++] = (struct unseen_dev){ d, udev_device_ref(dev), u->last_us + EARLY_GRACE_MS * 1000ULL };
	return true;
}

/* The ms until the set is quiet (0: quiet now). */
static int quiet_in_ms(const struct unseen *u)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].dev)
			return EARLY_GRACE_MS;   /* reported within its grace, then looked at again */
	uint64_t now = bek_clock_us(), at = u->last_us + QUIET_MS * 1000ULL;
	return u->last_us && at > now ? (int)((at - now + 999) / 1000) : 0;
}

/* The ms until the next device's grace has passed, or -1 when none is waiting. */
static int unseen_next_ms(const struct unseen *u)
{
	uint64_t now = bek_clock_us(), next = UINT64_MAX;
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].dev && u->v[i].due_us < next)
			next = u->v[i].due_us;
	return next == UINT64_MAX ? -1 : next <= now ? 0 : (int)((next - now + 999) / 1000);
}

/* Reports the devices whose grace has passed; all: every one still waiting. */
static void unseen_report(struct unseen *u, bool all, const struct bek_wait_ops *ops, void *ud)
{
	uint64_t now = bek_clock_us();
	for (size_t i = 0; i < u->n; i++) {
		struct unseen_dev *e = &u->v[i];
		if (e->dev && (all || e->due_us <= now)) {
			const char *action = udev_device_get_action(e->dev);
			report_device(ops, ud, e->dev, action ? action : "change");
			e->dev = udev_device_unref(e->dev);
		}
	}
}

static void unseen_free(struct unseen *u)
{
	for (size_t i = 0; i < u->n; i++)
		udev_device_unref(u->v[i].dev);
	free(u->v);
}

/* Drops, unparsed, the kernel's pending messages that are no block device's
 * (bek_uevent_maybe_block()), up to the first that may be one or none is left: libudev
 * would parse each of a coldplug's hundreds into a device to find that out, a cost on
 * the CPU udev needs (one vCPU). A message larger than the buffer is left to libudev. */
#define UEVENT_PEEK 8192
static void drop_foreign(int fd)
{
	char buf[UEVENT_PEEK];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n <= 0 || bek_uevent_maybe_block(buf, (size_t)n))
			return;
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			return;
	}
}

/* Everything a monitor has ready; from the kernel's monitor only what bek_may_read()
 * allows ("remove" included: the device is gone whatever udev has yet to say). */
static void read_monitor(struct udev_monitor *mon, bool kernel, struct unseen *u, const struct bek_wait_ops *ops,
		  void *ud)
{
	struct udev_device *dev;
	for (;;) {
		if (kernel)
			drop_foreign(udev_monitor_get_fd(mon));
		if (!(dev = udev_monitor_receive_device(mon)))
			break;
		const char *action = udev_device_get_action(dev);
		dev_t d = udev_device_get_devnum(dev);
		if (!kernel) {
			unseen_del(u, d);
			report_device(ops, ud, dev, action ? action : "change");
		} else if (may_read(dev)) {
			bool removed = action && strcmp(action, "remove") == 0;
			if (removed)
				unseen_del(u, d);
			if (removed || !unseen_add(u, dev))
				report_device(ops, ud, dev, action ? action : "change");
		}
		udev_device_unref(dev);
	}
}

/* The marker of --settled-after: an inotify watch on its directory wakes the loop when it
 * is created. Returns the inotify fd, or -1 when there is no marker to wait for or the
 * directory cannot be watched (then the marker is looked for every MARKER_POLL_MS). */
#define MARKER_POLL_MS 200
static int watch_marker(const char *marker)
{
	char dir[PATH_MAX];
	const char *slash = marker ? strrchr(marker, '/') : NULL;
	if (!slash || (size_t)(slash - marker) >= sizeof(dir))
		return -1;
	memcpy(dir, marker, (size_t)(slash - marker));
	dir[slash - marker] = '\0';
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd >= 0 && inotify_add_watch(fd, dir[0] ? dir : "/", IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
		bek_log_errno(LOG_WARNING, -errno, "Failed to watch %s for the coldplug marker, looking for it "
			      "every %d ms instead: %m", dir[0] ? dir : "/", MARKER_POLL_MS);
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool marker_seen(const char *marker, int ifd)
{
	if (ifd >= 0) {
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
	}
	return access(marker, F_OK) == 0;
}

static int watch_devices(struct udev *udev, struct udev_monitor *mon, struct udev_monitor *kmon,
			 unsigned timeout_ms, const char *settled_after, const struct bek_wait_ops *ops, void *ud,
			 struct bek_activity *act)
{
	errno = 0;
	struct udev_queue *queue = udev_queue_new(udev);
	int timer = -1, r;

	/* Without udev's queue, settling cannot be known: a failure, not "done". */
	if (!queue) {
		r = errno > 0 ? -errno : -ENOMEM;
		goto out;
	}
	timer = bek_timerfd(timeout_ms);
	r = timer < 0 ? timer : 0;
	if (r < 0)
		goto out;
	/* The queue's inotify fd wakes us when udev's queue drains; without it we
	 * still notice settling whenever a device event arrives. */
	int qfd = udev_queue_get_fd(queue);
	int ifd = settled_after ? watch_marker(settled_after) : -1;
	bool triggered = !settled_after || marker_seen(settled_after, ifd);
	struct pollfd fds[5] = {
		{ .fd = udev_monitor_get_fd(mon), .events = POLLIN },
		{ .fd = timer, .events = POLLIN },
		{ .fd = kmon ? udev_monitor_get_fd(kmon) : -1, .events = POLLIN },
		{ .fd = qfd, .events = POLLIN },
		{ .fd = triggered ? -1 : ifd, .events = POLLIN },
	};
	struct unseen u = { 0 };
	r = enumerate(udev, ops, ud);
	while (r >= 0 && !ops->done(ud, triggered && udev_queue_get_queue_is_empty(queue) &&
					 (u.n == 0 || u.overflow), triggered && quiet_in_ms(&u) == 0)) {
		if (ops->rescan && ops->rescan(ud)) {
			r = enumerate(udev, ops, ud);
			continue;
		}
		bek_activity_idle(act);
		uint64_t t = bek_clock_us();
		/* A negative fd is ignored. */
		int due = unseen_next_ms(&u), wait_ms = triggered || ifd >= 0 ? -1 : MARKER_POLL_MS;
		if (due >= 0 && (wait_ms < 0 || due < wait_ms))
			wait_ms = due;
		int quiet = ops->wants_quiet ? quiet_in_ms(&u) : 0;
		if (quiet > 0 && (wait_ms < 0 || quiet < wait_ms))
			wait_ms = quiet;
		int n = poll(fds, 5, wait_ms);
		bek_timing_add(BEK_T_UDEV_WAIT, t);
		if (n < 0) {
			r = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (fds[1].revents) {
			r = -ETIMEDOUT;
			break;
		}
		if (!triggered && (fds[4].revents || ifd < 0) && marker_seen(settled_after, ifd)) {
			triggered = true;
			fds[4].fd = -1;
		}
		if (fds[3].revents)
			udev_queue_flush(queue);
		if (fds[2].revents)
			read_monitor(kmon, true, &u, ops, ud);
		if (fds[0].revents)
			read_monitor(mon, false, &u, ops, ud);
		unseen_report(&u, ops->hurry && ops->hurry(ud), ops, ud);
	}
	unseen_free(&u);
	if (ifd >= 0)
		close(ifd);
out:
	if (timer >= 0)
		close(timer);
	udev_queue_unref(queue);
	return r;
}

/* A receiving monitor of block devices' events from source "udev" (processed: the device
 * is set up) or "kernel" (as announced), or NULL with *err set. */
static struct udev_monitor *block_monitor(struct udev *udev, const char *source, int *err)
{
	struct udev_monitor *m = udev_monitor_new_from_netlink(udev, source);
	int r = m ? udev_monitor_filter_add_match_subsystem_devtype(m, "block", NULL) : -ENOMEM;
	if (r >= 0)
		r = udev_monitor_enable_receiving(m);
	if (r < 0) {
		udev_monitor_unref(m);
		*err = r;
		return NULL;
	}
	(void)udev_monitor_set_receive_buffer_size(m, MONITOR_BUFFER);
	return m;
}

int bek_wait_run(unsigned timeout_ms, const char *settled_after, const struct bek_wait_ops *ops, void *ud,
		 struct bek_activity *act)
{
	struct udev *udev = udev_new();
	struct udev_monitor *mon = NULL, *kmon = NULL;
	int r = -ENOMEM, ignored;

	if (!udev || !(mon = block_monitor(udev, "udev", &r)))
		goto out;
	/* The kernel's events only make a device known sooner: without them (no monitor,
	 * or a lost event: the buffer overran) udev's event still comes. */
	kmon = block_monitor(udev, "kernel", &ignored);
	r = watch_devices(udev, mon, kmon, timeout_ms, settled_after, ops, ud, act);
out:
	if (r < 0 && r != -ETIMEDOUT)
		bek_log_errno(LOG_ERR, r, "Failed to watch block devices through udev: %m");
	udev_monitor_unref(kmon);
	udev_monitor_unref(mon);
	udev_unref(udev);
	return r;
}
