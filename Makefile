# bek-unlock: build, install, test. See README.md.
VERSION := 0.1.0
BUILD   := build
CC      ?= gcc
PKGS    := libcryptsetup blkid libudev json-c

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2
CPPFLAGS += -D_GNU_SOURCE -DBEK_VERSION=\"$(VERSION)\" -Isrc
CFLAGS  ?= -O2 -g
# Expanded when a recipe runs, i.e. after the deps target has installed pkg-config files.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

# Pure logic (no I/O): unit-tested and fuzzed on its own.
PURE_SRC := src/cmdline.c src/keyname.c src/token.c src/crypttab.c src/plan.c src/b64url.c src/kvsecret.c
# In data-flow order: config -> wait -> probe/mount/read key -> unlock -> clean up.
IO_SRC   := src/log.c src/config.c src/wait.c src/probe.c src/bekfs.c src/luks.c \
            src/secret.c src/boot.c src/recover.c src/main.c
SRC      := $(PURE_SRC) $(IO_SRC)
OBJ      := $(SRC:src/%.c=$(BUILD)/obj/%.o)

PREFIX   ?= /usr
SBINDIR  ?= $(PREFIX)/sbin
DRACUTDIR ?= $(PREFIX)/lib/dracut
MODDIR   := $(DRACUTDIR)/modules.d/91bek-unlock

.PHONY: all deps stage install uninstall unit test demo clean
all: $(BUILD)/bek-unlock

deps: $(BUILD)/.deps
$(BUILD)/.deps: tools/deps.sh
	tools/deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/bek-unlock: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(PKG_LIBS)

install: $(BUILD)/bek-unlock
	install -D -m 0755 $(BUILD)/bek-unlock $(DESTDIR)$(SBINDIR)/bek-unlock
	install -D -m 0755 modules.d/91bek-unlock/module-setup.sh $(DESTDIR)$(MODDIR)/module-setup.sh
	install -D -m 0644 hook/bek-unlock.service $(DESTDIR)$(MODDIR)/bek-unlock.service
	install -D -m 0644 hook/91-bek-unlock.conf $(DESTDIR)$(DRACUTDIR)/dracut.conf.d/91-bek-unlock.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/bek-unlock $(DESTDIR)$(DRACUTDIR)/dracut.conf.d/91-bek-unlock.conf
	rm -rf $(DESTDIR)$(MODDIR)

# A DESTDIR install inside the build tree, used by the QEMU harness.
stage: $(BUILD)/stage/.stamp
$(BUILD)/stage/.stamp: $(BUILD)/bek-unlock modules.d/91bek-unlock/module-setup.sh hook/bek-unlock.service hook/91-bek-unlock.conf
	rm -rf $(BUILD)/stage
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/stage)
	touch $@

include tests/tests.mk
include tests/fuzz.mk
-include qemu/qemu.mk
-include qemu/ade.mk

# Everything: unit tests (plain, ASan+UBSan), host subcommand tests (plain, valgrind),
# a fuzzing smoke round, the QEMU scenarios. Ends with "N passed, N failed".
test: $(UNIT_BINS) $(FUZZ_BINS) $(BUILD)/bek-unlock
	tests/run.sh

clean:
	rm -rf $(BUILD)
