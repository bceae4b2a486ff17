#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The glue's shell code: shellcheck over every glue file (the library, the dracut hooks
# and module, the initramfs-tools hook and boot scripts), then the unit tests of the glue
# library (hook/lib/bek-unlock-glue.sh), run once under dash and once under busybox sh (the
# shells of the initramfs worlds), with findmnt, lsblk, /proc, /dev/kmsg and the binary
# faked. Ends with "N passed, N failed".
# Usage: tests/glue.sh [LIBRARY]      (LIBRARY: another copy of the library, e.g. a broken one)
#   GLUE_SHELLS="dash busybox"  the shells to run the unit tests under
set -u
cd "$(dirname "$0")/.." || exit 1
LIB=$(realpath "${1:-hook/lib/bek-unlock-glue.sh}")

# ---- the unit tests, in one shell (GLUE_CASES=1) -----------------------------------------
if [ "${GLUE_CASES:-}" = 1 ]; then
    pass=0 fail=0
    T=$(mktemp -d)
    trap 'rm -rf "$T"' EXIT
    ok() {  # ok NAME GOT WANT
        if [ "$2" = "$3" ]; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL [$GLUE_SHELL] $1: got '$2', want '$3'"
        fi
    }
    # Fake tools: findmnt and lsblk answer from files the tests write.
    mkdir -p "$T/bin"
    cat > "$T/bin/findmnt" <<'EOF'
#!/bin/sh
# findmnt -n -o COLUMN [-T] PATH: $FAKE/findmnt-COLUMN holds the answer; absent: fails.
col=$3
[ -f "$FAKE/findmnt-$col" ] || exit 1
cat "$FAKE/findmnt-$col"
EOF
    cat > "$T/bin/lsblk" <<'EOF'
#!/bin/sh
# lsblk -n -r -s -o NAME DEV: the stack under DEV, only for the device in $FAKE/lsblk-dev.
for dev; do :; done
[ "$dev" = "$(cat "$FAKE/lsblk-dev")" ] || { echo "lsblk: $dev: not a block device" >&2; exit 32; }
cat "$FAKE/lsblk-stack"
EOF
    chmod +x "$T/bin/findmnt" "$T/bin/lsblk"
    PATH=$T/bin:$PATH
    FAKE=$T/fake
    export FAKE
    mkdir -p "$FAKE"
    BEK_GLUE_RUN=$T/run BEK_GLUE_PROC=$T/proc BEK_GLUE_KMSG=$T/kmsg BEK_GLUE_CMDLINE_D=$T/cmdline.d
    # shellcheck source=hook/lib/bek-unlock-glue.sh
    . "$LIB"

    # bek_glue_timeout: the bound from rd.bek.timeout's raw value.
    for c in "=30" "45=45" "007=7" "0=0" "600=600" "601=600" "abc=600" "-1=600" "1.5=600" \
             "99999999999999999999=600" "0000000000000000012=12"; do
        ok "timeout '${c%%=*}'" "$(bek_glue_timeout "${c%%=*}")" "${c#*=}"
    done

    # bek_glue_cmdline_arg: /etc/cmdline.d first, /proc/cmdline last; the last one wins.
    mkdir -p "$T/proc" "$T/cmdline.d"
    echo 'quiet root=/dev/x rd.bek.timeout=12 rd.bek.time*' > "$T/proc/cmdline"
    mkdir -p "$T/glob"
    : > "$T/glob/rd.bek.timeout=99"     # what rd.bek.time* would match if globbed
    ok "cmdline arg, not globbed" "$(cd "$T/glob" && bek_glue_cmdline_arg rd.bek.timeout)" 12
    ok "cmdline arg absent" "$(bek_glue_cmdline_arg rd.bek.nothere)" ""
    set -f
    bek_glue_cmdline_arg rd.bek.timeout > /dev/null
    case $- in *f*) r=0 ;; *) r=1 ;; esac
    set +f
    ok "cmdline arg keeps the caller's set -f" "$r" 0
    ok "cmdline arg prefix only" "$(bek_glue_cmdline_arg rd.bek)" ""
    echo 'rd.bek.timeout=5 rd.bek.timeout=7' > "$T/cmdline.d/10-a.conf"
    printf 'rd.luks.name=1=x' > "$T/cmdline.d/20-b.conf"   # no final newline
    ok "cmdline.d overridden by /proc/cmdline" "$(bek_glue_cmdline_arg rd.bek.timeout)" 12
    ok "cmdline.d last line without newline" "$(bek_glue_cmdline_arg rd.luks.name)" "1=x"
    echo 'quiet' > "$T/proc/cmdline"
    ok "cmdline.d when /proc/cmdline has none" "$(bek_glue_cmdline_arg rd.bek.timeout)" 7
    rm -rf "$T/cmdline.d"

    # bek_glue_option, bek_glue_opts_drop, bek_glue_is_ade
    o="luks,discard,header=/boot/luks/osluksheader,x-bek-header-fs=UUID=1,keyscript=/a,header=/2"
    ok "option header" "$(bek_glue_option header "$o")" /boot/luks/osluksheader
    ok "option keyscript" "$(bek_glue_option keyscript "$o")" /a
    bek_glue_option head "$o" > /dev/null
    ok "option absent fails" "$?" 1
    ok "opts drop" "$(bek_glue_opts_drop "$o" 'header=*' 'x-bek-*')" "luks,discard,keyscript=/a"
    ok "opts drop keyscript, empty fields" "$(bek_glue_opts_drop ",luks,,keyscript=/a," 'keyscript=*')" luks
    ok "opts drop nothing" "$(bek_glue_opts_drop "luks" 'header=*')" luks
    ok "opts drop *" "$(cd "$T/bin" && bek_glue_opts_drop "a,b" 'x*')" "a,b"
    for c in "/mnt/azure_bek_disk/LinuxPassPhraseFileName luks 0" "none luks,keyscript=/usr/sbin/azure_crypt_key.sh 0" \
             "- keyscript=azure 0" "none luks 1" "/etc/key luks 1" "/mnt/azure_bek_diskX luks 1"; do
        # shellcheck disable=SC2086   # three words
        set -- $c
        bek_glue_is_ade "$1" "$2"
        ok "is_ade $1 $2" "$?" "$3"
    done

    # bek_glue_source_dev: crypttab sources to /dev/disk links, as dracut maps them.
    ok "source UUID" "$(bek_glue_source_dev UUID=1234-ab)" /dev/disk/by-uuid/1234-ab
    ok "source PARTUUID" "$(bek_glue_source_dev PARTUUID=p-1)" /dev/disk/by-partuuid/p-1
    ok "source LABEL" "$(bek_glue_source_dev LABEL=ade-root)" /dev/disk/by-label/ade-root
    ok "source LABEL space slash" "$(bek_glue_source_dev "LABEL=a b/c")" '/dev/disk/by-label/a\x20b\x2fc'
    ok "source PARTLABEL" "$(bek_glue_source_dev "PARTLABEL=os disk")" '/dev/disk/by-partlabel/os\x20disk'
    ok "source ID" "$(bek_glue_source_dev ID=ata-X_1-part2)" /dev/disk/by-id/ata-X_1-part2
    ok "source path" "$(bek_glue_source_dev /dev/disk/by-path/pci-0:1-part2)" /dev/disk/by-path/pci-0:1-part2
    ok "source plain" "$(bek_glue_source_dev /dev/sda2)" /dev/sda2

    # bek_glue_root_source, bek_glue_needed_for_root: btrfs shows DEV[/subvolume].
    echo '/dev/mapper/osencrypt[/@/.snapshots/1/snapshot]' > "$FAKE/findmnt-SOURCE"
    echo /dev/mapper/osencrypt > "$FAKE/lsblk-dev"
    printf 'osencrypt\nsda2\nsda\n' > "$FAKE/lsblk-stack"
    ok "root source btrfs" "$(bek_glue_root_source /)" /dev/mapper/osencrypt
    bek_glue_needed_for_root osencrypt /
    ok "needed for root, btrfs root" "$?" 0
    bek_glue_needed_for_root osencrypt2 /
    ok "not needed for root, btrfs root" "$?" 1
    echo /dev/mapper/osencrypt > "$FAKE/findmnt-SOURCE"
    bek_glue_needed_for_root osencrypt /
    ok "needed for root, plain root" "$?" 0
    bek_glue_needed_for_root sda /
    ok "needed for root, whole line only" "$?" 0
    bek_glue_needed_for_root osenc /
    ok "needed for root, no substring" "$?" 1
    rm "$FAKE/findmnt-SOURCE"
    bek_glue_needed_for_root osencrypt2 /
    ok "needed for root, root unknown: carried" "$?" 0

    # bek_glue_header_modules, bek_glue_header_fs_opts
    echo xfs > "$FAKE/findmnt-FSTYPE"
    ok "header modules xfs" "$(bek_glue_header_modules /boot/h)" xfs
    echo ext3 > "$FAKE/findmnt-FSTYPE"
    ok "header modules ext3" "$(bek_glue_header_modules /boot/h)" ext4
    rm "$FAKE/findmnt-FSTYPE"
    ok "header modules unknown" "$(bek_glue_header_modules /boot/h)" "ext4 xfs"
    echo /boot > "$FAKE/findmnt-TARGET"
    echo 0f-1 > "$FAKE/findmnt-UUID"
    ok "header fs opts" "$(bek_glue_header_fs_opts /boot/luks/osluksheader luks)" \
        ",x-bek-header-fs=UUID=0f-1,x-bek-header-path=luks/osluksheader"
    ok "header fs opts given" "$(bek_glue_header_fs_opts /boot/luks/h luks,x-bek-header-fs=UUID=2)" ""
    echo / > "$FAKE/findmnt-TARGET"
    ok "header fs opts on the root" "$(bek_glue_header_fs_opts /boot/luks/h luks)" ""

    # bek_glue_carry_ade: the ADE entries under the root (a btrfs subvolume root here),
    # the header copied, the modules and the x-bek-header-fs options added.
    bek_glue_cb_header() { echo "header $1 $2" >> "$T/calls"; }
    bek_glue_cb_modules() { echo "modules $*" >> "$T/calls"; }
    bek_glue_cb_carry() { echo "carry $1 $2 $3 $4 [$5]" >> "$T/calls"; }
    bek_glue_cb_warn() { echo "warn $1" >> "$T/calls"; }
    mkdir -p "$T/sys/boot/luks"
    : > "$T/sys/boot/luks/osluksheader"
    echo /dev/mapper/osencrypt'[/@]' > "$FAKE/findmnt-SOURCE"
    echo "$T/sys/boot" > "$FAKE/findmnt-TARGET"
    echo xfs > "$FAKE/findmnt-FSTYPE"
    {
        echo "# comment"
        echo ""
        echo "data1 UUID=d1 /mnt/azure_bek_disk/LinuxPassPhraseFileName_1_0 luks,nofail"
        echo "home UUID=h1 /etc/home.key luks"
        echo "osencrypt2 UUID=o2 /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,header=/boot/luks/missing"
        printf '%s' "osencrypt /dev/disk/by-partuuid/p2 /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader"
    } > "$T/crypttab"
    printf 'osencrypt\nosencrypt2\nsda2\n' > "$FAKE/lsblk-stack"
    : > "$T/calls"
    bek_glue_carry_ade "$T/crypttab" "$T/sys" 0
    ok "carry (btrfs root, root check)" "$(cat "$T/calls")" "$(cat <<EOF
warn bek-unlock: osencrypt2: header /boot/luks/missing not found; no fallback copy in the image
modules xfs
carry osencrypt2 UUID=o2 /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,header=/boot/luks/missing,x-bek-header-fs=UUID=0f-1,x-bek-header-path=luks/missing []
header $T/sys/boot/luks/osluksheader /etc/bek-unlock/headers/osencrypt
modules xfs
carry osencrypt /dev/disk/by-partuuid/p2 /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader,x-bek-header-fs=UUID=0f-1,x-bek-header-path=luks/osluksheader [/etc/bek-unlock/headers/osencrypt]
EOF
)"
    : > "$T/calls"
    bek_glue_carry_ade "$T/crypttab" "$T/sys" 1
    ok "carry all: data1 too" "$(grep -c '^carry' "$T/calls")" 3
    : > "$T/calls"
    bek_glue_carry_ade "$T/nonexistent" "$T/sys" 1
    ok "carry without crypttab" "$?:$(cat "$T/calls")" "0:"

    # bek_glue_running: started, not ended, within the bound, its shell alive.
    mkdir -p "$T/run" "$T/proc/4242"
    echo '100.73 180.2' > "$T/proc/uptime"
    echo 155 > "$T/run/until"
    echo 4242 > "$T/run/pid"
    echo '4242 (sh) S 1 4242 4242 0 -1' > "$T/proc/4242/stat"
    bek_glue_running
    ok "running" "$?" 0
    echo '4242 (sh) Z 1 4242 4242 0 -1' > "$T/proc/4242/stat"
    bek_glue_running
    ok "zombie: not running" "$?" 1
    echo '4242 (a) Z (b) S 1 4242 4242 0 -1' > "$T/proc/4242/stat"
    bek_glue_running
    ok "comm with ') Z (': running" "$?" 0
    echo 4243 > "$T/run/pid"
    bek_glue_running
    ok "shell gone: not running" "$?" 1
    echo 4242 > "$T/run/pid"
    echo '155.01 1' > "$T/proc/uptime"
    bek_glue_running
    ok "past the bound: not running" "$?" 1
    echo '154.99 1' > "$T/proc/uptime"
    bek_glue_running
    ok "just before the bound: running" "$?" 0
    echo 0 > "$T/run/rc"
    bek_glue_running
    ok "exit code written: not running" "$?" 1
    rm "$T/run/rc"
    : > "$T/run/running"
    bek_glue_running
    ok "its lock held, empty: running" "$?" 0
    echo 2 > "$T/run/running"
    bek_glue_running
    ok "exit code in its lock file: not running" "$?" 1
    rm "$T/run/running"
    echo 'x' > "$T/run/until"
    bek_glue_running
    ok "garbage bound: not running" "$?" 1
    rm "$T/run/until"
    bek_glue_running
    ok "never started: not running" "$?" 1

    # bek_glue_start, bek_glue_wait: against the real /proc, a fake bek-unlock.
    BEK_GLUE_PROC=/proc
    BEK_GLUE_BIN=$T/bek-unlock
    # shellcheck disable=SC2016   # the fake's own "$@"
    # It holds its --lock as bek-unlock does: created locked, held to its end, its exit
    # code written into it last (unless FAKE_NOLOCK, as a bek-unlock without --lock).
    cat > "$BEK_GLUE_BIN" <<FAKE
#!/bin/sh
echo "\$@" > "$T/args"
lock=
while [ \$# -gt 1 ]; do [ "\$1" = --lock ] && lock=\$2; shift; done
if [ -n "\$lock" ] && [ -z "\${FAKE_NOLOCK:-}" ]; then
    exec 9> "\$lock.new" && flock 9 && mv "\$lock.new" "\$lock"
fi
sleep "\${FAKE_SLEEP:-0}"
[ -z "\$lock" ] || [ -n "\${FAKE_NOLOCK:-}" ] || echo 3 >&9
exit 3
FAKE
    chmod +x "$BEK_GLUE_BIN"
    cs() {  # the uptime in centiseconds
        local u _r
        read -r u _r < /proc/uptime
        echo "${u%.*}${u#*.}"
    }
    held() {  # until the fake holds its lock (bek-unlock holds it long before a settled job)
        local i=0
        while [ ! -e "$T/run/running" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    }
    rm -rf "$T/run"
    now=$(bek_glue_uptime)
    FAKE_SLEEP=0.5 bek_glue_start initramfs-tools 700
    until=$(cat "$T/run/until")
    ok "start: the bound (600 + 25 s)" "$((until - now >= 625 && until - now <= 626))" 1
    ok "start: the console line" "$(cat "$T/kmsg")" "<30>initramfs-tools: Starting bek-unlock in the background (rd.bek.timeout=600 s)"
    pid=
    read -r pid < "$T/run/pid"
    [ -n "$pid" ] && { [ -r "/proc/$pid/stat" ] || [ -e "$T/run/rc" ]; }
    ok "start: the pid file names its shell" "$?" 0
    bek_glue_running
    ok "start: running at once" "$?" 0
    # bek_glue_await: blocks on the lock until bek-unlock's end, then its exit code is there.
    held
    t0=$(cs)
    bek_glue_await 5
    ok "await: its end, within the wait" "$?:$(($(cs) - t0 < 300)):$(cat "$T/run/running")" "0:1:3"
    ok "wait: its exit code" "$(bek_glue_wait)" "exited 3"
    ok "start: the arguments" "$(cat "$T/args")" "boot --settled-after $T/run/triggered --lock $T/run/running"
    # A bek-unlock without the lock (an older one): no wait, still running.
    FAKE_NOLOCK=1 FAKE_SLEEP=2 bek_glue_start dracut ''
    t0=$(cs)
    bek_glue_await 5
    ok "await: no lock, no wait" "$?:$(($(cs) - t0 < 100))" "1:1"
    ok "wait: without the lock, polling" "$(bek_glue_wait)" "exited 3"
    # dracut's settled hook, first of a pass: bek-unlock ends 0.3 s into it; the prompts
    # later in the same pass must find it ended (main_loop kept, the hook removed).
    FAKE_SLEEP=0.3 bek_glue_start dracut ''
    held
    job=$T/hold-job
    : > "$job"
    main_loop=7
    # shellcheck source=hook/dracut/bek-unlock-hold.sh
    . ./hook/dracut/bek-unlock-hold.sh
    ok "dracut settled hook: bek-unlock's end awaited in its pass" "$main_loop:$(test -e "$job" && echo kept)" "7:"
    bek_glue_wait > /dev/null
    # dracut's cryptroot-ask wrapper, bek-unlock ended (its code in its lock file): dracut's
    # own runs at once, without the library read (not at its image path here).
    cp hook/dracut/cryptroot-ask-bek.sh "$T/cryptroot-ask"
    printf '#!/bin/sh\necho "dracut: $*"\n' > "$T/cryptroot-ask.dracut"
    chmod +x "$T/cryptroot-ask" "$T/cryptroot-ask.dracut"
    ok "cryptroot-ask wrapper: ended, dracut's at once" \
        "$(BEK_GLUE_RUN=$T/run "$T/cryptroot-ask" /dev/vda luks-x 2>&1)" "dracut: /dev/vda luks-x"
    bek_glue_triggered
    ok "triggered" "$(test -e "$T/run/triggered" && echo yes)" yes
    # A bek-unlock that overruns: the wait ends at the bound.
    FAKE_SLEEP=30 bek_glue_start dracut ''
    ok "start: default 30 s" "$(cat "$T/kmsg")" "<30>dracut: Starting bek-unlock in the background (rd.bek.timeout=30 s)"
    pid=
    read -r pid < "$T/run/pid"
    echo $(($(bek_glue_uptime) + 1)) > "$T/run/until"
    held
    t0=$(cs)
    bek_glue_await 0.3
    ok "await: bounded by its argument" "$?:$(($(cs) - t0 >= 25 && $(cs) - t0 < 300))" "1:1"
    t0=$(bek_glue_uptime)
    ok "wait: bounded" "$(bek_glue_wait)" "has not ended within its bound; going on"
    ok "wait: within 3 s" "$(($(bek_glue_uptime) - t0 <= 3))" 1
    [ -z "$pid" ] || kill -- "-$pid" 2> /dev/null || kill "$pid" 2> /dev/null

    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit
fi

# ---- the driver ---------------------------------------------------------------------------
passed=0 failed=0
add() {  # add OUTPUT
    p=$(echo "$1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -n 1)
    f=$(echo "$1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -n 1)
    [ -n "$p" ] || { p=0 f=1; }
    passed=$((passed + p)) failed=$((failed + f))
}

# ShellCheck over the POSIX sh files as sh; module-setup.sh and the dracut.conf.d snippet
# (dracut sources them in bash) as bash.
lint() {  # lint DIALECT FILE...
    dialect=$1
    shift
    for f in "$@"; do
        if out=$(shellcheck -x -s "$dialect" "$f" 2>&1); then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "FAIL shellcheck -s $dialect $f"
            echo "$out" | sed 's/^/    /'
        fi
    done
}
lint sh hook/lib/*.sh hook/dracut/*.sh hook/initramfs-tools/hooks/* hook/initramfs-tools/scripts/*/*
lint bash modules.d/91bek-unlock/module-setup.sh hook/91-bek-unlock.conf

for sh in ${GLUE_SHELLS:-dash busybox}; do
    case $sh in
        busybox) cmd="busybox sh" ;;
        *) cmd=$sh ;;
    esac
    if ! command -v "$sh" > /dev/null; then
        echo "FAIL $sh: not installed (tools/deps.sh)"
        failed=$((failed + 1))
        continue
    fi
    # shellcheck disable=SC2086   # "busybox sh"
    out=$(GLUE_CASES=1 GLUE_SHELL="$sh" $cmd tests/glue.sh "$LIB" 2>&1)
    echo "$out" | grep -v 'passed, .* failed$'
    echo "$sh: $(echo "$out" | tail -n 1)"
    add "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
