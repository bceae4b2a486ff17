#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC3043   # local: dash, bash and busybox sh have it, as dracut assumes
# bek-unlock in a dracut initramfs without systemd: the state shared by its hooks.
# Sourced by the hooks (in the initqueue loop's own shell, or in a subshell) and by the
# cryptroot-ask wrapper. bek-unlock runs in the background, started by the pre-trigger
# hook; these files say where it is:
#   /run/bek-unlock/triggered  written by the initqueue's first pass: coldplug triggered
#   /run/bek-unlock/until    uptime (s) by which it has ended whatever happens: its own
#                            hard deadline (rd.bek.timeout + 5 s) plus a margin
#   /run/bek-unlock/pid      the shell that waits for it and writes
#   /run/bek-unlock/rc       its exit code, once it has ended
BEK_RUN=/run/bek-unlock

# True while bek-unlock may still open a volume: started and not ended, never past the bound.
bek_unlock_running() {
    local now until pid state
    [ -e "$BEK_RUN/until" ] || return 1
    [ -e "$BEK_RUN/rc" ] && return 1
    read -r now _ < /proc/uptime
    read -r until < "$BEK_RUN/until"
    [ "${now%%.*}" -lt "${until:-0}" ] || return 1
    if [ -r "$BEK_RUN/pid" ]; then
        read -r pid < "$BEK_RUN/pid"
        [ -r "/proc/$pid/stat" ] || return 1
        read -r _ _ state _ < "/proc/$pid/stat"
        [ "$state" != Z ] || return 1
    fi
    return 0
}

# Starts "bek-unlock boot" detached, stdio on /dev/null (it logs to /dev/kmsg itself), and
# returns at once. Called by the pre-trigger hook, in init's shell (getarg is there).
bek_unlock_start() {
    local t now
    t=$(getarg rd.bek.timeout)
    case $t in
        '') t=30 ;;
        *[!0-9]*) t=600 ;;      # rejected by bek-unlock; only the bound uses it
    esac
    while :; do case $t in 0?*) t=${t#0} ;; *) break ;; esac; done   # not octal below
    [ "$t" -le 600 ] 2> /dev/null || t=600
    read -r now _ < /proc/uptime
    mkdir -p "$BEK_RUN"
    # bek-unlock stops itself at rd.bek.timeout + 5 s; 20 s more for starting under load.
    echo $((${now%%.*} + t + 25)) > "$BEK_RUN/until"
    echo "<30>dracut: Starting bek-unlock in the background (rd.bek.timeout=$t s)" > /dev/kmsg
    if command -v setsid > /dev/null; then
        setsid /bin/sh -c '/usr/sbin/bek-unlock boot --settled-after /run/bek-unlock/triggered; echo $? > /run/bek-unlock/rc' \
            < /dev/null > /dev/null 2>&1 &
    else
        /bin/sh -c '/usr/sbin/bek-unlock boot --settled-after /run/bek-unlock/triggered; echo $? > /run/bek-unlock/rc' \
            < /dev/null > /dev/null 2>&1 &
    fi
    echo $! > "$BEK_RUN/pid"
}

# Once bek-unlock has ended: the ADE crypttab entries it carries are named by no
# rd.luks.* option, so no udev rule of dracut's crypt module queues cryptroot-ask for
# them. Queue it for each one that is not open and whose device is there, as the
# systemd image's crypttab would ask (cryptroot-ask finds the entry in /etc/crypttab,
# with header= pointing at the copy, and exits if the volume is open meanwhile).
bek_unlock_queue_prompts() {
    local name dev _rest
    [ -r /etc/bek-unlock/crypttab ] || return 0
    while read -r name dev _rest || [ -n "$name" ]; do
        case $name in '' | \#*) continue ;; esac
        [ -b "/dev/mapper/$name" ] && continue
        case $dev in
            UUID=*) dev=/dev/disk/by-uuid/${dev#UUID=} ;;
            PARTUUID=*) dev=/dev/disk/by-partuuid/${dev#PARTUUID=} ;;
        esac
        [ -b "$dev" ] || continue
        initqueue --settled --onetime --unique --name "cryptroot-ask-bek-$name" \
            "$(command -v cryptroot-ask)" "$dev" "$name"
    done < /etc/bek-unlock/crypttab
}
