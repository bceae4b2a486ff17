# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: bek-unlock against the stock unlock paths, included by the top Makefile after
# qemu/qemu.mk and qemu/itools.mk (whose kernel, images, stage rules and initramfs-tools build
# root it uses). Not part of `make test`. Everything lands in build/qemu/bench/.
#   make bench                       the cases, 5 interleaved rounds (A..F, B..A, C..B, ...),
#                                    on a 2-vCPU guest, then on a 1-vCPU guest (BENCH_SMPS)
#   make bench BENCH_ROUNDS=1 BENCH_CASES="main slot2 nornd nobek" BENCH_SMPS=1
#   make bench BENCH_SET="A B C"     only some of the images (the pairs whose two images
#                                    are both in the set get their ratio)
# Six initramfs images from the same kernel, three pairs of ours against stock:
#   A  initrd-a.img  as initrd-bek.img: systemd + bek-unlock
#   B  initrd-b.img  the same modules minus bek-unlock, plus the vfat drivers: systemd-cryptsetup
#                    with rd.luks.key=
#   C  initrd-c.img  dracut without systemd (crypt, dm, rootfs-block, udev-rules, base, fs-lib)
#                    plus the vfat drivers: dracut's own crypt scripts with rd.luks.key=
#   D  initrd-d.img  C's modules + bek-unlock, --omit systemd (as nosd.mk's initrd-nosd.img,
#                    without its lvm module, which C does not have): bek-unlock's dracut hooks
#   E  initrd-e.img  initramfs-tools + cryptsetup-initramfs + bek-unlock's hook (as itools.mk's
#                    initrd-bek.img: crypttab "cryptroot UUID=U none luks,initramfs")
#   F  initrd-f.img  initramfs-tools + cryptsetup-initramfs, no bek-unlock: the key read from
#                    the BEK disk by Debian's passdev keyscript (bench-images.sh itools), plus
#                    the vfat drivers and charsets (added, not loaded)
# Pairs: A/B, A/C, D/C, E/F. Each image also gets the same udev rule (bench-images.sh rules),
# which timestamps dm-crypt activation: the dracut images in /etc/udev/rules.d through
# --include, the initramfs-tools ones through a hook in their build root.
# BENCH_KDF_MEM (KiB), BENCH_ITER: argon2id cost of the slot2 case's three keyslots (1 thread).
# Under TCG here one derivation at 64 MiB and 4 passes took 1.9 s (a bare static libargon2
# loop in a guest), and 4 passes is the least LUKS2 allows: 32 MiB x 4 gives about 1 s.
BENCH_DIR     := $(QEMU_DIR)/bench
BENCH_ROUNDS  ?= 5
BENCH_CASES   ?= main nobek slot2 nornd
# Guest vCPUs, one full run each: 2 (most Azure sizes; TCG then runs one host thread per
# vCPU) and 1 (B1s-like). Results: build/qemu/bench/results-CASE-Ncpu.json.
BENCH_SMPS    ?= 2 1
BENCH_KDF_MEM ?= 32768
BENCH_ITER    ?= 4
BENCH_RULES   := $(BENCH_DIR)/99-bench.rules
BENCH_IMAGES  := $(BENCH_DIR)/images/.done-$(BENCH_KDF_MEM)k-$(BENCH_ITER)
# One --add-drivers per driver: initramfs.sh splits BEK_QEMU_DRACUT_ARGS at spaces.
BENCH_VFAT    := $(foreach d,vfat nls_cp437 nls_iso8859-1 nls_utf8 nls_ascii,--add-drivers $(d))
BENCH_INCLUDE := --include $(abspath $(BENCH_RULES)) /etc/udev/rules.d/99-bench.rules
BENCH_NOSD    := crypt dm rootfs-block udev-rules base fs-lib
BENCH_SET     ?= A B C D E F
bench_lc       = $(subst A,a,$(subst B,b,$(subst C,c,$(subst D,d,$(subst E,e,$(subst F,f,$(1)))))))
BENCH_INITRDS := $(foreach i,$(BENCH_SET),$(BENCH_DIR)/initrd-$(call bench_lc,$(i)).img)
# The initramfs-tools images' inputs (bench-images.sh itools): crypttabs, the rule's hook.
BENCH_IT      := $(BENCH_DIR)/itools
BENCH_IT_FILES := $(BENCH_RULES)=/bek-test/99-bench.rules \
    $(BENCH_IT)/bench-hook=/etc/initramfs-tools/hooks/bench-rules
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

# D: what nosd.mk's initrd-nosd.img is, on C's module list (--omit systemd: a module that
# needs systemd fails the build instead of bringing it in).
$(BENCH_DIR)/initrd-d.img: qemu/initramfs.sh $(QEMU_KVER) build/stage/.stamp $(BENCH_RULES)
	BEK_QEMU_MODULES="$(BENCH_NOSD)" \
	BEK_QEMU_DRACUT_ARGS="--omit systemd $(BENCH_INCLUDE)" \
	qemu/initramfs.sh $@ $(QEMU_DIR)/kernel $(QEMU_BEK_MOD) build/stage/usr/sbin/bek-unlock

# Rewritten only when their content changes (bench-images.sh keeps an unchanged file).
$(BENCH_IT)/ct-ours $(BENCH_IT)/ct-passdev $(BENCH_IT)/bench-hook &: qemu/bench-images.sh $(QEMU_IMAGES)
	qemu/bench-images.sh itools $(QEMU_DIR)/images/uuid $(BENCH_IT)

# E and F: mkinitramfs in the throwaway Debian 12 root (itools.mk's ITOOLS_ROOT).
BENCH_IT_DEPS := qemu/itools-initramfs.sh $(ITOOLS_ROOT)/.versions $(QEMU_KVER) $(BENCH_RULES) \
    $(BENCH_IT)/bench-hook

$(BENCH_DIR)/initrd-e.img: $(BENCH_IT_DEPS) $(BENCH_IT)/ct-ours build/stage/.stamp
	@rm -f $@
	ITOOLS_FILES="$(BENCH_IT_FILES)" \
	qemu/itools-initramfs.sh $@ $(QEMU_DIR)/kernel $(ITOOLS_ROOT) $(BENCH_IT)/ct-ours build/stage \
	    $(ITOOLS_QUIET)
	@test -s $@

$(BENCH_DIR)/initrd-f.img: $(BENCH_IT_DEPS) $(BENCH_IT)/ct-passdev
	@rm -f $@
	ITOOLS_FILES="$(BENCH_IT_FILES)" ITOOLS_ENV="BENCH_VFAT=1" \
	qemu/itools-initramfs.sh $@ $(QEMU_DIR)/kernel $(ITOOLS_ROOT) $(BENCH_IT)/ct-passdev \
	    $(ITOOLS_QUIET)
	@test -s $@

bench: $(QEMU_IMAGES) $(BENCH_IMAGES) $(BENCH_CALIB) $(BENCH_INITRDS)
	@rc=0; for n in $(BENCH_SMPS); do \
	  $(QEMU_PY) qemu/bench.py --rounds $(BENCH_ROUNDS) --dir $(BENCH_DIR) --calib $(BENCH_CALIB) \
	    --images "$(BENCH_SET)" --smp $$n \
	    --command "make bench BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_CASES=\"$(BENCH_CASES)\" BENCH_SMPS=$$n$(if \
	        $(filter-out A B C D E F,$(BENCH_SET))$(filter-out $(BENCH_SET),A B C D E F), \
	        BENCH_SET=\"$(BENCH_SET)\")" \
	    $(BENCH_CASES) || rc=1; \
	done; exit $$rc
