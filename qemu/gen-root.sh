#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A throwaway root of one Debian release (bullseye, trixie; bookworm has its own roots) with
# one initramfs tool, and that release's current cloud kernel unpacked next to it, for the
# generations harness (qemu/gen.mk). Debian's dracut and initramfs-tools conflict, so one
# root per release per tool:
#   itools   initramfs-tools, cryptsetup-initramfs, busybox, udev, kmod, zstd
#   dracut   dracut, cryptsetup, systemd (and trixie's split systemd-cryptsetup), udev, kmod
# The archive is deb.debian.org (the release and its security suite), verified by the
# host's debian-archive-keyring; nothing is written into the host's apt configuration.
# The kernel: the root's apt resolves linux-image-cloud-amd64 to today's versioned package
# (never pinned), downloads it, and it is unpacked with dpkg -x into OUTDIR/kernel (never
# installed, so no trigger builds an image for it there); depmod runs in the root.
# Usage: qemu/gen-root.sh OUTDIR SUITE TOOL
set -eu
out=$1 suite=$2 tool=$3
case $tool in
    itools) pkgs=initramfs-tools,cryptsetup-initramfs,busybox,udev,kmod,zstd ;;
    dracut) pkgs=dracut,cryptsetup,systemd,udev,kmod,zstd
            # trixie moved systemd-cryptsetup (the binary and its generator) out of systemd.
            [ "$suite" = bullseye ] || pkgs=$pkgs,systemd-cryptsetup ;;
    *) echo "gen-root.sh: unknown tool $tool" >&2; exit 2 ;;
esac
echo "gen-root.sh: building the $suite $tool root in $out (mmdebstrap, a few minutes the first time)"
rm -rf "$out" "$out.new"
mkdir -p "$(dirname "$out")"
sec=$suite-security
srcs="deb http://deb.debian.org/debian $suite main
deb http://deb.debian.org/debian $suite-updates main
deb http://deb.debian.org/debian-security $sec main"
# The kernel step runs as mmdebstrap's customize hook, while the root still has its package
# lists (mmdebstrap removes them at the end).
# shellcheck disable=SC2016   # expanded by mmdebstrap's hook shell
kernel='set -eu
pkg=$(chroot "$1" apt-cache depends linux-image-cloud-amd64 |
      sed -n "s/^ *Depends: \(linux-image-[0-9].*\)\$/\1/p" | head -n1)
[ -n "$pkg" ] || { echo "gen-root.sh: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
mkdir -p "$1/tmp/kdeb" "$1/kernel"
chroot "$1" sh -c "cd /tmp/kdeb && apt-get download -o APT::Sandbox::User=root $pkg" >/dev/null
dpkg -x "$1"/tmp/kdeb/*.deb "$1/kernel"
rm -rf "$1/tmp/kdeb"
# trixie ships the modules under usr/lib/modules (merged /usr): one path, lib/modules, for all.
[ -d "$1/kernel/lib" ] || ln -s usr/lib "$1/kernel/lib"
kver=${pkg#linux-image-}
chroot "$1" depmod -b /kernel "$kver"
echo "$kver" > "$1/kernel/kver"
echo "$pkg" > "$1/kernel/package"'
printf '%s\n' "$srcs" | mmdebstrap --quiet --variant=apt --mode=root --include="$pkgs" \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    --dpkgopt='path-exclude=/usr/share/{doc,man,locale}/*' \
    --customize-hook="$kernel" \
    "$suite" "$out.new" -
mv "$out.new" "$out"
# shellcheck disable=SC2046   # a list of package names
chroot "$out" dpkg-query -W $(echo "$pkgs" | tr ',' ' ') > "$out/.versions"
cat "$out/kernel/package" >> "$out/.versions"
cat "$out/.versions"
