# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the host-side test scripts (host.sh, recover.sh); sourced after they set
# bin (the binary), wrap (an array: a wrapper such as valgrind, or empty) and work (a
# scratch directory). A check's pattern is matched against the whole output (".*" spans
# lines; "^" and "$" are its start and end); with CHECK_LOG set, every output is also
# appended there.
pass=0 fail=0

run() { "${wrap[@]}" "$bin" "$@"; }

check() {  # check NAME EXPECTED_RC PATTERN -- CMD...: rc and output must match
	local name=$1 want=$2 pattern=$3 out rc
	shift 4
	out=$("$@" 2>&1); rc=$?
	[ -z "${CHECK_LOG:-}" ] || printf '%s\n' "$out" >>"$CHECK_LOG"
	if [ "$rc" = "$want" ] && printf '%s' "$out" | grep -qzE -- "$pattern"; then
		pass=$((pass + 1)); echo "PASS $name"
	else
		fail=$((fail + 1)); echo "FAIL $name (rc $rc, want $want; /$pattern/ in:)"; sed 's/^/    /' <<<"$out"
	fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}
