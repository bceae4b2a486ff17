#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Host-side end-to-end tests of "bek-unlock decrypt" on image files and loop devices (no
# device-mapper: every volume here is closed, so decryption is offline; the online case
# is in the QEMU rows). Each layout ADE leaves is made with cryptsetup from a plain image
# whose checksum is taken first; after decryption every byte must be back.
# Usage: tests/decrypt.sh BINARY [WRAPPER...]
set -u
bin=$(readlink -f "$1"); shift
wrap=("$@")
work=$(mktemp -d /tmp/bek-decrypt.XXXXXX)
mnt=$work/small
cleanup() {
	[ -n "${KEEP:-}" ] && return
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	[ -n "${loopdev:-}" ] && losetup -d "$loopdev" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

cs() { cryptsetup --batch-mode --disable-locks --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$@"; }
reenc() { cs reencrypt --force-offline-reencrypt "$@"; }
sum() { head -c "${2:-$(stat -c %s "$1")}" "$1" | sha256sum | cut -c1-64; }
same() { [ "$(sum "$1" "${3:-}")" = "$2" ]; }   # same FILE SUM [BYTES]
holds() {  # holds NAME CMD...: CMD must succeed (a state, not an output)
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "PASS $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
head -c 127 /dev/urandom | base64 -w0 >"$work/key"
head -c 127 /dev/urandom | base64 -w0 >"$work/other"
bk=$work/backups
# No device-mapper on the build host: what a header maps cannot be checked here (the
# QEMU rows check it), hence --no-header-check, except where its refusal is the test.
D=(run decrypt --key-file "$work/key" --backup-dir "$bk" --no-config --no-header-check)

# A RHEL-style OS disk: ext4 encrypted in place, detached LUKS2 header, data offset 0.
detached() {  # NAME SIZE_MB [KEY]: $work/NAME.img (+ .hdr), plain checksum in $work/NAME.sum
	truncate -s "$2M" "$work/$1.img" && mkfs.ext4 -q -F "$work/$1.img" &&
	sum "$work/$1.img" >"$work/$1.sum" &&
	reenc --encrypt --header "$work/$1.hdr" --key-file "${3:-$work/key}" "$work/$1.img" >/dev/null 2>&1
}
both_sums() { sha256sum "$work/$1.img" "$work/$1.hdr" | cut -c1-64 | tr '\n' ' '; }

detached a 48
before=$(both_sums a)
check "plan only: exit 6, says what and how" 6 "a.img: .*LUKS2, encrypted, 48 MiB.*action:  decrypt, offline.*key:     key file .*header backups: 16 MiB in $bk" -- \
	"${D[@]}" --header "$work/a.hdr" "$work/a.img"
holds "plan only: not a byte written" test "$(both_sums a)" = "$before"
if [ ! -e /dev/mapper/control ] || ! dmsetup version >/dev/null 2>&1; then
	check "no device-mapper: refused without --no-header-check (exit 5)" 5 "a.img: refused: no device-mapper here" -- \
		run decrypt --key-file "$work/key" --backup-dir "$bk" --no-config --yes --header "$work/a.hdr" "$work/a.img"
fi
check "wrong key: refused before any write (exit 5)" 5 "a.img: refused: the key is rejected by every keyslot" -- \
	run decrypt --key-file "$work/other" --backup-dir "$bk" --no-config --no-header-check --yes --header "$work/a.hdr" "$work/a.img"
detached b 48 "$work/other"   # ADE gives each volume its own key
check "another volume's header: refused (exit 5)" 5 "a.img: refused: the key is rejected" -- \
	"${D[@]}" --yes --header "$work/b.hdr" "$work/a.img"
holds "refusals wrote nothing (image, header, no backup)" \
	bash -c "test '$(both_sums a)' = '$before' && ! test -e '$bk'/a.img-*"
head -c 32M /dev/urandom >"$work/random.img"
check "no LUKS header (not ADE's): refused (exit 5)" 5 "random.img: refused: no LUKS header" -- "${D[@]}" --yes "$work/random.img"
mkdir -p "$mnt" && mount -t tmpfs -o size=4m tmpfs "$mnt"
check "no room for the header backup: refused (exit 5)" 5 "need 17 MiB in $mnt, which has 4 MiB free" -- \
	run decrypt --key-file "$work/key" --backup-dir "$mnt" --no-config --no-header-check --yes --header "$work/a.hdr" "$work/a.img"
umount "$mnt"
loopdev=$(losetup -r -f --show "$work/a.img")
check "read-only device: refused (exit 5)" 5 "refused: its device or header file is read-only" -- \
	"${D[@]}" --yes --header "$work/a.hdr" "$loopdev"
losetup -d "$loopdev"; loopdev=
holds "refusals left the volume as it was" test "$(both_sums a)" = "$before"
flock /run/bek-unlock-decrypt.lock sleep 3 & holder=$!
sleep 0.5
check "another decrypt running: refused (exit 7)" 7 "another bek-unlock decrypt is running" -- \
	"${D[@]}" --yes --header "$work/a.hdr" "$work/a.img"
wait "$holder"
cp "$work/a.hdr" "$work/a.hdr.orig"
check "detached LUKS2: decrypted (exit 0)" 0 "header backed up to $bk/a.img-.*a.img: decrypted \(it holds ext4\)" -- \
	"${D[@]}" --yes --header "$work/a.hdr" "$work/a.img"
holds "detached LUKS2: every block back" same "$work/a.img" "$(cat "$work/a.sum")"
holds "the backup is the header before the first write, mode 0400/0600" \
	bash -c "cmp '$work/a.hdr.orig' '$bk'/a.img-*.luksheader && [ \$(stat -c %a '$bk'/a.img-*.luksheader) -le 600 ]"
check "again: already plain, nothing changed (exit 0)" 0 "a.img: already plain" -- \
	"${D[@]}" --yes --header "$work/a.hdr" "$work/a.img"
check "status --json: done" 0 '"state":"done".*"state":"plain".*"content":"ext4"' -- \
	run decrypt status --json --header "$work/a.hdr" --backup-dir "$bk" "$work/a.img"

# Key Vault's unwrapKey result (--secret-file) and --json: standard output is one JSON document.
detached j 32
printf '{"kid":"https://v/keys/k/1","value":"%s"}' "$(base64 -w0 <"$work/key" | tr '+/' '-_' | tr -d '=')" >"$work/unwrap.json"
"${wrap[@]}" "$bin" decrypt --secret-file "$work/unwrap.json" --backup-dir "$bk" --no-config --no-header-check --yes --json \
	--header "$work/j.hdr" "$work/j.img" >"$work/j.json" 2>"$work/j.err"
holds "--secret-file --json --yes: stdout is JSON saying done" \
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d['state'] != 'done')" "$work/j.json"
holds "--secret-file: every block back" same "$work/j.img" "$(cat "$work/j.sum")"

# Interrupted twice (a signal, then a kill) and resumed: same bytes. DECRYPT_BIG_MB: the
# volume's size, DECRYPT_INT_AFTER: seconds before each interruption (valgrind starts slowly).
detached m "${DECRYPT_BIG_MB:-512}"
timeout --preserve-status -s INT "${DECRYPT_INT_AFTER:-1}" "${wrap[@]}" "$bin" "${D[@]:1}" --yes --header "$work/m.hdr" "$work/m.img" >"$work/m.log" 2>&1; rc=$?
cat "$work/m.log"
holds "SIGINT: stops cleanly, exit 7, says how to resume" \
	bash -c "[ $rc = 7 ] && grep -q 'stopped at .*run the same command again to resume' '$work/m.log' || { [ $rc = 0 ] && grep -q 'decrypted' '$work/m.log'; }"
timeout -s KILL "${DECRYPT_INT_AFTER:-1}" "${wrap[@]}" "$bin" "${D[@]:1}" --yes --header "$work/m.hdr" "$work/m.img" >/dev/null 2>&1
flock -w 30 /run/bek-unlock-decrypt.lock true   # the killed process may finish its last write first
run decrypt status --header "$work/m.hdr" --backup-dir "$bk" "$work/m.img" >/dev/null 2>&1; rc=$?
holds "status reads progress without writing (exit 7 or 0)" bash -c "[ $rc = 7 ] || [ $rc = 0 ]"
check "resumed after a signal and a kill: decrypted" 0 "m.img: (decrypted|already plain)" -- \
	"${D[@]}" --yes --header "$work/m.hdr" "$work/m.img"
holds "resumed: every block back" same "$work/m.img" "$(cat "$work/m.sum")"

if [ -n "${DECRYPT_SUBSET:-}" ]; then finish; exit; fi   # under valgrind: the layouts above only

# ADE's online encryption left unfinished (init-only): finished, then decrypted.
truncate -s 64M "$work/e.img" && mkfs.ext4 -q -F "$work/e.img" && sum "$work/e.img" >"$work/e.sum"
reenc --encrypt --init-only --header "$work/e.hdr" --key-file "$work/key" "$work/e.img" >/dev/null 2>&1
check "unfinished ADE encryption: plan says finish then decrypt" 6 "encrypting \(in progress\).*finish-encryption-then-decrypt" -- \
	"${D[@]}" --header "$work/e.hdr" "$work/e.img"
check "unfinished ADE encryption: finished, then decrypted" 0 "finishing ADE's unfinished encryption first.*e.img: decrypted" -- \
	"${D[@]}" --yes --header "$work/e.hdr" "$work/e.img"
holds "unfinished ADE encryption: every block back" same "$work/e.img" "$(cat "$work/e.sum")"

# A data disk: header on the device, made by data shift (ADE: --reduce-device-size).
truncate -s 64M "$work/d.img" && head -c 48M /dev/urandom | dd of="$work/d.img" conv=notrunc status=none
dsum=$(sum "$work/d.img" $((48 << 20)))
reenc --encrypt --reduce-device-size 16M --key-file "$work/key" "$work/d.img" >/dev/null 2>&1
check "header on the device: header exported, data moved" 0 "its header now lives in $bk/d.img-.*header-in-use.*d.img: decrypted" -- \
	"${D[@]}" --yes "$work/d.img"
holds "header on the device: every block back" same "$work/d.img" "$dsum" $((48 << 20))
check "header on the device, again: already plain" 0 "d.img: already plain" -- "${D[@]}" --yes "$work/d.img"

# LUKS1 (Ubuntu 16.04/18.04): converted to LUKS2 first, on the device and detached.
truncate -s 64M "$work/l.img" && head -c 48M /dev/urandom | dd of="$work/l.img" conv=notrunc status=none
lsum=$(sum "$work/l.img" $((48 << 20)))
reenc --encrypt --reduce-device-size 4M --luks2-metadata-size 16k --luks2-keyslots-size 1M \
	--key-file "$work/key" "$work/l.img" >/dev/null 2>&1 && cryptsetup --batch-mode convert --type luks1 "$work/l.img"
check "LUKS1 on the device: converted, then decrypted" 0 "LUKS1 header converted to LUKS2.*l.img: decrypted" -- \
	"${D[@]}" --yes "$work/l.img"
holds "LUKS1 on the device: every block back" same "$work/l.img" "$lsum" $((48 << 20))
detached h 48 && cryptsetup --batch-mode convert --type luks1 --header "$work/h.hdr" "$work/h.img"
check "LUKS1 detached: its header file converted, then decrypted" 0 "LUKS1 header $work/h.hdr converted to LUKS2.*h.img: decrypted" -- \
	"${D[@]}" --yes --header "$work/h.hdr" "$work/h.img"
holds "LUKS1 detached: every block back" same "$work/h.img" "$(cat "$work/h.sum")"

check "usage: --key-file and --secret-file together" 1 "not both" -- \
	run decrypt --key-file "$work/key" --secret-file "$work/key" "$work/a.img"
finish
