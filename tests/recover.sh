#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end tests of "bek-unlock recover" against LUKS image files, as an operator
# would use it from another machine: an ADE-style key in keyslot 1, the unwrapKey
# result made from it (base64url, no padding), Key Vault secrets as "az keyvault
# secret show" prints them. No device-mapper needed: --open is only tried with a wrong
# passphrase, and must then either map nothing or say that device-mapper is missing.
# Usage: tests/recover.sh BINARY [WRAPPER...]   e.g. tests/recover.sh build/bek-unlock valgrind -q
# Prints one line per check and ends with "N passed, N failed".
set -u
bin=$(readlink -f "$1"); shift
wrap=("$@")
work=$(mktemp -d /tmp/bek-recover.XXXXXX)
trap 'rm -rf "$work"' EXIT
one_line='[^[:cntrl:]]*'   # no newline
nl=$'\n'
CHECK_LOG=$work/all-output
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
ok() {  # ok NAME CMD...: the command must succeed
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass=$((pass + 1)); echo "PASS $name"
	else
		fail=$((fail + 1)); echo "FAIL $name"
	fi
}

cs() { cryptsetup --batch-mode --disable-locks --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$@"; }
img=$work/luks2.img
printf 'typed-passphrase-0' >"$work/pass0"
head -c 127 /dev/urandom | base64 -w0 >"$work/key1"   # an ADE key file: 172 characters
truncate -s 20M "$img"
cs luksFormat --type luks2 "$img" "$work/pass0"
cs luksAddKey --new-key-slot 1 --key-file "$work/pass0" "$img" "$work/key1"
# What unwrapKey returns for it: base64url, without its "=" padding.
value=$(basenc --base64url -w0 <"$work/key1" | tr -d '=')
kid=https://myvault.vault.azure.net/keys/mykek/fedcba9876543210fedcba9876543210
printf '%s' "$value" >"$work/bare"
printf '{"kid":"%s","value":"%s"}\n' "$kid" "$value" >"$work/response.json"
slot1="keyslot 1 of $img \(LUKS2, UUID $(cryptsetup luksUUID "$img")\) accepts the passphrase"

check "check: bare value on stdin" 0 "172 bytes, from the bare value on standard input.*$slot1" -- \
	run recover --check "$img" <"$work/bare"
check "check: bare value in a file" 0 "from the bare value on $work/bare.*$slot1" -- \
	run recover --secret-file "$work/bare" --check "$img"
check "check: whole JSON on stdin (--secret-file -)" 0 "from the unwrapKey result on standard input.*$slot1" -- \
	run recover --secret-file - --check "$img" <"$work/response.json"
check "check: whole JSON in a file" 0 "from the unwrapKey result on $work/response.json.*$slot1" -- \
	run recover --secret-file "$work/response.json" --check "$img"
check "check: pretty-printed JSON with CRLF through a pipe" 0 "$slot1" -- sh -c \
	"printf '{\r\n  \"kid\": \"%s\",\r\n  \"value\": \"%s\"\r\n}\r\n' '$kid' '$value' | $(printf '%q ' "${wrap[@]}" "$bin") recover --check '$img'"
check "check: JSON string (az --query value)" 0 "from the JSON string.*$slot1" -- \
	sh -c "printf '\"%s\"\n' '$value' | $(printf '%q ' "${wrap[@]}" "$bin") recover --check '$img'"
check "check: padded value in the standard alphabet" 0 "$slot1" -- \
	sh -c "base64 -w0 <'$work/key1' | $(printf '%q ' "${wrap[@]}" "$bin") recover --check '$img'"
check "check: from a pipe file name (process substitution)" 0 "$slot1" -- \
	run recover --secret-file <(cat "$work/response.json") --check "$img"

head -c 127 /dev/urandom | base64 -w0 | basenc --base64url -w0 | tr -d '=' >"$work/wrong"
check "check: a wrong value is rejected, exit 3" 3 "rejected by every keyslot of $img \(LUKS2" -- \
	run recover --check "$img" <"$work/wrong"
head -c 256 /dev/urandom | basenc --base64url -w0 | tr -d '=' >"$work/still-wrapped"
check "check: a still-wrapped value: hint" 3 "rejected by every keyslot.*it is binary.*was the value unwrapped" -- \
	run recover --check "$img" <"$work/still-wrapped"
check "check: not a LUKS volume: hint for --header" 1 "bek-unlock: Failed to read a LUKS header on $work/key1: ${one_line}add --header FILE\)" -- \
	run recover --check "$work/key1" <"$work/bare"
check "check: a missing device" 1 "bek-unlock: Failed to open $work/nope: no such block device or image file$" -- \
	run recover --secret-file "$work/bare" --check "$work/nope"
check "check: a missing data device, header given" 1 "Failed to open $work/hdr-nope or $work/nope: no such" -- \
	run recover --secret-file "$work/bare" --check "$work/nope" --header "$work/hdr-nope"
# Without device-mapper (here, usually) --open says so; with it, a wrong value maps nothing.
o=$(run recover --open "$img" bek-recover-test <"$work/wrong" 2>&1); rc=$?
printf '%s\n' "$o" >>"$work/all-output"
if { [ "$rc" = 1 ] && grep -q "^bek-unlock: Failed to open $img: device-mapper is not available" <<<"$o"; } ||
   { [ "$rc" = 3 ] && grep -q "rejected by every keyslot" <<<"$o"; }; then
	pass=$((pass + 1)); echo "PASS open: a wrong value opens nothing, or no device-mapper: said clearly"
else
	fail=$((fail + 1)); echo "FAIL open: a wrong value opens nothing, or no device-mapper: said clearly (rc $rc)"; sed 's/^/    /' <<<"$o"
fi

out=$work/out/LinuxPassPhraseFileName
mkdir "$work/out"
check "write-key-file: writes" 0 "wrote 172 bytes to $out \(mode 0600\)" -- \
	run recover --secret-file "$work/response.json" --write-key-file "$out"
ok "write-key-file: byte-identical to the key file" cmp "$out" "$work/key1"
check "write-key-file: mode 0600" 0 "^600$" -- stat -c %a "$out"
check "write-key-file: never overwrites" 1 "bek-unlock: Refusing to write the key file $out: it exists \(never overwritten\)$" -- \
	run recover --write-key-file "$out" <"$work/wrong"
ok "write-key-file: the existing file is untouched" cmp "$out" "$work/key1"
ln -s "$work/out/target" "$work/out/link"
check "write-key-file: refuses a symlink" 1 "Refusing to write the key file $work/out/link: it exists" -- \
	run recover --write-key-file "$work/out/link" <"$work/bare"
ok "write-key-file: nothing written through the symlink" test ! -e "$work/out/target"
check "write-key-file: with --check, written once checked" 0 "$slot1.*wrote 172 bytes" -- \
	run recover --check "$img" --write-key-file "$work/out/checked" <"$work/bare"
ok "write-key-file: after --check, byte-identical" cmp "$work/out/checked" "$work/key1"
check "write-key-file: not written when --check fails" 3 "rejected by every keyslot" -- \
	run recover --check "$img" --write-key-file "$work/out/unchecked" <"$work/wrong"
ok "write-key-file: no file after a failed check" test ! -e "$work/out/unchecked"
check "write-key-file: mode 0600 whatever the umask" 0 "^600$" -- sh -c \
	"umask 0277; $(printf '%q ' "${wrap[@]}" "$bin") recover --write-key-file '$work/out/umask' <'$work/bare' >/dev/null && stat -c %a '$work/out/umask'"
check "write-key-file: never standard output" 1 "the passphrase never goes to standard output" -- \
	run recover --write-key-file - <"$work/bare"

# The secret is never an argument: no option takes it, and a mistake does not echo it.
check "command line: no option takes the value" 1 "unknown option or missing argument" -- \
	run recover --value "$value" --check "$img"
check "command line: no argument takes the value" 1 "unexpected argument \(the secret is never taken from the command line" -- \
	run recover --check "$img" "$value"
check "command line: a value given as the file name is not echoed" 1 "Failed to open the secret file \(a name that looks like a base64 value: not shown\)" -- \
	run recover --secret-file "$value" --check "$img"
check "command line: nor as the device" 1 "Failed to .*\(a name that looks like a base64 value: not shown\)" -- \
	run recover --check "$value" <"$work/bare"

# Malformed input: exit 1, one line naming the problem.
bad() {  # bad NAME PATTERN INPUT
	check "malformed: $1" 1 "^bek-unlock: Refusing the secret from standard input: $2$" -- \
		sh -c "printf '%s' \"\$1\" | $(printf '%q ' "${wrap[@]}" "$bin") recover --check '$img'" sh "$3"
}
bad "bad character" "the value is not base64url: position 3: '!' is not a base64url or base64 character" 'QU!D'
bad "impossible length" "the value is not base64url: impossible length: 5 characters${one_line}" 'QUJDR'
bad "'=' in the middle" "the value is not base64url: position 3: '=' inside the value${one_line}" 'QQ==QUJD'
bad "whitespace inside" "the value is not base64url: position 5: whitespace inside the value" 'QUJD QUJD'
bad "mixed alphabets" "${one_line}mixes the base64url \('-', '_'\) and base64 \('\+', '/'\) alphabets" 'ab-+'
bad "empty" "the value is not base64url: empty" $'\n'
bad "truncated JSON" "not valid JSON" '{"kid":"x","value":"QUJD"'
bad "JSON without value" "no \"value\" member${one_line}" '{"kid":"x"}'
notstr='"value" is not a string \(a JSON number, object, array, true, false or null\): refused without reading it'
bad "JSON value not a string" "$notstr" '{"value":42}'
# Refused before json-c copies it, and never quoted (the whole line is matched).
bad "JSON value an object" "$notstr" '{"kid":"x","value":{"k":"SECRETMARK0123456789"}}'
bad "JSON value an array" "$notstr" '{"value":["SECRETMARK0123456789"]}'
bad "JSON value true" "$notstr" '{"value":true}'
bad "bad base64url inside JSON" "\"value\" is not base64url: position 2: '\*'${one_line}" '{"value":"Q*JD"}'
bad "UTF-16" "UTF-16 text${one_line}" $'\xff\xfe{'
check "malformed: larger than 64 KiB" 1 "^bek-unlock: Refusing the secret from standard input: larger than 65536 bytes$" -- \
	sh -c "head -c 70000 /dev/zero | tr '\\\\0' A | $(printf '%q ' "${wrap[@]}" "$bin") recover --check '$img'"
check "malformed: a directory" 1 "^bek-unlock: Failed to read the secret from $work: Is a directory$" -- \
	run recover --secret-file "$work" --check "$img"
check "malformed: a missing file" 1 "^bek-unlock: Failed to open the secret file $work/nope: No such file or directory$" -- \
	run recover --secret-file "$work/nope" --check "$img"

# Key Vault secrets, as "az keyvault secret show" prints them.
wrapped=$(head -c 256 /dev/urandom | basenc --base64url -w0 | tr -d '=')
secret_json() {  # secret_json TAGS VALUE
	printf '{\n  "attributes": {\n    "enabled": true,\n    "recoverableDays": 90\n  },\n'
	printf '  "contentType": "Wrapped BEK",\n'
	printf '  "id": "https://myvault.vault.azure.net/secrets/0e4f3f0a-1111-2222-3333-444455556666/0123456789abcdef0123456789abcdef",\n'
	printf '  "kid": null,\n  "managed": null,\n  "name": "0e4f3f0a-1111-2222-3333-444455556666",\n'
	printf '  "tags": %s,\n  "value": "%s"\n}\n' "$1" "$2"
}
secret_json "{
    \"DiskEncryptionKeyEncryptionAlgorithm\": \"RSA-OAEP\",
    \"DiskEncryptionKeyEncryptionKeyURL\": \"$kid\",
    \"DiskEncryptionKeyFileName\": \"LinuxPassPhraseFileName\",
    \"MachineName\": \"myvm\"
  }" "$wrapped" >"$work/secret.json"
secret_json "{\"DiskEncryptionKeyEncryptionUrl\": \"$kid\", \"MachineName\": \"oldvm\", \"DiskEncryptionKeyFileName\": \"LinuxPassPhraseFileName_0_1\"}" \
	"$wrapped" >"$work/secret-old.json"
secret_json '{"MachineName": "plainvm", "DiskEncryptionKeyFileName": "LinuxPassPhraseFileName"}' \
	"$(base64 -w0 <"$work/key1")" >"$work/secret-plain.json"

check "describe: machine, key file, KEK URL, RSA-OAEP" 0 \
	"machine: +myvm${nl}.*key file: +LinuxPassPhraseFileName${nl}.*wrapped: +yes, by the key $kid \(tag DiskEncryptionKeyEncryptionKeyURL\).*algorithm: +RSA-OAEP${nl}" -- \
	run recover --describe "$work/secret.json"
check "describe: the unwrapKey request" 0 \
	"POST $kid/unwrapkey\?api-version=7\.4${nl} +with the body \{\"alg\":\"RSA-OAEP\",\"value\":\"<the secret's value>\"\}" -- \
	run recover --describe "$work/secret.json"
check "describe: value length, not the value" 0 "value: +342 characters, 256 bytes wrapped \(--show-wrapped prints it\)" -- \
	run recover --describe "$work/secret.json"
check "describe: az hint" 0 "az rest --method post --resource https://vault\.azure\.net .*--url '$kid/unwrapkey\?api-version=7\.4'.*\| bek-unlock recover --check DEVICE" -- \
	run recover --describe "$work/secret.json"
check "describe: --show-wrapped prints the wrapped value" 0 "value: +342 characters, 256 bytes wrapped: $wrapped${nl}.*\"value\":\"$wrapped\"" -- \
	run recover --describe "$work/secret.json" --show-wrapped
if run recover --describe "$work/secret.json" 2>&1 | grep -qF -- "${wrapped:0:40}"; then
	fail=$((fail + 1)); echo "FAIL describe: the wrapped value only with --show-wrapped"
else
	pass=$((pass + 1)); echo "PASS describe: the wrapped value only with --show-wrapped"
fi
check "describe: older tag DiskEncryptionKeyEncryptionUrl" 0 \
	"machine: +oldvm.*LinuxPassPhraseFileName_0_1.*by the key $kid \(tag DiskEncryptionKeyEncryptionUrl\).*RSA-OAEP \(no DiskEncryptionKeyEncryptionAlgorithm tag: ADE's default\)" -- \
	run recover --describe "$work/secret-old.json"
check "describe: from stdin" 0 "machine: +myvm" -- run recover --describe - <"$work/secret.json"
check "describe: not wrapped, said clearly" 0 "machine: +plainvm.*wrapped: +no .*is the passphrase itself${nl}.*value: +232 characters, never printed" -- \
	run recover --describe "$work/secret-plain.json" --show-wrapped
check "recover: a secret that is not wrapped opens" 0 "from the Key Vault secret \(not wrapped\).*$slot1" -- \
	run recover --secret-file "$work/secret-plain.json" --check "$img"
check "recover: a wrapped secret is refused" 1 "^bek-unlock: Refusing the secret from $work/secret.json: this Key Vault secret is still wrapped${one_line}--describe\)$" -- \
	run recover --secret-file "$work/secret.json" --check "$img"
check "describe: an unwrapKey result is not a secret" 1 "^bek-unlock: Refusing the secret from $work/response.json: this is an unwrapKey result${one_line}$" -- \
	run recover --describe "$work/response.json"
secret_json "{\"DiskEncryptionKeyEncryptionKeyURL\": \"https://evil.example/keys/k/1'; rm -rf /\"}" "$wrapped" >"$work/evil.json"
check "describe: a hostile key URL is refused" 1 "^bek-unlock: Refusing the secret from $work/evil.json: tag DiskEncryptionKeyEncryptionKeyURL has an unexpected character after the version$" -- \
	run recover --describe "$work/evil.json"
secret_json '{"MachineName": ["vm"]}' "$wrapped" >"$work/badtag.json"
check "describe: a tag of the wrong type" 1 "^bek-unlock: Refusing the secret from $work/badtag.json: tag MachineName is not a string$" -- \
	run recover --describe "$work/badtag.json"
check "describe: a list is not one secret" 1 "not a JSON object \(expected one secret" -- \
	sh -c "echo '[]' | $(printf '%q ' "${wrap[@]}" "$bin") recover --describe -"

# A LUKS1 volume with a detached header, as ADE's OS disk (/boot/luks/osluksheader).
truncate -s 8M "$work/data1"
truncate -s 4M "$work/hdr1"
cs luksFormat --type luks1 --header "$work/hdr1" "$work/data1" "$work/key1"
check "luks1 detached header: --check DATA --header HDR" 0 "keyslot 0 of $work/hdr1 \(LUKS1, UUID [-0-9a-f]+\) accepts the passphrase" -- \
	run recover --check "$work/data1" --header "$work/hdr1" <"$work/response.json"
check "luks1 detached header: without --header, a hint" 1 "Failed to read a LUKS header on $work/data1: ${one_line}add --header FILE" -- \
	run recover --check "$work/data1" <"$work/response.json"
check "luks1 detached header: a wrong value" 3 "rejected by every keyslot of $work/hdr1 \(LUKS1" -- \
	run recover --check "$work/data1" --header "$work/hdr1" <"$work/wrong"

check "usage: nothing to do" 1 "nothing to do: give --check, --open or --write-key-file.*Usage" -- run recover <"$work/bare"
check "usage: --check with --open" 1 "exclude each other" -- run recover --check "$img" --open "$img" x <"$work/bare"
check "usage: --open needs NAME" 1 "--open needs DEVICE and NAME" -- run recover --open "$img" <"$work/bare"
check "usage: a bad mapping name" 1 "Refusing the mapping name: mapping name must be printable ASCII without '/'" -- run recover --open "$img" a/b <"$work/bare"
check "usage: --show-wrapped without --describe" 1 "--show-wrapped goes with --describe" -- run recover --check "$img" --show-wrapped
check "usage: --describe alone" 1 "--describe takes no other option" -- run recover --describe "$work/secret.json" --check "$img"
check "--help lists recover" 0 "recover --describe FILE" -- run --help

# Over everything above: neither the passphrase nor its encoded forms were ever printed.
leaked=0
for s in "$value" "$(cat "$work/key1")" "$(base64 -w0 <"$work/key1")"; do
	for part in "${s:0:24}" "${s:100:24}"; do
		grep -qF -- "$part" "$work/all-output" && leaked=1
	done
done
if [ "$leaked" = 0 ] && [ -s "$work/all-output" ]; then
	pass=$((pass + 1)); echo "PASS the secret never appears in any output"
else
	fail=$((fail + 1)); echo "FAIL the secret never appears in any output"
fi

finish
