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
# The same throwaway Debian 12 root as the package test's (from the host's apt sources).
exec "$(dirname "$0")/../qemu/pkgtest-root.sh" "$out" "$pkgs"
