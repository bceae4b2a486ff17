#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Inputs of the initramfs-tools images (qemu/itools.mk) into OUTDIR, from the disks the
# other harnesses built (qemu/images.sh: roots, data volume; qemu/ade-images.sh: ADE disk-a):
#   ct-root        the build root's /etc/crypttab: "cryptroot UUID=<root> none luks,initramfs"
#   ct-two         + "cryptdata UUID=<data volume> none luks,initramfs"
#   ct-ade18       Ubuntu 16.04/18.04 ADE: osencrypt, key none, keyscript=azure_crypt_key.sh,
#                  header=/boot/luks/osluksheader (+ initramfs: see below)
#   ct-ade20       Ubuntu 20.04+ ADE: key /mnt/azure_bek_disk/LinuxPassPhraseFileName,
#                  header=/boot/luks/osluksheader, the last line WITHOUT a final newline
#   ct-ade*.bek    the same lines plus x-bek-header-fs=/x-bek-header-path= (what the hook
#                  computes with findmnt on a real machine): BEK_UNLOCK_CRYPTTAB
#   crypt-ade-boot the ADE stand-in with disk-a's root PARTUUID filled in
#   bek-ade-part.img   a BEK disk as Azure attaches it: partition 1 (MBR) VFAT "BEK VOLUME"
#                  holding ade.key as LinuxPassPhraseFileName
# "initramfs" on the non-ADE entries and on the 18.04 one stands for cryptsetup-initramfs'
# root-device detection, which cannot see the guest's root from the build root; the 20.04
# line is left exactly as ADE writes it (cryptsetup-initramfs never sees it: no newline,
# and a root target with a key file is skipped anyway).
# Usage: qemu/itools-images.sh IMAGES ADE_IMAGES OUTDIR
set -eu
img=$1
ade=$2
out=$3
mkdir -p "$out"
uuid=$(cat "$img/uuid")
data=$(cat "$img/uuid-data")
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$ade/ids.json" "$1"; }
part=$(json partuuid_a)
bootfs=$(json boot_fs_uuid)
hdr=/boot/luks/osluksheader
key=/mnt/azure_bek_disk/LinuxPassPhraseFileName
xbek=",x-bek-header-fs=UUID=$bootfs,x-bek-header-path=luks/osluksheader"
head='# <target name>	<source device>		<key file>	<options>'

printf '%s\ncryptroot UUID=%s none luks,initramfs\n' "$head" "$uuid" > "$out/ct-root"
printf 'cryptdata UUID=%s none luks,initramfs\n' "$data" | cat "$out/ct-root" - > "$out/ct-two"
l18="osencrypt /dev/disk/by-partuuid/$part none luks,discard,header=$hdr,keyscript=/usr/sbin/azure_crypt_key.sh"
printf '%s\n%s,initramfs\n' "$head" "$l18" > "$out/ct-ade18"
printf '%s\n%s%s\n' "$head" "$l18" "$xbek" > "$out/ct-ade18.bek"
l20="osencrypt /dev/disk/by-partuuid/$part $key luks,discard,header=$hdr"
printf '%s\n%s' "$head" "$l20" > "$out/ct-ade20"
printf '%s\n%s%s' "$head" "$l20" "$xbek" > "$out/ct-ade20.bek"
sed "s/ROOTPARTUUID/$part/" qemu/itools-ade/crypt-ade-boot > "$out/crypt-ade-boot"
chmod 755 "$out/crypt-ade-boot"

rm -f "$out/bek-ade-part.img" "$out/bek-p1.img"
cp "$ade/bek-ade.img" "$out/bek-p1.img"
p1=$(( $(stat -c %s "$out/bek-p1.img") / 1048576 + 1 ))
truncate -s $((p1 + 2))M "$out/bek-ade-part.img"
printf 'label: dos\nstart=1MiB, size=%sMiB, type=c\n' "$p1" | sfdisk -q "$out/bek-ade-part.img"
dd if="$out/bek-p1.img" of="$out/bek-ade-part.img" bs=1M seek=1 conv=notrunc status=none
rm -f "$out/bek-p1.img"
