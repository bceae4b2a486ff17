# Unit tests (cmocka) for the pure logic, built twice: plain and with ASan+UBSan.
UNIT_TESTS := cmdline token plan crypttab recover beneath disks bekfs kcipher
unit_src_cmdline := src/cmdline.c src/keyname.c
unit_src_token   := src/token.c src/keyname.c
unit_src_plan    := src/plan.c src/cmdline.c src/keyname.c src/crypttab.c
unit_src_crypttab := src/crypttab.c src/cmdline.c src/keyname.c
unit_src_recover  := src/b64url.c src/kvsecret.c src/keyname.c
unit_src_beneath  := src/beneath.c
unit_src_disks    := src/disks.c
unit_src_kcipher  := src/kcipher.c
# I/O on loop devices (root, ext4): the device-number check and the VFAT-only rule.
unit_src_bekfs    := src/bekfs.c src/beneath.c src/log.c src/timing.c src/secret.c
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%) $(UNIT_TESTS:%=$(BUILD)/tests-san/test_%)

.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/test_%.c $$(unit_src_$$*) $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(unit_src_$*) -lcmocka $(PKG_LIBS)

$(BUILD)/tests-san/test_%: tests/test_%.c $$(unit_src_$$*) $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN_FLAGS) $(PKG_CFLAGS) -o $@ $< $(unit_src_$*) -lcmocka $(PKG_LIBS)

unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc
