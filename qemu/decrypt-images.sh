#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest disks for `bek-unlock decrypt` (qemu/decrypt_scenarios.py): the ADE layouts of
# qemu/ade-images.sh (sourced: its functions, keys and BEK disks), with a root large enough
# to carry bek-unlock and cryptsetup, and the sha256 of every volume's plain content taken
# before it was encrypted.  Built offline on image files, as ade-images.sh does.
# Usage: qemu/decrypt-images.sh ROOTINIT BEK_UNLOCK [OUTDIR]  (default build/qemu/decrypt/images)
#
#   disk-a.img   GPT: p1 /boot (ext4, 64 MiB: room for a header backup) holding
#                luks/osluksheader, p2 the root ext4 encrypted in place (detached LUKS2, offset 0)
#   disk-b.img   the same with LVM inside p2 (VG rootvg, LV rootlv)
#   disk-m.img   layout a in the middle of ADE's online encryption: `reencrypt --encrypt
#                --init-only --header`, then resumed offline and interrupted (SIGINT) about
#                half-way; keyslot 0 = ade.key (no other keyslot can be added in that state)
#   disk-s.img   layout a with a 24 MiB /boot: the 16 MiB header fits, its backup does not
#   disk-f.img   layout a with layout b's header on /boot (another volume's, same key)
#   disk-c.img   GPT: p1 /boot without header, p2 LUKS1 with its header on the partition
#   data.img     ADE data disk: LUKS2 header in place, made by data shift
#                (--reduce-device-size 32768S), keyslot 0 = ade.key
#   disk-n.img   a volume not made by ADE: detached LUKS2 header on /boot, data 1 MiB into p2
#   rescue.img   plain ext4 root for the offline rows (no crypttab): the ADE disk is its vdb
#   bench.img    layout a with a DECRYPT_BENCH_MB root, for make decrypt-bench
#   bek-ade.img  VFAT "BEK VOLUME" with LinuxPassPhraseFileName = ade.key (ade-images.sh)
#   crypttab, crypttab.bek, sysroot-L/   the initramfs inputs for layouts a, b, m (qemu/decrypt.mk)
#   ids.json     UUIDs, and per volume the sha256 and length of its plain content, the
#                partition it lives in, and the offset of that content after decryption (0)
# Every guest root: rootinit as /sbin/init, BEK_UNLOCK as /usr/sbin/bek-unlock, the host's
# cryptsetup and dd with their libraries (ldd), /etc/bek-test/{ade,new}.key (new.key opens
# nothing here: the wrong key), /etc/crypttab as ADE writes it (not in rescue.img).
# shellcheck disable=SC2086   # $KDF, $CS and $resume are lists of words
set -eu
rootinit=$1
binary=$2
out=${3:-build/qemu/decrypt/images}
set -- "$rootinit" "$out"
ADE_IMAGES_LIB=1
# shellcheck source=qemu/ade-images.sh
. "$(dirname "$0")/ade-images.sh"
set -eu

ROOT_MB=32        # root ext4: rootinit, bek-unlock, cryptsetup and its libraries
LVM_MB=40
LUKS1_MB=40
BOOT_MB=64       # /boot: the 16 MiB header and room for its backup
SMALL_BOOT_MB=24
DATA_MB=32
RESCUE_MB=48
BENCH_MB=${DECRYPT_BENCH_MB:-96}

copy_prog() {   # DIR PROGRAM: the host's program and the libraries ldd names, same paths
    install -D -m 755 "$(command -v "$2")" "$1/usr/sbin/$2"
    for lib in $(ldd "$(command -v "$2")" | grep -o '/[^ ]*'); do
        [ -e "$1$lib" ] || install -D -m 755 "$(realpath "$lib")" "$1$lib"
    done
}

decrypt_root() {   # the guest root's tree, $tmp/rootfs (root_fs of ade-images.sh uses it)
    dir=$tmp/rootfs
    mkdir -p "$dir/sbin" "$dir/etc/bek-test" "$dir/proc" "$dir/dev" "$dir/sys" "$dir/run" "$dir/tmp" \
        "$dir/boot" "$dir/mnt" "$dir/var/lib"
    install -m 755 "$rootinit" "$dir/sbin/init"
    install -D -m 755 "$binary" "$dir/usr/sbin/bek-unlock"
    copy_prog "$dir" cryptsetup
    copy_prog "$dir" dd
    printf 'NAME="bek-test"\nID=bektest\nPRETTY_NAME="bek-unlock decrypt test root"\n' > "$dir/etc/os-release"
    for k in "$out"/*.key; do cat "$k"; echo; done > "$dir/etc/bek-test-needle"
    cp "$out/ade.key" "$out/new.key" "$dir/etc/bek-test/"
    ade_line osencrypt "/dev/disk/by-partuuid/$part2" "luks,discard,header=$hdr" > "$dir/etc/crypttab"
}

fs_uuid() {
    blkid -p -s UUID -o value "$1"
}

sum() {   # FILE: sha256 of the whole file
    sha256sum "$1" | cut -d' ' -f1
}

record() {   # KEY PLAIN_IMG PARTITION FS_UUID: a line of ids.json's "volumes"
    printf '%s"%s": {"sha256": "%s", "bytes": %s, "part": %s, "fs_uuid": "%s"}\n' \
        "$sep" "$1" "$(sum "$2")" "$(stat -c %s "$2")" "$3" "$4" >> "$tmp/volumes"
    sep=", "
}

midway() {   # DATA.img HDR: ADE's online encryption started and stopped about half-way
    rm -f "$2"
    cryptsetup reencrypt --encrypt --init-only --type luks2 --header "$2" $CS $KDF \
        --key-file "$out/ade.key" "$1"
    # A trial run on copies counts the write() calls of the whole resume; the real one gets
    # SIGINT (cryptsetup stops cleanly, "Reencryption interrupted") at half of them.
    cp --sparse=always "$1" "$tmp/trial.img"
    cp "$2" "$tmp/trial.hdr"
    resume="cryptsetup reencrypt --resume-only --force-offline-reencrypt --hotzone-size 1M
        --resilience journal $CS --key-file $out/ade.key --header"
    strace -f -o "$tmp/trial.strace" -e trace=write $resume "$tmp/trial.hdr" "$tmp/trial.img"
    n=$(grep -c 'write(' "$tmp/trial.strace")
    strace -f -o /dev/null -e trace=write -e inject=write:signal=SIGINT:when=$((n / 2)) \
        $resume "$2" "$1" 2> /dev/null || true
    done_bytes=$(cryptsetup luksDump "$2" | awk '/^  0: crypt/ {c = 1} c && /length:/ {print $2; exit}')
    total=$(stat -c %s "$1")
    case $done_bytes in
        ''|*[!0-9]*) echo "decrypt-images: the mid-way header is not half-way: $done_bytes" >&2; return 1 ;;
    esac
    if [ "$done_bytes" -lt $((total / 5)) ] || [ "$done_bytes" -gt $((total * 4 / 5)) ]; then
        echo "decrypt-images: the mid-way header has $done_bytes of $total bytes encrypted" >&2
        return 1
    fi
    cryptsetup luksDump "$2" | grep -q 'online-reencrypt'
    rm -f "$tmp/trial.img" "$tmp/trial.hdr" "$tmp/trial.strace"
}

part2=$(new_uuid)
boot_uuid=$(new_uuid)
part1=$(new_uuid)
hdr=/boot/luks/osluksheader
xbek=",x-bek-header-fs=UUID=$boot_uuid,x-bek-header-path=luks/osluksheader"
sep=""
: > "$tmp/volumes"
decrypt_root

# (a) detached LUKS2 header on /boot, root ext4 directly in p2.
root_fs "$tmp/root-a.img" $ROOT_MB
record a "$tmp/root-a.img" 2 "$(fs_uuid "$tmp/root-a.img")"
detached_luks2 "$tmp/root-a.img" "$tmp/hdr-a"
check_plain "$tmp/root-a.img" "$tmp/hdr-a" 0
boot_fs "$tmp/boot-a.img" "$boot_uuid" "$tmp/hdr-a"
gpt_disk "$out/disk-a.img" "$tmp/boot-a.img" "$tmp/root-a.img" "$part1" "$part2" $LINUX_FS

# (s) the same volume, /boot too small for a backup of its header.
BOOT_MB=$SMALL_BOOT_MB
boot_fs "$tmp/boot-s.img" "$boot_uuid" "$tmp/hdr-a"
BOOT_MB=64
gpt_disk "$out/disk-s.img" "$tmp/boot-s.img" "$tmp/root-a.img" "$part1" "$part2" $LINUX_FS

# (b) LVM inside the encrypted partition.
root_fs "$tmp/root-b.img" $ROOT_MB
b_uuid=$(fs_uuid "$tmp/root-b.img")
lvm_pv "$tmp/pv.img" "$tmp/root-b.img"
record b "$tmp/pv.img" 2 "$b_uuid"
detached_luks2 "$tmp/pv.img" "$tmp/hdr-b"
check_plain "$tmp/pv.img" "$tmp/hdr-b" "$(cat "$tmp/pe_start")"
boot_fs "$tmp/boot-b.img" "$boot_uuid" "$tmp/hdr-b"
gpt_disk "$out/disk-b.img" "$tmp/boot-b.img" "$tmp/pv.img" "$part1" "$part2" $LINUX_LVM

# (f) layout a's disk, layout b's header on /boot.
boot_fs "$tmp/boot-f.img" "$boot_uuid" "$tmp/hdr-b"
gpt_disk "$out/disk-f.img" "$tmp/boot-f.img" "$tmp/root-a.img" "$part1" "$part2" $LINUX_FS

# (m) mid-way through ADE's online encryption.
root_fs "$tmp/root-m.img" $ROOT_MB
record m "$tmp/root-m.img" 2 "$(fs_uuid "$tmp/root-m.img")"
midway "$tmp/root-m.img" "$tmp/hdr-m"
boot_fs "$tmp/boot-m.img" "$boot_uuid" "$tmp/hdr-m"
gpt_disk "$out/disk-m.img" "$tmp/boot-m.img" "$tmp/root-m.img" "$part1" "$part2" $LINUX_FS

# (c) LUKS1 with its header on the partition (as ade-images.sh: LUKS2 in place, converted).
root_fs "$tmp/root-c.img" $ROOT_MB
record c "$tmp/root-c.img" 2 "$(fs_uuid "$tmp/root-c.img")"
truncate -s ${LUKS1_MB}M "$tmp/root-c.img"
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 8M $CS $KDF \
    --key-file "$out/pass0" "$tmp/root-c.img"
cryptsetup convert --type luks1 $CS "$tmp/root-c.img"
cryptsetup luksAddKey $CS $KDF --new-key-slot 1 --key-file "$out/pass0" "$tmp/root-c.img" "$out/ade.key"
check_key "$tmp/root-c.img" "$out/ade.key"
boot_fs "$tmp/boot-c.img" "$boot_uuid"
gpt_disk "$out/disk-c.img" "$tmp/boot-c.img" "$tmp/root-c.img" "$part1" "$part2" $LINUX_FS

# (data) an ADE data disk: the whole disk, header in place by data shift.
mkdir -p "$tmp/datafs"
head -c 1M /dev/urandom > "$tmp/datafs/payload"
truncate -s $((DATA_MB + 16))M "$out/data.img"
mkfs.ext4 -q -L bekdata -d "$tmp/datafs" "$out/data.img" ${DATA_MB}M
head -c ${DATA_MB}M "$out/data.img" > "$tmp/data-plain.img"
record data "$tmp/data-plain.img" 0 "$(fs_uuid "$tmp/data-plain.img")"
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 32768S $CS $KDF \
    --key-file "$out/ade.key" "$out/data.img"

# (n) not made by ADE: a detached LUKS2 header whose data starts 1 MiB into p2 (ADE passes
# no --offset: its detached headers put the data at 0), the same key.
root_fs "$tmp/root-n.img" $ROOT_MB
truncate -s $((ROOT_MB + 1))M "$tmp/root-n.img"
rm -f "$tmp/hdr-n"
cryptsetup luksFormat --type luks2 --header "$tmp/hdr-n" --offset 2048 $CS $KDF \
    --key-file "$out/ade.key" "$tmp/root-n.img"
boot_fs "$tmp/boot-n.img" "$boot_uuid" "$tmp/hdr-n"
gpt_disk "$out/disk-n.img" "$tmp/boot-n.img" "$tmp/root-n.img" "$part1" "$part2" $LINUX_FS

# The rescue root: the same tree without the crypttab.
rm "$tmp/rootfs/etc/crypttab"
rm -f "$out/rescue.img"
mkfs.ext4 -q -L rescue -d "$tmp/rootfs" "$out/rescue.img" ${RESCUE_MB}M

# (bench) layout a, larger.
root_fs "$tmp/root-bench.img" "$BENCH_MB"
record bench "$tmp/root-bench.img" 2 "$(fs_uuid "$tmp/root-bench.img")"
detached_luks2 "$tmp/root-bench.img" "$tmp/hdr-bench"
boot_fs "$tmp/boot-bench.img" "$boot_uuid" "$tmp/hdr-bench"
gpt_disk "$out/bench.img" "$tmp/boot-bench.img" "$tmp/root-bench.img" "$part1" "$part2" $LINUX_FS

# The initramfs inputs (qemu/ade.mk's: the host's crypttab, the module's, the header copy).
ade_line osencrypt "/dev/disk/by-partuuid/$part2" "luks,discard,header=$hdr" > "$out/crypttab"
ade_line osencrypt "/dev/disk/by-partuuid/$part2" "luks,discard,header=$hdr$xbek" > "$out/crypttab.bek"
for l in a b m; do
    mkdir -p "$out/sysroot-$l/boot/luks"
    cp "$tmp/hdr-$l" "$out/sysroot-$l$hdr"
done

cat > "$out/ids.json" <<EOF
{"boot_fs_uuid": "$boot_uuid", "partuuid": "$part2", "luks_uuid_a": "$(cryptsetup luksUUID "$tmp/hdr-a")",
 "vg": "$VG", "lv": "$LV", "boot_mb": $BOOT_MB,
 "volumes": {$(cat "$tmp/volumes")}}
EOF
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$out/ids.json"
rm -rf "$tmp"
