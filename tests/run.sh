#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite: unit tests (plain, then ASan+UBSan), the host-side subcommand
# tests (plain, then under valgrind), the man page's lint and its comparison with --help,
# a short fuzzing round, the QEMU scenario matrices (systemd
# initramfs, ADE layouts, dracut without systemd, initramfs-tools, the package, the
# core rows of the other generations). Run through "make test",
# which builds what this needs first. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
passed=0 failed=0

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Adds the counts of a suite from its output: cmocka's "[  PASSED  ] N test(s)" /
# "[  FAILED  ] N test(s)" or a closing "N passed, N failed"; a suite that died
# without counting (a sanitizer abort, say) counts as one failure.
count() {  # count NAME RC OUTPUT [SECONDS]
	local p f
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p; s/^([0-9]+) passed, [0-9]+ failed.*/\1/p' <<<"$3" | tail -1)
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p; s/^[0-9]+ passed, ([0-9]+) failed.*/\1/p' <<<"$3" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	add "$p" "$f"
	printf '== %-40s %3d passed, %d failed%s\n' "$1" "$p" "$f" "${4:+ ($4 s)}"
	[ "$f" = 0 ] || sed 's/^/   | /' <<<"$3" | tail -40
}

suite() {  # suite NAME CMD...
	local name=$1 out rc t0=$SECONDS
	shift
	out=$("$@" 2>&1); rc=$?
	count "$name" "$rc" "$out" "$((SECONDS - t0))"
}

# A QEMU stage streams its table as it goes (tee to stderr) and must end with its closing
# "N passed, N failed" line: a stage that exits non-zero or never prints that line (it
# died before counting) counts as at least one failure. BEK_TEST_QEMU_MAKE replaces
# "make --no-print-directory" (split at spaces; the target is appended): the self-test
# below uses it to fake a dying stage.
qemu_stage() {  # qemu_stage NAME TARGET
	local name=$1 log rc out t0=$SECONDS
	log=$(mktemp)
	# shellcheck disable=SC2086   # a command and its arguments
	${BEK_TEST_QEMU_MAKE:-make --no-print-directory} "$2" 2>&1 | tee "$log" >&2
	rc=${PIPESTATUS[0]}
	out=$(cat "$log")
	rm -f "$log"
	if ! grep -qE '^[0-9]+ passed, [0-9]+ failed' <<<"$out"; then
		out="$out
(stage $2 exited $rc without its closing \"N passed, N failed\" line)"
		[ "$rc" != 0 ] || rc=99
	fi
	count "$name" "$rc" "$out" "$((SECONDS - t0))"
}

# The QEMU stage accounting itself, without QEMU: run.sh with only its QEMU stages
# (SKIP_UNIT=1), each faked by BEK_TEST_QEMU_MAKE, must count a stage that fails or prints
# no counts as a failure and exit non-zero, and add up a stage's closing line otherwise.
selftest() {
	local stage want_rc want_last out rc last
	while IFS='|' read -r stage want_rc want_last; do
		out=$(SKIP_UNIT=1 SKIP_QEMU=0 BEK_TEST_QEMU_MAKE="$stage" tests/run.sh 2>/dev/null); rc=$?
		last=$(tail -1 <<<"$out")
		if [ "$rc" = "$want_rc" ] && grep -qxE "$want_last" <<<"$last"; then
			echo "PASS stage \"$stage\": rc $rc, \"$last\""
		else
			echo "FAIL stage \"$stage\": rc $rc (want $want_rc), \"$last\" (want /$want_last/)"
			sed 's/^/    /' <<<"$out"
			return 1
		fi
	done <<-'EOF'
		false|1|0 passed, [1-9][0-9]* failed
		true|1|0 passed, [1-9][0-9]* failed
		ls /nonexistent-bek-test-dir|1|0 passed, [1-9][0-9]* failed
		echo 3 passed, 1 failed|1|21 passed, 7 failed
		echo 3 passed, 0 failed|0|21 passed, 0 failed
	EOF
	echo "5 passed, 0 failed"
}

if [ "${SKIP_UNIT:-0}" = 1 ]; then
	echo "== unit, host, fuzz suites and the run.sh self-test skipped (SKIP_UNIT=1)"
else
	suite "run.sh self-test (QEMU stage accounting)" selftest
	suite "licence: the SPDX line in every source, script and build file" tests/spdx.sh
	for t in "$BUILD"/tests/test_*; do suite "unit $(basename "$t")" "$t"; done
	for t in "$BUILD"/tests-san/test_*; do suite "unit $(basename "$t") (ASan+UBSan)" "$t"; done
	# The static binary's size budget (issue 14); a shared build (STATIC=0) has none.
	if [ -f "$BUILD/static/bek-unlock" ]; then
		suite "static binary size (stripped, at most 2.25 MiB)" tests/size.sh "$BUILD/static/bek-unlock"
	else
		echo "== static binary size skipped (no $BUILD/static/bek-unlock: STATIC=0 build)"
	fi
	suite "host subcommands" tests/host.sh "$BUILD/bek-unlock"
	# valgrind checks the shared build: it cannot follow malloc in a static binary.
	suite "host subcommands (valgrind)" tests/host.sh "$BUILD/shared/bek-unlock" \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
	suite "recover" tests/recover.sh "$BUILD/bek-unlock"
	suite "recover (valgrind)" tests/recover.sh "$BUILD/shared/bek-unlock" \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
	suite "decrypt (image files, offline)" tests/decrypt.sh "$BUILD/bek-unlock"
	suite "decrypt (valgrind)" env DECRYPT_BIG_MB=64 DECRYPT_INT_AFTER=8 DECRYPT_SUBSET=1 tests/decrypt.sh "$BUILD/shared/bek-unlock" \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
	suite "glue library (shellcheck; unit tests under dash, busybox sh)" tests/glue.sh
	suite "man page: lint, --help against bek-unlock(8)" tests/man.sh "$BUILD/bek-unlock" "$BUILD/man/bek-unlock.8" doc/bek-unlock.8.scd
	suite "rpm package (inspected, not installed)" tests/rpm.sh
	suite "boot configuration after decryption (Debian roots: initramfs-tools, dracut)" tests/adeconfig.sh
	suite "fuzz smoke (${FUZZ_SMOKE_SECONDS:-10} s per target)" tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-10}" $(make -s --no-print-directory print-fuzz-targets)
fi
if [ "${SKIP_QEMU:-0}" = 1 ]; then
	echo "== QEMU scenarios skipped (SKIP_QEMU=1)"
else
	qemu_stage "QEMU scenarios" qemu-test
	qemu_stage "QEMU scenarios: Azure Disk Encryption layouts" ade-test
	qemu_stage "QEMU scenarios: dracut without systemd" nosd-test
	qemu_stage "QEMU scenarios: initramfs-tools (Debian, Ubuntu)" itools-test
	qemu_stage "QEMU: the Debian package end to end (dpkg, triggers)" package-test
	qemu_stage "QEMU: generations Debian 11, 13 (their kernel, systemd, dracut, initramfs-tools), core rows" gen-test
	qemu_stage "QEMU: bek-unlock decrypt (ADE layouts decrypted in the guest, booted stock)" decrypt-test
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
