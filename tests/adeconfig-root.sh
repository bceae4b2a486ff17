#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A throwaway Debian 12 root for tests/adeconfig.sh (the boot-configuration change after
# decryption), as qemu/itools-root.sh builds its root: Debian's packages through the
# host's apt sources, read at run time. FLAVOUR:
#   itools  initramfs-tools + cryptsetup-initramfs (Ubuntu's family)
#   dracut  dracut + cryptsetup + systemd (RHEL's initramfs tool; Debian has no grubby)
# No kernel package: tests/adeconfig.sh gives the root an empty module tree for a made-up
# kernel version, enough for update-initramfs / dracut to build a real image.
# Usage: tests/adeconfig-root.sh OUTDIR itools|dracut
set -eu
out=$1
case $2 in
itools) pkgs=initramfs-tools,cryptsetup-initramfs,busybox,udev,kmod,zstd ;;
dracut) pkgs=dracut,cryptsetup,systemd,udev,kmod,zstd,cpio ;;
*) echo "adeconfig-root.sh: unknown flavour $2" >&2; exit 2 ;;
esac
rm -rf "$out" "$out.new"
mkdir -p "$(dirname "$out")"
# Only deb822 or only one-line entries can go through one stdin: prefer deb822 when present.
if ls /etc/apt/sources.list.d/*.sources > /dev/null 2>&1; then
    srcs=$(for f in /etc/apt/sources.list.d/*.sources; do cat "$f"; echo; done)
else
    srcs=$(for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && { cat "$f"; echo; }; done)
fi
printf '%s\n' "$srcs" | mmdebstrap --quiet --variant=apt --mode=root --include="$pkgs" \
    --dpkgopt='path-exclude=/usr/share/{doc,man,locale}/*' \
    bookworm "$out.new" -
chroot "$out.new" dpkg-query -W $(echo "$pkgs" | tr ',' ' ') > "$out.new/.versions"
mv "$out.new" "$out"
cat "$out/.versions"
