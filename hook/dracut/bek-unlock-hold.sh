#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# initqueue/settled job (bek-unlock, dracut without systemd), sourced by the initqueue loop
# at every pass while bek-unlock runs. The time bek-unlock may take (rd.bek.timeout) does
# not count towards rd.retry: the loop's counter starts again once bek-unlock has ended,
# so a long rd.bek.timeout never ends in the emergency shell. Then it queues the prompts
# for the ADE volumes left closed, and removes itself.
# shellcheck disable=SC1091,SC2154   # the lib is in the image; $job is the loop's
type bek_unlock_running > /dev/null 2>&1 || . /lib/bek-unlock-lib.sh
if bek_unlock_running; then
    # shellcheck disable=SC2034   # the initqueue loop's counter (99base/init.sh)
    main_loop=0
else
    rm -f -- "$job"
    bek_unlock_queue_prompts
fi
