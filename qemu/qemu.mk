# QEMU end-to-end harness, included by the top Makefile.  Everything lands in build/qemu/.
#   make qemu-images      guest disks (LUKS2 roots, BEK disks)
#   make qemu-initramfs   initrd-base.img (no bek-unlock) and initrd-bek.img
#   make qemu-test        the scenario matrix; a subset: make qemu-test SCENARIOS="a d"
#   make demo             boot scenario a and show the console lines that matter
QEMU_DIR     := build/qemu
QEMU_PY      := /usr/bin/python3
QEMU_KVER    := $(QEMU_DIR)/kernel/kver
QEMU_IMAGES  := $(QEMU_DIR)/images/.done
QEMU_BASE    := $(QEMU_DIR)/initrd-base.img
QEMU_BEK     := $(QEMU_DIR)/initrd-bek.img
QEMU_BEK_MOD := build/stage/usr/lib/dracut/modules.d/91bek-unlock

# Until the dracut module exists, only the baseline initramfs is built and the scenarios
# boot it (the bek-unlock scenarios then fail, the baseline passes).
ifneq ($(wildcard modules.d/91bek-unlock/module-setup.sh),)
QEMU_INITRD  := $(QEMU_BEK)
else
QEMU_INITRD  := $(QEMU_BASE)
endif
QEMU_RUN     := $(QEMU_PY) qemu/scenarios.py --initrd $(QEMU_INITRD) --base-initrd $(QEMU_BASE)

.PHONY: qemu-kernel qemu-images qemu-initramfs qemu-test demo qemu-clean

qemu-kernel: $(QEMU_KVER)
qemu-images: $(QEMU_IMAGES)
qemu-initramfs: $(QEMU_BASE) $(QEMU_INITRD)

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

qemu-test: $(QEMU_IMAGES) $(QEMU_BASE) $(QEMU_INITRD)
	$(QEMU_RUN) $(SCENARIOS)

demo: $(QEMU_IMAGES) $(QEMU_INITRD)
	$(QEMU_RUN) --demo

qemu-clean:
	rm -rf $(QEMU_DIR)
