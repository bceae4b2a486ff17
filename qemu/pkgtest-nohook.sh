#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The package test's provoked failure: a copy of the built .deb without its boot glue (the
# initramfs-tools hook and boot script, the dracut module and its dracut.conf.d snippet),
# the binary and the README kept. make package-test-nohook runs the package test on it:
# pkg-files and both boots must FAIL (no unlock: the prompt comes).
# Usage: qemu/pkgtest-nohook.sh DEB OUTDIR  -> OUTDIR/<same name>.deb
set -eu
deb=$1
out=$2
tmp=$out/tree
rm -rf "$out"
mkdir -p "$out"
dpkg-deb -R "$deb" "$tmp"
rm -rf "$tmp/usr/share/initramfs-tools" "$tmp/usr/lib/dracut"
(cd "$tmp" && find usr -type f -exec md5sum {} +) > "$tmp/DEBIAN/md5sums"
dpkg-deb -b --root-owner-group "$tmp" "$out/$(basename "$deb")" > /dev/null
rm -rf "$tmp"
dpkg-deb -c "$out/$(basename "$deb")" | awk '{ print "nohook: " $6 }'
