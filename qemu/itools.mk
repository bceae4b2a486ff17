# SPDX-License-Identifier: GPL-2.0-or-later
# initramfs-tools (Debian, Ubuntu) under QEMU, included by the top Makefile after
# qemu/qemu.mk and qemu/ade.mk (whose kernel, disks and stage rules it uses).
#   make itools-root        the throwaway Debian 12 build root (mmdebstrap, once)
#   make itools-initramfs   the images: base (no bek-unlock), bek, two (two volumes),
#                           ade18, ade18-ade, ade20, ade20-ade (Ubuntu ADE layouts without /
#                           with ADE's own scripts: stand-ins from qemu/itools-ade/),
#                           ade20-btrfs (ade20 from the build root's own /etc/crypttab, the
#                           root a btrfs subvolume on osencrypt: stand-ins qemu/itools-btrfs/)
#   make itools-test        the scenarios (qemu/itools_scenarios.py), two boots at a time;
#                           a subset: make itools-test ITOOLS_SCENARIOS="it-a it-d"
#   make demo FLAVOUR=initramfs-tools   (demo-initramfs-tools) scenario it-a's console
# ITOOLS_BEFORE=1: the same images without bek-unlock, in build/qemu/itools-before/ (what
# the scenarios show on the code before the initramfs-tools hook: all but it-base fail).
ITOOLS_ROOT  := $(QEMU_DIR)/itools-root
ITOOLS_DIR   := $(QEMU_DIR)/itools$(if $(ITOOLS_BEFORE),-before)
ITOOLS_IMG   := $(QEMU_DIR)/itools/images
ITOOLS_VARIANTS := base bek two ade18 ade18-ade ade20 ade20-ade ade20-btrfs
ITOOLS_INITRDS  := $(ITOOLS_VARIANTS:%=$(ITOOLS_DIR)/initrd-%.img)
ITOOLS_HOOK  := hook/initramfs-tools/hooks/bek-unlock hook/initramfs-tools/scripts/init-premount/bek-unlock \
    hook/initramfs-tools/scripts/init-top/bek-unlock hook/lib/bek-unlock-glue.sh
ITOOLS_PY    := $(QEMU_PY) qemu/itools_scenarios.py --initrd-dir $(ITOOLS_DIR)

# Per image: the build root's /etc/crypttab, files put into the build root, hook environment.
ITOOLS_CT_base := ct-root
ITOOLS_CT_bek  := ct-root
ITOOLS_CT_two  := ct-two
ITOOLS_ADE_FILES = $(abspath $(ITOOLS_IMG))/ct-$(1).bek=/bek-test/crypttab.bek \
    $(abspath $(ADE_IMG))/sysroot-a/boot/luks/osluksheader=/bek-test/sysroot/boot/luks/osluksheader
ITOOLS_ADE_ENV := BEK_UNLOCK_CRYPTTAB=/bek-test/crypttab.bek BEK_UNLOCK_SYSROOT=/bek-test/sysroot
ITOOLS_HDR     := $(abspath $(ADE_IMG))/sysroot-a/boot/luks/osluksheader=/boot/luks/osluksheader
ITOOLS_CT_ade18      := ct-ade18
ITOOLS_FILES_ade18   = $(call ITOOLS_ADE_FILES,ade18)
ITOOLS_CT_ade18-ade  := ct-ade18
ITOOLS_FILES_ade18-ade = $(call ITOOLS_ADE_FILES,ade18) $(ITOOLS_HDR) \
    qemu/itools-ade/azure_crypt_key.sh=/usr/sbin/azure_crypt_key.sh \
    qemu/itools-ade/inject-luks-header=/usr/share/initramfs-tools/hooks/inject_luks_header
ITOOLS_CT_ade20      := ct-ade20
ITOOLS_FILES_ade20   = $(call ITOOLS_ADE_FILES,ade20)
ITOOLS_CT_ade20-ade  := ct-ade20
ITOOLS_FILES_ade20-ade = $(call ITOOLS_ADE_FILES,ade20) $(ITOOLS_HDR) \
    qemu/itools-ade/crypt-ade-hook=/usr/share/initramfs-tools/hooks/crypt-ade-hook \
    $(ITOOLS_IMG)/crypt-ade-boot=/usr/share/initramfs-tools/scripts/init-premount/crypt-ade-boot
# The hook's own root check, no BEK_UNLOCK_CRYPTTAB: findmnt says "/dev/mapper/osencrypt[/@]".
ITOOLS_CT_ade20-btrfs := ct-ade20
ITOOLS_FILES_ade20-btrfs = $(ITOOLS_HDR) $(abspath $(ITOOLS_ROOT))/usr/bin/findmnt=/usr/bin/findmnt.real \
    $(abspath $(ITOOLS_ROOT))/usr/bin/lsblk=/usr/bin/lsblk.real \
    qemu/itools-btrfs/findmnt=/usr/bin/findmnt qemu/itools-btrfs/lsblk=/usr/bin/lsblk
ITOOLS_ENV_ade18 := $(ITOOLS_ADE_ENV)
ITOOLS_ENV_ade18-ade := $(ITOOLS_ADE_ENV)
ITOOLS_ENV_ade20 := $(ITOOLS_ADE_ENV)
ITOOLS_ENV_ade20-ade = $(ITOOLS_ADE_ENV) ADE_BOOT_UUID=$$(python3 -c 'import json; print(json.load(open("$(ADE_IMG)/ids.json"))["boot_fs_uuid"])')

# What mkinitramfs says in the build root that does not matter there (no device-mapper, the
# guest's devices absent), left out; the image's existence is checked after (also by
# qemu/bench.mk).
ITOOLS_QUIET := 2>&1 | grep -v -e 'device-mapper' -e 'libdevmapper' -e '/dev/mapper/control' \
    -e '^Command failed' -e "Couldn't resolve device" -e "Couldn't determine" -e '^ *UUID=' \
    -e setupcon || true

.PHONY: itools-root itools-images itools-initramfs itools-test demo-initramfs-tools

itools-root: $(ITOOLS_ROOT)/.versions
itools-images: $(ITOOLS_IMG)/.done
itools-initramfs: $(ITOOLS_INITRDS)

$(ITOOLS_ROOT)/.versions: qemu/itools-root.sh | $(BUILD)/.deps
	qemu/itools-root.sh $(ITOOLS_ROOT)

$(ITOOLS_IMG)/.done: qemu/itools-images.sh qemu/itools-ade/crypt-ade-boot $(QEMU_IMAGES) $(ADE_IMAGES)
	qemu/itools-images.sh $(QEMU_DIR)/images $(ADE_IMG) $(@D)
	touch $@

# Every image depends on the stage (binary and hook), even base: one rule, the variant
# decides; base (and all of them with ITOOLS_BEFORE=1) are built without it.
$(ITOOLS_DIR)/initrd-%.img: qemu/itools-initramfs.sh $(ITOOLS_ROOT)/.versions $(ITOOLS_IMG)/.done \
        $(QEMU_KVER) build/stage/.stamp $(wildcard qemu/itools-ade/*) $(wildcard qemu/itools-btrfs/*)
	@mkdir -p $(@D)
	ITOOLS_FILES="$(ITOOLS_FILES_$*)" ITOOLS_ENV="$(ITOOLS_ENV_$*)" \
	qemu/itools-initramfs.sh $@ $(QEMU_DIR)/kernel $(ITOOLS_ROOT) $(ITOOLS_IMG)/$(ITOOLS_CT_$*) \
	    $(if $(or $(ITOOLS_BEFORE),$(filter base,$*)),,build/stage) $(ITOOLS_QUIET)
	@test -s $@

itools-test: $(QEMU_IMAGES) $(ADE_IMAGES) $(ITOOLS_IMG)/.done $(ITOOLS_INITRDS)
	$(ITOOLS_PY) $(ITOOLS_SCENARIOS)

demo-initramfs-tools: $(QEMU_IMAGES) $(ITOOLS_DIR)/initrd-bek.img
	$(ITOOLS_PY) --demo

# qemu-test's host row initrd-clean searches these images too (not the ITOOLS_BEFORE ones).
ifeq ($(ITOOLS_BEFORE),)
QEMU_ALL_INITRDS += $(ITOOLS_INITRDS)
qemu-test: $(ITOOLS_INITRDS)
endif
