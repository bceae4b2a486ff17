# Benchmark: bek-unlock against the stock unlock paths, included by the top Makefile after
# qemu/qemu.mk (whose kernel, images and stage rules it uses). Not part of `make test`.
# Everything lands in build/qemu/bench/.
#   make bench                       all cases, 5 interleaved rounds (A B C A B C ...)
#   make bench BENCH_ROUNDS=1 BENCH_CASES="main slot2 nornd"
# Three initramfs images from the same kernel and host dracut modules:
#   A  initrd-a.img  as initrd-bek.img: systemd + bek-unlock
#   B  initrd-b.img  the same modules minus bek-unlock, plus the vfat drivers: systemd-cryptsetup
#                    with rd.luks.key=
#   C  initrd-c.img  dracut without systemd (crypt, dm, rootfs-block, udev-rules, base, fs-lib)
#                    plus the vfat drivers: dracut's own crypt scripts with rd.luks.key=
# Each also gets the same udev rule (bench-images.sh rules), which timestamps dm-crypt activation.
# BENCH_KDF_MEM (KiB), BENCH_ITER: argon2id cost of the slot2 case's three keyslots (1 thread).
# Under TCG here one derivation at 64 MiB and 4 passes took 1.9 s (a bare static libargon2
# loop in a guest), and 4 passes is the least LUKS2 allows: 32 MiB x 4 gives about 1 s.
BENCH_DIR     := $(QEMU_DIR)/bench
BENCH_ROUNDS  ?= 5
BENCH_CASES   ?= main slot2 nornd
BENCH_KDF_MEM ?= 32768
BENCH_ITER    ?= 4
BENCH_RULES   := $(BENCH_DIR)/99-bench.rules
BENCH_IMAGES  := $(BENCH_DIR)/images/.done-$(BENCH_KDF_MEM)k-$(BENCH_ITER)
# One --add-drivers per driver: initramfs.sh splits BEK_QEMU_DRACUT_ARGS at spaces.
BENCH_VFAT    := $(foreach d,vfat nls_cp437 nls_iso8859-1 nls_utf8 nls_ascii,--add-drivers $(d))
BENCH_INCLUDE := --include $(abspath $(BENCH_RULES)) /etc/udev/rules.d/99-bench.rules
BENCH_NOSD    := crypt dm rootfs-block udev-rules base fs-lib
BENCH_INITRDS := $(BENCH_DIR)/initrd-a.img $(BENCH_DIR)/initrd-b.img $(BENCH_DIR)/initrd-c.img
# A bare guest that times the slot2 keyslots' argon2id (bench-images.sh calib).
BENCH_CALIB   := $(BENCH_DIR)/calib-$(BENCH_KDF_MEM)k-$(BENCH_ITER).cpio

.PHONY: bench bench-images bench-initramfs

bench-images: $(BENCH_IMAGES) $(BENCH_CALIB)
bench-initramfs: $(BENCH_INITRDS)

$(BENCH_RULES): qemu/bench-images.sh
	qemu/bench-images.sh rules $@

# The KDF cost is part of the stamp's name, so that changing it rebuilds the slot2 root.
$(BENCH_IMAGES): qemu/bench-images.sh $(QEMU_IMAGES)
	rm -f $(@D)/.done-*
	qemu/bench-images.sh images $(QEMU_DIR)/images $(@D) $(BENCH_KDF_MEM) $(BENCH_ITER)
	touch $@

# libargon2.a comes with the static build's packages (tools/static-deps.sh).
$(BENCH_CALIB): qemu/bench-images.sh | $(STATIC_STAMP)
	rm -f $(BENCH_DIR)/calib-*.cpio
	qemu/bench-images.sh calib $@ $(BENCH_KDF_MEM) $(BENCH_ITER)

$(BENCH_DIR)/initrd-a.img: qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp $(BENCH_RULES)
	BEK_QEMU_DRACUT_ARGS="$(BENCH_INCLUDE)" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

$(BENCH_DIR)/initrd-b.img: qemu/initramfs.sh $(QEMU_KVER) $(BENCH_RULES)
	BEK_QEMU_DRACUT_ARGS="$(BENCH_INCLUDE) $(BENCH_VFAT)" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel

$(BENCH_DIR)/initrd-c.img: qemu/initramfs.sh $(QEMU_KVER) $(BENCH_RULES)
	BEK_QEMU_MODULES="$(BENCH_NOSD)" \
	BEK_QEMU_DRACUT_ARGS="$(BENCH_INCLUDE) $(BENCH_VFAT)" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel

bench: $(QEMU_IMAGES) $(BENCH_IMAGES) $(BENCH_CALIB) $(BENCH_INITRDS)
	$(QEMU_PY) qemu/bench.py --rounds $(BENCH_ROUNDS) --dir $(BENCH_DIR) --calib $(BENCH_CALIB) \
	    --command "make bench BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_CASES=\"$(BENCH_CASES)\"" \
	    $(BENCH_CASES)
