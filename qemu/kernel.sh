#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Unpack the Debian cloud kernel into build/qemu/kernel/ (never installed on the host).
# Usage: qemu/kernel.sh [OUTDIR]   (default build/qemu/kernel)
set -eu
out=${1:-build/qemu/kernel}

if [ -s "$out/kver" ] && [ -f "$out/boot/vmlinuz-$(cat "$out/kver")" ]; then
    exit 0
fi

# linux-image-cloud-amd64 is a metapackage; its Depends names the versioned image.
resolve() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}
pkg=$(resolve)
if [ -z "$pkg" ]; then          # a fresh machine has no package lists yet
    apt-get update -qq
    pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "kernel.sh: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
kver=${pkg#linux-image-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# As root into a private temp dir: no _apt sandbox (it could not write there anyway).
(cd "$tmp" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null)
rm -rf "$out"
mkdir -p "$out"
dpkg -x "$tmp"/*.deb "$out"
depmod -b "$out" "$kver"
echo "$kver" > "$out/kver"
echo "kernel.sh: $kver in $out"
