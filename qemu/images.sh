#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the guest disks for the QEMU scenarios into OUTDIR (default build/qemu/images):
#   pass0, ade.key, wrong.key, data.key   keyslot-0 passphrase, the ADE key (keyslot 1 of every
#                                         root), a wrong key, the data volume's key
#   uuid, uuid-data                       LUKS UUIDs of the roots and of data-token.img
#   root-notoken.img      LUKS2 root (ext4 with /sbin/init = rootinit), keyslot 0 = pass0,
#                         keyslot 1 = ade.key, no token; /etc/bek-test-needle holds every *.key
#   root-token.img        + token {"type":"bek","keyslots":["1"],"key_file":"LinuxPassPhraseFileName"}
#   root-token-multi.img  + token naming LinuxPassPhraseFileName_1_0
#   root-tok-*.img        + a token bek-unlock must refuse (int, dotdot, slash, 2slots, big)
#   root-argon.img        keyslot 1 re-added as argon2id, 1 GiB (more than the 512 MiB guest)
#   root-argon-notoken.img  the same without a token
#   root-argon-slow.img   keyslot 1 re-added as argon2id, 32 MiB but ARGON_SLOW_ITER iterations:
#                         ~10 s to derive on the host, minutes under TCG; token naming keyslot 1
#   data-token.img        LUKS2 data volume: keyslot 0 = pass0, keyslot 1 = data.key,
#                         token naming LinuxPassPhraseFileName_1_0
#   bek-*.img             disks labelled "BEK VOLUME" (VFAT unless said otherwise):
#     good, wrong, multi, data      the key files the scenarios need
#     nokey, empty, huge, dir       LinuxPassPhraseFileName missing / empty / 9 MiB / a directory
#     ext4                          ext4 (never mounted by label): LinuxPassPhraseFileName = ade.key
#     corrupt                       probes as VFAT "BEK VOLUME", but the kernel refuses to mount it
#     part                          as Azure attaches it: bek-good's VFAT as partition 1 (MBR)
#   many-fs.img           GPT disk, 40 partitions of 2 MiB: every third (3, 6, ..., 36) ext4
#                         labelled "BEK VOLUME" without any file, the other 28 VFAT DATA01..DATA28
# Everything is built in OUTDIR/.new and then moved over OUTDIR's files (other files there stay).
# Usage: qemu/images.sh ROOTINIT [OUTDIR]
set -eu
rootinit=$1
dest=${2:-build/qemu/images}
out=$dest/.new
tmp=$out/tmp

# Cheap KDF: the guest is TCG-emulated, argon2id at default memory does not fit in it.
PBKDF=pbkdf2
ITER=1000
FS_MB=16      # ext4 size; the image is 16 MiB larger for reencrypt --reduce-device-size
KEY=LinuxPassPhraseFileName
# argon2id at 32 MiB costs ~22 ms an iteration on the build host (Debian 12, 2 cores): ~10 s
# there, 10-20x that under TCG.  luksAddKey derives once more at build time.
ARGON_SLOW_ITER=${ARGON_SLOW_ITER:-450}

new_key() {   # 127 random bytes as base64: 172 chars ending "==", no newline
    head -c 127 /dev/urandom | base64 -w0 > "$1"
}

build_root() {
    dir=$tmp/rootfs
    mkdir -p "$dir/sbin" "$dir/etc" "$dir/proc" "$dir/dev" "$dir/sys" "$dir/run" "$dir/tmp"
    install -m 755 "$rootinit" "$dir/sbin/init"
    # systemd's initrd refuses to switch into a root without os-release.
    printf 'NAME="bek-test"\nID=bektest\nPRETTY_NAME="bek-unlock test root"\n' > "$dir/etc/os-release"
    # rootinit looks for these bytes (one key a line) in every file left under /run and /tmp.
    for k in "$out"/*.key; do cat "$k"; echo; done > "$dir/etc/bek-test-needle"

    img=$out/root-notoken.img
    truncate -s $((FS_MB + 16))M "$img"
    mkfs.ext4 -q -L bekroot -d "$dir" "$img" ${FS_MB}M
    # Offline encryption in place: no device-mapper needed on the host.
    cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --disable-locks \
        --batch-mode --pbkdf $PBKDF --pbkdf-force-iterations $ITER --key-file "$out/pass0" "$img"
    cryptsetup luksAddKey --disable-locks --pbkdf $PBKDF --pbkdf-force-iterations $ITER \
        --new-key-slot 1 --key-file "$out/pass0" "$img" "$out/ade.key"
    cryptsetup luksUUID "$img" > "$out/uuid"
}

token() {        # KEY_FILE [KEYSLOTS_JSON [EXTRA_JSON]]: a bek token
    printf '{"type":"bek","keyslots":%s,"key_file":%s%s}' "${2:-[\"1\"]}" "$1" "${3:-}"
}

with_token() {   # SRC DST JSON
    cp "$1" "$2"
    printf '%s' "$3" | cryptsetup token import --disable-locks --json-file - "$2"
}

build_data() {   # a LUKS2 data volume with its own key and a token naming ${KEY}_1_0
    img=$out/data-token.img
    truncate -s 20M "$img"
    cryptsetup luksFormat --type luks2 --batch-mode --disable-locks --pbkdf $PBKDF \
        --pbkdf-force-iterations $ITER --key-file "$out/pass0" "$img"
    cryptsetup luksAddKey --disable-locks --pbkdf $PBKDF --pbkdf-force-iterations $ITER \
        --new-key-slot 1 --key-file "$out/pass0" "$img" "$out/data.key"
    printf '%s' "$(token "\"${KEY}_1_0\"")" |
        cryptsetup token import --disable-locks --json-file - "$img"
    cryptsetup luksUUID "$img" > "$out/uuid-data"
}

build_argon() {  # keyslot 1 (the ADE key) needs 1 GiB to derive; keyslot 0 stays cheap
    img=$out/root-argon.img
    cp "$out/root-notoken.img" "$img"
    cryptsetup luksKillSlot --batch-mode --disable-locks --key-file "$out/pass0" "$img" 1
    cryptsetup luksAddKey --disable-locks --pbkdf argon2id --pbkdf-memory 1048576 \
        --pbkdf-force-iterations 4 --new-key-slot 1 --key-file "$out/pass0" "$img" "$out/ade.key"
    cp "$img" "$out/root-argon-notoken.img"   # no token: every keyslot is a candidate
    # After luksKillSlot: killing a keyslot also drops it from the tokens that name it.
    printf '%s' "$(token "\"$KEY\"")" | cryptsetup token import --disable-locks --json-file - "$img"
}

build_argon_slow() {  # keyslot 1 (the ADE key) fits in memory but takes minutes in the guest
    img=$out/root-argon-slow.img
    cp "$out/root-notoken.img" "$img"
    cryptsetup luksKillSlot --batch-mode --disable-locks --key-file "$out/pass0" "$img" 1
    cryptsetup luksAddKey --disable-locks --pbkdf argon2id --pbkdf-memory 32768 --pbkdf-parallel 1 \
        --pbkdf-force-iterations "$ARGON_SLOW_ITER" --new-key-slot 1 --key-file "$out/pass0" "$img" "$out/ade.key"
    printf '%s' "$(token "\"$KEY\"")" | cryptsetup token import --disable-locks --json-file - "$img"
}

bek_disk() {     # IMG NAME=SRC...: a VFAT "BEK VOLUME" holding files (SRC "DIR": a directory)
    img=$1; shift
    size=2048     # KiB; enough for everything but the oversized key file
    for pair in "$@"; do
        [ "${pair#*=}" = DIR ] || size=$((size + $(du -k "${pair#*=}" | cut -f1)))
    done
    mkfs.vfat -C -n "BEK VOLUME" "$img" $size >/dev/null
    for pair in "$@"; do
        if [ "${pair#*=}" = DIR ]; then
            mmd -i "$img" "::${pair%%=*}"
        else
            mcopy -i "$img" "${pair#*=}" "::${pair%%=*}"
        fi
    done
}

bek_part() {     # IMG SRC: SRC's filesystem as partition 1 of an MBR disk (Azure's BEK disk layout)
    mib=$(( $(stat -c %s "$2") / 1048576 + 1 ))
    rm -f "$1"
    truncate -s $((mib + 2))M "$1"
    printf 'label: dos\nstart=1MiB, size=%sMiB, type=c\n' "$mib" | sfdisk -q "$1"
    dd if="$2" of="$1" bs=1M seek=1 conv=notrunc status=none
}

bek_ext4() {     # ext4 "BEK VOLUME" holding the right key as a regular file
    dir=$tmp/bek-ext4
    mkdir -p "$dir"
    cp "$out/ade.key" "$dir/$KEY"
    mkfs.ext4 -q -L "BEK VOLUME" -d "$dir" "$out/bek-ext4.img" 4M >/dev/null
}

many_fs() {      # 40 partitions, no loop device: each filesystem built in a file, dd'd in place
    img=$out/many-fs.img
    truncate -s 84M "$img"
    args=""
    i=1
    while [ $i -le 40 ]; do args="$args -n $i:0:+2M"; i=$((i + 1)); done
    # shellcheck disable=SC2086
    sgdisk -o $args "$img" >/dev/null
    i=1 n=1
    while [ $i -le 40 ]; do
        part=$tmp/part.img
        rm -f "$part"
        if [ $((i % 3)) = 0 ] && [ $i -le 36 ]; then
            mkfs.ext4 -q -L "BEK VOLUME" "$part" 2M >/dev/null
        else
            mkfs.vfat -C -n "$(printf 'DATA%02d' $n)" "$part" 2048 >/dev/null
            n=$((n + 1))
        fi
        start=$(sgdisk -i $i "$img" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
        dd if="$part" of="$img" bs=512 seek="$start" conv=notrunc status=none
        i=$((i + 1))
    done
    rm -f "$part"
}

bek_corrupt() {  # bek-good with 1 root directory entry in the boot sector (offset 0x11):
    # libblkid still reports TYPE=vfat LABEL="BEK VOLUME" (it only sizes the root directory
    # with it), Linux refuses it: "FAT-fs (vdb): bogus number of directory entries (1)".
    cp "$out/bek-good.img" "$out/bek-corrupt.img"
    printf '\001\000' | dd of="$out/bek-corrupt.img" bs=1 seek=17 conv=notrunc status=none
    [ "$(blkid -p -s LABEL -s TYPE -o value "$out/bek-corrupt.img" | tr '\n' ,)" = "BEK VOLUME,vfat," ]
}

rm -rf "$out"
mkdir -p "$tmp"
printf 'typed-passphrase-0' > "$out/pass0"
for k in ade wrong data; do new_key "$out/$k.key"; done
printf 'Do not delete: this volume holds the encryption keys.\n' > "$tmp/README"
: > "$tmp/empty"
head -c 9M /dev/urandom > "$tmp/huge"

build_root
with_token "$out/root-notoken.img" "$out/root-token.img" "$(token "\"$KEY\"")"
with_token "$out/root-notoken.img" "$out/root-token-multi.img" "$(token "\"${KEY}_1_0\"")"
# Tokens bek-unlock must refuse, falling back to the default key file name.
with_token "$out/root-notoken.img" "$out/root-tok-int.img" "$(token 42)"
with_token "$out/root-notoken.img" "$out/root-tok-dotdot.img" "$(token "\"../$KEY\"")"
with_token "$out/root-notoken.img" "$out/root-tok-slash.img" "$(token "\"/mnt/azure_bek_disk/$KEY\"")"
with_token "$out/root-notoken.img" "$out/root-tok-2slots.img" "$(token "\"$KEY\"" '["0","1"]')"
with_token "$out/root-notoken.img" "$out/root-tok-big.img" \
    "$(token "\"$KEY\"" '["1"]' ",\"padding\":\"$(head -c 4200 /dev/zero | tr '\0' x)\"")"
build_argon
build_argon_slow
build_data

bek_disk "$out/bek-good.img"  $KEY="$out/ade.key"
bek_disk "$out/bek-wrong.img" $KEY="$out/wrong.key"
bek_disk "$out/bek-multi.img" $KEY="$out/wrong.key" ${KEY}_1_0="$out/ade.key" \
    CRITICAL_DATA_WARNING_README.txt="$tmp/README"
bek_disk "$out/bek-data.img"  $KEY="$out/ade.key" ${KEY}_1_0="$out/data.key"
bek_disk "$out/bek-nokey.img" CRITICAL_DATA_WARNING_README.txt="$tmp/README"
bek_disk "$out/bek-empty.img" $KEY="$tmp/empty"
bek_disk "$out/bek-huge.img"  $KEY="$tmp/huge"
bek_disk "$out/bek-dir.img"   $KEY=DIR
bek_part "$out/bek-part.img" "$out/bek-good.img"
bek_ext4
bek_corrupt
many_fs

rm -rf "$tmp"
mv -f "$out"/* "$dest"/
rmdir "$out"
