#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# initqueue job (bek-unlock, dracut without systemd), sourced once by the initqueue loop,
# in its first pass: udev's coldplug has been triggered (and has settled once). Tells
# bek-unlock, started at pre-trigger (bek-unlock-start.sh), that an empty udev queue now
# means settled.
# shellcheck disable=SC2154   # $job is the loop's
[ -e "$job" ] && rm -f -- "$job"
[ -d /run/bek-unlock ] && : > /run/bek-unlock/triggered
