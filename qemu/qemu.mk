# SPDX-License-Identifier: GPL-2.0-or-later
# QEMU end-to-end harness, included by the top Makefile.  Everything lands in build/qemu/.
#   make qemu-images      guest disks (LUKS2 roots, BEK disks)
#   make qemu-initramfs   initrd-base.img (no bek-unlock), initrd-bek.img and initrd-twin.img
#                         (initrd-bek.img plus two test hooks, each inert unless the kernel
#                         command line asks: a second "bek-unlock boot" unit (bektest.twin,
#                         scenario twin) and a udev rule that holds vda's processing
#                         (bektest.udev_sleep=N, scenario udev-slow), and a suspended
#                         device-mapper device before bek-unlock starts
#                         (bektest.dm_suspended, scenario dm-suspended; bektest.dm_bek_suspended,
#                         the BEK disk behind one, scenario dm-bek-hung; bektest.hold_tableload,
#                         a dm-crypt table load held, scenario dm-half-made;
#                         bektest.aesni_late: aesni_intel loaded only after the activation,
#                         scenario aesni-late))
#   make qemu-test        the scenario matrix; a subset: make qemu-test SCENARIOS="a d"
#   make demo             boot scenario a and show the console lines that matter
#                         (FLAVOUR=dracut-nosystemd: a dracut initramfs without systemd;
#                         FLAVOUR=initramfs-tools: Debian's initramfs-tools, qemu/itools.mk)
QEMU_DIR     := build/qemu
QEMU_PY      := /usr/bin/python3
QEMU_KVER    := $(QEMU_DIR)/kernel/kver
QEMU_IMAGES  := $(QEMU_DIR)/images/.done
QEMU_BASE    := $(QEMU_DIR)/initrd-base.img
QEMU_BEK     := $(QEMU_DIR)/initrd-bek.img
QEMU_BEK_MOD := build/stage/usr/lib/dracut/modules.d/91bek-unlock
QEMU_TWIN    := $(QEMU_DIR)/initrd-twin.img
QEMU_TWIN_INC := $(QEMU_DIR)/twin-include

# Until the dracut module exists, only the baseline initramfs is built and the scenarios
# boot it (the bek-unlock scenarios then fail, the baseline passes).
ifneq ($(wildcard modules.d/91bek-unlock/module-setup.sh),)
QEMU_INITRD  := $(QEMU_BEK)
else
QEMU_INITRD  := $(QEMU_BASE)
endif
QEMU_RUN     := $(QEMU_PY) qemu/scenarios.py --initrd $(QEMU_INITRD) --base-initrd $(QEMU_BASE) \
                --twin-initrd $(QEMU_TWIN)
# Every initramfs the harness builds, for the host row initrd-clean: expanded when the recipe
# runs, after qemu/ade.mk (which adds its images to qemu-test's prerequisites) was read.
QEMU_ALL_INITRDS = $(QEMU_BASE) $(QEMU_INITRD) $(QEMU_TWIN) $(ADE_INITRDS)

.PHONY: qemu-kernel qemu-images qemu-initramfs qemu-test demo demo-default demo-systemd demo-dracut-nosystemd qemu-clean

qemu-kernel: $(QEMU_KVER)
qemu-images: $(QEMU_IMAGES)
qemu-initramfs: $(QEMU_BASE) $(QEMU_INITRD) $(QEMU_TWIN)

$(QEMU_KVER): | $(BUILD)/.deps
	qemu/kernel.sh $(QEMU_DIR)/kernel

$(QEMU_DIR)/rootinit: qemu/rootinit.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	gcc -static -O2 -Wall -Wextra -o $@ $<

$(QEMU_IMAGES): qemu/images.sh $(QEMU_DIR)/rootinit
	qemu/images.sh $(QEMU_DIR)/rootinit $(@D)
	touch $@

$(QEMU_BASE): qemu/initramfs.sh $(QEMU_KVER)
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel

# build/stage/.stamp (top Makefile's "stage") covers the binary, the module and its unit.
$(QEMU_BEK): qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# The test hooks go in with dracut --include (a tree: the twin unit and its
# sysinit.target.wants link, the udev rule).
QEMU_TEST_UNITS := qemu/bek-test-dm.service qemu/bek-test-dmbek.service qemu/bek-test-leftovers.service \
                   qemu/bek-test-tableload.service qemu/bek-test-preload.service
$(QEMU_TWIN): qemu/initramfs.sh qemu/bek-unlock-twin.service qemu/bek-test-udev.rules $(QEMU_TEST_UNITS) \
    qemu/bek-test-modprobe-hold \
    $(QEMU_KVER) build/stage/.stamp
	rm -rf $(QEMU_TWIN_INC)
	mkdir -p $(QEMU_TWIN_INC)/etc/systemd/system/sysinit.target.wants $(QEMU_TWIN_INC)/etc/udev/rules.d
	cp qemu/bek-unlock-twin.service $(QEMU_TWIN_INC)/etc/systemd/system/
	ln -s ../bek-unlock-twin.service $(QEMU_TWIN_INC)/etc/systemd/system/sysinit.target.wants/
	for u in $(QEMU_TEST_UNITS); do cp $$u $(QEMU_TWIN_INC)/etc/systemd/system/ && \
	    ln -s ../$$(basename $$u) $(QEMU_TWIN_INC)/etc/systemd/system/sysinit.target.wants/; done
	cp qemu/bek-test-udev.rules $(QEMU_TWIN_INC)/etc/udev/rules.d/50-bek-test.rules
	install -D -m 0755 qemu/bek-test-modprobe-hold $(QEMU_TWIN_INC)/usr/lib/bek-test/modprobe-hold
	BEK_QEMU_DRACUT_ARGS="--include $(abspath $(QEMU_TWIN_INC)) /" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# Scenario dm-bek-hung's BEK disk: 1 MiB of zeros, then bek-good.img's filesystem (only a
# device-mapper device at that offset shows it).
QEMU_BEK_AT1M := $(QEMU_DIR)/images/bek-at1m.img
$(QEMU_BEK_AT1M): $(QEMU_IMAGES)
	{ head -c 1048576 /dev/zero; cat $(QEMU_DIR)/images/bek-good.img; } >$@.tmp && mv $@.tmp $@

qemu-test: $(QEMU_IMAGES) $(QEMU_BASE) $(QEMU_INITRD) $(QEMU_TWIN) $(QEMU_BEK_AT1M)
	$(QEMU_RUN) --all-initrds "$(QEMU_ALL_INITRDS)" $(SCENARIOS)

# make demo FLAVOUR=F: the target demo-F (dracut-nosystemd: qemu/nosd.mk's image;
# initramfs-tools: qemu/itools.mk); plain make demo: the systemd image.
demo: $(if $(FLAVOUR),demo-$(FLAVOUR),demo-default)
demo-default demo-systemd: $(QEMU_IMAGES) $(QEMU_INITRD)
	$(QEMU_RUN) --demo
demo-dracut-nosystemd: $(QEMU_IMAGES) $(QEMU_DIR)/nosd/initrd-nosd.img
	$(QEMU_RUN) --initrd $(QEMU_DIR)/nosd/initrd-nosd.img --demo

qemu-clean:
	rm -rf $(QEMU_DIR)
