#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest disks reproducing Azure Disk Encryption (ADE) layouts, for qemu/ade_scenarios.py.
# Everything is built offline on image files (no device-mapper needed on the host).
# Usage: qemu/ade-images.sh ROOTINIT [OUTDIR]      (default OUTDIR: build/qemu/ade/images)
#
#   pass0, ade.key, new.key     keyslot-0 passphrase (typed at a prompt), the ADE key
#                               (keyslot 1), the key after a rotation (keyslot 2 of disk-d)
#   disk-a.img   GPT: p1 /boot (ext4) holding luks/osluksheader, the detached LUKS2 header
#                of p2; p2 the encrypted root (ext4 encrypted in place, data offset 0)
#   disk-b.img   the same with LVM inside p2: VG rootvg, LV rootlv (the root ext4)
#   disk-c.img   GPT: p1 /boot without header, p2 LUKS1 with its header on the partition
#   disk-d.img   disk-a after a key rotation on /boot: keyslot 2 = new.key added, keyslot 1
#                (ade.key) killed, in luks/osluksheader only (p1 rebuilt, same fs UUID)
#   disk-e.img   disk-a with /boot lacking luks/osluksheader (p1 rebuilt, same fs UUID)
#   disk-e2.img  disk-a with p1 zeroed (no /boot filesystem at all)
#   disk-f.img   disk-a with /boot holding disk-b's header (another volume's) as luks/osluksheader
#   disk-g.img   disk-a's layout (same PARTUUIDs) encrypted again after the build: a new header
#                on /boot, the one in layout a's image stale (both opened by ade.key)
#   bek-ade.img, bek-new.img    VFAT "BEK VOLUME": LinuxPassPhraseFileName (ade.key or
#                               new.key) and CRITICAL_DATA_WARNING_README.txt
#   crypttab-L         the host's /etc/crypttab for layout L (a, b, c), as ADE writes it:
#                      carried into the initramfs as /etc/crypttab
#   crypttab-L.bek     the same plus x-bek-header-fs=/x-bek-header-path= (what the dracut
#                      module computes with findmnt on a real host): BEK_UNLOCK_CRYPTTAB
#   sysroot-L/boot/luks/osluksheader   the header at build time: BEK_UNLOCK_SYSROOT
#   ids.json     UUIDs and names the scenarios assert on
# shellcheck disable=SC2086   # $KDF and $CS are lists of options
set -eu
rootinit=$1
out=${2:-build/qemu/ade/images}
tmp=$out/tmp

# Cheap KDF: the guest is TCG-emulated (see images.sh).
KDF="--pbkdf pbkdf2 --pbkdf-force-iterations 1000"
CS="--disable-locks --batch-mode"
LINUX_FS=0FC63DAF-8483-4772-8E79-3D69D8477DE4
LINUX_LVM=E6D6D379-F507-44C2-A23C-238F2A3DF928
BOOT_MB=32        # /boot: the LUKS2 header is 16 MiB
ROOT_MB=16        # root ext4
LVM_MB=24         # p2 of disk-b: 1 MiB LVM metadata + 16 MiB LV + spare extents
LUKS1_MB=24       # p2 of disk-c: ext4 + room for the on-disk header
VG=rootvg
LV=rootlv

new_key() {   # 127 random bytes as base64: 172 chars ending "==", no newline
    head -c 127 /dev/urandom | base64 -w0 > "$1"
}

new_uuid() {
    cat /proc/sys/kernel/random/uuid
}

root_fs() {   # IMG SIZE_MB: the guest root (rootinit as /sbin/init)
    dir=$tmp/rootfs
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir/sbin" "$dir/etc" "$dir/proc" "$dir/dev" "$dir/sys" "$dir/run" "$dir/tmp"
        install -m 755 "$rootinit" "$dir/sbin/init"
        printf 'NAME="bek-test"\nID=bektest\nPRETTY_NAME="bek-unlock ADE test root"\n' > "$dir/etc/os-release"
        # rootinit looks for these bytes (one key a line) in every file left under /run and /tmp.
        for k in "$out"/*.key; do cat "$k"; echo; done > "$dir/etc/bek-test-needle"
    fi
    rm -f "$1"
    truncate -s "$2"M "$1"
    mkfs.ext4 -q -L bekroot -d "$dir" "$1" "$2"M
}

boot_fs() {   # IMG FS_UUID [HEADER]: /boot, with HEADER as luks/osluksheader when given
    dir=$tmp/bootfs
    rm -rf "$dir"
    mkdir -p "$dir"
    printf 'not a kernel\n' > "$dir/vmlinuz"
    if [ -n "${3:-}" ]; then
        mkdir -p "$dir/luks"
        cp "$3" "$dir/luks/osluksheader"
    fi
    rm -f "$1"
    truncate -s ${BOOT_MB}M "$1"
    mkfs.ext4 -q -L boot -U "$2" -d "$dir" "$1" ${BOOT_MB}M
}

gpt_disk() {  # OUT P1.img P2.img P1_PARTUUID P2_PARTUUID P2_TYPE
    b=$(($(stat -c %s "$2") / 1048576))
    r=$(($(stat -c %s "$3") / 1048576))
    rm -f "$1"
    truncate -s $((1 + b + r + 1))M "$1"
    sfdisk -q "$1" <<EOF
label: gpt
start=1MiB, size=${b}MiB, type=$LINUX_FS, uuid=$4, name=boot
start=$((1 + b))MiB, size=${r}MiB, type=$6, uuid=$5, name=root
EOF
    dd if="$2" of="$1" bs=1M seek=1 conv=notrunc status=none
    dd if="$3" of="$1" bs=1M seek=$((1 + b)) conv=notrunc status=none
}

replace_p1() {  # SRC DST P1.img: a copy of disk SRC with partition 1 overwritten
    cp --sparse=always "$1" "$2"
    dd if="$3" of="$2" bs=1M seek=1 conv=notrunc status=none
}

detached_luks2() {  # DATA.img HDR: encrypt DATA in place; keyslot 0 = pass0, 1 = ade.key
    rm -f "$2"
    cryptsetup reencrypt --encrypt --type luks2 --header "$2" $CS $KDF --key-file "$out/pass0" "$1"
    cryptsetup luksAddKey $CS $KDF --new-key-slot 1 --key-file "$out/pass0" "$2" "$out/ade.key"
}

check_key() {  # DEVICE_OR_HEADER KEY: the key opens a keyslot (no activation)
    cryptsetup open --disable-locks --test-passphrase --key-file "$2" "$1"
}

check_plain() {  # DATA.img HDR OFFSET_BYTES: decrypt a copy offline, fsck the ext4 at OFFSET
    cp --sparse=always "$1" "$tmp/plain.img"
    cp "$2" "$tmp/plain.hdr"
    cryptsetup reencrypt --decrypt --header "$tmp/plain.hdr" $CS --force-offline-reencrypt \
        --key-file "$out/pass0" "$tmp/plain.img"
    dd if="$tmp/plain.img" of="$tmp/plain.fs" bs=1M skip=$(($3 / 1048576)) count=$ROOT_MB status=none
    e2fsck -fn "$tmp/plain.fs" > "$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log" >&2; return 1; }
    rm -f "$tmp/plain.img" "$tmp/plain.hdr" "$tmp/plain.fs"
}

lvm_pv() {    # OUT.img ROOTFS.img: PV with VG $VG, LV $LV holding ROOTFS (built offline)
    rm -f "$1"
    truncate -s ${LVM_MB}M "$1"
    loop=$(losetup -f --show "$1")
    if pvcreate -q --devices "$loop" "$loop" && vgcreate -q --devices "$loop" $VG "$loop" &&
        lvcreate -q --devices "$loop" --activate n --zero n -n $LV -L ${ROOT_MB}M $VG &&
        pe_start=$(pvs --devices "$loop" --noheadings --units b --nosuffix -o pe_start "$loop") &&
        ranges=$(lvs --devices "$loop" --noheadings -o seg_pe_ranges $VG/$LV); then
        losetup -d "$loop"
    else
        losetup -d "$loop"
        return 1
    fi
    pe_start=$(echo "$pe_start" | tr -d " ")
    case $ranges in
        *:0-*) ;;
        *) echo "ade-images: $VG/$LV does not start at extent 0: $ranges" >&2; return 1 ;;
    esac
    [ $((pe_start % 1048576)) = 0 ] || { echo "ade-images: pe_start $pe_start" >&2; return 1; }
    dd if="$2" of="$1" bs=1M seek=$((pe_start / 1048576)) conv=notrunc status=none
    echo "$pe_start" > "$tmp/pe_start"
}

bek_disk() {     # IMG KEY
    rm -f "$1"
    mkfs.vfat -C -n "BEK VOLUME" "$1" 2048 > /dev/null
    mcopy -i "$1" "$2" ::LinuxPassPhraseFileName
    mcopy -i "$1" "$tmp/README" ::CRITICAL_DATA_WARNING_README.txt
}

ade_line() {     # NAME DEVICE OPTIONS
    echo "$1 $2 /mnt/azure_bek_disk/LinuxPassPhraseFileName $3"
}

# LVM without device-mapper: activation=0 keeps it to metadata; LVM_SYSTEM_DIR points it
# at a config of ours (no backups or archives written into the host's /etc/lvm).
rm -rf "$out"
mkdir -p "$tmp/lvm"
LVM_SYSTEM_DIR=$(realpath "$tmp/lvm")
export LVM_SUPPRESS_FD_WARNINGS=1 LVM_SYSTEM_DIR
printf 'global {\n activation = 0\n}\nbackup {\n backup = 0\n archive = 0\n}\n' > "$tmp/lvm/lvm.conf"
printf 'typed-passphrase-0' > "$out/pass0"
new_key "$out/ade.key"
new_key "$out/new.key"
printf 'WARNING: do not delete or modify this volume: it holds the keys of the encrypted disks.\n' \
    > "$tmp/README"
bek_disk "$out/bek-ade.img" "$out/ade.key"
bek_disk "$out/bek-new.img" "$out/new.key"
# Sourced with ADE_IMAGES_LIB=1 (qemu/decrypt-images.sh): the functions, keys and BEK disks
# above, none of the layouts below.
if [ -n "${ADE_IMAGES_LIB:-}" ]; then return 0; fi

boot_uuid=$(new_uuid)
part1=$(new_uuid)
part2_a=$(new_uuid)
part2_b=$(new_uuid)
part2_c=$(new_uuid)
hdr=/boot/luks/osluksheader
xbek=",x-bek-header-fs=UUID=$boot_uuid,x-bek-header-path=luks/osluksheader"

# (a) detached LUKS2 header on /boot, root ext4 directly in p2.
root_fs "$tmp/root.img" $ROOT_MB
detached_luks2 "$tmp/root.img" "$tmp/hdr-a"
check_key "$tmp/hdr-a" "$out/ade.key"
check_plain "$tmp/root.img" "$tmp/hdr-a" 0
boot_fs "$tmp/boot-a.img" "$boot_uuid" "$tmp/hdr-a"
gpt_disk "$out/disk-a.img" "$tmp/boot-a.img" "$tmp/root.img" "$part1" "$part2_a" $LINUX_FS
ade_line osencrypt "/dev/disk/by-partuuid/$part2_a" "luks,discard,header=$hdr" > "$out/crypttab-a"
ade_line osencrypt "/dev/disk/by-partuuid/$part2_a" "luks,discard,header=$hdr$xbek" > "$out/crypttab-a.bek"
mkdir -p "$out/sysroot-a/boot/luks"
cp "$tmp/hdr-a" "$out/sysroot-a$hdr"

# (b) the same with LVM inside the encrypted partition.
root_fs "$tmp/root.img" $ROOT_MB
lvm_pv "$tmp/pv.img" "$tmp/root.img"
detached_luks2 "$tmp/pv.img" "$tmp/hdr-b"
check_plain "$tmp/pv.img" "$tmp/hdr-b" "$(cat "$tmp/pe_start")"
boot_fs "$tmp/boot-b.img" "$boot_uuid" "$tmp/hdr-b"
gpt_disk "$out/disk-b.img" "$tmp/boot-b.img" "$tmp/pv.img" "$part1" "$part2_b" $LINUX_LVM
ade_line osencrypt "/dev/disk/by-partuuid/$part2_b" "luks,discard,header=$hdr" > "$out/crypttab-b"
ade_line osencrypt "/dev/disk/by-partuuid/$part2_b" "luks,discard,header=$hdr$xbek" > "$out/crypttab-b.bek"
mkdir -p "$out/sysroot-b/boot/luks"
cp "$tmp/hdr-b" "$out/sysroot-b$hdr"

# (c) LUKS1, header on the partition. Offline LUKS1 reencryption needs device-mapper
# (cipher_null for its temporary header), so: LUKS2 in place, then convert to LUKS1.
root_fs "$tmp/luks1.img" $ROOT_MB
truncate -s ${LUKS1_MB}M "$tmp/luks1.img"
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 8M $CS $KDF \
    --key-file "$out/pass0" "$tmp/luks1.img"
cryptsetup convert --type luks1 $CS "$tmp/luks1.img"
cryptsetup luksAddKey $CS $KDF --new-key-slot 1 --key-file "$out/pass0" "$tmp/luks1.img" "$out/ade.key"
check_key "$tmp/luks1.img" "$out/ade.key"
luks1_uuid=$(cryptsetup luksUUID "$tmp/luks1.img")
boot_fs "$tmp/boot-c.img" "$boot_uuid"
gpt_disk "$out/disk-c.img" "$tmp/boot-c.img" "$tmp/luks1.img" "$part1" "$part2_c" $LINUX_FS
ade_line osencrypt "UUID=$luks1_uuid" luks,discard > "$out/crypttab-c"
cp "$out/crypttab-c" "$out/crypttab-c.bek"

# (d) disk-a after a key rotation done on the header in /boot only.
cp "$tmp/hdr-a" "$tmp/hdr-d"
cryptsetup luksAddKey $CS $KDF --new-key-slot 2 --key-file "$out/ade.key" "$tmp/hdr-d" "$out/new.key"
cryptsetup luksKillSlot $CS --key-file "$out/new.key" "$tmp/hdr-d" 1
check_key "$tmp/hdr-d" "$out/new.key"
if check_key "$tmp/hdr-d" "$out/ade.key" 2> /dev/null; then
    echo "ade-images: the old key still opens the rotated header" >&2
    exit 1
fi
boot_fs "$tmp/boot-d.img" "$boot_uuid" "$tmp/hdr-d"
replace_p1 "$out/disk-a.img" "$out/disk-d.img" "$tmp/boot-d.img"

# (e) /boot without the header; (e2) no /boot filesystem at all.
boot_fs "$tmp/boot-e.img" "$boot_uuid"
replace_p1 "$out/disk-a.img" "$out/disk-e.img" "$tmp/boot-e.img"
head -c ${BOOT_MB}M /dev/zero > "$tmp/zero.img"
replace_p1 "$out/disk-a.img" "$out/disk-e2.img" "$tmp/zero.img"

# (f) /boot holding another volume's header (layout b's, opened by the same ADE key, as a
# /boot restored from another VM would be): never to be used for this volume.
boot_fs "$tmp/boot-f.img" "$boot_uuid" "$tmp/hdr-b"
replace_p1 "$out/disk-a.img" "$out/disk-f.img" "$tmp/boot-f.img"

# (g) the volume encrypted again after the image was built (a new header, new LUKS UUID
# and volume key, the same ADE key, as when online encryption starts over): /boot holds
# the current header, the image of layout a its stale copy, which the key still opens.
root_fs "$tmp/root.img" $ROOT_MB
detached_luks2 "$tmp/root.img" "$tmp/hdr-g"
check_plain "$tmp/root.img" "$tmp/hdr-g" 0
boot_fs "$tmp/boot-g.img" "$boot_uuid" "$tmp/hdr-g"
gpt_disk "$out/disk-g.img" "$tmp/boot-g.img" "$tmp/root.img" "$part1" "$part2_a" $LINUX_FS
[ "$(cryptsetup luksUUID "$tmp/hdr-g")" != "$(cryptsetup luksUUID "$tmp/hdr-a")" ]

cat > "$out/ids.json" <<EOF
{"boot_fs_uuid": "$boot_uuid", "partuuid_a": "$part2_a", "partuuid_b": "$part2_b",
 "partuuid_c": "$part2_c", "luks1_uuid": "$luks1_uuid", "vg": "$VG", "lv": "$LV"}
EOF
rm -rf "$tmp"
