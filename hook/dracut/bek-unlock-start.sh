#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pre-trigger hook (bek-unlock, dracut without systemd): udevd runs, coldplug is next.
# Starts bek-unlock in the background now, so that it sees each disk as the kernel
# announces it; it does not take an empty udev queue for "settled" until the initqueue's
# first pass (after the trigger) has created /run/bek-unlock/triggered (bek-unlock-job.sh).
# The unlock path's kernel modules are bek-unlock's to load, once the boot turns out to
# be a BEK boot (/etc/bek-unlock/preload).
# The start itself is the glue library's (shared with initramfs-tools); rd.bek.timeout
# is read from /etc/cmdline.d and the kernel command line by the library's shell
# built-ins, as bek-unlock reads it (dracut's getarg would run dracut-getarg: one more
# program before the coldplug, on every boot).
# shellcheck disable=SC1091   # the library is in the image
type bek_glue_start > /dev/null 2>&1 || . /usr/lib/bek-unlock/bek-unlock-glue.sh
bek_glue_start dracut "$(bek_glue_cmdline_arg rd.bek.timeout)"
