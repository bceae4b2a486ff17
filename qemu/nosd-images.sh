#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest disks for the scenarios in a dracut initramfs without systemd (qemu/nosd_scenarios.py)
# that the other image scripts do not make.
# Usage: qemu/nosd-images.sh SRCDIR OUTDIR      (SRCDIR: qemu/images.sh's output)
#   OUTDIR/lvm-luks.img  an LVM PV, VG bekvg, LV lukslv holding SRCDIR/root-token.img as is
#                        (so the LUKS UUID is SRCDIR/uuid): a LUKS root on a logical volume,
#                        which appears only once dracut's lvm initqueue job has run.
#   OUTDIR/root-label.img  SRCDIR/root-token.img with the LUKS2 label "bekroot" (same
#                        UUID, keyslots and token): a crypttab source LABEL=bekroot
#   OUTDIR/crypttab-label  its ADE-style crypttab line (key on the BEK disk, source LABEL=):
#                        BEK_UNLOCK_CRYPTTAB and the image's /etc/crypttab (qemu/nosd.mk)
# Built offline, without device-mapper: LVM with activation=0 (metadata only) on a loop
# device, then the root image written at the LV's first extent.
set -eu
src=$1
out=$2
VG=bekvg
LV=lukslv
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lvm"
LVM_SYSTEM_DIR=$(realpath "$tmp/lvm")
export LVM_SUPPRESS_FD_WARNINGS=1 LVM_SYSTEM_DIR
printf 'global {\n activation = 0\n}\nbackup {\n backup = 0\n archive = 0\n}\n' > "$tmp/lvm/lvm.conf"

root_mb=$(($(stat -c %s "$src/root-token.img") / 1048576))
img=$tmp/lvm-luks.img
truncate -s $((root_mb + 8))M "$img"
loop=$(losetup -f --show "$img")
ok=0
if pvcreate -q --devices "$loop" "$loop" && vgcreate -q --devices "$loop" $VG "$loop" &&
    lvcreate -q --devices "$loop" --activate n --zero n -n $LV -L "${root_mb}M" $VG &&
    pe_start=$(pvs --devices "$loop" --noheadings --units b --nosuffix -o pe_start "$loop") &&
    ranges=$(lvs --devices "$loop" --noheadings -o seg_pe_ranges $VG/$LV); then
    ok=1
fi
losetup -d "$loop"
[ $ok = 1 ] || { echo "nosd-images: LVM metadata not written" >&2; exit 1; }
pe_start=$(echo "$pe_start" | tr -d ' ')
case $ranges in
    *:0-*) ;;
    *) echo "nosd-images: $VG/$LV does not start at extent 0: $ranges" >&2; exit 1 ;;
esac
[ $((pe_start % 1048576)) = 0 ] || { echo "nosd-images: pe_start $pe_start" >&2; exit 1; }
dd if="$src/root-token.img" of="$img" bs=1M seek=$((pe_start / 1048576)) conv=notrunc status=none
# The LUKS header is where the LV starts: the guest sees the same volume.
[ "$(dd if="$img" bs=1 skip="$pe_start" count=6 status=none | od -An -c | tr -d ' ')" = 'LUKS272276' ] ||
    { echo "nosd-images: no LUKS header at the LV's start" >&2; exit 1; }
echo "$VG-$LV" > "$out/lvm-luks.name"
mv -f "$img" "$out/lvm-luks.img"

cp "$src/root-token.img" "$out/root-label.img.new"
cryptsetup config --label bekroot --disable-locks --batch-mode "$out/root-label.img.new"
[ "$(blkid -p -s LABEL -o value "$out/root-label.img.new")" = bekroot ] ||
    { echo "nosd-images: no LUKS2 label on root-label.img" >&2; exit 1; }
mv -f "$out/root-label.img.new" "$out/root-label.img"
echo "osencrypt LABEL=bekroot /mnt/azure_bek_disk/LinuxPassPhraseFileName luks,discard" > "$out/crypttab-label"
