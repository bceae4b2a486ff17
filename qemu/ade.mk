# SPDX-License-Identifier: GPL-2.0-or-later
# Azure Disk Encryption layouts under QEMU, included by the top Makefile after qemu/qemu.mk
# (whose kernel, rootinit and stage rules it uses).  Everything lands in build/qemu/ade/.
#   make ade-images      GPT disks (detached header on /boot, LVM inside, LUKS1, rotated
#                        header, /boot without header), BEK disks, crypttabs
#   make ade-initramfs   one initramfs per crypttab layout (a, b = LVM, c = LUKS1), built
#                        like initrd-bek.img plus BEK_UNLOCK_CRYPTTAB/BEK_UNLOCK_SYSROOT and
#                        the layout's crypttab as /etc/crypttab (make -j3 builds them at once)
#   make ade-test        the ADE scenarios, two boots at a time; a subset:
#                        make ade-test ADE_SCENARIOS="ade-a ade-d"
ADE_DIR      := $(QEMU_DIR)/ade
ADE_IMG      := $(ADE_DIR)/images
ADE_IMAGES   := $(ADE_IMG)/.done
ADE_LAYOUTS  := a b c
ADE_INITRDS  := $(ADE_LAYOUTS:%=$(ADE_DIR)/initrd-%.img)
# Extra dracut arguments per layout: b has LVM inside the encrypted partition.
ADE_DRACUT_b := --add lvm

.PHONY: ade-images ade-initramfs ade-test

ade-images: $(ADE_IMAGES)
ade-initramfs: $(ADE_INITRDS)

$(ADE_IMAGES): qemu/ade-images.sh $(QEMU_DIR)/rootinit
	qemu/ade-images.sh $(QEMU_DIR)/rootinit $(@D)
	touch $@

# crypttab-L.bek (with x-bek-header-fs/-path) is what the module reads; crypttab-L, the
# host's /etc/crypttab as ADE writes it, goes in as /etc/crypttab for systemd-cryptsetup.
$(ADE_DIR)/initrd-%.img: qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp $(ADE_IMAGES)
	BEK_UNLOCK_CRYPTTAB=$(abspath $(ADE_IMG)/crypttab-$*.bek) \
	BEK_UNLOCK_SYSROOT=$(abspath $(ADE_IMG)/sysroot-$*) \
	BEK_QEMU_DRACUT_ARGS="$(ADE_DRACUT_$*) --include $(abspath $(ADE_IMG)/crypttab-$*) /etc/crypttab" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# qemu-test's host row initrd-clean searches these images too.
qemu-test: $(ADE_INITRDS)

ade-test: $(ADE_IMAGES) $(ADE_INITRDS)
	$(QEMU_PY) qemu/ade_scenarios.py --initrd-dir $(ADE_DIR) $(ADE_SCENARIOS)
