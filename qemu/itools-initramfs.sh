#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build an initramfs-tools image for the unpacked test kernel, with mkinitramfs run in the
# throwaway Debian 12 root (qemu/itools-root.sh), never on the host: in a private mount
# namespace, an overlay on that root (the root itself stays unchanged, so images can be
# built in parallel) gets the test kernel's modules bind-mounted at /lib/modules/<kver>,
# the image's /etc/crypttab and, with STAGE, what "make install" put into STAGE
# (/usr/sbin/bek-unlock, /usr/share/initramfs-tools/{hooks,scripts/init-top,scripts/init-premount}/bek-unlock,
# /usr/lib/bek-unlock/bek-unlock-glue.sh).
# Usage: qemu/itools-initramfs.sh OUT.img KERNELDIR ROOT CRYPTTAB [STAGE]
#   ITOOLS_FILES="SRC=DST ...": more files copied into the overlay (mode kept), e.g. the
#     ADE stand-ins (qemu/itools-ade/); DST is a path in the root
#   ITOOLS_ENV="VAR=VALUE ...": environment of mkinitramfs (its hooks), e.g.
#     BEK_UNLOCK_CRYPTTAB=/bek-test/crypttab.bek
# Image settings: MODULES=list (virtio_pci virtio_blk virtio_scsi sd_mod nvme ata_piix ext4,
# plus what the hooks add),
# zstd. Nothing of the host's /boot, /lib/modules or initramfs-tools configuration is used.
set -eu
out=$(realpath -m "$1")
kdir=$(realpath "$2")
root=$(realpath "$3")
crypttab=$(realpath "$4")
stage=${5:+$(realpath "$5")}
kver=$(cat "$kdir/kver")
work=$(dirname "$out")/work/$(basename "$out" .img)
rm -rf "$work"
mkdir -p "$work/upper" "$work/ovl" "$work/merged"
u=$work/upper

mkdir -p "$u/etc/initramfs-tools/conf.d" "$u/boot" "$u/bek-test"
cp "$crypttab" "$u/etc/crypttab"
printf 'MODULES=list\nCOMPRESS=zstd\n' > "$u/etc/initramfs-tools/conf.d/bek-test"
# The disk drivers of Azure's buses in their QEMU form too (qemu/boot.py's @BUS: SCSI,
# NVMe, IDE), as MODULES=most (Debian's and Ubuntu's default) carries them.
printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod nvme ata_piix ext4 > "$u/etc/initramfs-tools/modules"
cp "$kdir/boot/config-$kver" "$u/boot/"
if [ -n "$stage" ]; then
    install -D -m 755 "$stage/usr/sbin/bek-unlock" "$u/usr/sbin/bek-unlock"
    mkdir -p "$u/usr/share"
    cp -a "$stage/usr/share/initramfs-tools" "$u/usr/share/"
    install -D -m 644 "$stage/usr/lib/bek-unlock/bek-unlock-glue.sh" "$u/usr/lib/bek-unlock/bek-unlock-glue.sh"
fi
for f in ${ITOOLS_FILES:-}; do
    mkdir -p "$u$(dirname "${f#*=}")"
    cp -p "${f%%=*}" "$u${f#*=}"
done

# shellcheck disable=SC2016,SC2086   # expanded by the inner shell; ITOOLS_ENV is a list
unshare -m --propagation private sh -eu -c '
    root=$1 work=$2 kdir=$3 kver=$4; shift 4
    m=$work/merged
    mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovl" "$m"
    # /lib/modules through the root itself: a merged-/usr root (bookworm, trixie) has it
    # in usr/lib, an older one (bullseye) in lib.
    mkdir -p "$m/lib/modules/$kver"
    mount --bind "$kdir/lib/modules/$kver" "$m/lib/modules/$kver"
    mount -t proc proc "$m/proc"
    mount --bind /dev "$m/dev"
    chroot "$m" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" \
        mkinitramfs -o /bek-test/initrd.img "$kver"
' sh "$root" "$work" "$kdir" "$kver" ${ITOOLS_ENV:-}
mv "$u/bek-test/initrd.img" "$out"
rm -rf "$work"
