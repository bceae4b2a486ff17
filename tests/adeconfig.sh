#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The boot-configuration change after decryption (src/adeconfig*.c, bek-unlock decrypt's
# last step) on throwaway Debian 12 roots (tests/adeconfig-root.sh, cached under
# build/adeconfig/ and rebuilt when the recipe changes), each an overlay in a private
# mount namespace (the cached root stays unchanged), given ADE's files as ADE leaves them:
#   itools  initramfs-tools + cryptsetup-initramfs + ADE's Ubuntu hook, boot script and
#           keyscript (stand-ins from qemu/itools-ade/, at ADE's paths)
#   dracut  dracut + a stand-in of ADE's 91adeOnline module (tests/adeconfig-ade/)
# each with ADE's crypttab, fstab and /etc/default/grub lines and an initramfs built with
# ADE's hooks in. Through tests/adeconfig_drv (the functions the CLI calls): refusals
# first (nothing written), then the plan (diffs), interrupted applies (at fixed steps,
# and a SIGKILL during the initramfs build), the apply that converges, the files, the
# backups, the rebuilt initramfs without ADE's hook, and a second run that changes
# nothing; then a RHEL-like case (dracut, grubby, BLS entries). update-grub and grubby are
# stand-ins (tests/adeconfig-ade/): grub-mkconfig needs a block device under /, Debian has
# no grubby. Usage: tests/adeconfig.sh [itools] [dracut] [grubby]
set -u
cd "$(dirname "$0")/.."
if [ -z "${BEK_ADECONFIG_NS:-}" ]; then
	exec unshare -m --propagation private env BEK_ADECONFIG_NS=1 "$0" "$@"
fi
BUILD=${BUILD:-build}
DRV=$(realpath "$BUILD/tests/adeconfig_drv")
W=$(realpath -m "$BUILD/adeconfig")
KVER=6.1.0-bektest
PARTUUID=3c9f1a2b-0001-4c5e-9d1a-1234567890ab
ROOTFS=0a1b2c3d-4e5f-6789-abcd-ef0123456789
DATAFS=5e6f7a8b-1111-2222-3333-444455556666
BOOTFS=9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff
VOLS="osencrypt:$ROOTFS:ext4 datadisk1:$DATAFS:xfs"
passed=0 failed=0

ok() { echo "PASS $*"; passed=$((passed + 1)); }
ko() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { if "${@:2}"; then ok "$1"; else ko "$1"; fi; }
quiet() { "$@" > /dev/null; }
same() { cmp -s "$1" "$2" || { diff -u "$1" "$2" | head -20 | sed 's/^/    /'; return 1; }; }

# The files as ADE leaves them: tabs, a comment, a non-ADE entry kept, Ubuntu's crypttab
# line without its newline, a CRLF line, the BEK disk's mount.
ade_files() {  # ade_files SYS
	printf '# <target name> <source device> <key file> <options>\nswapcrypt\t/dev/sdb2\t/dev/urandom\tswap,cipher=aes-xts-plain64,size=256\n' > "$1/etc/crypttab"
	printf 'datadisk1 UUID=%s /mnt/azure_bek_disk/LinuxPassPhraseFileName_1_0 luks,nofail\n' "$DATAFS" >> "$1/etc/crypttab"
	printf 'osencrypt /dev/disk/by-partuuid/%s /azure_bek_disk/LinuxPassPhraseFileName luks,discard,header=/boot/luks/osluksheader' "$PARTUUID" >> "$1/etc/crypttab"
	cat > "$1/etc/fstab" <<-EOF
	# /etc/fstab: static file system information.
	/dev/mapper/osencrypt	/	ext4	defaults,discard	0 1
	UUID=$BOOTFS /boot ext4 defaults 0 2
	/dev/disk/by-id/dm-name-datadisk1 /data xfs defaults,nofail 0 2
	/dev/sdb1 /mnt auto defaults,nofail,x-systemd.requires=cloud-init.service,comment=cloudconfig 0 2
	LABEL=BEK\\040VOLUME /mnt/azure_bek_disk auto defaults,discard,nofail 0 0
	EOF
	printf 'tmpfs /tmp tmpfs defaults 0 0\r\n' >> "$1/etc/fstab"
	cat > "$1/etc/default/grub" <<-EOF
	GRUB_DEFAULT=0
	GRUB_TIMEOUT=1
	GRUB_CMDLINE_LINUX_DEFAULT="quiet"
	GRUB_CMDLINE_LINUX="root=/dev/mapper/osencrypt console=tty1 console=ttyS0 rd.luks.ade.partuuid=$PARTUUID rd.luks.ade.bootuuid=$BOOTFS rd.debug"
	EOF
	# RHEL LVM images: ADE's filter appended to lvm.conf (no lvm2 in these roots: only the file).
	mkdir -p "$1/etc/lvm"
	printf 'config {\n}\n\ndevices { filter = ["a|osencrypt|", "r|%s|"] }\n' "$PARTUUID" > "$1/etc/lvm/lvm.conf"
	mkdir -p "$1/boot/luks"
	head -c 4096 /dev/zero > "$1/boot/luks/osluksheader"
	install -m 755 tests/adeconfig-ade/update-grub "$1/usr/sbin/update-grub"
}

# What they must become.
want_files() {  # want_files DIR
	printf '# <target name> <source device> <key file> <options>\nswapcrypt\t/dev/sdb2\t/dev/urandom\tswap,cipher=aes-xts-plain64,size=256\n' > "$1/crypttab"
	cat > "$1/fstab" <<-EOF
	# /etc/fstab: static file system information.
	UUID=$ROOTFS	/	ext4	defaults,discard	0 1
	UUID=$BOOTFS /boot ext4 defaults 0 2
	UUID=$DATAFS /data xfs defaults,nofail 0 2
	/dev/sdb1 /mnt auto defaults,nofail,x-systemd.requires=cloud-init.service,comment=cloudconfig 0 2
	EOF
	printf 'tmpfs /tmp tmpfs defaults 0 0\r\n' >> "$1/fstab"
	printf 'config {\n}\n\n' > "$1/lvm.conf"
	cat > "$1/grub" <<-EOF
	GRUB_DEFAULT=0
	GRUB_TIMEOUT=1
	GRUB_CMDLINE_LINUX_DEFAULT="quiet"
	GRUB_CMDLINE_LINUX="root=UUID=$ROOTFS console=tty1 console=ttyS0 rd.debug"
	EOF
}

# An overlay on the cached root of FLAVOUR, at $W/FLAVOUR/sys, with /dev, /proc, /sys for
# the set-up's own chroot commands (unmounted before the driver runs).
overlay() {  # overlay FLAVOUR
	local r=$W/root-$1 o=$W/$1
	if [ ! -f "$r/.versions" ] || [ tests/adeconfig-root.sh -nt "$r/.versions" ]; then
		echo "building the $1 root (about 35 s)"
		tests/adeconfig-root.sh "$r" "$1" > "$W/root-$1.log" 2>&1 || { cat "$W/root-$1.log"; return 1; }
	fi
	rm -rf "$o"
	mkdir -p "$o/upper" "$o/work" "$o/sys" "$o/backup"
	chmod 700 "$o/backup"
	mount -t overlay overlay -o "lowerdir=$r,upperdir=$o/upper,workdir=$o/work" "$o/sys"
	sys=$o/sys backup=$o/backup
	mkdir -p "$sys/lib/modules/$KVER"
	chroot "$sys" depmod "$KVER" 2> /dev/null
	: > "$sys/boot/vmlinuz-$KVER"
	printf 'CONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_ZSTD=y\nCONFIG_RD_GZIP=y\n' > "$sys/boot/config-$KVER"
	ade_files "$sys"
}

in_sys() {  # in_sys CMD...: in the system, with /dev /proc /sys
	local d rc
	for d in dev proc sys; do mount --rbind "/$d" "$sys/$d"; done
	chroot "$sys" "$@"; rc=$?
	for d in sys proc dev; do umount -R "$sys/$d"; done
	return $rc
}

list_image() { in_sys "$@" "/boot/initrd.img-$KVER"; }

refusals() {  # on the itools overlay, before anything: one line, nothing written
	local out sum
	sum=$(cd "$sys/etc" && md5sum crypttab fstab default/grub)
	out=$("$DRV" apply "$sys" "$backup" "osencrypt:$ROOTFS:ext4" 2>&1); rc=$?
	check "refusal: a data volume still encrypted (exit 1, one line saying which)" \
		test "$rc" = 1 -a "$(wc -l <<<"$out")" = 1 -a -n "$(grep -F 'crypttab entry "datadisk1" still takes its key from the BEK disk' <<<"$out")"
	out=$("$DRV" plan "$sys" "$backup" "osencrypt::ext4" "datadisk1:$DATAFS:xfs" 2>&1); rc=$?
	check "refusal: the root filesystem's UUID unknown" \
		test "$rc" = 1 -a -n "$(grep -F 'the UUID of its filesystem is unknown' <<<"$out")"
	mkdir -p "$W/empty/boot" && : > "$W/empty/boot/vmlinuz-1"
	out=$("$DRV" plan "$W/empty" "$backup" $VOLS 2>&1); rc=$?
	check "refusal: unknown distribution family" test "$rc" = 1 -a -n "$(grep -F 'unknown distribution family' <<<"$out")"
	check "refusals wrote nothing" test "$sum" = "$(cd "$sys/etc" && md5sum crypttab fstab default/grub)" \
		-a ! -e "$sys/etc/bek-unlock/config-pending" -a -z "$(ls -A "$backup")"
}

# The interruptions, then the apply that converges, then a run that changes nothing.
converge() {  # converge FLAVOUR BUILDER_PROCESS
	local out rc k
	out=$("$DRV" plan "$sys" "$backup" $VOLS 2>&1); rc=$?
	echo "$out" | sed 's/^/    | /'
	check "$1: the plan shows each change as a diff and each command" test "$rc" = 0 -a \
		-n "$(grep -F -- "-osencrypt /dev/disk/by-partuuid/$PARTUUID" <<<"$out")" -a \
		-n "$(grep -F "+UUID=$ROOTFS	/	ext4" <<<"$out")" -a -n "$(grep -E '^Run \(chroot .*\): (update-initramfs -u -k all|dracut -f --regenerate-all)$' <<<"$out")"
	"$DRV" json "$sys" "$backup" $VOLS > "$W/$1.json" 2>&1
	check "$1: the plan as JSON (family, changes, commands)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["initramfs"] == sys.argv[2] and d["boot_loader"] == "update-grub" and not d["empty"], d
assert any(c["path"] == "/etc/fstab" and c["action"] == "edit" and "UUID=" in c["new"] for c in d["changes"]), d
assert d["commands"][0][0] in ("update-initramfs", "dracut") and d["commands"][1] == ["update-grub"], d
' "$W/$1.json" "$([ "$1" = itools ] && echo initramfs-tools || echo dracut)"
	if command -v valgrind > /dev/null; then
		check "$1: the plan under valgrind (no error, no leak)" quiet \
			valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$W/$1.valgrind.log" \
			"$DRV" json "$sys" "$backup" $VOLS
	fi
	for k in 0 4; do
		BEK_CFG_FAIL_AFTER=$k "$DRV" apply "$sys" "$backup" $VOLS > "$W/$1.apply-$k.log" 2>&1; rc=$?
		out=$("$DRV" plan "$sys" "$backup" $VOLS 2>&1)
		check "$1: apply stopped after step $k: the next plan still has work" \
			test "$rc" = 99 -a -z "$(grep -F 'nothing to change' <<<"$out")" -a -e "$sys/etc/bek-unlock/config-pending"
	done
	# SIGKILL of the driver and its tools while the initramfs is being built.
	setsid "$DRV" apply "$sys" "$backup" $VOLS > "$W/$1.apply-kill.log" 2>&1 &
	local pid=$! t=0
	while ! pgrep -s "$pid" -f "$2" > /dev/null && [ $t -lt 600 ]; do sleep 0.1; t=$((t + 1)); done
	kill -KILL -- -"$pid" 2> /dev/null; wait "$pid" 2> /dev/null
	out=$("$DRV" plan "$sys" "$backup" $VOLS 2>&1)
	check "$1: apply killed during $2: the rebuild is still pending" \
		test $t -lt 600 -a -n "$(grep -F 'An earlier run stopped before its commands finished' <<<"$out")"
	"$DRV" apply "$sys" "$backup" $VOLS > "$W/$1.apply.log" 2>&1; rc=$?
	check "$1: the apply converges" test "$rc" = 0 -a ! -e "$sys/etc/bek-unlock/config-pending"
	[ "$rc" = 0 ] || tail -20 "$W/$1.apply.log"
	local want=$W/$1/want
	mkdir -p "$want" && want_files "$want"
	check "$1: crypttab: ADE's entries gone, the rest byte for byte" same "$want/crypttab" "$sys/etc/crypttab"
	check "$1: fstab: UUID= of the plain filesystems, BEK disk line gone, the rest byte for byte" same "$want/fstab" "$sys/etc/fstab"
	check "$1: /etc/default/grub: root=UUID=, no rd.luks.ade.*" same "$want/grub" "$sys/etc/default/grub"
	check "$1: lvm.conf: ADE's filter gone (it would hide the plain partition)" same "$want/lvm.conf" "$sys/etc/lvm/lvm.conf"
	check "$1: update-grub ran with the new command line" grep -q "root=UUID=$ROOTFS console=tty1 console=ttyS0 rd.debug" "$sys/boot/grub-test.cfg"
	mkdir -p "$W/$1/orig/etc/default" "$W/$1/orig/usr/sbin" && ade_files "$W/$1/orig"
	local o=$W/$1/orig
	check "$1: backups of crypttab, fstab, grub are the originals" \
		eval 'same "$o/etc/crypttab" "$backup/etc/crypttab" && same "$o/etc/fstab" "$backup/etc/fstab" && same "$o/etc/default/grub" "$backup/etc/default/grub"'
	local sums
	sums=$(cd "$sys" && md5sum etc/crypttab etc/fstab etc/default/grub "boot/initrd.img-$KVER"; ls -A "$backup" | md5sum)
	out=$("$DRV" plan "$sys" "$backup" $VOLS 2>&1)
	check "$1: a second plan is empty and says so" grep -q 'nothing to change' <<<"$out"
	out=$("$DRV" apply "$sys" "$backup" $VOLS 2>&1); rc=$?
	check "$1: a second apply changes nothing (files, image, backups)" \
		test "$rc" = 0 -a "$sums" = "$(cd "$sys" && md5sum etc/crypttab etc/fstab etc/default/grub "boot/initrd.img-$KVER"; ls -A "$backup" | md5sum)"
}

itools() {
	overlay itools || { ko "itools: root"; return; }
	install -m 755 qemu/itools-ade/crypt-ade-hook "$sys/usr/share/initramfs-tools/hooks/crypt-ade-hook"
	mkdir -p "$sys/usr/share/initramfs-tools/scripts/init-premount"
	sed "s/ROOTPARTUUID/$PARTUUID/" qemu/itools-ade/crypt-ade-boot > "$sys/usr/share/initramfs-tools/scripts/init-premount/crypt-ade-boot"
	chmod 755 "$sys/usr/share/initramfs-tools/scripts/init-premount/crypt-ade-boot"
	install -m 755 qemu/itools-ade/azure_crypt_key.sh "$sys/usr/sbin/azure_crypt_key.sh"
	in_sys env ADE_BOOT_UUID=$BOOTFS update-initramfs -c -k "$KVER" > "$W/itools.before.log" 2>&1
	# /usr and /boot on filesystems of their own (RHEL's LVM images have a usrlv; /boot is
	# always apart on ADE systems): bind mounts stand for them.
	mount --bind "$sys/usr" "$sys/usr" && mount --bind "$sys/boot" "$sys/boot"
	check "itools: the image built with ADE's hooks holds its boot script and header" \
		eval 'list_image lsinitramfs | grep -q "scripts/init-premount/crypt-ade-boot" && list_image lsinitramfs | grep -q "boot/luks/osluksheader"'
	refusals
	converge itools mkinitramfs
	local lst
	lst=$(list_image lsinitramfs)
	# (cryptsetup-initramfs puts into cryptroot/crypttab only the entries / needs; in a
	# chroot on a directory that is none, before and after: this only shows it holds no
	# osencrypt line.)
	check "itools: the rebuilt image has no ADE boot script, hook output, keyscript or crypttab entry" \
		test -n "$(grep -F scripts/local-top <<<"$lst")" -a -z "$(grep -E 'crypt-ade|osluksheader|azure_crypt_key' <<<"$lst")" -a \
		-z "$(in_sys sh -c "rm -rf /tmp/u; unmkinitramfs /boot/initrd.img-$KVER /tmp/u && cat /tmp/u/cryptroot/crypttab /tmp/u/main/cryptroot/crypttab" 2> /dev/null | grep osencrypt)"
	check "itools: ADE's scripts moved into the backup directory (from /usr, a mount of its own)" \
		test -f "$backup/usr/share/initramfs-tools/scripts/init-premount/crypt-ade-boot" -a -f "$backup/usr/share/initramfs-tools/hooks/crypt-ade-hook" \
		-a -x "$backup/usr/sbin/azure_crypt_key.sh" -a "$(stat -c %a "$backup/etc/fstab")" = 600 -a ! -e "$sys/usr/share/initramfs-tools/hooks/crypt-ade-hook" -a ! -e "$sys/usr/sbin/azure_crypt_key.sh"
	umount -R "$sys"
}

dracut() {
	overlay dracut || { ko "dracut: root"; return; }
	cp -a tests/adeconfig-ade/91adeOnline "$sys/usr/lib/dracut/modules.d/"
	in_sys dracut -f --kver "$KVER" > "$W/dracut.before.log" 2>&1
	check "dracut: the image built with ADE's module holds its generator" \
		eval 'list_image lsinitrd | grep -q crypt-run-generator-ade'
	converge dracut 'dracut -f'
	check "dracut: the rebuilt image has no ADE module" test -z "$(list_image lsinitrd | grep -E 'crypt-run-generator-ade|parse-crypt-ade|osluksheader')"
	check "dracut: ADE's modules left out by a dracut.conf.d snippet" \
		grep -qx 'omit_dracutmodules+=" ade adeOnline "' "$sys/etc/dracut.conf.d/91-bek-unlock-omit-ade.conf"
	umount "$sys"
}

# RHEL-like: dracut with grubby and BLS entries (grubby is a stand-in, tests/adeconfig-ade/)
# and /etc/kernel/cmdline, the options ADE's 91adeOnline path gives through grubby --args;
# run on the system itself (the driver inside it, root "/"), as on the VM.
grubby() {
	overlay dracut || { ko "grubby: root"; return; }
	cp -a tests/adeconfig-ade/91adeOnline "$sys/usr/lib/dracut/modules.d/"
	install -m 755 tests/adeconfig-ade/grubby "$sys/usr/sbin/grubby"
	local opts="root=/dev/mapper/osencrypt ro console=ttyS0 rd.luks.ade.partuuid=$PARTUUID rd.luks.ade.bootuuid=$BOOTFS rd.debug"
	mkdir -p "$sys/boot/loader/entries" "$sys/etc/kernel"
	printf 'title Test\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions %s\n' "$KVER" "$KVER" "$KVER" "$opts" \
		> "$sys/boot/loader/entries/0123-$KVER.conf"
	echo "$opts" > "$sys/etc/kernel/cmdline"
	# RHEL 8 on UEFI: grubenv is a relative link into the ESP, its kernelopts ADE's too.
	mkdir -p "$sys/boot/efi/EFI/redhat" "$sys/boot/grub2"
	printf '# GRUB Environment Block\nkernelopts=%s\n' "$opts" > "$sys/boot/efi/EFI/redhat/grubenv"
	ln -s ../efi/EFI/redhat/grubenv "$sys/boot/grub2/grubenv"
	# On the VM itself: the driver run inside the system (root "/", no chroot of its own).
	install -m 755 "$DRV" "$sys/usr/local/sbin/adeconfig_drv"
	mkdir -m 700 "$sys/bek-backup"
	local out rc
	out=$(in_sys adeconfig_drv plan / /bek-backup $VOLS 2>&1)
	echo "$out" | sed 's/^/    | /'
	check "grubby: the plan (root /) shows the BLS entry's diff and the grubby command" \
		test -n "$(grep -F "+options root=UUID=$ROOTFS ro console=ttyS0 rd.debug" <<<"$out")" -a \
		-n "$(grep -Fx "Run: grubby --update-kernel=ALL '--remove-args=rd.luks.ade.partuuid=$PARTUUID rd.luks.ade.bootuuid=$BOOTFS' --args=root=UUID=$ROOTFS" <<<"$out")"
	in_sys adeconfig_drv apply / /bek-backup $VOLS > "$W/grubby.apply.log" 2>&1; rc=$?
	check "grubby: the apply (root /) converges" test "$rc" = 0 -a -f "$sys/bek-backup/etc/kernel/cmdline"
	check "grubby: grubby removed ADE's options and set root=UUID=" \
		grep -qx "options root=UUID=$ROOTFS ro console=ttyS0 rd.debug" "$sys/boot/loader/entries/0123-$KVER.conf"
	check "grubby: grubenv's kernelopts too (through its link)" \
		grep -qx "kernelopts=root=UUID=$ROOTFS ro console=ttyS0 rd.debug" "$sys/boot/efi/EFI/redhat/grubenv"
	check "grubby: /etc/kernel/cmdline edited the same way" grep -qx "root=UUID=$ROOTFS ro console=ttyS0 rd.debug" "$sys/etc/kernel/cmdline"
	check "grubby: update-grub not run on a grubby system" test ! -e "$sys/boot/grub-test.cfg"
	out=$(in_sys adeconfig_drv plan / /bek-backup $VOLS 2>&1)
	check "grubby: a second plan is empty and says so" grep -q 'nothing to change' <<<"$out"
	umount "$sys"
}

start=$(date +%s)
for f in ${@:-itools dracut grubby}; do "$f"; done
echo "($(($(date +%s) - start)) s)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
