#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs, idempotently, every Debian 12 package the build, the tests and the QEMU
# harness need. Never touches the host's kernel, /boot or dracut configuration:
# the kernel the harness boots is unpacked into build/ (qemu/kernel.sh).
set -eu
PKGS="build-essential pkg-config libcryptsetup-dev libblkid-dev libudev-dev libjson-c-dev
libcmocka-dev valgrind clang libclang-rt-14-dev cryptsetup-bin dracut-core systemd udev kmod cpio
qemu-system-x86 dosfstools mtools e2fsprogs python3 file dmsetup libc6-dev coreutils apt lvm2 fdisk gdisk
mmdebstrap scdoc mandoc groff-base rpm debhelper lintian shellcheck busybox"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
