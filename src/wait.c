#include "wait.h"

#include <errno.h>
#include <libudev.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"
#include "timing.h"

#define MONITOR_BUFFER (4 * 1024 * 1024)

static bool worth_probing(struct udev_device *dev)
{
	const char *size = udev_device_get_sysattr_value(dev, "size");
	const char *node = udev_device_get_devnode(dev);
	/* Empty devices (loop, ram, CD drives without media) and floppies, whose
	 * probing can stall for seconds, never hold a BEK volume. */
	return node && strncmp(node, "/dev/fd", 7) != 0 && !(size && strcmp(size, "0") == 0);
}

static void report(const struct bek_wait_ops *ops, void *ud, struct udev_device *dev, const char *action)
{
	const char *node = udev_device_get_devnode(dev);
	struct bek_probe found;
	bool removed = strcmp(action, "remove") == 0;

	if (!node || (!removed && !worth_probing(dev)))
		return;
	/* udev has already read the device (its blkid builtin): no need to read it again. */
	uint64_t t = bek_clock_us();
	bool known = !removed && bek_probe_udev(dev, &found) == 0;
	bek_timing_add(BEK_T_PROBE, t);
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
			report(ops, ud, dev, "enumerate");
			udev_device_unref(dev);
		}
	}
	udev_enumerate_unref(e);
	return 0;
}

static int run(struct udev *udev, struct udev_monitor *mon, unsigned timeout_ms,
	       const struct bek_wait_ops *ops, void *ud)
{
	struct udev_queue *queue = udev_queue_new(udev);
	int timer = bek_timerfd(timeout_ms);
	int r = timer;

	if (!queue || timer < 0)
		goto out;
	/* The queue's inotify fd wakes us when udev's queue drains; without it we
	 * still notice settling whenever a device event arrives. */
	int qfd = udev_queue_get_fd(queue);
	struct pollfd fds[3] = {
		{ .fd = udev_monitor_get_fd(mon), .events = POLLIN },
		{ .fd = timer, .events = POLLIN },
		{ .fd = qfd, .events = POLLIN },
	};
	r = enumerate(udev, ops, ud);
	while (r >= 0 && !ops->done(ud, udev_queue_get_queue_is_empty(queue))) {
		if (ops->rescan && ops->rescan(ud)) {
			r = enumerate(udev, ops, ud);
			continue;
		}
		bek_activity_idle();
		uint64_t t = bek_clock_us();
		int n = poll(fds, qfd >= 0 ? 3 : 2, -1);
		bek_timing_add(BEK_T_UDEV_WAIT, t);
		if (n < 0) {
			r = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (fds[1].revents) {
			r = -ETIMEDOUT;
			break;
		}
		if (fds[2].revents)
			udev_queue_flush(queue);
		if (fds[0].revents) {
			struct udev_device *dev;
			while ((dev = udev_monitor_receive_device(mon))) {
				const char *action = udev_device_get_action(dev);
				report(ops, ud, dev, action ? action : "change");
				udev_device_unref(dev);
			}
		}
	}
out:
	if (timer >= 0)
		close(timer);
	udev_queue_unref(queue);
	return r;
}

int bek_wait_run(unsigned timeout_ms, const struct bek_wait_ops *ops, void *ud)
{
	struct udev *udev = udev_new();
	struct udev_monitor *mon = udev ? udev_monitor_new_from_netlink(udev, "udev") : NULL;
	int r = -ENOMEM;

	if (!mon)
		goto out;
	/* Only udev's processed events: their devices are fully set up. */
	if ((r = udev_monitor_filter_add_match_subsystem_devtype(mon, "block", NULL)) < 0 ||
	    (r = udev_monitor_enable_receiving(mon)) < 0)
		goto out;
	(void)udev_monitor_set_receive_buffer_size(mon, MONITOR_BUFFER);
	r = run(udev, mon, timeout_ms, ops, ud);
out:
	if (r < 0 && r != -ETIMEDOUT)
		bek_log_errno(LOG_ERR, r, "Failed to watch block devices through udev: %m");
	udev_monitor_unref(mon);
	udev_unref(udev);
	return r;
}
