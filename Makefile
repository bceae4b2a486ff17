# SPDX-License-Identifier: GPL-2.0-or-later
# bek-unlock: build, install, test. See README.md.
VERSION := 0.2.0
BUILD   := build
CC      ?= gcc
PKGS    := libcryptsetup blkid libudev json-c devmapper

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2
CPPFLAGS += -D_GNU_SOURCE -DBEK_VERSION=\"$(VERSION)\" -Isrc
CFLAGS  ?= -O2 -g
# Hardening, for a root process that parses hostile input (volume headers, crypttab,
# Key Vault documents), in both builds: checked string/memory functions (needs -O1 or
# more: left out when CFLAGS has none), stack canaries, position-independent code,
# read-only relocations and GOT after start-up (full RELRO). The static build links
# -static-pie (static.mk).
HARDEN_CFLAGS  = $(if $(filter -O -O1 -O2 -O3 -Os -Og -Ofast -Oz,$(CFLAGS)),-D_FORTIFY_SOURCE=2) \
                 -fstack-protector-strong -fPIE
HARDEN_LDFLAGS := -Wl,-z,relro,-z,now
# Expanded when a recipe runs, i.e. after the deps target has installed pkg-config files.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

# Pure logic (no I/O): unit-tested and fuzzed on its own.
PURE_SRC := src/cmdline.c src/keyname.c src/token.c src/crypttab.c src/plan.c src/b64url.c src/kvdoc.c \
            src/kvsecret.c src/kvpassphrase.c src/recover_args.c src/kcipher.c src/modlist.c src/uevent.c src/askfile.c
# In data-flow order: config -> wait -> probe/mount/read key -> unlock -> clean up.
IO_SRC   := src/log.c src/fileio.c src/config.c src/preload.c src/deadline.c src/wait.c src/probe.c src/disks.c src/beneath.c \
            src/bekfs.c src/mapcheck.c src/plainmap.c src/recovered.c src/header.c src/kcrypto.c src/luks.c src/secret.c src/timing.c src/agent.c src/unlock.c \
            src/outcome.c src/boot.c src/recover_input.c src/recover_volume.c src/recover_output.c \
            src/recover.c src/main.c
# bek-unlock decrypt: volumes found -> examined (rules) -> key -> backup, reencrypt -> report.
DECRYPT_SRC := src/decrypt_rules.c src/decrypt_volume.c src/decrypt_run.c src/decrypt_shift.c src/decrypt_key.c \
            src/decrypt_report.c src/decrypt_place.c src/decrypt.c
# The boot configuration after decryption (bek-unlock decrypt; doc/migration-config.md).
CONFIG_SRC := src/adeconfig_text.c src/adeconfig_edit.c src/adeconfig_cmdline.c src/adeconfig_lvm.c src/adeconfig_plan.c src/adeconfig_show.c src/adeconfig_apply.c src/adeconfig_io.c
SRC      := $(PURE_SRC) $(IO_SRC) $(DECRYPT_SRC) $(CONFIG_SRC)
OBJ      := $(SRC:src/%.c=$(BUILD)/obj/%.o)

PREFIX   ?= /usr
SBINDIR  ?= $(PREFIX)/sbin
DRACUTDIR ?= $(PREFIX)/lib/dracut
MODDIR   := $(DRACUTDIR)/modules.d/91bek-unlock
# The boot-time glue: the systemd unit, and the hooks of a dracut initramfs without systemd
# (module-setup.sh installs one or the other, as the image has systemd or not).
HOOK_SYSTEMD := hook/systemd/bek-unlock.service
HOOK_DRACUT  := $(sort $(wildcard hook/dracut/*.sh))
# The glue library both worlds share (sourced by module-setup.sh and the initramfs-tools
# hook from here, copied by both into the image at the same path).
HOOK_GLUE    := hook/lib/bek-unlock-glue.sh
GLUEDIR  ?= $(PREFIX)/lib/bek-unlock
ITOOLSDIR ?= $(PREFIX)/share/initramfs-tools
MANDIR   ?= $(PREFIX)/share/man

# STATIC=1 (default): bek-unlock is linked statically against libcryptsetup, libdevmapper
# and libudev built from Debian's sources (static.mk); STATIC=0 links the distribution's
# shared libraries, for packagers. The shared build is also what valgrind checks.
STATIC   ?= 1
SHARED_BIN := $(BUILD)/shared/bek-unlock

.PHONY: all deps stage install uninstall unit test demo clean distclean man FORCE
all: $(BUILD)/bek-unlock man

# The manual page, bek-unlock(8): scdoc source in doc/, the version from VERSION above;
# its date is the last commit's (or SOURCE_DATE_EPOCH's), so a rebuild is reproducible.
MAN := $(BUILD)/man/bek-unlock.8
man: $(MAN)
$(MAN): doc/bek-unlock.8.scd Makefile | $(BUILD)/.deps
	@mkdir -p $(@D)
	d=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null)}; \
	sed 's/@VERSION@/$(VERSION)/g' $< | SOURCE_DATE_EPOCH=$${d:-$$(date +%s)} scdoc >$@.tmp && mv $@.tmp $@

deps: $(BUILD)/.deps
$(BUILD)/.deps: tools/deps.sh
	tools/deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(HARDEN_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(SHARED_BIN): $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(HARDEN_LDFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(PKG_LIBS)

include static.mk

# Remembers STATIC, so that switching it relinks.
$(BUILD)/link-mode: FORCE
	@mkdir -p $(@D); echo $(STATIC) | cmp -s - $@ || echo $(STATIC) > $@

$(BUILD)/bek-unlock: $(if $(filter 1,$(STATIC)),$(STATIC_BIN),$(SHARED_BIN)) $(BUILD)/link-mode
	cp $< $@
	@file $@ | sed 's/^[^:]*: /bek-unlock: /'
	@ldd $@ 2>&1 | sed 's/^[[:space:]]*/bek-unlock: ldd: /' | head -3 || true
	@if [ "$(STATIC)" = 1 ]; then sed 's/^\(# \)*/bek-unlock: static, from /' $(STATIC_DIR)/VERSIONS | grep -v ':$$'; fi

install: $(BUILD)/bek-unlock $(MAN)
	install -D -s -m 0755 $(BUILD)/bek-unlock $(DESTDIR)$(SBINDIR)/bek-unlock
	install -D -m 0644 $(MAN) $(DESTDIR)$(MANDIR)/man8/bek-unlock.8
	install -D -m 0644 $(HOOK_GLUE) $(DESTDIR)$(GLUEDIR)/bek-unlock-glue.sh
	install -D -m 0755 modules.d/91bek-unlock/module-setup.sh $(DESTDIR)$(MODDIR)/module-setup.sh
	install -D -m 0644 $(HOOK_SYSTEMD) $(DESTDIR)$(MODDIR)/bek-unlock.service
	install -m 0755 $(HOOK_DRACUT) $(DESTDIR)$(MODDIR)/
	install -D -m 0644 hook/91-bek-unlock.conf $(DESTDIR)$(DRACUTDIR)/dracut.conf.d/91-bek-unlock.conf
	# initramfs-tools (Debian, Ubuntu): the hook and the boot script
	install -D -m 0755 hook/initramfs-tools/hooks/bek-unlock $(DESTDIR)$(ITOOLSDIR)/hooks/bek-unlock
	install -D -m 0755 hook/initramfs-tools/scripts/init-top/bek-unlock $(DESTDIR)$(ITOOLSDIR)/scripts/init-top/bek-unlock
	install -D -m 0755 hook/initramfs-tools/scripts/init-premount/bek-unlock $(DESTDIR)$(ITOOLSDIR)/scripts/init-premount/bek-unlock

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/bek-unlock $(DESTDIR)$(DRACUTDIR)/dracut.conf.d/91-bek-unlock.conf
	rm -f $(DESTDIR)$(MANDIR)/man8/bek-unlock.8
	rm -rf $(DESTDIR)$(MODDIR) $(DESTDIR)$(GLUEDIR)
	rm -f $(DESTDIR)$(ITOOLSDIR)/hooks/bek-unlock $(DESTDIR)$(ITOOLSDIR)/scripts/init-premount/bek-unlock
	rm -f $(DESTDIR)$(ITOOLSDIR)/scripts/init-top/bek-unlock

# A DESTDIR install inside the build tree, used by the QEMU harness.
$(BUILD)/stage/.stamp: hook/initramfs-tools/hooks/bek-unlock hook/initramfs-tools/scripts/init-premount/bek-unlock \
    hook/initramfs-tools/scripts/init-top/bek-unlock
stage: $(BUILD)/stage/.stamp
$(BUILD)/stage/.stamp: $(BUILD)/bek-unlock modules.d/91bek-unlock/module-setup.sh $(HOOK_SYSTEMD) $(HOOK_DRACUT) $(HOOK_GLUE) \
    hook/91-bek-unlock.conf
	rm -rf $(BUILD)/stage
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/stage)
	touch $@

# Debian package (debian/): build/deb/bek-unlock_$(VERSION)_<arch>.deb, checked by lintian.
# The static libraries are built here first; dpkg-buildpackage runs in a copy of the tree.
.PHONY: deb
deb: $(STATIC_STAMP) | $(BUILD)/.deps
	debian/make-deb.sh $(VERSION) $(BUILD)/deb

include tests/tests.mk
include tests/fuzz.mk
-include qemu/qemu.mk
-include qemu/ade.mk
-include qemu/decrypt.mk
-include qemu/nosd.mk
-include qemu/itools.mk
-include qemu/pkgtest.mk

# Everything: unit tests (plain, ASan+UBSan), host subcommand tests (plain, valgrind),
# a fuzzing smoke round, the QEMU scenarios. Ends with "N passed, N failed".
test: $(UNIT_BINS) $(FUZZ_BINS) $(BUILD)/bek-unlock $(SHARED_BIN) $(MAN) $(ADECONFIG_DRV)
	tests/run.sh

# Keeps build/static (the static libraries take minutes to rebuild); distclean removes all.
clean:
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name static -exec rm -rf {} + 2>/dev/null || true
distclean:
	rm -rf $(BUILD)
-include qemu/bench.mk

# RPM (RHEL's dracut layout), built and inspected here, never installed on RHEL:
# rpm/bek-unlock.spec.in -> $(RPM_TOPDIR)/bek-unlock.spec (VERSION substituted), then
# rpmbuild -bb from this tree (the spec's %build runs make, which reuses build/). --nodeps:
# rpm's database on Debian does not know dpkg's packages. brp-compress under bash: Debian's
# (rpm 4.18) is run by /bin/sh, dash, where its "read -d" fails and man pages stay
# uncompressed; RHEL's /bin/sh is bash. tests/rpm.sh passes its own RPM_SPEC_IN and
# RPM_TOPDIR to build a deliberately broken spec.
RPM_SPEC_IN ?= rpm/bek-unlock.spec.in
RPM_TOPDIR  ?= $(BUILD)/rpm
.PHONY: rpm
rpm: $(BUILD)/bek-unlock | $(BUILD)/.deps
	rm -rf $(RPM_TOPDIR)/RPMS $(RPM_TOPDIR)/BUILD $(RPM_TOPDIR)/BUILDROOT
	mkdir -p $(RPM_TOPDIR)
	sed 's/@VERSION@/$(VERSION)/g' $(RPM_SPEC_IN) > $(RPM_TOPDIR)/bek-unlock.spec
	MAKEFLAGS= MAKELEVEL= rpmbuild -bb --nodeps --quiet \
		--define '_topdir $(abspath $(RPM_TOPDIR))' --define 'bek_srcdir $(CURDIR)' \
		--define '__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}' \
		$(RPM_TOPDIR)/bek-unlock.spec
	@ls $(RPM_TOPDIR)/RPMS/*/*.rpm

# Last: after bench.mk (its rule file) and every stage it builds on; its .SECONDEXPANSION
# applies to the rules read after it only.
-include qemu/gen.mk

# Everything the tests boot, install into or run on: the guest images, the initramfs
# images of every stage, the throwaway roots (the initramfs-tools build root, the
# package's dracut root, the other generations' roots, the boot configuration's Debian
# roots) and the test binaries. `make demo` builds it ("build everything") so that
# `make test` then runs tests only (issue 21: under 30 minutes once the roots exist).
ADECONFIG_ROOTS := $(BUILD)/adeconfig/root-itools/.versions $(BUILD)/adeconfig/root-dracut/.versions
$(BUILD)/adeconfig/root-%/.versions: tests/adeconfig-root.sh | $(BUILD)/.deps
	@echo "building the $* root for the boot configuration tests (about 35 s)"
	@mkdir -p $(BUILD)/adeconfig
	tests/adeconfig-root.sh $(@D) $* > $(BUILD)/adeconfig/root-$*.log 2>&1 || { cat $(BUILD)/adeconfig/root-$*.log; exit 1; }
.PHONY: test-build
test-build: $(UNIT_BINS) $(FUZZ_BINS) $(BUILD)/bek-unlock $(SHARED_BIN) $(MAN) $(ADECONFIG_DRV) $(ADECONFIG_ROOTS) \
    $(QEMU_IMAGES) $(QEMU_BASE) $(QEMU_INITRD) $(QEMU_TWIN) $(QEMU_BEK_AT1M) $(ADE_IMAGES) $(ADE_INITRDS) \
    $(NOSD_IMAGES) $(NOSD_INITRDS) $(ITOOLS_IMG)/.done $(ITOOLS_INITRDS) $(ITOOLS_ROOT)/.versions \
    $(PKGTEST_ROOT_DRACUT)/.versions $(GEN_INITRDS) $(DEC_IMAGES) $(DEC_INITRDS)
$(if $(FLAVOUR),demo-$(FLAVOUR),demo-default): | test-build
