# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests (cmocka) for the pure logic, built twice: plain and with ASan+UBSan.
UNIT_TESTS := cmdline token plan crypttab recover recover_args beneath disks bekfs kcipher modlist deadline wait decrypt_rules recovered askfile
# The boot-configuration edits after decryption (bek-unlock decrypt).
UNIT_TESTS += adeconfig
unit_src_cmdline := src/cmdline.c src/keyname.c
unit_src_token   := src/token.c src/keyname.c
unit_src_plan    := src/plan.c src/cmdline.c src/keyname.c src/crypttab.c
unit_src_crypttab := src/crypttab.c src/cmdline.c src/keyname.c
unit_src_recover  := src/b64url.c src/kvdoc.c src/kvsecret.c src/kvpassphrase.c src/keyname.c
unit_src_recover_args := src/recover_args.c src/keyname.c
unit_src_beneath  := src/beneath.c
unit_src_disks    := src/disks.c
unit_src_kcipher  := src/kcipher.c
unit_src_modlist  := src/modlist.c
# systemd's password-agent question files (bek-unlock boot --answer-prompts).
unit_src_askfile  := src/askfile.c
unit_src_decrypt_rules := src/decrypt_rules.c
# The boot's recovered header copy: what may replace a header (files made by libcryptsetup).
unit_src_recovered := src/recovered.c src/fileio.c
# I/O on loop devices (root, ext4): the device-number check and the VFAT-only rule.
unit_src_bekfs    := src/bekfs.c src/beneath.c src/log.c src/timing.c src/secret.c src/deadline.c
# The deadline's parent and worker, with device-mapper, libcryptsetup and fork faked.
unit_src_deadline := src/deadline.c src/log.c src/timing.c
unit_ld_deadline  := -Wl,--wrap=crypt_status,--wrap=dm_task_create,--wrap=dm_task_set_name,--wrap=dm_task_destroy \
                     -Wl,--wrap=dm_task_run,--wrap=dm_task_get_info,--wrap=fork
# The wait for block devices: its one rule for what it reads, udev's queue unavailable.
unit_src_wait     := src/wait.c src/uevent.c src/probe.c src/cmdline.c src/keyname.c src/log.c src/timing.c src/deadline.c
unit_ld_wait      := -Wl,--wrap=udev_queue_new
unit_src_adeconfig := src/adeconfig_text.c src/adeconfig_edit.c src/adeconfig_cmdline.c src/adeconfig_lvm.c
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%) $(UNIT_TESTS:%=$(BUILD)/tests-san/test_%)

.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/test_%.c $$(unit_src_$$*) $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(unit_src_$*) $(unit_ld_$*) -lcmocka $(PKG_LIBS)

$(BUILD)/tests-san/test_%: tests/test_%.c $$(unit_src_$$*) $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN_FLAGS) $(PKG_CFLAGS) -o $@ $< $(unit_src_$*) $(unit_ld_$*) -lcmocka $(PKG_LIBS)

unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc

# The boot-configuration change run on throwaway Debian roots (tests/adeconfig.sh), through
# this driver of the functions bek-unlock decrypt calls.
ADECONFIG_DRV := $(BUILD)/tests/adeconfig_drv
$(ADECONFIG_DRV): tests/adeconfig_drv.c $(CONFIG_SRC) src/log.c src/timing.c $(wildcard src/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(CONFIG_SRC) src/log.c src/timing.c $(PKG_LIBS)
