# SPDX-License-Identifier: GPL-2.0-or-later
# static.mk: a statically linked bek-unlock (glibc -static), included by the top Makefile.
#
# Debian 12 ships static archives for libblkid, libuuid, json-c, libgcrypt, libgpg-error and
# libargon2, not for libcryptsetup, libdevmapper and libudev: tools/static-deps.sh builds
# those three from Debian's own source packages into $(STATIC_PREFIX), and libgcrypt (only
# the algorithms LUKS needs), libgpg-error, libblkid and libuuid too, all with sections
# --gc-sections can drop (issue 14: the binary's size; doc/binary-size.md). First run
# about 4 min of wall time on 2 idle cores; then about 2 s; the Debian source versions used
# are in $(STATIC_DIR)/VERSIONS. json-c and libargon2 are Debian's archives.
#
# Uses from the including Makefile (define them before `include static.mk`):
#   BUILD, SRC, CC, CPPFLAGS, WARN, CFLAGS, HARDEN_CFLAGS, HARDEN_LDFLAGS, LDFLAGS.
#
#   make static        -> $(STATIC_BIN), a fully static executable
#   make static-deps   -> only the static libraries ($(STATIC_STAMP))

BUILD         ?= build
STATIC_DIR    := $(BUILD)/static
STATIC_PREFIX := $(abspath $(STATIC_DIR))/prefix
STATIC_STAMP  := $(STATIC_DIR)/.done
STATIC_BIN    := $(STATIC_DIR)/bek-unlock
STATIC_JOBS   ?= 2

# The prefix's headers (libcryptsetup.h, libudev.h, libdevmapper.h) before the system's;
# <json-c/json.h> and <blkid/blkid.h> come from /usr/include. Our objects as the libraries
# static-deps.sh builds: sections --gc-sections can drop, no .eh_frame (see LIB_CFLAGS there).
# Our objects -Os (after CFLAGS, so it wins): nothing of ours is on a hot path (the key
# derivation and the crypto are libgcrypt's and the kernel's), and the binary has a 2 MiB
# budget (tests/size.sh). gcc's -Wformat-truncation analysis differs at -Os and warns
# about the deliberately truncated failure reasons of why.h: it is off here only, and
# still checked (at -O2, -Werror) by the shared build that make test builds too.
STATIC_CFLAGS := -I$(STATIC_PREFIX)/include -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
STATIC_OPT    := -Os -Wno-format-truncation

# Link order: each archive before the ones it needs.
#   libcryptsetup -> devmapper, json-c, gcrypt, argon2, blkid, uuid
#   libdevmapper  -> udev (udev sync), libm
#   libgcrypt     -> gpg-error
# glibc 2.36 has pthread, rt and dl inside libc, so -lpthread/-lrt/-ldl are not needed;
# -lm is (nearbyint in libdevmapper). --gc-sections drops unused code (`make size` shows
# what is left of each library; 4.3 -> 3.6 MB stripped with Debian's own archives, 2.0 MB
# with the ones static-deps.sh builds now).
# --wrap: json-c's hash seed comes from src/seed.c, which never waits for the kernel's RNG.
# -static-pie: a static executable loaded at a random address, which relocates itself
# (glibc's _dl_relocate_static_pie). -z pack-relative-relocs: its relative relocations as
# DT_RELR (a bitmap, ~1 KB) instead of 24-byte RELA entries (~100 KB); glibc 2.36's
# self-relocation applies them before anything runs, then RELRO makes them read-only.
# Every archive must be position-independent: Debian's
# gcc compiles -fPIE by default (the ones static-deps.sh builds and Debian's own .a), and
# a non-PIC object would fail the link (R_X86_64_32 against a symbol), not the binary.
STATIC_LIBS := -static-pie -Wl,-z,pack-relative-relocs -Wl,--gc-sections -Wl,--wrap=json_c_get_random_seed \
	$(STATIC_PREFIX)/lib/libcryptsetup.a \
	$(STATIC_PREFIX)/lib/libdevmapper.a \
	$(STATIC_PREFIX)/lib/libudev.a \
	$(STATIC_PREFIX)/lib/libblkid.a $(STATIC_PREFIX)/lib/libuuid.a -ljson-c \
	$(STATIC_PREFIX)/lib/libgcrypt.a $(STATIC_PREFIX)/lib/libgpg-error.a -largon2 -lm

STATIC_OBJ := $(SRC:src/%.c=$(STATIC_DIR)/obj/%.o) $(STATIC_DIR)/obj/seed.o

.PHONY: static static-deps
static: $(STATIC_BIN)
static-deps: $(STATIC_STAMP)

$(STATIC_STAMP): tools/static-deps.sh $(wildcard tools/patches/*.patch)
	JOBS=$(STATIC_JOBS) tools/static-deps.sh $(STATIC_DIR)
	touch $@

$(STATIC_DIR)/obj/%.o: src/%.c $(wildcard src/*.h) static.mk | $(STATIC_STAMP)
	@mkdir -p $(@D)
	$(CC) $(STATIC_CFLAGS) $(CPPFLAGS) $(WARN) $(CFLAGS) $(STATIC_OPT) $(HARDEN_CFLAGS) -c -o $@ $<

# Expected linker warnings: 'Using getpwnam/getpwuid/getgrnam/getgrgid(_r) in statically
# linked applications requires at runtime the shared libraries from the glibc version used
# for linking', from libudev.a (systemd's user-util.c). After --gc-sections they are reached
# only from systemd's log_unsafe_transition() (an error message of chase_symlinks(CHASE_SAFE)):
# bek-unlock never reaches it, and NSS would at worst return "not found" there.
# The link map (-Map) is what `make size` reads: the bytes each library adds.
$(STATIC_BIN): $(STATIC_OBJ) $(STATIC_STAMP)
	$(CC) $(CFLAGS) $(HARDEN_LDFLAGS) $(LDFLAGS) -o $@ $(STATIC_OBJ) $(STATIC_LIBS) -Wl,-Map=$@.map

# make size: per library, the bytes it adds to the static binary (tools/sizemap.py on the link
# map), then the stripped size against its budget (tests/size.sh, also run by tests/run.sh).
.PHONY: size
size: $(STATIC_BIN)
	@python3 tools/sizemap.py $(STATIC_BIN).map
	@tests/size.sh $(STATIC_BIN)

# Host timings of the key derivations, against the same static libraries (tools/kdfbench.c).
KDFBENCH := $(STATIC_DIR)/kdfbench
.PHONY: kdfbench
kdfbench: $(KDFBENCH)
$(KDFBENCH): tools/kdfbench.c $(STATIC_DIR)/obj/seed.o $(STATIC_STAMP)
	$(CC) $(STATIC_CFLAGS) $(CPPFLAGS) $(WARN) $(CFLAGS) $(HARDEN_CFLAGS) $(HARDEN_LDFLAGS) $(LDFLAGS) \
		-o $@ $< $(STATIC_DIR)/obj/seed.o $(STATIC_LIBS)
