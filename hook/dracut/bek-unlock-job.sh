#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# initqueue job (bek-unlock, dracut without systemd), sourced once by the initqueue loop,
# in its first pass: udev's coldplug has been triggered (and has settled once). Tells
# bek-unlock, started at pre-trigger (bek-unlock-start.sh), that an empty udev queue now
# means settled.
# shellcheck disable=SC1091,SC2154   # the library is in the image; $job is the loop's
type bek_glue_triggered > /dev/null 2>&1 || . /usr/lib/bek-unlock/bek-unlock-glue.sh
[ -e "$job" ] && rm -f -- "$job"
bek_glue_triggered
