#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The RPM (rpm/bek-unlock.spec.in), built by "make rpm" and inspected with rpm's own
# queries: the file list (exactly RHEL's dracut layout, no initramfs-tools file), the
# scripts (what they are, and what the rebuild scriptlet does, run against stubs), the
# requires and provides (nothing from the static binary), the binary inside (static,
# stripped, runs). Then the same file-list check on a spec that forgets the hook scripts
# must fail. The package is never installed: there is no RHEL machine here.
# Usage: tests/rpm.sh (from anywhere). Ends with "N passed, N failed".
# The bash -c snippets take their arguments as "$1"...: single quotes on purpose.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/.." && export LC_ALL=C
work=$(mktemp -d /tmp/bek-rpm.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/lib.sh
. tests/lib.sh

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
mk() { make --no-print-directory "$@"; }
# check() matches its pattern against a command's output, which must not be empty:
# q runs a command and adds a closing "[rc N]" line; same compares the output with the
# expected text (lines joined by ";").
q() { local out rc; out=$("$@" 2>&1); rc=$?; [ -z "$out" ] || printf '%s\n' "$out"; echo "[rc $rc]"; return $rc; }
same() {  # same WANT CMD...
	local want=$1 got; shift
	got=$("$@" 2>&1 | paste -sd ';')
	echo "got: $got"
	[ "$got" = "$want" ]
}

# The one .rpm under a topdir's RPMS.
rpm_in() {
	local f
	f=$(find "$1/RPMS" -name '*.rpm' 2>/dev/null)
	[ "$(wc -l <<<"$f")" = 1 ] && [ -n "$f" ] && echo "$f"
}

# --- build ---
check "make rpm builds one binary package" 0 "bek-unlock-$version-1\.x86_64\.rpm" -- mk rpm
rpm=$(rpm_in build/rpm) && rpm=$(readlink -f "$rpm") || rpm=/nonexistent
check "name, version (the Makefile's VERSION), arch" 0 "^bek-unlock $version 1 x86_64$" -- \
	rpm -qp --qf '%{NAME} %{VERSION} %{RELEASE} %{ARCH}' "$rpm"

# --- file list ---
# What make install puts where RHEL's dracut looks, from a staged install of this tree:
# initramfs-tools files left out, man pages gzipped (brp-compress), plus the README as
# %doc and the binary's build-id link (RHEL's usual /usr/lib/.build-id).
make_install_stage() {
	rm -rf "$work/stage"
	mk install DESTDIR="$work/stage" PREFIX=/usr >/dev/null
}
expected_files() {  # expected_files RPM
	local bid
	(cd "$work/stage" && find . -mindepth 1 | sed 's|^\.||') |
		grep -v '^/usr/share/initramfs-tools' |
		sed -E 's|^(/usr/share/man/.*\.[0-9])$|\1.gz|' |
		grep -vxE '/usr(/sbin|/lib|/lib/dracut|/lib/dracut/modules\.d|/lib/dracut/dracut\.conf\.d|/share|/share/man|/share/man/man[0-9])?'
	echo /usr/share/doc/bek-unlock
	echo /usr/share/doc/bek-unlock/README.md
	echo /usr/share/licenses/bek-unlock
	echo /usr/share/licenses/bek-unlock/COPYING
	bid=$(readelf -n "$work/stage/usr/sbin/bek-unlock" | sed -n 's/.*Build ID: *//p')
	echo /usr/lib/.build-id
	echo "/usr/lib/.build-id/${bid:0:2}"
	echo "/usr/lib/.build-id/${bid:0:2}/${bid:2}"
}
# Prints "missing: F" / "unexpected: F" for each difference; fails on any.
filelist_ok() {  # filelist_ok RPM
	local want got
	want=$(expected_files "$1" | sort -u)
	got=$(rpm -qlp "$1" | sort -u)
	comm -23 <(echo "$want") <(echo "$got") | sed 's/^/missing: /'
	comm -13 <(echo "$want") <(echo "$got") | sed 's/^/unexpected: /'
	[ "$want" = "$got" ] && echo "file list: $(wc -l <<<"$got") entries, as expected"
}
make_install_stage
check "file list = make install's, less initramfs-tools, plus README, COPYING and build-id" 0 \
	"as expected" -- filelist_ok "$rpm"
mod=/usr/lib/dracut/modules.d/91bek-unlock
must=(/usr/sbin/bek-unlock "$mod/module-setup.sh" "$mod/bek-unlock.service"
	/usr/lib/dracut/dracut.conf.d/91-bek-unlock.conf /usr/share/doc/bek-unlock/README.md)
for h in hook/dracut/*.sh; do must+=("$mod/$(basename "$h")"); done
list=$(rpm -qlp "$rpm")
for f in "${must[@]}"; do
	check "carries $f" 0 "" -- q grep -qxF "$f" <<<"$list"
done
# bek-unlock(8) comes with "make install" once it lands; until then it is only listed.
if [ -e "$work/stage/usr/share/man/man8/bek-unlock.8" ]; then
	check "carries bek-unlock(8), gzipped, as %doc" 0 "" -- \
		q grep -qxF /usr/share/man/man8/bek-unlock.8.gz <(rpm -qpd "$rpm")
else
	echo "SKIP bek-unlock(8): make install does not install it yet (expected in the package:" \
		"/usr/share/man/man8/bek-unlock.8.gz, as %doc)"
fi
check "no initramfs-tools file" 1 "" -- q grep -q initramfs-tools <<<"$list"
check "README.md is %doc" 0 "^/usr/share/doc/bek-unlock/README.md" -- rpm -qpd "$rpm"
check "COPYING (the GPL-2.0 text) is %license" 0 "^/usr/share/licenses/bek-unlock/COPYING$" -- rpm -qpL "$rpm"
check "License: GPL-2.0-or-later, with the statically linked libraries' licences" 0 \
	"^GPL-2\.0-or-later AND LGPL-2\.1-or-later AND LGPL-2\.1-only AND BSD-3-Clause AND MIT AND \(CC0-1\.0 OR Apache-2\.0\)$" -- \
	rpm -qp --qf '%{LICENSE}' "$rpm"
check "nothing marked %config (vendor files under /usr)" 0 "^\\[rc 0\\]$" -- q rpm -qpc "$rpm"
# Modes and owners as rpm records them.
check "modes and owners" 0 "" -- q bash -c '
	rpm -qp --qf "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]" "$1" |
	awk -v mod="$2" "
		\$2 != \"root:root\" { print \"owner:\", \$0; bad = 1 }
		\$3 == \"/usr/sbin/bek-unlock\" && \$1 != \"-rwxr-xr-x\" { print; bad = 1 }
		index(\$3, mod \"/\") == 1 && \$3 ~ /\\.sh\$/ && \$1 != \"-rwxr-xr-x\" { print; bad = 1 }
		\$3 ~ /\\.(service|conf|md)\$/ && \$1 != \"-rw-r--r--\" { print; bad = 1 }
		END { exit bad }"' _ "$rpm" "$mod"

# --- requires, provides ---
req=$(rpm -qpR "$rpm" | sort -u)
check "requires: exactly dracut, cryptsetup, the scripts' shells, rpmlib features" 0 "" -- \
	q diff <(echo "$req") <(sort -u <<-'EOF'
		/bin/bash
		/bin/sh
		cryptsetup
		dracut
		rpmlib(CompressedFileNames) <= 3.0.4-1
		rpmlib(FileDigests) <= 4.6.0-1
		rpmlib(PayloadFilesHavePrefix) <= 4.0-1
		rpmlib(PayloadIsXz) <= 5.2-1
	EOF
	)
# A shared-library or loader requirement, as rpm's generator writes them.
shlib_reqs() { grep -E '\.so(\.[0-9]+)*(\(|$)|\(64bit\)|^rtld\(' || true; }
check "no shared library or loader requirement" 0 "^\\[rc 0\\]$" -- q shlib_reqs <<<"$req"
# The same filter does see them: rpm's generator on the shared build (STATIC=0).
if [ -x build/shared/bek-unlock ]; then
	check "(control) the shared build would require libcryptsetup.so.12" 0 "libcryptsetup\.so\.12\(\)\(64bit\)" -- \
		bash -c '/usr/lib/rpm/rpmdeps --requires "$1" | grep -E "\.so(\.[0-9]+)*(\(|$)|\(64bit\)|^rtld\("' _ build/shared/bek-unlock
fi
check "provides: only the package itself" 0 "" -- \
	q diff <(rpm -qp --provides "$rpm" | sort) \
	<(printf 'bek-unlock = %s-1\nbek-unlock(x86-64) = %s-1\n' "$version" "$version")
check "payload xz (readable by rpm 4.11, RHEL 7)" 0 "^xz$" -- rpm -qp --qf '%{PAYLOADCOMPRESSOR}' "$rpm"

# --- the binary inside ---
mkdir -p "$work/x"
(cd "$work/x" && rpm2cpio "$rpm" | cpio -idm --quiet)
b=$work/x/usr/sbin/bek-unlock
check "binary: static-pie, stripped (file)" 0 "static-pie linked.*, stripped$" -- file -b "$b"
check "binary: no program interpreter" 1 "" -- q bash -c 'readelf -lW "$1" | grep -q "INTERP"' _ "$b"
check "binary: no NEEDED entry" 1 "" -- q bash -c 'readelf -dW "$1" | grep -q "(NEEDED)"' _ "$b"
check "binary: no symbol table" 1 "" -- q bash -c 'readelf -SW "$1" | grep -q "\.symtab"' _ "$b"
check "binary: the tree's build (same build-id)" 0 "" -- q bash -c \
	'[ "$(readelf -n "$1" | grep "Build ID")" = "$(readelf -n build/bek-unlock | grep "Build ID")" ]' _ "$b"
check "binary: runs (--help)" 0 "enroll DEVICE --key-file NAME" -- "$b" --help
# Everything but the binary (rpm's brp-strip-comment-note strips it once more) and man
# pages (gzipped) byte for byte as make install wrote it.
same_as_stage() {
	local f n=0
	while read -r f; do
		case $f in /usr/sbin/bek-unlock | /usr/share/man/*) continue ;; esac
		[ -f "$work/stage$f" ] || continue
		cmp "$work/stage$f" "$work/x$f" || return 1
		n=$((n + 1))
	done < <(cd "$work/x" && find . -type f | sed 's|^\.||')
	echo "$n files identical"
}
check "payload: module, unit, hooks, conf as make install wrote them" 0 "^(9|[1-9][0-9]) files identical" -- \
	same_as_stage

# --- scripts ---
check "scriptlets: posttrans and postun only" 0 "" -- same "posttrans;postuninstall" bash -c \
	'rpm -qp --scripts "$1" | sed -n "s/ scriptlet (using \/bin\/sh):$//p" | sort' _ "$rpm"
rpm -qp --qf '%{POSTTRANS}' "$rpm" >"$work/posttrans"
rpm -qp --qf '%{POSTUN}' "$rpm" >"$work/postun"
check "scriptlets: sh -n" 0 "" -- q bash -c 'sh -n "$1" && sh -n "$2"' _ "$work/posttrans" "$work/postun"
check "posttrans: dracut -f --kver, on a booted system only" 0 \
	"/run/systemd/system.*dracut -f --kver" -- cat "$work/posttrans"
check "postun: only on erase, before anything else" 0 "" -- \
	same '[ "$1" -eq 0 ] || exit 0' bash -c 'grep -v "^#" "$1" | head -1' _ "$work/postun"

# What the scriptlet does, with /run, /lib/modules and /boot under a fake root and
# dracut, uname and grubby stubs that log their calls.
sim() {  # sim SCRIPT ARG [booted] [ostree] [grubby-default] [dracut-fails]; prints the log
	local root=$work/sim script=$1 arg=$2 k
	rm -rf "$root"; mkdir -p "$root/bin" "$root/run" "$root/boot"
	[ "${3:-}" = booted ] && mkdir -p "$root/run/systemd/system"
	[ "${4:-}" = ostree ] && touch "$root/run/ostree-booted"
	for k in 6.1.0-run 6.2.0-new 6.0.0-noimg; do
		mkdir -p "$root/lib/modules/$k" && touch "$root/lib/modules/$k/modules.dep"
	done
	touch "$root/boot/initramfs-6.1.0-run.img" "$root/boot/initramfs-6.2.0-new.img"
	printf '#!/bin/sh\necho 6.1.0-run\n' >"$root/bin/uname"
	printf '#!/bin/sh\necho "dracut $*" >> %s/log\n%s\n' "$root" \
		"$([ "${6:-}" = fail ] && echo 'exit 1' || echo 'exit 0')" >"$root/bin/dracut"
	if [ -n "${5:-}" ]; then printf '#!/bin/sh\necho /boot/vmlinuz-%s\n' "$5" >"$root/bin/grubby"; fi
	chmod +x "$root"/bin/*
	sed -e "s#/run/#$root/run/#g; s#/lib/modules/#$root/lib/modules/#g; s#/boot/#$root/boot/#g" \
		"$script" >"$root/script"
	PATH=$root/bin:/usr/bin:/bin sh "$root/script" "$arg" 2>&1; echo "rc $?"
	cat "$root/log" 2>/dev/null
	return 0
}
P=$work/posttrans U=$work/postun
check "posttrans, booted: running and default kernel rebuilt" 0 "" -- \
	same "rc 0;dracut -f --kver 6.1.0-run;dracut -f --kver 6.2.0-new" sim "$P" 1 booted "" 6.2.0-new
check "posttrans, booted, no grubby: running kernel only" 0 "" -- \
	same "rc 0;dracut -f --kver 6.1.0-run" sim "$P" 1 booted
check "posttrans, default kernel without an image: none made" 0 "" -- \
	same "rc 0;dracut -f --kver 6.1.0-run" sim "$P" 1 booted "" 6.0.0-noimg
check "posttrans, not booted (image build, chroot, container): nothing" 0 "" -- \
	same "rc 0" sim "$P" 1 "" "" 6.2.0-new
check "posttrans, rpm-ostree: nothing" 0 "" -- same "rc 0" sim "$P" 1 booted ostree
check "posttrans, dracut fails: said, transaction not failed" 0 "" -- \
	same "bek-unlock: dracut -f --kver 6.1.0-run failed: run it again once the cause is fixed;rc 0;dracut -f --kver 6.1.0-run" \
	sim "$P" 1 booted "" "" fail
check "postun, upgrade (\$1=1): nothing" 0 "" -- same "rc 0" sim "$U" 1 booted "" 6.2.0-new
check "postun, erase (\$1=0): running and default kernel rebuilt" 0 "" -- \
	same "rc 0;dracut -f --kver 6.1.0-run;dracut -f --kver 6.2.0-new" sim "$U" 0 booted "" 6.2.0-new

# --- the checks catch a broken spec ---
# A spec that forgets the hook scripts of dracut without systemd (they stay in the
# buildroot, %exclude'd from the package): the file-list check must fail and name them.
sed 's|^%{dracutmoddir}/bek-unlock-\*\.sh$|%exclude &|; s|^%{dracutmoddir}/cryptroot-ask-bek\.sh$|%exclude &|' \
	rpm/bek-unlock.spec.in >"$work/forgets-hooks.spec.in"
check "(provoked) the broken spec differs from the real one" 1 "" -- \
	q cmp -s rpm/bek-unlock.spec.in "$work/forgets-hooks.spec.in"
check "(provoked) the broken spec still builds" 0 "" -- \
	q mk rpm RPM_SPEC_IN="$work/forgets-hooks.spec.in" RPM_TOPDIR="$work/broken"
broken=$(rpm_in "$work/broken") || broken=/nonexistent
check "(provoked) file-list check fails on it, naming the hooks" 1 \
	"missing: $mod/bek-unlock-job\.sh.*missing: $mod/cryptroot-ask-bek\.sh" -- filelist_ok "$broken"

finish
