# SPDX-License-Identifier: GPL-2.0-or-later
# `bek-unlock decrypt` under QEMU (issue 22), included by the top Makefile after qemu/qemu.mk
# and qemu/ade.mk (kernel, rootinit, stage). Everything lands in build/qemu/decrypt/.
#   make decrypt-images      qemu/decrypt-images.sh: the ADE layouts with bek-unlock and
#                            cryptsetup in the guest root, the plain content's sha256
#   make decrypt-initramfs   initrd-a/b/m.img (bek-unlock, as qemu/ade.mk's, one per layout's
#                            header copy) and initrd-stock.img (stock dracut + lvm, no bek-unlock)
#   make decrypt-test        the representative subset (part of make test)
#   make decrypt-test-full   every row: all layouts, crash injection, bad input (~22 min one boot at a time)
#   make decrypt-test DECRYPT_SCENARIOS="dec-a crash-a-mid"    chosen rows
#   make decrypt-bench       decrypt vs cryptsetup reencrypt --decrypt vs dd, same guest
#                            (DECRYPT_BENCH_ROUNDS=3: interleaved rounds, medians)
#   DECRYPT_JOBS=1           one boot at a time instead of two
DEC_DIR      := $(QEMU_DIR)/decrypt
DEC_IMG      := $(DEC_DIR)/images
DEC_IMAGES   := $(DEC_IMG)/.done
DEC_LAYOUTS  := a b m
DEC_INITRDS  := $(DEC_LAYOUTS:%=$(DEC_DIR)/initrd-%.img) $(DEC_DIR)/initrd-stock.img
DEC_DRACUT_b := --add lvm
DEC_SUBSET   := dec-a dec-data crash-a-mid bad-key
DEC_PY       := $(QEMU_PY) qemu/decrypt_scenarios.py --initrd-dir $(DEC_DIR) $(if $(DECRYPT_JOBS),--jobs $(DECRYPT_JOBS))

.PHONY: decrypt-images decrypt-initramfs decrypt-test decrypt-test-full decrypt-bench

decrypt-images: $(DEC_IMAGES)
decrypt-initramfs: $(DEC_INITRDS)

$(DEC_IMAGES): qemu/decrypt-images.sh qemu/ade-images.sh $(QEMU_DIR)/rootinit $(BUILD)/bek-unlock
	qemu/decrypt-images.sh $(QEMU_DIR)/rootinit $(BUILD)/bek-unlock $(@D)
	touch $@

$(DEC_DIR)/initrd-%.img: qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp $(DEC_IMAGES)
	BEK_UNLOCK_CRYPTTAB=$(abspath $(DEC_IMG)/crypttab.bek) \
	BEK_UNLOCK_SYSROOT=$(abspath $(DEC_IMG)/sysroot-$*) \
	BEK_QEMU_DRACUT_ARGS="$(DEC_DRACUT_$*) --include $(abspath $(DEC_IMG)/crypttab) /etc/crypttab" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# What a VM boots after the decryption: the distribution's dracut, no bek-unlock, no crypttab.
$(DEC_DIR)/initrd-stock.img: qemu/initramfs.sh $(QEMU_KVER)
	BEK_QEMU_DRACUT_ARGS="--add lvm" qemu/initramfs.sh $@ $(QEMU_DIR)/kernel

decrypt-test: $(DEC_IMAGES) $(DEC_INITRDS)
	$(DEC_PY) $(or $(DECRYPT_SCENARIOS),$(DEC_SUBSET))

decrypt-test-full: $(DEC_IMAGES) $(DEC_INITRDS)
	$(DEC_PY) $(DECRYPT_SCENARIOS)

decrypt-bench: $(DEC_IMAGES) $(DEC_INITRDS)
	$(DEC_PY) --bench --rounds $(or $(DECRYPT_BENCH_ROUNDS),3)
