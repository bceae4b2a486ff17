#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pre-trigger hook (bek-unlock, dracut without systemd): udevd runs, coldplug is next.
# Starts bek-unlock in the background now, so that it sees each disk as the kernel
# announces it; it does not take an empty udev queue for "settled" until the initqueue's
# first pass (after the trigger) has created /run/bek-unlock/triggered (bek-unlock-job.sh).
# Loads the unlock path's kernel modules in the background as well, while udev coldplugs
# (what systemd-modules-load does with the same list in a systemd image).
# The start itself is the glue library's (shared with initramfs-tools); rd.bek.timeout
# comes from dracut's getarg (/etc/cmdline.d and the kernel command line).
# shellcheck disable=SC1091   # the library is in the image
type bek_glue_start > /dev/null 2>&1 || . /usr/lib/bek-unlock/bek-unlock-glue.sh
if [ -r /etc/modules-load.d/bek-unlock.conf ]; then
    # shellcheck disable=SC2046   # one module name per line
    modprobe -a -q $(cat /etc/modules-load.d/bek-unlock.conf) < /dev/null > /dev/null 2>&1 &
fi
bek_glue_start dracut "$(getarg rd.bek.timeout)"
