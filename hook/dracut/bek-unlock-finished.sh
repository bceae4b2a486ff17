#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# initqueue/finished hook (bek-unlock, dracut without systemd): the initqueue loop does not
# end while bek-unlock is still running (it ends by itself within
# rd.bek.timeout + 5 s), so that it never runs on past switch_root.
# shellcheck disable=SC1091,SC2154   # the lib is in the image; $job is the loop's
type bek_unlock_running > /dev/null 2>&1 || . /lib/bek-unlock-lib.sh
! bek_unlock_running
