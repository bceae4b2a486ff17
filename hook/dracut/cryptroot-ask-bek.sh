#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /sbin/cryptroot-ask in a dracut initramfs without systemd, installed by bek-unlock's
# module in front of dracut's own (moved to /sbin/cryptroot-ask.dracut). dracut queues
# cryptroot-ask as an initqueue job, and the loop runs its jobs one after another: a job
# that waited would stall every other one (the LVM scan that makes a LUKS device appear,
# udev settling). So while bek-unlock may still open a volume, this queues itself again
# (run at the loop's next pass) and returns at once; once bek-unlock has ended, dracut's
# cryptroot-ask runs as ever: it exits if /dev/mapper/NAME is open, else it prompts.
# Once bek-unlock has ended (its exit code is in its lock file, the library's
# bek_glue_running), dracut's runs without the library read first (12 KB of shell: 0.07 s
# under TCG, on every boot that prompts).
[ -s "${BEK_GLUE_RUN:-/run/bek-unlock}/running" ] && exec "$0.dracut" "$@"
# shellcheck disable=SC1091   # in the image
. /usr/lib/bek-unlock/bek-unlock-glue.sh
if bek_glue_running; then
    initqueue --settled --onetime --unique --name "cryptroot-ask-${1##*/}" "$0" "$@"
    exit 0
fi
exec "$0.dracut" "$@"
