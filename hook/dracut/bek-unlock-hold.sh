#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# initqueue/settled job (bek-unlock, dracut without systemd), sourced by the initqueue loop
# at every pass while bek-unlock runs, first of the settled jobs (00). udev has settled
# since the coldplug, which is when bek-unlock gives a volume without its BEK disk up to
# the prompt: it waits up to 1 s for bek-unlock to end (its lock, no polling), so that
# dracut's cryptroot-ask jobs later in this same pass find it ended and prompt now, not
# one pass (0.5 s of the loop's sleep, and more) later; a pass while bek-unlock has
# longer to go (a key derivation, a device a later job brings) takes 1 s more.
# The time bek-unlock may take (rd.bek.timeout) does not count towards rd.retry: the
# loop's counter starts again while bek-unlock runs, so a long rd.bek.timeout never ends
# in the emergency shell. Once it has ended, this queues the prompts for the ADE volumes
# left closed, and removes itself.
# shellcheck disable=SC1091,SC2154   # the library is in the image; $job is the loop's
# shellcheck disable=SC3043   # local: dash, bash and busybox sh have it, as dracut assumes
type bek_glue_running > /dev/null 2>&1 || . /usr/lib/bek-unlock/bek-unlock-glue.sh

# Once bek-unlock has ended: the ADE crypttab entries it carries are named by no
# rd.luks.* option, so no udev rule of dracut's crypt module queues cryptroot-ask for
# them. Queue it for each one that is not open and whose device is there, as the
# systemd image's crypttab would ask. The source is any form crypttab allows (UUID=,
# PARTUUID=, LABEL=, PARTLABEL=, ID=, a path), mapped to its /dev/disk link as dracut
# does; cryptroot-ask finds the entry in /etc/crypttab (header= pointing at the copy;
# module-setup.sh writes that entry with the same device path) and exits if the volume
# is open meanwhile.
bek_dracut_queue_prompts() {
    local name src dev _rest
    [ -r /etc/bek-unlock/crypttab ] || return 0
    while read -r name src _rest || [ -n "$name" ]; do
        case $name in '' | \#*) continue ;; esac
        [ -b "/dev/mapper/$name" ] && continue
        dev=$(bek_glue_source_dev "$src")
        [ -b "$dev" ] || continue
        initqueue --settled --onetime --unique --name "cryptroot-ask-bek-$name" \
            "$(command -v cryptroot-ask)" "$dev" "$name"
    done < /etc/bek-unlock/crypttab
}

if ! bek_glue_await 1; then
    # shellcheck disable=SC2034   # the initqueue loop's counter (99base/init.sh)
    main_loop=0
else
    rm -f -- "$job"
    bek_dracut_queue_prompts
fi
