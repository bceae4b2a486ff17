# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC3043   # local: dash, bash and busybox sh have it, as dracut assumes
#
# bek-unlock's glue, shared by its two initramfs worlds: dracut (the module's build-time
# module-setup.sh and, without systemd, its boot-time hooks) and initramfs-tools (the
# build-time hook and the boot scripts). One file, installed once
# (/usr/lib/bek-unlock/bek-unlock-glue.sh), sourced by both build-time hooks from there and
# copied by both into the image at the same path, where the boot scripts source it.
# POSIX sh (dash, busybox sh, bash); the boot-time functions use shell built-ins, read,
# mkdir, rm, sleep and, where the image has it, flock only (an initramfs-tools image may have
# klibc's tools, no sed).
# Nothing here knows a world's idioms: the caller passes what its world has (at boot both
# read rd.bek.timeout with bek_glue_cmdline_arg) and provides the callbacks
# bek_glue_carry_ade calls. Every function is prefixed bek_glue_ and keeps its variables
# local: dracut sources its hooks into init's own shell.
#
# At boot, bek-unlock runs in the background; these files say where it is:
#   $BEK_GLUE_RUN/triggered  udev's coldplug has been triggered (and has settled once):
#                            bek-unlock may take an empty udev queue for "settled"
#   $BEK_GLUE_RUN/until      uptime (s) by which it has ended whatever happens: its own
#                            hard deadline (rd.bek.timeout + 5 s) plus a margin
#   $BEK_GLUE_RUN/pid        the shell that waits for it and writes
#   $BEK_GLUE_RUN/rc         its exit code, once it has ended
#   $BEK_GLUE_RUN/running    created empty by bek-unlock, already locked (flock), held
#                            until its last process has ended; it writes its exit code
#                            into it as it ends: a waiter blocks on it (flock -s -w)
#                            instead of polling, and finds the code there at once
# The paths can be moved for the unit tests (tests/glue.sh), never at boot.
: "${BEK_GLUE_RUN:=/run/bek-unlock}"
: "${BEK_GLUE_BIN:=/usr/sbin/bek-unlock}"
: "${BEK_GLUE_PROC:=/proc}"
: "${BEK_GLUE_KMSG:=/dev/kmsg}"
: "${BEK_GLUE_CMDLINE_D:=/etc/cmdline.d}"
# Where the library is, at build time and in the image.
# shellcheck disable=SC2034   # used by the worlds that source this
BEK_GLUE_PATH=/usr/lib/bek-unlock/bek-unlock-glue.sh

# ---- boot time --------------------------------------------------------------------------

# bek_glue_cmdline_arg NAME: the value of NAME= on the kernel command line, with shell
# built-ins only (dracut's getarg runs a program): /etc/cmdline.d/*.conf first, then
# /proc/cmdline, the last one winning (as bek-unlock reads them, src/config.c, and as
# getarg does). Empty if absent.
bek_glue_cmdline_arg() {
    local name="$1" f line arg val='' glob=''
    case $- in *f*) ;; *) glob=1 ;; esac
    for f in "$BEK_GLUE_CMDLINE_D"/*.conf "$BEK_GLUE_PROC/cmdline"; do
        [ -r "$f" ] || continue
        while read -r line || [ -n "$line" ]; do
            set -f
            # shellcheck disable=SC2086   # the words of the command line
            set -- $line
            [ -z "$glob" ] || set +f
            for arg; do
                case $arg in "$name"=*) val=${arg#"$name"=} ;; esac
            done
        done < "$f"
    done
    printf '%s\n' "$val"
}

# bek_glue_timeout VALUE: the rd.bek.timeout bound in seconds from the option's raw value
# (empty: the default, 30). A value bek-unlock rejects counts as its maximum, 600, for the
# bound only (bek-unlock says why it rejects it); leading zeros are not octal.
bek_glue_timeout() {
    local t="$1"
    case $t in
        '') t=30 ;;
        *[!0-9]*) t=600 ;;
    esac
    while :; do case $t in 0?*) t=${t#0} ;; *) break ;; esac; done
    [ "${#t}" -le 3 ] && [ "$t" -le 600 ] || t=600
    echo "$t"
}

# bek_glue_uptime: whole seconds since boot.
bek_glue_uptime() {
    local now _rest
    read -r now _rest < "$BEK_GLUE_PROC/uptime"
    echo "${now%%.*}"
}

# bek_glue_start TAG TIMEOUT: starts "bek-unlock boot" in the background, stdio on
# /dev/null (it logs to /dev/kmsg itself; with --settled-after it puts itself in a
# session of its own, away from the console's signals), and returns at once.
# TAG names the world on the console line; TIMEOUT is rd.bek.timeout's raw value, as the
# caller's world reads it.
bek_glue_start() {
    local tag="$1" t until
    t=$(bek_glue_timeout "$2")
    # bek-unlock stops itself at rd.bek.timeout + 5 s; 20 s more for starting under load.
    until=$(($(bek_glue_uptime) + t + 25))
    # Each program run costs tens of ms of the one CPU udev's coldplug needs (TCG): only
    # what is needed (a first start finds neither the directory nor old files).
    [ -d "$BEK_GLUE_RUN" ] || mkdir -p "$BEK_GLUE_RUN"
    if [ -e "$BEK_GLUE_RUN/rc" ] || [ -e "$BEK_GLUE_RUN/pid" ] || [ -e "$BEK_GLUE_RUN/running" ]; then
        rm -f "$BEK_GLUE_RUN/rc" "$BEK_GLUE_RUN/pid" "$BEK_GLUE_RUN/running"
    fi
    echo "$until" > "$BEK_GLUE_RUN/until"
    # To the kernel's log (hence the console) with its timestamp, as bek-unlock's own lines.
    echo "<30>$tag: Starting bek-unlock in the background (rd.bek.timeout=$t s)" > "$BEK_GLUE_KMSG"
    # A subshell waits for it and writes its exit code: no program to run for that
    # (setsid and sh -c were two, before the coldplug, on every boot).
    (
        "$BEK_GLUE_BIN" boot --settled-after "$BEK_GLUE_RUN/triggered" --lock "$BEK_GLUE_RUN/running"
        echo $? > "$BEK_GLUE_RUN/rc"
    ) < /dev/null > /dev/null 2>&1 &
    echo $! > "$BEK_GLUE_RUN/pid"
}

# bek_glue_triggered: tells bek-unlock that udev's coldplug has been triggered.
bek_glue_triggered() {
    [ -d "$BEK_GLUE_RUN" ] && : > "$BEK_GLUE_RUN/triggered"
    return 0
}

# bek_glue_running: true while bek-unlock may still open a volume: started and not ended
# (no exit code, neither from its shell nor in its lock file; its shell neither gone nor a
# zombie), never past the bound.
bek_glue_running() {
    local until pid state _a _b _rest
    [ -e "$BEK_GLUE_RUN/until" ] || return 1
    [ -e "$BEK_GLUE_RUN/rc" ] && return 1
    [ -s "$BEK_GLUE_RUN/running" ] && return 1
    read -r until < "$BEK_GLUE_RUN/until" || [ -n "$until" ] || return 1
    case $until in '' | *[!0-9]*) return 1 ;; esac
    [ "$(bek_glue_uptime)" -lt "$until" ] || return 1
    if [ -r "$BEK_GLUE_RUN/pid" ]; then
        read -r pid < "$BEK_GLUE_RUN/pid" || [ -n "$pid" ] || return 1
        case $pid in '' | *[!0-9]*) return 1 ;; esac
        [ -r "$BEK_GLUE_PROC/$pid/stat" ] || return 1
        # pid (comm) state ...: comm may hold spaces, the state follows the last ")".
        read -r state < "$BEK_GLUE_PROC/$pid/stat" || [ -n "$state" ] || return 1
        state=${state##*) }
        [ "${state%% *}" != Z ] || return 1
    fi
    return 0
}

# bek_glue_await SECONDS: true once bek-unlock has ended, waiting up to SECONDS (a
# decimal, as flock -w takes it) on its lock for that; false while it still runs. One
# program (flock), no polling; false at once where the lock or flock is missing.
bek_glue_await() {
    bek_glue_running || return 0
    [ -e "$BEK_GLUE_RUN/running" ] && command -v flock > /dev/null 2>&1 || return 1
    flock -s -w "$1" 9 9< "$BEK_GLUE_RUN/running" 2> /dev/null || return 1
    ! bek_glue_running
}

# bek_glue_wait: waits while bek-unlock runs (bounded by bek_glue_running's bound), then
# prints what it returned ("exited N") or that it did not end within its bound.
bek_glue_wait() {
    local rc
    while bek_glue_running; do bek_glue_await 1 || sleep 0.1; done
    if { [ -r "$BEK_GLUE_RUN/rc" ] && read -r rc < "$BEK_GLUE_RUN/rc"; } ||
        { [ -s "$BEK_GLUE_RUN/running" ] && read -r rc < "$BEK_GLUE_RUN/running"; }; then
        echo "exited $rc"
    else
        echo "has not ended within its bound; going on"
    fi
}

# bek_glue_label_escape TEXT: a label as udev's /dev/disk/by-label and by-partlabel links
# spell it, as dracut's label_uuid_to_dev does ("/" and " " as \x2f and \x20).
bek_glue_label_escape() {
    local s="$1" out='' c
    while [ -n "$s" ]; do
        c=${s%"${s#?}"}
        s=${s#?}
        case $c in
            /) out="$out\\x2f" ;;
            ' ') out="$out\\x20" ;;
            *) out=$out$c ;;
        esac
    done
    printf '%s\n' "$out"
}

# bek_glue_source_dev SOURCE: the device node path of a crypttab source, as udev names it:
# UUID=, PARTUUID=, LABEL=, PARTLABEL= (dracut's label_uuid_to_dev), ID= (dracut's
# cryptroot-ask: /dev/disk/by-id); a path (/dev/sdX, /dev/disk/by-path/...) as it is.
bek_glue_source_dev() {
    case $1 in
        UUID=*) echo "/dev/disk/by-uuid/${1#UUID=}" ;;
        PARTUUID=*) echo "/dev/disk/by-partuuid/${1#PARTUUID=}" ;;
        LABEL=*) echo "/dev/disk/by-label/$(bek_glue_label_escape "${1#LABEL=}")" ;;
        PARTLABEL=*) echo "/dev/disk/by-partlabel/$(bek_glue_label_escape "${1#PARTLABEL=}")" ;;
        ID=*) echo "/dev/disk/by-id/${1#ID=}" ;;
        *) printf '%s\n' "$1" ;;
    esac
}

# ---- crypttab ---------------------------------------------------------------------------

# bek_glue_option NAME OPTIONS: the value of the first NAME= in a comma-separated list.
bek_glue_option() {
    local rest="$2," o
    while [ -n "$rest" ]; do
        o=${rest%%,*}
        rest=${rest#*,}
        case $o in "$1"=*) printf '%s\n' "${o#"$1"=}"; return 0 ;; esac
    done
    return 1
}

# bek_glue_opts_drop OPTIONS PATTERN...: OPTIONS without the options matching any of the
# shell patterns (e.g. 'header=*' 'x-bek-*'), in their order; empty options dropped.
bek_glue_opts_drop() {
    local rest="$1," out='' o p keep
    shift
    while [ -n "$rest" ]; do
        o=${rest%%,*}
        rest=${rest#*,}
        [ -n "$o" ] || continue
        keep=1
        for p; do
            # shellcheck disable=SC2254   # p is a pattern
            case $o in $p) keep=0 ;; esac
        done
        [ "$keep" = 0 ] || out=${out:+$out,}$o
    done
    printf '%s\n' "$out"
}

# bek_glue_is_ade KEY OPTIONS: is this crypttab entry Azure Disk Encryption's (its key on
# the BEK disk, or ADE's own keyscript on Ubuntu 16.04/18.04)?
bek_glue_is_ade() {
    case $1 in
        /mnt/azure_bek_disk/*) return 0 ;;
        none | -) case $2 in *keyscript=*azure*) return 0 ;; esac ;;
    esac
    return 1
}

# ---- build time -------------------------------------------------------------------------

# bek_glue_root_source [MOUNTPOINT]: the device under the root filesystem (default /), as
# findmnt shows it but without btrfs's "[/subvolume]" (util-linux before 2.33 has no
# --nofsroot; SUSE and Fedora roots are subvolumes).
bek_glue_root_source() {
    local root
    root=$(findmnt -n -o SOURCE "${1:-/}") || return 1
    root=${root%%\[*}
    [ -n "$root" ] || return 1
    printf '%s\n' "$root"
}

# bek_glue_needed_for_root NAME [MOUNTPOINT]: is /dev/mapper/NAME part of the device stack
# under the root filesystem? True when the root cannot be found (carry rather than lose).
bek_glue_needed_for_root() {
    local root
    root=$(bek_glue_root_source "${2:-/}") || return 0
    lsblk -n -r -s -o NAME "$root" 2> /dev/null | grep -qxF -- "$1"
}

# bek_glue_header_modules FILE: the kernel modules that mount the filesystem holding FILE
# (a detached header on /boot: ext4 or xfs; both when it cannot be told).
bek_glue_header_modules() {
    case $(findmnt -n -o FSTYPE -T "$1" 2> /dev/null) in
        ext[234]) echo ext4 ;;
        xfs) echo xfs ;;
        *) echo ext4 xfs ;;
    esac
}

# bek_glue_header_fs_opts FILE OPTIONS: the options that tell bek-unlock where the current
# header is at boot (",x-bek-header-fs=UUID=...,x-bek-header-path=..."), when OPTIONS has
# none yet and FILE is on a filesystem of its own (not the root); else nothing.
bek_glue_header_fs_opts() {
    local mnt uuid
    case $2 in *x-bek-header-fs=*) return 0 ;; esac
    mnt=$(findmnt -n -o TARGET -T "$1" 2> /dev/null) || return 0
    uuid=$(findmnt -n -o UUID -T "$1" 2> /dev/null) || return 0
    [ -n "$uuid" ] && [ -n "$mnt" ] && [ "$mnt" != / ] || return 0
    printf ',x-bek-header-fs=UUID=%s,x-bek-header-path=%s\n' "$uuid" "${1#"$mnt"/}"
}

# bek_glue_carry_ade CRYPTTAB SYSROOT ALL: the Azure Disk Encryption entries of CRYPTTAB
# that the image needs (those under the root filesystem; every one when ALL is 1), each
# with a copy of its detached header (header= paths are read under SYSROOT). Never a key:
# the key field only names a file on the BEK disk. Ubuntu 20.04 and later append the entry
# without a final newline: "|| [ -n ]" keeps that last line. The caller's world provides:
#   bek_glue_cb_header SRC DST    copy the header file SRC into the image as DST
#   bek_glue_cb_modules MODULE... add these kernel modules to the image
#   bek_glue_cb_carry NAME DEV KEY OPTIONS COPY   carry the entry (COPY: the header copy's
#                                 path in the image, empty when there is none)
#   bek_glue_cb_warn MESSAGE      say so at build time
bek_glue_carry_ade() {
    local src="$1" sysroot="$2" all="$3" name dev key opts header hdrsrc copy
    [ -f "$src" ] || return 0
    while read -r name dev key opts || [ -n "$name" ]; do
        case $name in '' | \#*) continue ;; esac
        bek_glue_is_ade "$key" "$opts" || continue
        [ "$all" = 1 ] || bek_glue_needed_for_root "$name" "${sysroot:-/}" || continue
        copy=
        if header=$(bek_glue_option header "$opts") && [ -n "$header" ]; then
            hdrsrc=$sysroot$header
            if [ -f "$hdrsrc" ]; then
                copy=/etc/bek-unlock/headers/$name
                bek_glue_cb_header "$hdrsrc" "$copy"
            else
                bek_glue_cb_warn "bek-unlock: $name: header $header not found; no fallback copy in the image"
            fi
            # The filesystem holding the header (XFS on RHEL's /boot) must be mountable.
            # shellcheck disable=SC2046   # a list of module names
            bek_glue_cb_modules $(bek_glue_header_modules "$hdrsrc")
            opts=$opts$(bek_glue_header_fs_opts "$hdrsrc" "$opts")
        fi
        bek_glue_cb_carry "$name" "$dev" "$key" "$opts" "$copy"
    done < "$src"
}
