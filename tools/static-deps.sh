#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/static-deps.sh [BUILD_DIR]   (default: build/static)
#
# Builds the static archives that Debian 12 does not ship, so that bek-unlock can be
# linked with -static (see static.mk):
#   libudev.a        from Debian's systemd source   (meson -Dstatic-libudev=true)
#   libdevmapper.a   from Debian's lvm2 source      (udev sync on, against that libudev.a;
#                    one patch: tools/patches/)
#   libcryptsetup.a  from Debian's cryptsetup source (gcrypt backend, blkid on, no tools;
#                    LUKS only: one patch, tools/patches/)
#   libgcrypt.a      from Debian's libgcrypt20 source, with only the algorithms
#                    libcryptsetup can use to open a LUKS volume (see GCRYPT_OPTS)
#   libgpg-error.a   from Debian's libgpg-error source
#   libblkid.a, libuuid.a  from Debian's util-linux source
# and installs them with headers and .pc files into BUILD_DIR/prefix. The other static
# archives (json-c, libargon2) come from Debian's -dev packages, which this script installs
# when missing, as it does the -dev packages whose headers the libraries compile against
# (libgcrypt20-dev, libgpg-error-dev, libblkid-dev, uuid-dev: checked to be the same
# upstream version as the source built here).
#
# What we build is compiled with -ffunction-sections -fdata-sections (LIB_CFLAGS): the
# static link's --gc-sections then drops every function bek-unlock does not reach, instead
# of keeping whole objects (issue 14: the binary's size).
#
# Sources are Debian's own source packages (with Debian's patches applied), fetched with
# `apt-get source` through a deb-src list derived at run time from the host's own apt
# sources into BUILD_DIR/apt: the host's apt configuration is never changed.
#
# Idempotent: every step leaves a stamp holding what it was built from (source version +
# options); a step whose stamp matches is skipped, so a second run takes seconds. A step
# that is redone invalidates the steps after it. BUILD_DIR/VERSIONS lists the exact
# Debian source versions used. Downloaded sources are kept (BUILD_DIR/src/dl): remove that
# folder to move to newer Debian revisions from the archive.
#
# Environment: JOBS (default 2) parallel compile jobs.
set -eu

# Debian's tools (meson, python3 with jinja2) before anything a user put first in PATH
# (e.g. a pyenv python3 without jinja2).
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
export LC_ALL=C
# Independent of the environment and of a calling make (its jobserver, its flags).
unset PKG_CONFIG PKG_CONFIG_LIBDIR CFLAGS CPPFLAGS LDFLAGS LIBS MAKEFLAGS MFLAGS MAKELEVEL 2>/dev/null || true

PATCHES=$(cd "$(dirname "$0")" && pwd)/patches
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
on_exit() { _rc=$?; [ "$_rc" -eq 0 ] || printf 'static-deps: failed (exit %s); logs in %s\n' "$_rc" "$LOGDIR" >&2; }
trap on_exit EXIT
# step_start / step_end NAME: wall time and CPU time (user+sys of the commands run) of a step.
# `times` must run in this shell, not in a $(...) subshell.
cpu_read() { awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$LOGDIR/.times"; }
step_start() { STEP_T=$(date +%s); times >"$LOGDIR/.times"; STEP_C=$(cpu_read); }
step_end() { times >"$LOGDIR/.times"; say "$1 done in $(( $(date +%s) - STEP_T ))s (CPU $(( $(cpu_read) - STEP_C ))s)"; }

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
DEB_PKGS="build-essential pkg-config dpkg-dev xz-utils
libblkid-dev uuid-dev libjson-c-dev libgcrypt20-dev libgpg-error-dev libargon2-dev
autoconf automake autopoint libtool gettext libpopt-dev
meson ninja-build gperf python3 python3-jinja2 libcap-dev libmount-dev"
missing=""
for p in $DEB_PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
		|| missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing Debian packages (install them as root):$missing"
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
	# deb822 format: every stanza whose Types has `deb` (or `deb-src`) gets `Types: deb-src`.
	for f in "${HOST_SP%/}"/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() { if (keep) printf "%s\n", st; st = ""; keep = 0 }
			/^[[:space:]]*$/ { flush(); next }
			/^#/ { next }
			/^[Tt]ypes:/ { keep = ($0 ~ /[[:space:]]deb(-src)?([[:space:]]|$)/); st = st "Types: deb-src\n"; next }
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

first_dsc() { for _f in "$1/$2"_*.dsc; do [ -f "$_f" ] && { echo "$_f"; return 0; }; done; return 0; }
# fetch PKG: downloads Debian's source package PKG into src/dl/PKG (once); sets DSC.
fetch() {
	_dl=$SRC/dl/$1
	DSC=$(first_dsc "$_dl" "$1")
	if [ -z "$DSC" ] || [ ! -f "$_dl/.complete" ]; then
		apt_update
		rm -rf "$_dl" && mkdir -p "$_dl"
		say "fetching source package $1"
		# shellcheck disable=SC2086
		(cd "$_dl" && apt-get $APT_OPTS source --download-only -qq "$1") \
			>"$LOGDIR/fetch-$1.log" 2>&1 || { tail -n 20 "$LOGDIR/fetch-$1.log" >&2; die "apt-get source $1 failed"; }
		DSC=$(first_dsc "$_dl" "$1")
		[ -n "$DSC" ] || die "apt-get source $1 gave no .dsc"
		touch "$_dl/.complete"
	fi
}
dsc_version() { sed -n 's/^Version:[[:space:]]*//p' "$1" | head -n 1; }

# extract PKG DIR: a fresh copy of the source (Debian patches applied) in DIR.
extract() {
	rm -rf "$2"
	run "extract-$1" dpkg-source --no-check --no-copy -x "$DSC" "$2"
}

# Stamps: BUILD_DIR/.stamp-STEP holds the version and options it was built with, and
# RECIPE, to be increased when a build step changes in a way its options do not show.
RECIPE=3
# Compiler flags of the libraries built here (libgcrypt adds Debian's own hardening flags).
# Function/data sections: --gc-sections can drop what is not reached. No asynchronous unwind
# tables (.eh_frame): C code needs them only to be unwound through by pthread_cancel() or
# backtrace(), which bek-unlock and these libraries never do (libargon2's threads are joined,
# never cancelled); a debugger finds the frames in -g's .debug_frame instead.
LIB_CFLAGS="-O2 -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"
# -Os for the libraries whose speed does not matter to an unlock (device and metadata
# handling; the key derivations run in libgcrypt and libargon2, which keep -O2).
SIZE_CFLAGS="-Os"
stamp_ok() { [ -f "$BUILD_DIR/.stamp-$1" ] && [ "$(cat "$BUILD_DIR/.stamp-$1")" = "$2" ]; }
stamp_set() { printf '%s\n' "$2" >"$BUILD_DIR/.stamp-$1"; }

export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"

# ---------------------------------------------------------------- libudev.a (systemd)
fetch systemd
SYSTEMD_VER=$(dsc_version "$DSC")
# Everything off but the static libudev; paths (split-usr: hwdb.bin also looked up under
# /lib) as Debian builds its libudev1.
UDEV_OPTS="-Dstatic-libudev=true -Dmode=release -Dbuildtype=plain -Doptimization=s -Db_lto=false
 -Dauto_features=disabled -Dtests=false -Dslow-tests=false -Dfuzz-tests=false -Dinstall-tests=false
 -Dman=false -Dhtml=false -Dtranslations=false
 -Dsplit-usr=true -Dnobody-user=nobody -Dnobody-group=nogroup -Dc_args=-fno-asynchronous-unwind-tables"

# systemd's meson.build compiles with function/data sections already (buildtype != debug).
# systemd's static libudev target compiles all of libbasic, libshared and libsystemd (~330
# objects), but a static link of libudev's whole public API (libudev.sym) pulls only these
# ~110 (measured on systemd 252). Only they are compiled; the archive is then checked by
# statically linking every symbol of libudev.sym, and the full target is built instead when
# that fails or the list does not match the source (another systemd version).
UDEV_SUBSET="
src/basic: MurmurHash2 af-list alloc-util architecture build bus-label cgroup-util
 chase-symlinks chattr-util devnum-util dirent-util efivars env-file env-util errno-list escape
 extract-word fd-util fileio filesystems format-util fs-util glyph-util gunicode hash-funcs
 hashmap hexdecoct hmac hostname-util inotify-util io-util locale-util log login-util
 memory-util mempool mkdir mountpoint-util namespace-util nulstr-util ordered-set os-util
 parse-util path-util prioq proc-cmdline process-util random-util ratelimit rlimit-util
 signal-util siphash24 socket-util sort-util stat-util string-table string-util strv strxcpyx
 sync-util sysctl-util syslog-util terminal-util time-util tmpfile-util uid-range unit-def
 unit-name user-util utf8 util virt xattr-util
src/fundamental: efivars-fundamental sha256 string-util-fundamental
src/shared: device-nodes udev-util
src/libsystemd: sd-daemon/sd-daemon sd-device/device-enumerator sd-device/device-filter
 sd-device/device-monitor sd-device/device-private sd-device/sd-device sd-event/sd-event
 sd-hwdb/sd-hwdb sd-id128/id128-util sd-id128/sd-id128 sd-netlink/netlink-genl
 sd-netlink/netlink-message-rtnl sd-netlink/netlink-message sd-netlink/netlink-slot
 sd-netlink/netlink-socket sd-netlink/netlink-types-genl sd-netlink/netlink-types-nfnl
 sd-netlink/netlink-types-rtnl sd-netlink/netlink-types sd-netlink/netlink-util
 sd-netlink/sd-netlink
src/libudev: libudev-device libudev-enumerate libudev-hwdb libudev-list libudev-monitor
 libudev-queue libudev-util libudev"
# udev_subset_objects LIBTARGET: meson's object names (dir/file.c -> LIBTARGET.p/dir_file.c.o).
udev_subset_objects() {
	printf '%s\n' "$UDEV_SUBSET" | awk -v t="$1" '
		NF == 0 { next }
		$1 ~ /:$/ { dir = substr($1, 1, length($1) - 1); $1 = "" }
		{ for (i = 1; i <= NF; i++) if ($i != "") { o = dir "/" $i ".c"; gsub("/", "_", o); print t ".p/" o ".o" } }'
}
# udev_api_links ARCHIVE: does a static program that uses every public libudev symbol link?
udev_api_links() {
	_d=$S/b/api-check && mkdir -p "$_d"
	sed -n 's/^[[:space:]]*\(udev_[a-z0-9_]*\);.*/\1/p' "$S/src/libudev/libudev.sym" | sort -u >"$_d/syms"
	{
		sed 's/.*/extern void &(void);/' "$_d/syms"
		echo 'void *all[] = {'; sed 's/.*/(void *)\&&,/' "$_d/syms"; echo '};'
		echo 'int main(void) { return all[0] == 0; }'
	} >"$_d/all.c"
	[ -s "$_d/syms" ] && gcc -o "$_d/all" "$_d/all.c" -static "$1" -lm >>"$LOGDIR/systemd.log" 2>&1
}

UDEV_STAMP="recipe $RECIPE | systemd $SYSTEMD_VER | $UDEV_OPTS"
if ! stamp_ok udev "$UDEV_STAMP" || [ ! -f "$PREFIX/lib/libudev.a" ]; then
	step_start
	rm -f "$BUILD_DIR/.stamp-dm" "$BUILD_DIR/.stamp-cryptsetup"
	: >"$LOGDIR/systemd.log"
	say "building libudev.a from systemd $SYSTEMD_VER"
	S=$SRC/systemd
	extract systemd "$S"
	# shellcheck disable=SC2086
	run systemd meson setup "$S/b" "$S" $UDEV_OPTS
	# The static library's target name as meson gives it (libudev.a).
	target=$(cd "$S/b" && ninja -t targets all 2>/dev/null | sed -n 's/^\(\([^:]*\/\)\{0,1\}libudev\.a\): .*/\1/p' | head -n 1)
	[ -n "$target" ] || die "no libudev.a target in systemd's meson build"
	run systemd ninja -C "$S/b" -j "$JOBS" version.h
	objs=$(udev_subset_objects "$target")
	lib=""
	# shellcheck disable=SC2086
	if (cd "$S/b" && ninja -t query $objs) >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		run systemd ninja -C "$S/b" -j "$JOBS" $objs
		rm -f "$S/b/libudev-subset.a"
		# shellcheck disable=SC2086
		(cd "$S/b" && ar rcs libudev-subset.a $objs)
		if udev_api_links "$S/b/libudev-subset.a"; then
			lib=$S/b/libudev-subset.a
		else
			say "the object list misses objects of systemd $SYSTEMD_VER: building the whole libudev.a"
		fi
	else
		say "the object list does not match systemd $SYSTEMD_VER: building the whole libudev.a"
	fi
	if [ -z "$lib" ]; then
		run systemd ninja -C "$S/b" -j "$JOBS" "$target"
		lib=$S/b/$target
		udev_api_links "$lib" || die "libudev.a lacks libudev's public API (see $LOGDIR/systemd.log)"
	fi
	install -D -m 0644 "$lib" "$PREFIX/lib/libudev.a"
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
	step_end libudev.a
fi

# ---------------------------------------------------------------- libdevmapper.a (lvm2)
fetch lvm2
LVM2_VER=$(dsc_version "$DSC")
# udev sync on (dm cookies + DM_UDEV_* flags as in Debian's libdevmapper1.02.1); device node
# owner/mode and run/lock dirs as Debian's debian/rules sets them; nothing that would need
# more libraries (the lvm tools themselves are not built).
DM_OPTS="--enable-static_link --enable-udev_sync --disable-udev_rules --disable-selinux
 --disable-readline --disable-blkid_wiping --disable-nls --disable-dmeventd --disable-cmdlib
 --disable-systemd-journal --disable-app-machineid
 --with-device-uid=0 --with-device-gid=6 --with-device-mode=0660 --with-udev-prefix=/
 --with-default-pid-dir=/run --with-default-run-dir=/run/lvm --with-default-locking-dir=/run/lock/lvm
 --with-thin=none --with-cache=none"
# Our one change to Debian's source: the udev cookie from getrandom(GRND_INSECURE), so that
# an activation never waits for the kernel's RNG (the patch says why).
DM_PATCH=$PATCHES/lvm2-libdm-cookie-getrandom.patch
DM_STAMP="recipe $RECIPE | lvm2 $LVM2_VER | $DM_OPTS | CFLAGS=$LIB_CFLAGS $SIZE_CFLAGS | $(sha256sum <"$DM_PATCH" | cut -c1-16)"
if ! stamp_ok dm "$DM_STAMP" || [ ! -f "$PREFIX/lib/libdevmapper.a" ]; then
	step_start
	rm -f "$BUILD_DIR/.stamp-cryptsetup"
	: >"$LOGDIR/lvm2.log"
	say "building libdevmapper.a from lvm2 $LVM2_VER"
	S=$SRC/lvm2
	extract lvm2 "$S"
	run lvm2 patch -d "$S" -p1 -i "$DM_PATCH"
	# shellcheck disable=SC2086
	(cd "$S" && run lvm2 ./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" $DM_OPTS CFLAGS="$LIB_CFLAGS $SIZE_CFLAGS" LDFLAGS="-L$PREFIX/lib" \
		PKG_CONFIG="pkg-config --static")
	# Only the static library (not libdevmapper.so, not dmsetup).
	run lvm2 make -C "$S/libdm" -j "$JOBS" ioctl/libdevmapper.a
	run lvm2 make -C "$S/libdm" install_static install_include install_pkgconfig
	stamp_set dm "$DM_STAMP"
	step_end libdevmapper.a
fi

# ---------------------------------------------------------------- libcryptsetup.a
fetch cryptsetup
CRYPTSETUP_VER=$(dsc_version "$DSC")
CS_OPTS="--enable-static --disable-shared --with-crypto_backend=gcrypt --enable-libargon2
 --enable-blkid --enable-udev --disable-cryptsetup --disable-veritysetup --disable-integritysetup
 --disable-ssh-token --disable-external-tokens --disable-nls
 --disable-selinux --disable-asciidoc --disable-fips --disable-static-cryptsetup
 --with-default-luks-format=LUKS2 --disable-dependency-tracking"
# One change to Debian's source: LUKS only (FileVault2, BITLK and TCRYPT headers are not
# read; bek-unlock never asks for them), which keeps glibc's regex engine out (the patch
# says why).
CS_PATCH=$PATCHES/cryptsetup-luks-only.patch
CS_STAMP="recipe $RECIPE | cryptsetup $CRYPTSETUP_VER | $CS_OPTS | CFLAGS=$LIB_CFLAGS $SIZE_CFLAGS | $(sha256sum <"$CS_PATCH" | cut -c1-16)"
if ! stamp_ok cryptsetup "$CS_STAMP" || [ ! -f "$PREFIX/lib/libcryptsetup.a" ]; then
	step_start
	: >"$LOGDIR/cryptsetup.log"
	say "building libcryptsetup.a from cryptsetup $CRYPTSETUP_VER"
	S=$SRC/cryptsetup
	extract cryptsetup "$S"
	run cryptsetup patch -d "$S" -p1 -i "$CS_PATCH"
	[ -x "$S/configure" ] || (cd "$S" && run cryptsetup ./autogen.sh)
	# tmpfiles/pkgconfig dirs inside the prefix: `make install` must not write into the host.
	# pkg-config --static so that configure's link checks see libdevmapper's private libs.
	# shellcheck disable=SC2086
	(cd "$S" && run cryptsetup ./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" \
		--with-tmpfilesdir="$PREFIX/lib/tmpfiles.d" $CS_OPTS CFLAGS="$LIB_CFLAGS $SIZE_CFLAGS" \
		PKG_CONFIG="pkg-config --static")
	run cryptsetup make -C "$S" -j "$JOBS" libcryptsetup.la
	run cryptsetup make -C "$S" install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA
	rm -f "$PREFIX/lib/libcryptsetup.la"
	stamp_set cryptsetup "$CS_STAMP"
	step_end libcryptsetup.a
fi

# ---------------------------------------------------------------- Debian libraries
# Libraries Debian ships as static archives too, rebuilt from their Debian source with
# Debian's own compiler flags (dpkg-buildflags: -O2, stack protector, _FORTIFY_SOURCE, as
# their packages) plus LIB_CFLAGS' sections: Debian's archives have one section per object,
# which --gc-sections cannot split. Configured with Debian's paths (DEB_DIRS: a path compiled
# in, e.g. libuuid's uuidd socket under runstatedir, is the one Debian's library has); only
# the archive is installed, into the prefix.
DEB_DIRS="--prefix=/usr --sysconfdir=/etc --localstatedir=/var"
DEB_CFLAGS="$(dpkg-buildflags --get CFLAGS | sed 's/ *-ffile-prefix-map=[^ ]*//') ${LIB_CFLAGS#-O2 }"
DEB_CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
# same_upstream SRC_VERSION DEV_PACKAGE: the headers we compile against (DEV_PACKAGE) are of
# the upstream version we build.
same_upstream() {
	_dev=$(dpkg-query -W -f='${Version}' "$2")
	_a=${1#*:} _b=${_dev#*:}
	[ "${_a%%-*}" = "${_b%%-*}" ] || die "source $1 and $2 $_dev differ in upstream version"
}

# ---------------------------------------------------------------- libgpg-error.a
fetch libgpg-error
GPGERR_VER=$(dsc_version "$DSC")
same_upstream "$GPGERR_VER" libgpg-error-dev
# debian/rules' options, only the library.
GPGERR_OPTS="--enable-static --disable-shared --disable-rpath --disable-doc --disable-tests
 --disable-languages --disable-nls"
GPGERR_STAMP="recipe $RECIPE | libgpg-error $GPGERR_VER | $DEB_DIRS $GPGERR_OPTS | CFLAGS=$DEB_CFLAGS $SIZE_CFLAGS | CPPFLAGS=$DEB_CPPFLAGS"
if ! stamp_ok gpgerror "$GPGERR_STAMP" || [ ! -f "$PREFIX/lib/libgpg-error.a" ]; then
	step_start
	: >"$LOGDIR/libgpg-error.log"
	say "building libgpg-error.a from libgpg-error $GPGERR_VER"
	S=$SRC/libgpg-error
	extract libgpg-error "$S"
	# shellcheck disable=SC2086
	(cd "$S" && run libgpg-error ./configure $DEB_DIRS $GPGERR_OPTS \
		CFLAGS="$DEB_CFLAGS $SIZE_CFLAGS" CPPFLAGS="$DEB_CPPFLAGS")
	run libgpg-error make -C "$S/src" -j "$JOBS"
	install -D -m 0644 "$S/src/.libs/libgpg-error.a" "$PREFIX/lib/libgpg-error.a"
	stamp_set gpgerror "$GPGERR_STAMP"
	step_end libgpg-error.a
fi

# ---------------------------------------------------------------- libblkid.a, libuuid.a
fetch util-linux
UL_VER=$(dsc_version "$DSC")
same_upstream "$UL_VER" libblkid-dev
same_upstream "$UL_VER" uuid-dev
# Only the two libraries (as Debian's libblkid1/libuuid1: no udev, no systemd in them).
UL_OPTS="--disable-all-programs --enable-libblkid --enable-libuuid --disable-shared --enable-static
 --disable-nls --without-python --without-systemd --without-udev --without-selinux
 --disable-dependency-tracking"
UL_STAMP="recipe $RECIPE | util-linux $UL_VER | $DEB_DIRS --runstatedir=/run $UL_OPTS | CFLAGS=$DEB_CFLAGS $SIZE_CFLAGS | CPPFLAGS=$DEB_CPPFLAGS"
if ! stamp_ok utillinux "$UL_STAMP" || [ ! -f "$PREFIX/lib/libblkid.a" ] || [ ! -f "$PREFIX/lib/libuuid.a" ]; then
	step_start
	: >"$LOGDIR/util-linux.log"
	say "building libblkid.a and libuuid.a from util-linux $UL_VER"
	S=$SRC/util-linux
	extract util-linux "$S"
	# shellcheck disable=SC2086
	(cd "$S" && run util-linux ./configure $DEB_DIRS --runstatedir=/run $UL_OPTS \
		CFLAGS="$DEB_CFLAGS $SIZE_CFLAGS" CPPFLAGS="$DEB_CPPFLAGS")
	run util-linux make -C "$S" -j "$JOBS" libblkid.la libuuid.la
	install -D -m 0644 "$S/.libs/libblkid.a" "$PREFIX/lib/libblkid.a"
	install -D -m 0644 "$S/.libs/libuuid.a" "$PREFIX/lib/libuuid.a"
	stamp_set utillinux "$UL_STAMP"
	step_end "libblkid.a, libuuid.a"
fi

# ---------------------------------------------------------------- libgcrypt.a
fetch libgcrypt20
GCRYPT_VER=$(dsc_version "$DSC")
# libcryptsetup compiles against Debian's libgcrypt20-dev: the same upstream version.
same_upstream "$GCRYPT_VER" libgcrypt20-dev
# Debian's configure options (debian/rules), then only the algorithms that opening a LUKS1 or
# LUKS2 volume through libcryptsetup's gcrypt backend can use (crypto_gcrypt.c):
#  - ciphers: aes, keyslot decryption in user space (xts, cbc, ecb for ESSIV/EBOIV) with
#    AES-NI/VAES; a keyslot with another cipher (serpent, twofish, ...) is decrypted by the
#    kernel (AF_ALG, algif_skcipher, which the initramfs preloads; LUKS1 falls back to a
#    temporary dm-crypt mapping), as a cipher gcrypt lacks always was. 1.10.1 does not link
#    without chacha20 (cipher-poly1305.c): GCRYPT_PATCH guards that call.
#  - digests: the hashes LUKS1/LUKS2 volumes are made with in practice, for a keyslot's
#    PBKDF2 and anti-forensic splitter, the volume key digest, the LUKS2 header checksum and
#    ESSIV: sha1, sha224/256, sha384/512 (sha256 and sha512 modules), ripemd160, whirlpool.
#    Left out for size (doc/binary-size.md: what each would cost): sha3-*, blake2b/2s-*,
#    sm3, stribog, md5, and crc, md4, tiger, gostr3411-94. A volume that names one fails to
#    open with libcryptsetup's "hash not supported" error; never a crash.
#  - kdfs: pbkdf2 (gcry_kdf_derive); Argon2 comes from libargon2.
#  - public-key: none (no LUKS code calls any). configure takes an empty list for "all":
#    "," is an empty list after its own splitting at commas.
#  - no jitter-entropy collector (libcryptsetup reads /dev/urandom itself; gcrypt's RNG is
#    not used to open a volume).
#  - no PCLMUL code: it serves GCM/GCM-SIV only (no LUKS keyslot uses them).
#  - no VAES/AVX2 AES (gcry_cv_gcc_inline_asm_vaes_vpclmul=no): it speeds up bulk AES on
#    the newest CPUs, while a keyslot is ~256 KB (AES-NI: well under a millisecond).
# Debian's hardening flags (dpkg-buildflags: stack protector, _FORTIFY_SOURCE) as its own
# libgcrypt20 package, plus function/data sections; the asm (AES-NI, VAES, SHA-NI, AVX/AVX2,
# SSSE3) and its CPU dispatch as Debian's.
GCRYPT_PATCH=$PATCHES/libgcrypt-poly1305-without-chacha20.patch
GCRYPT_OPTS="--enable-static --disable-shared --enable-noexecstack --enable-ld-version-script
 --disable-doc --enable-ciphers=aes --disable-pclmul-support --enable-pubkey-ciphers=,
 --enable-digests=sha1,sha256,sha512,rmd160,whirlpool --enable-kdfs=pkdf2 --disable-jent-support
 gcry_cv_gcc_inline_asm_vaes_vpclmul=no"
GCRYPT_STAMP="recipe $RECIPE | libgcrypt20 $GCRYPT_VER | $DEB_DIRS $GCRYPT_OPTS | CFLAGS=$DEB_CFLAGS | CPPFLAGS=$DEB_CPPFLAGS | $(sha256sum <"$GCRYPT_PATCH" | cut -c1-16)"
if ! stamp_ok gcrypt "$GCRYPT_STAMP" || [ ! -f "$PREFIX/lib/libgcrypt.a" ]; then
	step_start
	: >"$LOGDIR/libgcrypt.log"
	say "building libgcrypt.a from libgcrypt20 $GCRYPT_VER"
	S=$SRC/libgcrypt20
	extract libgcrypt20 "$S"
	run libgcrypt patch -d "$S" -p1 -i "$GCRYPT_PATCH"
	# shellcheck disable=SC2086
	(cd "$S" && run libgcrypt ./configure $DEB_DIRS $GCRYPT_OPTS \
		CFLAGS="$DEB_CFLAGS" CPPFLAGS="$DEB_CPPFLAGS")
	# Only the library (no tests, no documentation).
	for d in compat mpi cipher random; do run libgcrypt make -C "$S/$d" -j "$JOBS"; done
	run libgcrypt make -C "$S/src" -j "$JOBS" libgcrypt.la
	install -D -m 0644 "$S/src/.libs/libgcrypt.a" "$PREFIX/lib/libgcrypt.a"
	stamp_set gcrypt "$GCRYPT_STAMP"
	step_end libgcrypt.a
fi

# ---------------------------------------------------------------- versions
{
	echo "cryptsetup $CRYPTSETUP_VER + tools/patches/cryptsetup-luks-only.patch"
	echo "lvm2 $LVM2_VER + tools/patches/lvm2-libdm-cookie-getrandom.patch"
	echo "systemd $SYSTEMD_VER"
	echo "libgcrypt20 $GCRYPT_VER + tools/patches/libgcrypt-poly1305-without-chacha20.patch (LUKS algorithms only)"
	echo "libgpg-error $GPGERR_VER"
	echo "util-linux $UL_VER (libblkid, libuuid)"
	echo "# static archives from Debian binary packages:"
	for p in libjson-c-dev libargon2-dev; do
		echo "# $p $(dpkg-query -W -f='${Version}' "$p")"
	done
} >"$BUILD_DIR/VERSIONS.tmp"
mv "$BUILD_DIR/VERSIONS.tmp" "$BUILD_DIR/VERSIONS"
sed 's/^/static-deps: /' "$BUILD_DIR/VERSIONS"
times >"$LOGDIR/.times"
say "prefix $PREFIX ready; this run took $(( $(date +%s) - T0 ))s (CPU $(cpu_read)s)"
