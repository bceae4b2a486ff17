// SPDX-License-Identifier: GPL-2.0-or-later
/* Waiting for block devices: one poll() loop over two libudev monitors (udev's processed
 * events and the kernel's own, both started before the existing devices are enumerated,
 * so none is missed), udev's queue (to know when udev has settled), an inotify watch for
 * the --settled-after marker and a timerfd for the deadline. A disk the kernel has
 * announced is read on that event if udev has not reported it 100 ms later (at once when
 * ops->hurry() says so), if bek_may_read() allows. No sleeping; no polling, but for the
 * marker every 200 ms when its directory cannot be watched. */
#ifndef BEK_WAIT_H
#define BEK_WAIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "deadline.h"
#include "probe.h"

struct bek_wait_ops {
	/* A block device is present (action "add" or "change"; "enumerate" for devices
	 * that were there at start) or gone ("remove"). found: what udev's own probe
	 * found on it, or NULL when udev has not said (the callee probes it). */
	void (*device)(void *ud, const char *action, const char *devnode, dev_t devnum,
		       const struct bek_probe *found);
	/* Asked after each batch of devices: true ends the wait. settled is true while
	 * udev has no event queued; quiet while every disk the kernel has announced has
	 * been reported, the last one at least 1 s ago (udev may still be busy). */
	bool (*done)(void *ud, bool settled, bool quiet);
	/* Asked after done(): true has every present device reported again ("enumerate"),
	 * for devices that did not matter before. May be NULL. */
	bool (*rescan)(void *ud);
	/* True: a disk the kernel has announced is read now, not after its grace for
	 * udev's event (something already waits for it). May be NULL. */
	bool (*hurry)(void *ud);
	/* True: done() is to be asked again as soon as quiet turns true. */
	bool wants_quiet;
};

/* Whether bek-unlock may read a block device (sysname "vda1", sysfs size in sectors or
 * NULL) that udev has not probed: not empty ones, nor device-mapper, MD, CD or floppy
 * devices, which only udev's probe may describe. One rule for every path a device is
 * reported by (those present at start, udev's events, the kernel's). */
bool bek_may_read(const char *sysname, const char *size);

/* Returns 0 when done() said so, -ETIMEDOUT at the deadline, or a negative errno
 * when udev cannot be watched (its queue included: then settling cannot be known), said
 * once here. act: the deadline's record, told when the wait is idle. settled_after: NULL, or an absolute path that the
 * glue creates once udev's coldplug has been triggered: until it exists, an empty udev
 * queue does not mean settled (bek-unlock started before the trigger, to see the disks
 * as the kernel announces them). */
int bek_wait_run(unsigned timeout_ms, const char *settled_after, const struct bek_wait_ops *ops, void *ud,
		 struct bek_activity *act);

#endif
