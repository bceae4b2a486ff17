#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The glue library's unit tests (tests/glue.sh) must fail on a broken library: each mutant
# below breaks one function of hook/lib/bek-unlock-glue.sh (several as the worlds' glue
# did before the library: the initramfs-tools hook kept btrfs's "[/subvolume]", dracut's
# prompt mapped only UUID= and PARTUUID=, initramfs-tools' wait had no zombie check) and
# tests/glue.sh must report failures on it. Ends with "N passed, N failed" (a pass: the
# mutant was caught). Not part of tests/run.sh (a minute of shells); run it after changing
# the library or its tests.
set -u
cd "$(dirname "$0")/.."
lib=hook/lib/bek-unlock-glue.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
# NAME|python expression over s (the library's text) that breaks it
while IFS='|' read -r name expr; do
    [ -n "$name" ] || continue
    python3 -c "import sys; s=open(sys.argv[1]).read(); t=$expr; assert t != s, 'mutation did not apply'; open(sys.argv[2],'w').write(t)" \
        "$lib" "$tmp/lib.sh" || { echo "FAIL $name: mutation did not apply"; failed=$((failed + 1)); continue; }
    out=$(GLUE_SHELLS=dash tests/glue.sh "$tmp/lib.sh" 2>&1)
    last=$(tail -n 1 <<<"$out")
    if [[ $last =~ ^[0-9]+\ passed,\ ([1-9][0-9]*)\ failed$ ]]; then
        echo "PASS $name: caught ($(grep -m 3 '^FAIL' <<<"$out" | sed 's/: got.*//' | paste -sd';' -))"
        passed=$((passed + 1))
    else
        echo "FAIL $name: not caught ($last)"
        failed=$((failed + 1))
    fi
done <<'MUTANTS'
btrfs subvolume kept (initramfs-tools before)|s.replace("    root=${root%%\\[*}\n", "")
LABEL= not mapped (dracut before)|s.replace('        LABEL=*) echo "/dev/disk/by-label/$(bek_glue_label_escape "${1#LABEL=}")" ;;\n', "")
label not escaped|s.replace('            \' \') out="$out\\\\x20" ;;\n', "")
ID= not mapped|s.replace('        ID=*) echo "/dev/disk/by-id/${1#ID=}" ;;\n', "")
zombie counts as running (initramfs-tools before)|s.replace('        [ "${state%% *}" != Z ] || return 1\n', "")
state read as the third word|s.replace('        state=${state##*) }\n', '        state=${state#* * }\n')
no bound on the wait|s.replace('    [ "$(bek_glue_uptime)" -lt "$until" ] || return 1\n', "")
exit code in the lock file ignored|s.replace('    [ -s "$BEK_GLUE_RUN/running" ] && return 1\n', "")
exit code ignored|s.replace('    [ -e "$BEK_GLUE_RUN/rc" ] && return 1\n', "")
timeout octal|s.replace("    while :; do case $t in 0?*) t=${t#0} ;; *) break ;; esac; done\n", "")
timeout not capped|s.replace('    [ "${#t}" -le 3 ] && [ "$t" -le 600 ] || t=600\n', "")
bound without the margin|s.replace("t + 25))", "t))")
cmdline first value wins|s.replace('case $arg in "$name"=*) val=${arg#"$name"=} ;; esac', 'case $arg in "$name"=*) val=${val:-${arg#"$name"=}} ;; esac')
cmdline.d ignored|s.replace('for f in "$BEK_GLUE_CMDLINE_D"/*.conf "$BEK_GLUE_PROC/cmdline"; do', 'for f in "$BEK_GLUE_PROC/cmdline"; do')
cmdline globbed|s.replace("            set -f\n", "")
cmdline clears the caller's set -f|s.replace('            [ -z "$glob" ] || set +f', '            set +f')
option: the last one|s.replace("""        case $o in "$1"=*) printf '%s\\n' "${o#"$1"=}"; return 0 ;; esac""", """        case $o in "$1"=*) v=${o#"$1"=} ;; esac""")
opts_drop keeps all|s.replace('            case $o in $p) keep=0 ;; esac\n', '            case $o in $p) keep=1 ;; esac\n')
azure keyscript not ADE|s.replace("        none | -) case $2 in *keyscript=*azure*) return 0 ;; esac ;;\n", "")
last line without newline lost|s.replace('    while read -r name dev key opts || [ -n "$name" ]; do', '    while read -r name dev key opts; do')
await waits on nothing|s.replace('    flock -s -w "$1" 9 9< "$BEK_GLUE_RUN/running" 2> /dev/null || return 1\n', '    return 1\n')
await takes a missing lock for an end|s.replace('    [ -e "$BEK_GLUE_RUN/running" ] && command -v flock > /dev/null 2>&1 || return 1\n', '    [ -e "$BEK_GLUE_RUN/running" ] || return 0\n')
root check skipped|s.replace('[ "$all" = 1 ] || bek_glue_needed_for_root', '[ "$all" = 1 ] || true || bek_glue_needed_for_root')
header fs on the root|s.replace('    [ -n "$uuid" ] && [ -n "$mnt" ] && [ "$mnt" != / ] || return 0\n', "")
start without a pid file|s.replace('    echo $! > "$BEK_GLUE_RUN/pid"\n', "")
MUTANTS
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
