#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The package test's install step (qemu/pkgtest.mk): installs the built .deb with dpkg into
# a throwaway Debian 12 root (an overlay on it, in a private mount namespace: the root
# stays unchanged; nothing of the host's /boot, /lib/modules or initramfs configuration is
# touched) holding the unpacked test kernel (/boot/vmlinuz-KVER, its modules bind-mounted
# at /usr/lib/modules/KVER), and lets the package's own trigger have that root's
# initramfs tool build /boot/initrd.img-KVER:
#   itools: initramfs-tools; dpkg -i activates update-initramfs, initramfs-tools'
#           trigger runs update-initramfs -u (a placeholder /boot/initrd.img-KVER stands
#           for the image the machine had: update-initramfs -u only updates existing ones)
#   dracut: Debian's dracut package is interested in the same trigger and rebuilds the
#           image of every /boot/vmlinuz-* (/etc/kernel/postinst.d/dracut)
# then removes the package (dpkg --purge), which activates the trigger again, and keeps
# that rebuilt image too: it must build, without bek-unlock in it.
#   dracut-nocs: the dracut root without cryptsetup (cryptsetup and cryptsetup-bin purged,
#           systemd-cryptsetup removed as where it is a package of its own, Debian 13):
#           dpkg -i (the package's Depends unmet: unpacked, not configured), then dracut
#           -f must still build an image (the dracut.conf.d snippet leaves bek-unlock out,
#           saying why); then apt-get -f install must pull cryptsetup-bin in (Depends),
#           and the trigger's dracut build an image holding bek-unlock (needs the archive)
# Test settings only (what any image of a VM needs, and a smaller image): itools
# MODULES=list with virtio_pci virtio_blk ext4, zstd; dracut hostonly=no, the module list
# of qemu/initramfs.sh, virtio drivers, zstd. The volume: /etc/crypttab names the root's
# LUKS volume luks-UUID (itools; dracut takes it from rd.luks.uuid=).
# Usage: qemu/pkgtest.sh itools|dracut|dracut-nocs ROOT DEB KERNELDIR UUIDFILE OUTDIR
#   -> OUTDIR/pkg-FLAVOUR.img (installed), OUTDIR/pkg-FLAVOUR-removed.img (after the
#      purge; dracut-nocs: dracut's image without cryptsetup), OUTDIR/pkg-FLAVOUR.txt (what
#      dpkg said, the file lists)
set -eu
flavour=$1
root=$(realpath "$2")
deb=$(realpath "$3")
kdir=$(realpath "$4")
uuid=$(cat "$5")
outdir=$(realpath -m "$6")
kver=$(cat "$kdir/kver")
work=$outdir/work/$flavour
rm -rf "$work" "$outdir/pkg-$flavour.img" "$outdir/pkg-$flavour-removed.img" "$outdir/pkg-$flavour.txt"
mkdir -p "$work/upper" "$work/ovl" "$work/merged" "$outdir"
u=$work/upper

mkdir -p "$u/boot" "$u/bek-test"
cp "$kdir/boot/vmlinuz-$kver" "$kdir/boot/config-$kver" "$kdir/boot/System.map-$kver" "$u/boot/"
cp "$deb" "$u/bek-test/bek-unlock.deb"
case $flavour in
itools)
    mkdir -p "$u/etc/initramfs-tools/conf.d"
    printf 'MODULES=list\nCOMPRESS=zstd\n' > "$u/etc/initramfs-tools/conf.d/bek-test"
    printf 'virtio_pci\nvirtio_blk\next4\n' > "$u/etc/initramfs-tools/modules"
    printf 'luks-%s UUID=%s none luks,initramfs\n' "$uuid" "$uuid" > "$u/etc/crypttab"
    : > "$u/boot/initrd.img-$kver"
    ;;
dracut | dracut-nocs)
    mkdir -p "$u/etc/dracut.conf.d"
    # The modules this dracut has (systemd-udevd is one of its own since dracut 055).
    mods=""
    for mod in systemd systemd-initrd systemd-udevd dracut-systemd systemd-cryptsetup crypt dm rootfs-block udev-rules base fs-lib; do
        ls -d "$root"/usr/lib/dracut/modules.d/[0-9][0-9]"$mod" > /dev/null 2>&1 && mods="$mods $mod"
    done
    cat > "$u/etc/dracut.conf.d/10-bek-test.conf" <<CONF
hostonly="no"
dracutmodules+="$mods "
add_drivers+=" virtio_pci virtio_blk "
compress="zstd"
CONF
    # A machine without cryptsetup asks for no crypt module: only bek-unlock brings it in.
    if [ "$flavour" = dracut-nocs ]; then
        sed -i 's/ crypt / /' "$u/etc/dracut.conf.d/10-bek-test.conf"
    fi
    ;;
*) echo "pkgtest: unknown flavour $flavour" >&2; exit 2 ;;
esac

# shellcheck disable=SC2016   # expanded by the inner shell
unshare -m --propagation private sh -eu -c '
    root=$1 work=$2 kdir=$3 kver=$4 flavour=$5
    m=$work/merged
    mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovl" "$m"
    # /lib/modules through the root: usr/lib on a merged-/usr root, lib on Debian 11.
    mkdir -p "$m/lib/modules/$kver"
    mount --bind -o ro "$kdir/lib/modules/$kver" "$m/lib/modules/$kver"
    mount -t proc proc "$m/proc"
    mount --bind /dev "$m/dev"
    in_root() { chroot "$m" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
    if [ "$flavour" = dracut-nocs ]; then
        echo "== dpkg --purge cryptsetup cryptsetup-bin"
        in_root dpkg --purge cryptsetup cryptsetup-bin
        rm -f "$m/lib/systemd/systemd-cryptsetup" "$m/usr/lib/systemd/systemd-cryptsetup"
        echo "== dpkg -i bek-unlock.deb"
        in_root dpkg -i /bek-test/bek-unlock.deb || echo "dpkg -i exited $?"
        echo "== dracut -f"
        rm -f "$m/boot/initrd.img-$kver"
        rc=0
        in_root dracut -f --kver "$kver" "/boot/initrd.img-$kver" || rc=$?
        echo "dracut exited $rc"
        if [ -f "$m/boot/initrd.img-$kver" ]; then cp "$m/boot/initrd.img-$kver" "$work/removed.img"; fi
        echo "== apt-get -f install"
        in_root apt-get update -qq || echo "apt-get update exited $?"
        in_root apt-get -f install -y -q || echo "apt-get -f install exited $?"
        echo "== dpkg-query"
        in_root dpkg-query -W -f="\${Package} \${Status}\n" bek-unlock cryptsetup-bin || true
        if [ -f "$m/boot/initrd.img-$kver" ]; then cp "$m/boot/initrd.img-$kver" "$work/installed.img"; fi
        echo "== end"
        exit 0
    fi
    echo "== dpkg -i bek-unlock.deb"
    in_root dpkg -i /bek-test/bek-unlock.deb
    echo "== dpkg -L bek-unlock"
    in_root dpkg -L bek-unlock
    echo "== dpkg-query -W bek-unlock"
    in_root dpkg-query -W bek-unlock
    cp "$m/boot/initrd.img-$kver" "$work/installed.img"
    echo "== dpkg --purge bek-unlock"
    in_root dpkg --purge bek-unlock
    echo "== left behind"
    for f in /usr/sbin/bek-unlock /usr/lib/dracut/modules.d/91bek-unlock \
             /usr/lib/dracut/dracut.conf.d/91-bek-unlock.conf /etc/dracut.conf.d/91-bek-unlock.conf \
             /usr/share/initramfs-tools/hooks/bek-unlock \
             /usr/share/initramfs-tools/scripts/init-premount/bek-unlock \
             /usr/share/initramfs-tools/scripts/init-top/bek-unlock /usr/share/doc/bek-unlock; do
        if [ -e "$m$f" ]; then echo "LEFT $f"; fi
    done
    echo "== end"
    cp "$m/boot/initrd.img-$kver" "$work/removed.img"
' sh "$root" "$work" "$kdir" "$kver" "$flavour" > "$outdir/pkg-$flavour.txt" 2>&1 || true
# The steps (the whole output, mkinitramfs' and dracut's chatter included, is in the .txt).
grep -E '^(==|Setting up|Removing|Processing triggers|update-initramfs:|dracut: Generating|LEFT|dracut exited|dracut: bek-unlock|dpkg: dependency)' \
    "$outdir/pkg-$flavour.txt" | sed "s/^/pkgtest $flavour: /"
mv "$work/installed.img" "$outdir/pkg-$flavour.img" || true
mv "$work/removed.img" "$outdir/pkg-$flavour-removed.img" || true
rm -rf "$work"
ls -l "$outdir/pkg-$flavour.img" "$outdir/pkg-$flavour-removed.img"
