#!/bin/sh
# Unpack the Debian cloud kernel into build/qemu/kernel/ (never installed on the host).
# Usage: qemu/kernel.sh [OUTDIR]   (default build/qemu/kernel)
set -eu
out=${1:-build/qemu/kernel}

if [ -s "$out/kver" ] && [ -f "$out/boot/vmlinuz-$(cat "$out/kver")" ]; then
    exit 0
fi

# linux-image-cloud-amd64 is a metapackage; its Depends names the versioned image.
pkg=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$pkg" ] || { echo "kernel.sh: cannot resolve linux-image-cloud-amd64 (apt-get update?)" >&2; exit 1; }
kver=${pkg#linux-image-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"   # apt-get download runs as _apt and must write here
(cd "$tmp" && apt-get download "$pkg" >/dev/null)
rm -rf "$out"
mkdir -p "$out"
dpkg -x "$tmp"/*.deb "$out"
depmod -b "$out" "$kver"
echo "$kver" > "$out/kver"
echo "kernel.sh: $kver in $out"
