#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs each libFuzzer target for SECONDS on build/fuzz/corpus/TARGET (seeded from
# tests/fuzz/corpus/TARGET), one line per target with executions run and crashes found,
# then "N passed, N failed" (a target that crashed failed). Crash inputs are kept in
# build/fuzz/crashes/.
set -u
cd "$(dirname "$0")/../.."
seconds=$1; shift
passed=0 failed=0
mkdir -p build/fuzz/crashes
for t in "$@"; do
	corpus=build/fuzz/corpus/$t
	mkdir -p "$corpus"
	cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
	# Earlier crash inputs are replayed first: one that no longer crashes is fixed.
	for old in build/fuzz/crashes/"$t"-*; do
		[ -e "$old" ] && build/fuzz/fuzz_"$t" "$old" >/dev/null 2>&1 && rm -f "$old"
	done
	log=build/fuzz/$t.log
	build/fuzz/fuzz_"$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix=build/fuzz/crashes/"$t"- -print_final_stats=1 "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
	crashes=$(ls build/fuzz/crashes/"$t"-* 2>/dev/null | wc -l)
	printf 'fuzz %-8s %6ss  %10s executions  %s crash(es)  corpus %s\n' "$t" "$seconds" "${execs:-?}" "$crashes" "$(ls "$corpus" | wc -l)"
	if [ "$rc" = 0 ] && [ "$crashes" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); tail -30 "$log"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
