# SPDX-License-Identifier: GPL-2.0-or-later
# Generations of the stack: Debian 11 (bullseye) and Debian 13 (trixie), each with its own
# kernel, systemd, dracut, initramfs-tools and cryptsetup (bookworm's are the other stages).
# Included by the top Makefile after qemu/qemu.mk, qemu/ade.mk and qemu/itools.mk (disks,
# stage, the ADE and initramfs-tools crypttabs). Everything lands in build/qemu/gen/.
#   make gen-roots       per release two throwaway roots (dracut; initramfs-tools: they
#                        conflict), each with the release's cloud kernel unpacked in
#                        ROOT/kernel (qemu/gen-root.sh; ~30 s each on the archive, once;
#                        rebuilt only when qemu/gen-root.sh changes)
#   make gen-initramfs   per release: sd-bek, sd-ade-a (dracut with systemd), nosd-bek,
#                        nosd-ade-a (dracut without systemd), it-bek, it-two, it-ade20
#                        (initramfs-tools), each built in the release's root by its tools
#   make gen-test        the core rows (make test): per release and world the token unlock
#                        and the ADE layout, and the BEK disk absent with systemd
#   make gen-test-full   every row: per release and world a, d, ADE, two volumes, late disk;
#                        and the package (make deb) in each release's roots, as
#                        make gen-package-test does alone
#                        a subset: make gen-test-full GEN_SCENARIOS="trixie-it-a bullseye-g"
GEN_DIR   := $(QEMU_DIR)/gen
GENS      := bullseye trixie
GEN_ROOTS := $(foreach g,$(GENS),$(GEN_DIR)/root-$(g)-dracut/.versions $(GEN_DIR)/root-$(g)-itools/.versions)
GEN_VARIANTS := sd-bek sd-ade-a sd-nocs nosd-bek nosd-ade-a it-bek it-two it-ade20
GEN_INITRDS  := $(foreach g,$(GENS),$(GEN_VARIANTS:%=$(GEN_DIR)/$(g)/initrd-%.img))
GEN_PY    := $(QEMU_PY) qemu/gen_scenarios.py
GEN_HOOK  := $(ITOOLS_HOOK)

# The ADE layout a (qemu/ade-images.sh) in the overlay of the build root: what the glue
# reads (BEK_UNLOCK_CRYPTTAB, the header under BEK_UNLOCK_SYSROOT) and the crypttab as ADE
# writes it, the image's /etc/crypttab.
GEN_ADE_FILES = $(abspath $(ADE_IMG))/crypttab-a.bek=/bek-test/crypttab.bek \
    $(abspath $(ADE_IMG))/sysroot-a/boot/luks/osluksheader=/bek-test/sysroot/boot/luks/osluksheader \
    $(abspath $(ADE_IMG))/crypttab-a=/bek-test/crypttab
GEN_ADE_ENV  := BEK_UNLOCK_CRYPTTAB=/bek-test/crypttab.bek BEK_UNLOCK_SYSROOT=/bek-test/sysroot
GEN_ADE_ARGS := --include /bek-test/crypttab /etc/crypttab

.PHONY: gen-roots gen-initramfs gen-test gen-test-full

gen-roots: $(GEN_ROOTS)
gen-initramfs: $(GEN_INITRDS)

# root-SUITE-TOOL
$(GEN_DIR)/root-%/.versions: qemu/gen-root.sh | $(BUILD)/.deps
	qemu/gen-root.sh $(GEN_DIR)/root-$* $(word 1,$(subst -, ,$*)) $(word 2,$(subst -, ,$*))

# Any image depends on its root's recipe only through .versions: a root rebuilt is newer.
GEN_DRACUT_DEPS = qemu/gen-dracut.sh build/stage/.stamp $(GEN_DIR)/root-$(1)-dracut/.versions
.SECONDEXPANSION:
# What dracut said is kept (.log): row GEN-sd-noprompt reads it.
$(GEN_DIR)/%/initrd-sd-bek.img: $$(call GEN_DRACUT_DEPS,%)
	@mkdir -p $(@D)
	GEN_WORLD=systemd qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut build/stage >$@.log 2>&1 || \
	    { cat $@.log; exit 1; }; cat $@.log
# The systemd image without dracut-ng's systemd-cryptsetup module: the module must say at
# build time that nothing will prompt (row GEN-sd-noprompt; the image is not booted).
$(GEN_DIR)/%/initrd-sd-nocs.img: $$(call GEN_DRACUT_DEPS,%)
	@mkdir -p $(@D)
	GEN_WORLD=sd-nocs qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut build/stage >$@.log 2>&1 || \
	    { cat $@.log; exit 1; }; cat $@.log
$(GEN_DIR)/%/initrd-nosd-bek.img: $$(call GEN_DRACUT_DEPS,%)
	@mkdir -p $(@D)
	GEN_WORLD=nosd qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut build/stage
$(GEN_DIR)/%/initrd-sd-ade-a.img: $$(call GEN_DRACUT_DEPS,%) $(ADE_IMAGES)
	@mkdir -p $(@D)
	GEN_WORLD=systemd GEN_FILES="$(GEN_ADE_FILES)" GEN_ENV="$(GEN_ADE_ENV)" GEN_ARGS="$(GEN_ADE_ARGS)" \
	qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut build/stage
$(GEN_DIR)/%/initrd-nosd-ade-a.img: $$(call GEN_DRACUT_DEPS,%) $(ADE_IMAGES)
	@mkdir -p $(@D)
	GEN_WORLD=nosd GEN_FILES="$(GEN_ADE_FILES)" GEN_ENV="$(GEN_ADE_ENV)" GEN_ARGS="$(GEN_ADE_ARGS)" \
	qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut build/stage

# initramfs-tools: qemu/itools.mk's builder and crypttabs (bek: ct-root, two: ct-two,
# ade20: the Ubuntu 20.04+ ADE layout, its files and environment), the release's root
# and kernel. One pattern rule per release (the stem is the variant).
GEN_IT_CT_bek   := ct-root
GEN_IT_CT_two   := ct-two
GEN_IT_CT_ade20 := ct-ade20
define GEN_ITOOLS_RULE
$(GEN_DIR)/$(1)/initrd-it-%.img: qemu/itools-initramfs.sh build/stage/.stamp $(GEN_DIR)/root-$(1)-itools/.versions \
        $(ITOOLS_IMG)/.done
	@mkdir -p $$(@D)
	ITOOLS_FILES="$$(ITOOLS_FILES_$$*)" ITOOLS_ENV="$$(ITOOLS_ENV_$$*)" \
	qemu/itools-initramfs.sh $$@ $(GEN_DIR)/root-$(1)-itools/kernel $(GEN_DIR)/root-$(1)-itools \
	    $(ITOOLS_IMG)/$$(GEN_IT_CT_$$*) build/stage $$(ITOOLS_QUIET)
	@test -s $$@
endef
$(foreach g,$(GENS),$(eval $(call GEN_ITOOLS_RULE,$(g))))

gen-test: $(QEMU_IMAGES) $(ADE_IMAGES) $(ITOOLS_IMG)/.done $(GEN_INITRDS)
	$(GEN_PY) --core $(GEN_SCENARIOS)

gen-test-full: deb $(QEMU_IMAGES) $(ADE_IMAGES) $(ITOOLS_IMG)/.done $(GEN_INITRDS)
	-$(GEN_PKGTEST)
	$(GEN_PY) --deb $(PKGTEST_BUILT) $(GEN_SCENARIOS)

# The Debian package in every release's roots (qemu/pkgtest.sh: dpkg -i, the release's own
# trigger builds the image, dpkg --purge), then the package rows: install/purge, no key in
# the images, and each image booted (scenario a's disks, the release's kernel).
GEN_PKGTEST = for g in $(GENS); do for f in itools dracut; do \
	qemu/pkgtest.sh $$f $(GEN_DIR)/root-$$g-$$f $(PKGTEST_BUILT) $(GEN_DIR)/root-$$g-$$f/kernel \
	    $(QEMU_DIR)/images/uuid $(GEN_DIR)/pkgtest-$$g; done; done
.PHONY: gen-package-test
gen-package-test: deb $(QEMU_IMAGES) $(GEN_ROOTS)
	-$(GEN_PKGTEST)
	$(GEN_PY) --package --deb $(PKGTEST_BUILT) $(GEN_SCENARIOS)

# make bench's systemd pair per release (qemu/bench.py's A and B, case main): A the
# release's systemd image with bek-unlock, B the same modules without it plus the vfat
# drivers, stock systemd-cryptsetup reading the key with rd.luks.key=UUID=/KEY:/dev/disk/
# by-label/BEK\x20VOLUME; both with bench.mk's dm-crypt timestamp rule. Part of make bench
# (GEN_BENCH_ROUNDS rounds, 1 by default: a short measured pair, not a long run).
GEN_BENCH_ROUNDS ?= 1
GEN_BENCH_FILES = $(abspath $(BENCH_RULES))=/bek-test/99-bench.rules
GEN_BENCH_ARGS  := --include /bek-test/99-bench.rules /etc/udev/rules.d/99-bench.rules
GEN_BENCH_VFAT  := $(foreach d,vfat nls_cp437 nls_iso8859-1 nls_utf8 nls_ascii,--add-drivers $(d))
.PHONY: gen-bench
$(GEN_DIR)/bench-%/initrd-a.img: $$(call GEN_DRACUT_DEPS,%) $(BENCH_RULES)
	@mkdir -p $(@D)
	GEN_FILES="$(GEN_BENCH_FILES)" GEN_ARGS="$(GEN_BENCH_ARGS)" \
	qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut build/stage
$(GEN_DIR)/bench-%/initrd-b.img: qemu/gen-dracut.sh $(GEN_DIR)/root-%-dracut/.versions $(BENCH_RULES)
	@mkdir -p $(@D)
	GEN_FILES="$(GEN_BENCH_FILES)" GEN_ARGS="$(GEN_BENCH_ARGS) $(GEN_BENCH_VFAT)" \
	qemu/gen-dracut.sh $@ $(GEN_DIR)/root-$*-dracut
# systemd 247 unquotes the kernel command line once more: its key device is spelled with the
# backslash doubled (bench.py --key-device), or it waits 90 s for /dev/disk/by-label/BEKx20VOLUME.
GEN_BENCH_KEYDEV_bullseye := /dev/disk/by-label/BEK\\x20VOLUME
gen-bench: $(QEMU_IMAGES) $(foreach g,$(GENS),$(GEN_DIR)/bench-$(g)/initrd-a.img $(GEN_DIR)/bench-$(g)/initrd-b.img)
	@rc=0; for g in $(GENS); do \
	    r=$(GEN_DIR)/root-$$g-dracut; \
	    $(QEMU_PY) qemu/bench.py --rounds $(GEN_BENCH_ROUNDS) --dir $(GEN_DIR)/bench-$$g --images "A B" \
	        --kernel $$r/kernel/boot/vmlinuz-$$(cat $$r/kernel/kver) \
	        --stack "$$g: $$(grep -h -e '^dracut' -e '^systemd	' -e '^cryptsetup	' $$r/.versions | tr '\t\n' '  ')" \
	        $$(case $$g in bullseye) printf '%s %s' --key-device '$(GEN_BENCH_KEYDEV_bullseye)';; esac) \
	        --command "make gen-bench GEN_BENCH_ROUNDS=$(GEN_BENCH_ROUNDS) ($$g)" main || rc=1; done; exit $$rc
bench: gen-bench
