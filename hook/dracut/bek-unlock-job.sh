#!/bin/sh
# initqueue job (bek-unlock, dracut without systemd), sourced once by the initqueue loop,
# in its first pass, before the settled jobs: starts bek-unlock in the background.
# shellcheck disable=SC1091,SC2154   # the lib is in the image; $job is the loop's
[ -e "$job" ] && rm -f -- "$job"
type bek_unlock_start > /dev/null 2>&1 || . /lib/bek-unlock-lib.sh
bek_unlock_start
