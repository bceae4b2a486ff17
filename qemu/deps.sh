#!/bin/sh
# Install what the QEMU harness needs on Debian 12 (idempotent; does nothing when all present).
set -eu
PKGS="qemu-system-x86 dracut-core systemd udev cryptsetup-bin dmsetup dosfstools mtools
      e2fsprogs cpio kmod python3 gcc libc6-dev coreutils apt"

missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing$missing"
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
