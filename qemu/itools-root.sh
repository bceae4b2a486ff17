#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A throwaway Debian 12 root holding initramfs-tools and cryptsetup-initramfs, in which
# qemu/itools-initramfs.sh runs mkinitramfs for the unpacked test kernel. The host keeps
# dracut (the two conflict) and its /boot, /lib/modules and apt configuration untouched:
# the packages come through the host's own apt sources, read at run time (no mirror is
# written anywhere).  Built once (qemu/itools.mk); about 100 MiB.
# Usage: qemu/itools-root.sh OUTDIR
set -eu
out=$1
rm -rf "$out" "$out.new"
mkdir -p "$(dirname "$out")"
# Host sources: deb822 files and/or one-line sources.list, as mmdebstrap reads them on stdin.
sources() {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        cat "$f"; echo
    done
}
# Only deb822 or only one-line entries can go through one stdin: prefer deb822 when present.
if ls /etc/apt/sources.list.d/*.sources > /dev/null 2>&1; then
    srcs=$(for f in /etc/apt/sources.list.d/*.sources; do cat "$f"; echo; done)
else
    srcs=$(sources)
fi
printf '%s\n' "$srcs" | mmdebstrap --quiet --variant=apt --mode=root \
    --include=initramfs-tools,cryptsetup-initramfs,busybox,udev,kmod,zstd \
    --dpkgopt='path-exclude=/usr/share/{doc,man,locale}/*' \
    bookworm "$out.new" -
mv "$out.new" "$out"
chroot "$out" dpkg-query -W initramfs-tools cryptsetup-initramfs busybox udev > "$out/.versions"
cat "$out/.versions"
