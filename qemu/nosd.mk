# SPDX-License-Identifier: GPL-2.0-or-later
# bek-unlock in a dracut initramfs without systemd, under QEMU. Included by the top Makefile
# after qemu/qemu.mk and qemu/ade.mk (whose kernel, images, stage and ADE disks it uses).
# Everything lands in build/qemu/nosd/.
#   make nosd-initramfs  initrd-nosd.img (dracut's crypt, dm, lvm, rootfs-block, udev-rules,
#                        base, fs-lib + bek-unlock; --omit systemd, so that a module which
#                        needs systemd fails the build instead of bringing systemd in),
#                        initrd-ade-a.img, initrd-ade-b.img (the same, built like the ADE
#                        layouts' images of qemu/ade.mk), initrd-ade-label.img (the same
#                        with an ADE crypttab whose source is LABEL=, qemu/nosd-images.sh)
#   make nosd-test       the scenarios in those images, two boots at a time; a subset:
#                        make nosd-test NOSD_SCENARIOS="nosd-a nosd-d"
#   make demo FLAVOUR=dracut-nosystemd   scenario a's demo in initrd-nosd.img (qemu/qemu.mk)
NOSD_DIR      := $(QEMU_DIR)/nosd
NOSD_MODULES  := crypt dm lvm rootfs-block udev-rules base fs-lib
NOSD_INITRD   := $(NOSD_DIR)/initrd-nosd.img
NOSD_ADE      := a b
NOSD_INITRDS  := $(NOSD_INITRD) $(NOSD_ADE:%=$(NOSD_DIR)/initrd-ade-%.img) $(NOSD_DIR)/initrd-ade-label.img
NOSD_IMAGES   := $(NOSD_DIR)/images/.done

.PHONY: nosd-images nosd-initramfs nosd-test

nosd-images: $(NOSD_IMAGES)
nosd-initramfs: $(NOSD_INITRDS)

$(NOSD_IMAGES): qemu/nosd-images.sh $(QEMU_IMAGES)
	qemu/nosd-images.sh $(QEMU_DIR)/images $(@D)
	touch $@

$(NOSD_INITRD): qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp
	BEK_QEMU_MODULES="$(NOSD_MODULES)" BEK_QEMU_DRACUT_ARGS="--omit systemd" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

$(NOSD_DIR)/initrd-ade-%.img: qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp $(ADE_IMAGES)
	BEK_UNLOCK_CRYPTTAB=$(abspath $(ADE_IMG)/crypttab-$*.bek) \
	BEK_UNLOCK_SYSROOT=$(abspath $(ADE_IMG)/sysroot-$*) \
	BEK_QEMU_MODULES="$(NOSD_MODULES)" \
	BEK_QEMU_DRACUT_ARGS="--omit systemd --include $(abspath $(ADE_IMG)/crypttab-$*) /etc/crypttab" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# Explicit, so not the pattern rule above: the crypttab is nosd-images.sh's (no header).
$(NOSD_DIR)/initrd-ade-label.img: qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp $(NOSD_IMAGES)
	BEK_UNLOCK_CRYPTTAB=$(abspath $(NOSD_DIR)/images/crypttab-label) \
	BEK_QEMU_MODULES="$(NOSD_MODULES)" \
	BEK_QEMU_DRACUT_ARGS="--omit systemd --include $(abspath $(NOSD_DIR)/images/crypttab-label) /etc/crypttab" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# qemu-test's host row initrd-clean searches these images too.
QEMU_ALL_INITRDS += $(NOSD_INITRDS)
qemu-test: $(NOSD_INITRDS)

nosd-test: $(QEMU_IMAGES) $(ADE_IMAGES) $(NOSD_IMAGES) $(NOSD_INITRDS)
	$(QEMU_PY) qemu/nosd_scenarios.py --dir $(NOSD_DIR) $(NOSD_SCENARIOS)
