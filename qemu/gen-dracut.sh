#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build a dracut image for one generation (qemu/gen.mk) with that release's own dracut,
# systemd and cryptsetup, in its throwaway root (qemu/gen-root.sh ROOT SUITE dracut), for
# the release's cloud kernel unpacked in ROOT/kernel. As qemu/itools-initramfs.sh does for
# initramfs-tools: in a private mount namespace, an overlay on the root (which stays
# unchanged) gets what "make install" put into STAGE at the same paths (/usr/sbin/bek-unlock,
# /usr/lib/dracut/modules.d/91bek-unlock, /usr/lib/bek-unlock/bek-unlock-glue.sh), and
# dracut runs there under chroot. The dracut arguments are those of qemu/initramfs.sh (the
# bookworm images, built with the host's dracut): lean module list, disk drivers of
# Azure's buses in their QEMU form, aesni_intel, uncompressed, no host configuration.
# Usage: qemu/gen-dracut.sh OUT.img ROOT [STAGE]
#   GEN_WORLD=systemd (default), nosd (dracut without systemd: --omit systemd) or sd-nocs
#     (systemd without dracut-ng's systemd-cryptsetup module)
#   GEN_FILES="SRC=DST ...": files copied into the overlay (DST: a path in the root)
#   GEN_ENV="VAR=VALUE ...": dracut's environment (BEK_UNLOCK_CRYPTTAB=/bek-test/...)
#   GEN_ARGS: more dracut arguments, split at spaces (paths are the root's)
set -eu
out=$(realpath -m "$1")
root=$(realpath "$2")
stage=${3:+$(realpath "$3")}
kver=$(cat "$root/kernel/kver")
world=${GEN_WORLD:-systemd}
work=$(dirname "$out")/work/$(basename "$out" .img)
rm -rf "$work"
mkdir -p "$work/upper" "$work/ovl" "$work/merged"
u=$work/upper
mkdir -p "$u/bek-test/empty-conf.d"

# The module lists of qemu/initramfs.sh (systemd) and qemu/nosd.mk (without), as far as
# this dracut has them: systemd-udevd is a module of its own only since dracut 055 (in 051,
# systemd's module installs udevd), systemd-cryptsetup only in dracut-ng (trixie's 106:
# 90crypt no longer installs systemd-cryptsetup and its generator; without the module the
# systemd image has no prompt at all, seen in trixie-d's first boot: "Unit
# systemd-cryptsetup@....service not found"), lvm needs lvm2 (not in these roots; no row
# here has LVM).
case $world in
    systemd) want="systemd systemd-initrd systemd-udevd dracut-systemd systemd-cryptsetup crypt dm rootfs-block udev-rules base fs-lib"
             omit="" ;;
    # the systemd image without dracut-ng's systemd-cryptsetup module (row GEN-sd-noprompt)
    sd-nocs) want="systemd systemd-initrd systemd-udevd dracut-systemd crypt dm rootfs-block udev-rules base fs-lib"
             omit="--omit systemd-cryptsetup" ;;
    nosd)    want="crypt dm rootfs-block udev-rules base fs-lib"
             omit="--omit systemd" ;;
    *) echo "gen-dracut.sh: unknown world $world" >&2; exit 2 ;;
esac
mods=""
for m in $want; do
    ls -d "$root"/usr/lib/dracut/modules.d/[0-9][0-9]"$m" > /dev/null 2>&1 && mods="$mods $m"
done
if [ -n "$stage" ]; then
    mods="$mods bek-unlock"
    install -D -m 755 "$stage/usr/sbin/bek-unlock" "$u/usr/sbin/bek-unlock"
    mkdir -p "$u/usr/lib/dracut/modules.d"
    cp -a "$stage/usr/lib/dracut/modules.d/91bek-unlock" "$u/usr/lib/dracut/modules.d/"
    install -D -m 644 "$stage/usr/lib/bek-unlock/bek-unlock-glue.sh" "$u/usr/lib/bek-unlock/bek-unlock-glue.sh"
fi
for f in ${GEN_FILES:-}; do
    mkdir -p "$u$(dirname "${f#*=}")"
    cp -p "${f%%=*}" "$u${f#*=}"
done

# shellcheck disable=SC2016,SC2086   # expanded by the inner shell; GEN_ENV is a list
unshare -m --propagation private sh -eu -c '
    root=$1 work=$2 kver=$3 mods=$4 args=$5; shift 5
    m=$work/merged
    mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovl" "$m"
    mount -t proc proc "$m/proc"
    mount --bind /dev "$m/dev"
    mount --bind /sys "$m/sys"
    chroot "$m" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" \
        dracut --quiet --force --no-hostonly --no-early-microcode --reproducible \
        --kver "$kver" --kmoddir "/kernel/lib/modules/$kver" \
        --modules "$mods" --drivers "virtio_pci virtio_blk virtio_scsi sd_mod nvme ata_piix aesni_intel" \
        --compress cat --conf /dev/null --confdir /bek-test/empty-conf.d $args \
        /bek-test/initrd.img
' sh "$root" "$work" "$kver" "$mods" "$omit ${GEN_ARGS:-}" ${GEN_ENV:-}
mv "$u/bek-test/initrd.img" "$out"
rm -rf "$work"
