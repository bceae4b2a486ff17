# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer targets for every parser of outside input. "make fuzz" runs each for
# FUZZ_SECONDS (default 60) on a working corpus seeded from tests/fuzz/corpus/;
# "make fuzz-smoke" is the short round the test command runs.
FUZZ_TARGETS := token cmdline keyname crypttab kvsecret kcipher adeconfig modlist uevent askfile
fuzz_src_token   := src/token.c src/keyname.c
fuzz_src_cmdline := src/cmdline.c src/keyname.c
fuzz_src_keyname := src/keyname.c
fuzz_src_crypttab := src/crypttab.c src/cmdline.c src/keyname.c
fuzz_src_kvsecret := src/b64url.c src/kvdoc.c src/kvsecret.c src/kvpassphrase.c src/keyname.c
fuzz_src_kcipher := src/kcipher.c
fuzz_src_modlist := src/modlist.c
fuzz_src_uevent := src/uevent.c
fuzz_src_askfile := src/askfile.c
fuzz_src_adeconfig := src/adeconfig_text.c src/adeconfig_edit.c src/adeconfig_cmdline.c src/adeconfig_lvm.c
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(fuzz_src_$$*) $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(PKG_CFLAGS) -o $@ $< $(fuzz_src_$*) $(PKG_LIBS)

.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
print-fuzz-targets:
	@echo $(FUZZ_TARGETS)
