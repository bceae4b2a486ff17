#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build a systemd initramfs for the test kernel with the host's dracut, without touching
# /usr/lib/dracut: an overlay base dir of symlinks adds our module next to the stock ones.
# Usage: qemu/initramfs.sh OUT.img KERNELDIR [BEK_MODULE_DIR BEK_BINARY]
#   without BEK_MODULE_DIR the image is the baseline (no bek-unlock).
#   BEK_QEMU_DRACUT_ARGS: extra dracut arguments, split at spaces (no quoting), e.g.
#   "--add lvm --include build/x/crypttab /etc/crypttab" (qemu/ade.mk).
#   BEK_QEMU_MODULES: the dracut module list instead of the default below (qemu/bench.mk
#   builds stock images with and without systemd); bek-unlock is still added after it.
set -eu
out=$1
kdir=$2
bekmod=${3:-}
bekbin=${4:-}
kver=$(cat "$kdir/kver")

# Lean module set that still gives systemd-cryptsetup and its console prompt.
MODULES=${BEK_QEMU_MODULES:-"systemd systemd-initrd systemd-udevd dracut-systemd crypt dm rootfs-block udev-rules base fs-lib"}
# The disk drivers only (vfat and its charsets must come from the bek-unlock module itself,
# or a module that forgets them would pass here): virtio-blk, and what a hostonly image of
# an Azure VM carries for its buses, in their QEMU form (boot.py's @BUS): SCSI (virtio-scsi
# for hv_storvsc, sd_mod), NVMe, and the IDE channel of Gen1 VMs (ata_piix). And
# aesni_intel (with crypto_simd and cryptd), as every real image carries it: a hostonly
# dracut image built on an AES-NI machine through 90kernel-modules (=arch/x86/crypto, the
# modules loaded there), an initramfs-tools one through cryptsetup-initramfs (the cipher's
# modules). udev loads it during the coldplug when the CPU has the aes flag (-cpu max has
# it under TCG).
DRIVERS="virtio_pci virtio_blk virtio_scsi sd_mod nvme ata_piix aesni_intel"
# Uncompressed: the kernel has it unpacked 0.2-0.6 s sooner under TCG than lz4/zstd/gzip
# (measured: cat 49 MiB, lz4 19 MiB, gzip 16.5 MiB, zstd 14.4 MiB); size does not matter here.
COMPRESS=${BEK_QEMU_COMPRESS:-cat}

# One overlay per image, so that both images can be built in parallel.
overlay=$(dirname "$out")/dracut/$(basename "$out" .img)
confdir=$(dirname "$out")/dracut/empty-conf.d   # keeps the host's dracut.conf.d out
mkdir -p "$confdir"
rm -rf "$overlay"
mkdir -p "$overlay/modules.d"
for f in /usr/lib/dracut/*; do
    [ "$f" = /usr/lib/dracut/modules.d ] || ln -s "$f" "$overlay/"
done
for m in /usr/lib/dracut/modules.d/*; do
    ln -s "$m" "$overlay/modules.d/"
done
if [ -n "$bekmod" ]; then
    ln -s "$(realpath "$bekmod")" "$overlay/modules.d/91bek-unlock"
    MODULES="$MODULES bek-unlock"
    BEK_UNLOCK_BIN=$(realpath "$bekbin")
    # The glue library, where the same stage installed it (GLUEDIR, next to DRACUTDIR).
    BEK_UNLOCK_GLUE=$(realpath "$bekmod/../../../bek-unlock/bek-unlock-glue.sh")
    export BEK_UNLOCK_BIN BEK_UNLOCK_GLUE
fi

# shellcheck disable=SC2086   # BEK_QEMU_DRACUT_ARGS is a list of arguments
dracutbasedir=$(realpath "$overlay") dracut --quiet --force --no-hostonly --no-early-microcode \
    --reproducible --kver "$kver" --kmoddir "$(realpath "$kdir")/lib/modules/$kver" \
    --modules "$MODULES" --drivers "$DRIVERS" --compress "$COMPRESS" \
    --conf /dev/null --confdir "$confdir" ${BEK_QEMU_DRACUT_ARGS:-} \
    "$out"
