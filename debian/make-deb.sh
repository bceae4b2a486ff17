#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make deb: builds the Debian binary package in a copy of the tree, so that
# dpkg-buildpackage (which writes into debian/ and into the directory above the tree)
# leaves the working tree alone. The static libraries come from the tree's build/static
# (built by make before this runs: no network here); debian/changelog is written into the
# copy with the Makefile's VERSION (the one place the version is kept).
# Usage: debian/make-deb.sh VERSION OUTDIR  -> OUTDIR/bek-unlock_VERSION_ARCH.deb, lintian
set -eu
version=$1
out=$2
[ -f build/static/.done ] || { echo "make-deb: build/static is not built (make static-deps)" >&2; exit 1; }
src=$out/src/bek-unlock-$version
rm -rf "$out"
mkdir -p "$src/build/static"
# Everything but the build tree and git's files, modification times kept.
tar -c --exclude=./build --exclude=./.git . | tar -x -C "$src"
cp -a build/static/prefix build/static/VERSIONS build/static/.done "$src/build/static/"
# The build dependencies are dpkg-checkbuilddeps' to check: make's own step that
# apt-installs them (tools/deps.sh, an order-only prerequisite) is marked done.
touch "$src/build/.deps"

maint=$(sed -n 's/^Maintainer: //p' debian/control)
when=$(git log -1 --format=%aD 2>/dev/null || date -R)
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
cat > "$src/debian/changelog" <<CHANGELOG
bek-unlock ($version) unstable; urgency=medium

  * Built by "make deb" from the tree at $rev (the Makefile's VERSION);
    what changed is in doc/changes.md in the source tree.

 -- $maint  $when
CHANGELOG

(cd "$src" && dpkg-buildpackage -b -us -uc)
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
deb=$(ls "$out"/bek-unlock_"$version"_*.deb)
echo "make-deb: $deb"
dpkg-deb -I "$deb" | sed -n '/Package:/,$p'
dpkg-deb -c "$deb"
echo "make-deb: lintian $deb"
lintian --info --display-info --pedantic "$deb" | tee "$out/lintian.txt"
echo "make-deb: lintian: $(grep -c '^E:' "$out/lintian.txt") errors, $(grep -c '^W:' "$out/lintian.txt") warnings"
if grep -q '^E:' "$out/lintian.txt"; then echo "make-deb: lintian reports errors" >&2; exit 1; fi
