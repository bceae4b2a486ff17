#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A throwaway Debian 12 root for the package test (qemu/pkgtest.mk): Debian's own packages
# through the host's apt sources, read at run time (no mirror is written anywhere), as
# qemu/itools-root.sh does. The package test installs the built .deb into an overlay on it
# (the root itself stays unchanged).
# Usage: qemu/pkgtest-root.sh OUTDIR PACKAGE,PACKAGE,...
set -eu
out=$1
pkgs=$2
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
    --dpkgopt='path-exclude=/usr/share/{locale,man}/*' \
    bookworm "$out.new" -
mv "$out.new" "$out"
# shellcheck disable=SC2046   # a list of package names
chroot "$out" dpkg-query -W $(echo "$pkgs" | tr ',' ' ') > "$out/.versions"
cat "$out/.versions"
