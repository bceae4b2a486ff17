#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# initqueue/finished hook (bek-unlock, dracut without systemd): the initqueue loop does not
# end while bek-unlock is still running (it ends by itself within
# rd.bek.timeout + 5 s), so that it never runs on past switch_root.
# shellcheck disable=SC1091   # the library is in the image
type bek_glue_running > /dev/null 2>&1 || . /usr/lib/bek-unlock/bek-unlock-glue.sh
! bek_glue_running
