#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The manual page bek-unlock(8): lint the rendered page, and compare its lists with
# "bek-unlock --help" (tests/man_compare.py: subcommands, options, kernel parameters,
# exit codes, defaults). Then the comparison's own check: with one item dropped from
# the help or from the page's source, it must fail.
# Usage: tests/man.sh BINARY PAGE SOURCE   e.g. tests/man.sh build/bek-unlock build/man/bek-unlock.8 doc/bek-unlock.8.scd
# Prints one line per check and ends with "N passed, N failed".
set -u
bin=$1 page=$2 src=$3
here=$(dirname "$0")
work=$(mktemp -d /tmp/bek-man.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2"; }

render() { mandoc -T ascii -O width=100 "$1" | col -bx; }   # render PAGE: plain text

# Lint: mandoc at WARNING level and above (its STYLE notes are not counted: scdoc's
# output escapes make many lines longer than mandoc's 80-byte style rule), and groff
# with all its warnings; either must say nothing at all.
out=$(mandoc -T lint -W warning "$page" 2>&1); rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then ok "mandoc -T lint -W warning: nothing"; else ko "mandoc -T lint -W warning (rc $rc)" "$out"; fi
out=$(groff -ww -man -z "$page" 2>&1); rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then ok "groff -ww -man -z: nothing"; else ko "groff -ww -man -z (rc $rc)" "$out"; fi
if LC_ALL=C grep -qP '[^\x00-\x7f]' "$page"; then ko "page is ASCII" "$(LC_ALL=C grep -nP '[^\x00-\x7f]' "$page")"; else ok "page is ASCII"; fi

# The version in the page is the binary's (both from the Makefile's VERSION).
ver=$("$bin" --version | sed -n 's/^bek-unlock //p')
if [ -n "$ver" ] && grep -q "^\.TH .*\"bek-unlock $ver\"" "$page"; then ok "page's version is the binary's ($ver)"
else ko "page's version is the binary's ($ver)" "$(grep '^\.TH' "$page")"; fi

# The comparison proper.
"$bin" --help >"$work/help.txt"
render "$page" >"$work/page.txt"
out=$(python3 "$here/man_compare.py" "$work/help.txt" "$work/page.txt"); rc=$?
echo "$out" | sed 's/^/  /'
if [ "$rc" = 0 ]; then ok "--help and the page agree"; else ko "--help and the page agree"; fi

# The comparison must fail when one side lacks an item.
must_fail() {  # must_fail NAME HELP PAGE-TEXT WANT: the comparison fails, saying WANT
	local out rc
	out=$(python3 "$here/man_compare.py" "$2" "$3"); rc=$?
	if [ "$rc" = 1 ] && grep -q -- "$4" <<<"$out"; then ok "fails without $1"; else ko "fails without $1 (rc $rc)" "$out"; fi
}
drop_help() {  # drop_help SED-EXPR NAME: the help without an item (the edit must change it)
	sed "$1" "$work/help.txt" >"$work/h.txt"
	if cmp -s "$work/help.txt" "$work/h.txt"; then ko "mutation of the help for $2 changes nothing"; return 1; fi
}
# drop_src TERM-LINE NAME: the page rendered from the source without that list entry
# (a term line and its tab-indented paragraph); it must differ from the source's own.
sed 's/@VERSION@/0/g' "$src" | scdoc >"$work/base.8" && render "$work/base.8" >"$work/base.txt"
drop_src() {
	awk -v t="$1" 'drop && /^\t/ { next } { drop = ($0 == t) } !drop' "$src" |
		sed 's/@VERSION@/0/g' | scdoc >"$work/p.8" && render "$work/p.8" >"$work/p.txt" || return 1
	if cmp -s "$work/base.txt" "$work/p.txt"; then ko "mutation of the source for $2 changes nothing"; return 1; fi
}
drop_help 's/, 4 stopped at the deadline (rd.bek.timeout + 5 s)//; /^unlocked, 4 /s/, 4 [^;]*//' "exit code 4" &&
	must_fail "exit code 4 in --help" "$work/h.txt" "$work/page.txt" "only in the page: \['4'\]"
drop_help 's/, rd.luks=0//' "rd.luks=0" &&
	must_fail "rd.luks=0 in --help" "$work/h.txt" "$work/page.txt" "only in the page: \['rd.luks'\]"
drop_help 's/ \[--show-wrapped\]//' "--show-wrapped" &&
	must_fail "--show-wrapped in --help" "$work/h.txt" "$work/page.txt" "only in the page: \['--show-wrapped'\]"
drop_help 's/(30)/(45)/' "the timeout's default" &&
	must_fail "the right default in --help" "$work/h.txt" "$work/page.txt" "default of rd.bek.timeout: the help says 45"
drop_src '*4*' "exit code 4" &&
	must_fail "exit code 4 in the page" "$work/help.txt" "$work/p.txt" "only in --help: \['4'\]"
drop_src '*3*' "exit code 3 (both lists)" &&
	must_fail "exit code 3 in the page's lists" "$work/help.txt" "$work/p.txt" "only in --help: \['3'\]"
drop_src '*rd.bek.debug*' "rd.bek.debug" &&
	must_fail "rd.bek.debug in the page" "$work/help.txt" "$work/p.txt" "only in --help: \['rd.bek.debug'\]"
drop_src '*--show-wrapped*' "--show-wrapped" &&
	must_fail "--show-wrapped in the page" "$work/help.txt" "$work/p.txt" "only in --help: \['--show-wrapped'\]"
drop_src '*enroll* _DEVICE_' "enroll" &&
	must_fail "enroll in the page's COMMANDS" "$work/help.txt" "$work/p.txt" "COMMANDS): only in --help: \['enroll'\]"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
