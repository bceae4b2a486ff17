#!/bin/bash
# The whole test suite: unit tests (plain, then ASan+UBSan), the host-side subcommand
# tests (plain, then under valgrind), a short fuzzing round, the QEMU scenario matrix. Run through "make test",
# which builds what this needs first. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
passed=0 failed=0

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Adds the counts of a suite from its output: cmocka's "[  PASSED  ] N test(s)" /
# "[  FAILED  ] N test(s)" or a closing "N passed, N failed"; a suite that died
# without counting (a sanitizer abort, say) counts as one failure.
count() {  # count NAME RC OUTPUT
	local p f
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p; s/^([0-9]+) passed, [0-9]+ failed.*/\1/p' <<<"$3" | tail -1)
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p; s/^[0-9]+ passed, ([0-9]+) failed.*/\1/p' <<<"$3" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	add "$p" "$f"
	printf '== %-40s %3d passed, %d failed\n' "$1" "$p" "$f"
	[ "$f" = 0 ] || sed 's/^/   | /' <<<"$3" | tail -40
}

suite() {  # suite NAME CMD...
	local name=$1 out rc
	shift
	out=$("$@" 2>&1); rc=$?
	count "$name" "$rc" "$out"
}

for t in "$BUILD"/tests/test_*; do suite "unit $(basename "$t")" "$t"; done
for t in "$BUILD"/tests-san/test_*; do suite "unit $(basename "$t") (ASan+UBSan)" "$t"; done
suite "host subcommands" tests/host.sh "$BUILD/bek-unlock"
# valgrind checks the shared build: it cannot follow malloc in a static binary.
suite "host subcommands (valgrind)" tests/host.sh "$BUILD/shared/bek-unlock" \
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
suite "recover" tests/recover.sh "$BUILD/bek-unlock"
suite "recover (valgrind)" tests/recover.sh "$BUILD/shared/bek-unlock" \
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
suite "fuzz smoke (${FUZZ_SMOKE_SECONDS:-10} s per target)" tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-10}" $(make -s --no-print-directory print-fuzz-targets)
if [ "${SKIP_QEMU:-0}" = 1 ]; then
	echo "== QEMU scenarios skipped (SKIP_QEMU=1)"
else
	# Streams its table as it goes; the closing line carries the counts.
	out=$(make --no-print-directory qemu-test 2>&1 | tee -a /dev/stderr); rc=${PIPESTATUS[0]}
	count "QEMU scenarios" "$rc" "$out" 2>/dev/null
	out=$(make --no-print-directory ade-test 2>&1 | tee -a /dev/stderr); rc=${PIPESTATUS[0]}
	count "QEMU scenarios: Azure Disk Encryption layouts" "$rc" "$out" 2>/dev/null
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
