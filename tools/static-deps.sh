#!/bin/sh
# tools/static-deps.sh [BUILD_DIR]   (default: build/static)
#
# Builds the static archives that Debian 12 does not ship, so that bek-unlock can be
# linked with -static (see static.mk):
#   libudev.a        from Debian's systemd source   (meson -Dstatic-libudev=true)
#   libdevmapper.a   from Debian's lvm2 source      (udev sync on, against that libudev.a)
#   libcryptsetup.a  from Debian's cryptsetup source (gcrypt backend, blkid on, no tools)
# and installs them with headers and .pc files into BUILD_DIR/prefix. The other static
# archives (libblkid, libuuid, json-c, libgcrypt, libgpg-error, libargon2) come from
# Debian's -dev packages, which this script installs when missing.
#
# Sources are Debian's own source packages (with Debian's patches applied), fetched with
# `apt-get source` through a deb-src list derived at run time from the host's own apt
# sources into BUILD_DIR/apt: the host's apt configuration is never changed.
#
# Idempotent: every step leaves a stamp holding what it was built from (source version +
# options); a step whose stamp matches is skipped, so a second run takes seconds. A step
# that is redone invalidates the steps after it. BUILD_DIR/VERSIONS lists the exact
# Debian source versions used.
#
# Environment: JOBS (default 2) parallel compile jobs.
set -eu

# Debian's tools (meson, python3 with jinja2) before anything a user put first in PATH
# (e.g. a pyenv python3 without jinja2).
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
export LC_ALL=C
unset PKG_CONFIG PKG_CONFIG_LIBDIR CFLAGS CPPFLAGS LDFLAGS LIBS 2>/dev/null || true

BUILD_DIR=${1:-build/static}
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
PREFIX=$BUILD_DIR/prefix
SRC=$BUILD_DIR/src
APTDIR=$BUILD_DIR/apt
LOGDIR=$BUILD_DIR/log
JOBS=${JOBS:-2}
mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/include" "$SRC" "$LOGDIR"

T0=$(date +%s)
say() { printf 'static-deps: %s\n' "$*"; }
die() { printf 'static-deps: error: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# run LOGNAME CMD...: runs CMD with its output in log/LOGNAME.log; shows the log's end on failure.
run() {
	_log=$LOGDIR/$1.log; shift
	if ! "$@" >>"$_log" 2>&1; then
		printf 'static-deps: FAILED: %s\n--- last lines of %s ---\n' "$*" "$_log" >&2
		tail -n 40 "$_log" >&2
		exit 1
	fi
}

# ---------------------------------------------------------------- build dependencies
# Static archives Debian ships + what the three source builds need.
DEB_PKGS="build-essential pkg-config dpkg-dev xz-utils file
libblkid-dev uuid-dev libjson-c-dev libgcrypt20-dev libgpg-error-dev libargon2-dev
autoconf automake autopoint libtool gettext libpopt-dev
meson ninja-build gperf python3 python3-jinja2 libcap-dev libmount-dev"
missing=""
for p in $DEB_PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
		|| missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing build dependencies:$missing"
	export DEBIAN_FRONTEND=noninteractive
	run apt-install apt-get update -qq
	# shellcheck disable=SC2086
	run apt-install apt-get install -y -qq --no-install-recommends $missing
fi

# ---------------------------------------------------------------- apt: deb-src list
# A deb-src twin of every host source, in BUILD_DIR/apt, with its own lists and cache.
APT_OPTS="-o Dir::Etc::SourceList=$APTDIR/sources.list
 -o Dir::Etc::SourceParts=$APTDIR/sources.list.d
 -o Dir::State::Lists=$APTDIR/lists
 -o Dir::Cache=$APTDIR/cache
 -o APT::Sandbox::User=root"

derive_sources() {
	rm -rf "$APTDIR/sources.list.d" && mkdir -p "$APTDIR/sources.list.d" \
		"$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
	eval "$(apt-config shell HOST_SL Dir::Etc::sourcelist/f HOST_SP Dir::Etc::sourceparts/d)"
	: >"$APTDIR/sources.list"
	# One-line format: every `deb` line becomes a `deb-src` line (existing deb-src lines dropped
	# to avoid duplicates; they are regenerated from their deb twin).
	for f in "$HOST_SL" "${HOST_SP%/}"/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$APTDIR/sources.list"
	done
	# deb822 format: every stanza whose Types has `deb` gets `Types: deb-src`.
	for f in "${HOST_SP%/}"/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() { if (keep) printf "%s\n", st; st = ""; keep = 0 }
			/^[[:space:]]*$/ { flush(); next }
			/^#/ { next }
			/^[Tt]ypes:/ { keep = ($0 ~ /[[:space:]]deb([[:space:]]|$)/); st = st "Types: deb-src\n"; next }
			{ st = st $0 "\n" }
			END { flush() }
		' "$f" >"$APTDIR/sources.list.d/$(basename "$f")"
	done
	[ -s "$APTDIR/sources.list" ] || [ -n "$(find "$APTDIR/sources.list.d" -name '*.sources' -size +0)" ] \
		|| die "no deb source found in the host's apt configuration"
}

APT_UPDATED=""
apt_update() {
	[ -n "$APT_UPDATED" ] && return 0
	derive_sources
	say "apt-get update (deb-src list derived from the host's sources, in $APTDIR)"
	# shellcheck disable=SC2086
	apt-get $APT_OPTS update -qq >"$LOGDIR/apt-update.log" 2>&1 \
		|| say "warning: apt-get update reported errors (see $LOGDIR/apt-update.log)"
	APT_UPDATED=1
}

# fetch PKG: downloads Debian's source package PKG into src/dl/PKG (once); sets DSC.
fetch() {
	_dl=$SRC/dl/$1
	DSC=$(ls "$_dl"/"$1"_*.dsc 2>/dev/null | head -n 1 || true)
	if [ -z "$DSC" ] || [ ! -f "$_dl/.complete" ]; then
		apt_update
		rm -rf "$_dl" && mkdir -p "$_dl"
		say "fetching source package $1"
		# shellcheck disable=SC2086
		(cd "$_dl" && apt-get $APT_OPTS source --download-only -qq "$1") \
			>"$LOGDIR/fetch-$1.log" 2>&1 || { tail -n 20 "$LOGDIR/fetch-$1.log" >&2; die "apt-get source $1 failed"; }
		DSC=$(ls "$_dl"/"$1"_*.dsc | head -n 1)
		touch "$_dl/.complete"
	fi
}
dsc_version() { sed -n 's/^Version:[[:space:]]*//p' "$1" | head -n 1; }

# extract PKG DIR: a fresh copy of the source (Debian patches applied) in DIR.
extract() {
	rm -rf "$2"
	run "extract-$1" dpkg-source --no-check --no-copy -x "$DSC" "$2"
}

# Stamps: BUILD_DIR/.stamp-STEP holds the version and options it was built with.
stamp_ok() { [ -f "$BUILD_DIR/.stamp-$1" ] && [ "$(cat "$BUILD_DIR/.stamp-$1")" = "$2" ]; }
stamp_set() { printf '%s\n' "$2" >"$BUILD_DIR/.stamp-$1"; }

export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"

# ---------------------------------------------------------------- libudev.a (systemd)
fetch systemd
SYSTEMD_VER=$(dsc_version "$DSC")
# Everything off but the static libudev; paths (split-usr: hwdb.bin also looked up under
# /lib) as Debian builds its libudev1.
UDEV_OPTS="-Dstatic-libudev=true -Dmode=release -Dbuildtype=plain -Doptimization=2 -Db_lto=false
 -Dauto_features=disabled -Dtests=false -Dslow-tests=false -Dfuzz-tests=false -Dinstall-tests=false
 -Dman=false -Dhtml=false -Dtranslations=false
 -Dsplit-usr=true -Dnobody-user=nobody -Dnobody-group=nogroup"
UDEV_STAMP="systemd $SYSTEMD_VER | $UDEV_OPTS"
if ! stamp_ok udev "$UDEV_STAMP" || [ ! -f "$PREFIX/lib/libudev.a" ]; then
	t=$(date +%s)
	rm -f "$BUILD_DIR/.stamp-dm" "$BUILD_DIR/.stamp-cryptsetup"
	: >"$LOGDIR/systemd.log"
	say "building libudev.a from systemd $SYSTEMD_VER"
	S=$SRC/systemd
	extract systemd "$S"
	# shellcheck disable=SC2086
	run systemd meson setup "$S/b" "$S" $UDEV_OPTS
	# The static library's target name as meson gives it.
	target=$(cd "$S/b" && ninja -t targets all 2>/dev/null | sed -n 's/^\(\([^:]*\/\)\{0,1\}libudev\.a\): .*/\1/p' | head -n 1)
	[ -n "$target" ] || die "no libudev.a target in systemd's meson build"
	run systemd ninja -C "$S/b" -j "$JOBS" version.h
	run systemd ninja -C "$S/b" -j "$JOBS" "$target"
	install -D -m 0644 "$S/b/$target" "$PREFIX/lib/libudev.a"
	install -D -m 0644 "$S/src/libudev/libudev.h" "$PREFIX/include/libudev.h"
	cat >"$PREFIX/lib/pkgconfig/libudev.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libudev
Description: Library to access udev device information (static, Debian systemd $SYSTEMD_VER)
Version: ${SYSTEMD_VER%%[.-]*}
Libs: -L\${libdir} -ludev
Libs.private: -lrt -pthread
Cflags: -I\${includedir}
EOF
	stamp_set udev "$UDEV_STAMP"
	say "libudev.a done in $(elapsed "$t")"
fi

# ---------------------------------------------------------------- libdevmapper.a (lvm2)
fetch lvm2
LVM2_VER=$(dsc_version "$DSC")
# udev sync on (dm cookies + DM_UDEV_* flags as in Debian's libdevmapper); run/lock dirs as
# Debian configures them; nothing that would need more libraries.
DM_OPTS="--enable-static_link --enable-udev_sync --disable-udev_rules --disable-selinux
 --disable-readline --disable-blkid_wiping --disable-nls --disable-dmeventd --disable-cmdlib
 --with-udev-prefix=/ --with-default-dm-run-dir=/run --with-default-run-dir=/run/lvm
 --with-default-locking-dir=/run/lock/lvm --with-thin=none --with-cache=none"
DM_STAMP="lvm2 $LVM2_VER | $DM_OPTS"
if ! stamp_ok dm "$DM_STAMP" || [ ! -f "$PREFIX/lib/libdevmapper.a" ]; then
	t=$(date +%s)
	rm -f "$BUILD_DIR/.stamp-cryptsetup"
	: >"$LOGDIR/lvm2.log"
	say "building libdevmapper.a from lvm2 $LVM2_VER"
	S=$SRC/lvm2
	extract lvm2 "$S"
	# shellcheck disable=SC2086
	(cd "$S" && run lvm2 ./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" $DM_OPTS \
		PKG_CONFIG="pkg-config --static" CFLAGS="-O2 -g")
	run lvm2 make -C "$S/libdm" -j "$JOBS"
	run lvm2 make -C "$S/libdm" install_static install_include install_pkgconfig
	stamp_set dm "$DM_STAMP"
	say "libdevmapper.a done in $(elapsed "$t")"
fi

# ---------------------------------------------------------------- libcryptsetup.a
fetch cryptsetup
CRYPTSETUP_VER=$(dsc_version "$DSC")
CS_OPTS="--enable-static --disable-shared --with-crypto_backend=gcrypt --enable-libargon2
 --enable-blkid --enable-udev --disable-cryptsetup --disable-veritysetup --disable-integritysetup
 --disable-ssh-token --disable-external-tokens --disable-nls
 --disable-selinux --disable-asciidoc --disable-fips --disable-static-cryptsetup
 --with-default-luks-format=LUKS2"
CS_STAMP="cryptsetup $CRYPTSETUP_VER | $CS_OPTS"
if ! stamp_ok cryptsetup "$CS_STAMP" || [ ! -f "$PREFIX/lib/libcryptsetup.a" ]; then
	t=$(date +%s)
	: >"$LOGDIR/cryptsetup.log"
	say "building libcryptsetup.a from cryptsetup $CRYPTSETUP_VER"
	S=$SRC/cryptsetup
	extract cryptsetup "$S"
	[ -x "$S/configure" ] || (cd "$S" && run cryptsetup ./autogen.sh)
	# tmpfiles/pkgconfig dirs inside the prefix: `make install` must not write into the host.
	# pkg-config --static so that configure's link checks see libdevmapper's private libs.
	# shellcheck disable=SC2086
	(cd "$S" && run cryptsetup ./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" \
		--with-tmpfilesdir="$PREFIX/lib/tmpfiles.d" $CS_OPTS \
		PKG_CONFIG="pkg-config --static" CFLAGS="-O2 -g")
	run cryptsetup make -C "$S" -j "$JOBS"
	run cryptsetup make -C "$S" install
	stamp_set cryptsetup "$CS_STAMP"
	say "libcryptsetup.a done in $(elapsed "$t")"
fi

# ---------------------------------------------------------------- versions
{
	echo "cryptsetup $CRYPTSETUP_VER"
	echo "lvm2 $LVM2_VER"
	echo "systemd $SYSTEMD_VER"
	echo "# static archives from Debian binary packages:"
	for p in libblkid-dev uuid-dev libjson-c-dev libgcrypt20-dev libgpg-error-dev libargon2-dev; do
		echo "# $p $(dpkg-query -W -f='${Version}' "$p")"
	done
} >"$BUILD_DIR/VERSIONS.tmp"
mv "$BUILD_DIR/VERSIONS.tmp" "$BUILD_DIR/VERSIONS"
sed 's/^/static-deps: /' "$BUILD_DIR/VERSIONS"
say "prefix $PREFIX ready ($(elapsed "$T0"))"
