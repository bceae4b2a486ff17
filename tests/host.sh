#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Host-side end-to-end tests of the subcommands that run on a live system
# (enroll, inspect) against LUKS image files. No device-mapper needed.
# Usage: tests/host.sh BINARY [WRAPPER...]   e.g. tests/host.sh build/bek-unlock valgrind -q
# Prints one line per check and ends with "N passed, N failed".
set -u
bin=$(readlink -f "$1"); shift
wrap=("$@")
work=$(mktemp -d /tmp/bek-host.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

cs() { cryptsetup --batch-mode --disable-locks --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$@"; }
img=$work/luks2.img
printf 'typed-passphrase-0' >"$work/pass0"
head -c 127 /dev/urandom | base64 -w0 >"$work/key1"
truncate -s 20M "$img"
cs luksFormat --type luks2 "$img" "$work/pass0"
cs luksAddKey --new-key-slot 1 --key-file "$work/pass0" "$img" "$work/key1"
uuid=$(cryptsetup luksUUID "$img")

check "inspect: no token, not named -> left alone" 0 "leaves it alone: no usable bek token" -- run inspect "$img" --cmdline ""
check "inspect: named, no token -> default name" 0 "key file \"LinuxPassPhraseFileName\" \(from default name\)" -- \
	run inspect "$img" --cmdline "rd.luks.uuid=$uuid"
check "inspect: rd.bek.keyfile= and rd.luks.name=" 0 "\"LinuxPassPhraseFileName_1_0\" \(from rd.bek.keyfile=\).*/dev/mapper/osencrypt" -- \
	run inspect "$img" --cmdline "rd.luks.name=$uuid=osencrypt rd.bek.keyfile=LinuxPassPhraseFileName_1_0"
check "inspect: rd.bek=0" 0 "nothing \(disabled" -- run inspect "$img" --cmdline "rd.bek=0"
check "enroll: keyslot 1" 0 "token 0 on .*\"keyslots\":\\[\"1\"\\],\"key_file\":\"LinuxPassPhraseFileName\"" -- \
	run enroll "$img" --key-file LinuxPassPhraseFileName --keyslot 1
check "enroll: token readable by cryptsetup" 0 "\"type\": *\"bek\"" -- cryptsetup token export --token-id 0 "$img"
check "enroll: replaces, never adds" 0 "token 0 on .*LinuxPassPhraseFileName_1_0.*\"label\":\"KEYS\"" -- \
	run enroll "$img" --key-file LinuxPassPhraseFileName_1_0 --keyslot 1 --label KEYS
check "enroll: still one token" 0 "^1\s*$" -- sh -c "cryptsetup luksDump '$img' | grep -cE '^  [0-9]+: bek$'"
check "inspect: token used, label from token" 0 "token:    0 .*keyslot 1.*labelled \"KEYS\".*from token 0" -- run inspect "$img" --cmdline ""
check "enroll: refuses an unused keyslot" 1 "keyslot 5 is not in use" -- run enroll "$img" --key-file k --keyslot 5
check "enroll: refuses ../ in the name" 1 "contains '/'" -- run enroll "$img" --key-file ../k
check "enroll: refuses a control character" 1 "control character" -- run enroll "$img" --key-file "$(printf 'a\tb')"
check "enroll: refuses keyslot 32" 1 "expected 0 to 31" -- run enroll "$img" --key-file k --keyslot 32
check "enroll: needs --key-file" 1 "Usage" -- run enroll "$img"
check "inspect: not LUKS" 1 "Failed to read a LUKS header" -- run inspect "$work/key1"
check "inspect: missing file" 1 "Failed to read a LUKS header" -- run inspect "$work/nope"

# A hostile token written behind our back is reported and ignored.
printf '%s' '{"type":"bek","keyslots":["1"],"key_file":"../../etc/shadow"}' |
	cryptsetup token import --disable-locks --token-id 0 --token-replace "$img" 2>/dev/null
check "inspect: hostile token ignored with reason" 0 "token 0 ignored: key file name contains '/'" -- \
	run inspect "$img" --cmdline "rd.luks.uuid=$uuid"

luks1=$work/luks1.img
truncate -s 8M "$luks1"
cs luksFormat --type luks1 "$luks1" "$work/pass0"
check "enroll: LUKS1 has no tokens" 1 "LUKS1 has no tokens" -- run enroll "$luks1" --key-file k
check "inspect: LUKS1 with default name" 0 "LUKS1.*from default name" -- \
	run inspect "$luks1" --cmdline "rd.luks.uuid=$(cryptsetup luksUUID "$luks1")"

hdr=$work/header.img
truncate -s 8M "$work/data.img"
cs luksFormat --type luks2 --header "$hdr" "$work/data.img" "$work/pass0"
check "inspect: detached header" 0 "detached header .*header.img.*from default name" -- \
	run inspect "$work/data.img" --header "$hdr" --cmdline "rd.luks.uuid=$(cryptsetup luksUUID "$hdr")"
check "inspect: detached header missing" 1 "Failed to read a LUKS header on .*nope" -- \
	run inspect "$work/data.img" --header "$work/nope"

# boot --lock (the glue's wait without polling): refused unless absolute; created locked,
# boot's exit code written into it as it ends, the lock free after, no FILE.new left.
check "boot --lock: refuses a relative path" 1 'Refusing --lock "rel": expected the absolute path' -- run boot --lock rel
check "boot --lock: its exit code in the file, the lock free after" 0 "^same code, free$" -- \
	sh -c '"$1" boot --lock "$2" >/dev/null 2>&1; rc=$?; [ "$(cat "$2")" = "$rc" ] && flock -n "$2" true &&
		[ ! -e "$2.new" ] && echo "same code, free"' sh "$bin" "$work/lock"
check "--help lists the subcommands" 0 "enroll DEVICE --key-file NAME" -- run --help
check "unknown subcommand" 1 "Usage" -- run frobnicate

finish
