# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package end to end, included by the top Makefile after qemu/qemu.mk and
# qemu/itools.mk (kernel, demo disks, the initramfs-tools build root).
#   make package-test         builds the .deb (make deb, with lintian), installs it with dpkg
#                             into two throwaway Debian 12 roots (initramfs-tools: the
#                             itools-test root; dracut: $(PKGTEST_ROOT_DRACUT)), where the
#                             package's update-initramfs trigger has each root's own tool
#                             build an image for the test kernel; purges it again (the image
#                             must still build, without it); checks the file list, then boots
#                             both images against the demo disks, one at a time; and, in the
#                             dracut root without cryptsetup, that dracut still builds an
#                             image and apt pulls cryptsetup-bin in (qemu/pkgtest.sh,
#                             qemu/pkgtest_scenarios.py)
#   make package-test PKGTEST_DEB=FILE      the same with another .deb (no make deb)
#   make package-test-nohook  the provoked failure: the .deb without its hook and module
#                             (qemu/pkgtest-nohook.sh); pkg-files and both boots must FAIL
PKGTEST_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
PKGTEST_BUILT := $(BUILD)/deb/bek-unlock_$(VERSION)_$(PKGTEST_ARCH).deb
PKGTEST_DEB ?= $(PKGTEST_BUILT)
PKGTEST_DIR ?= $(QEMU_DIR)/pkgtest
PKGTEST_ROOT_DRACUT := $(QEMU_DIR)/pkgtest-root-dracut
PKGTEST_PKGS_DRACUT := dracut,cryptsetup,systemd,udev,kmod,zstd

.PHONY: package-test package-test-roots package-test-nohook

package-test-roots: $(ITOOLS_ROOT)/.versions $(PKGTEST_ROOT_DRACUT)/.versions

$(PKGTEST_ROOT_DRACUT)/.versions: qemu/pkgtest-root.sh | $(BUILD)/.deps
	qemu/pkgtest-root.sh $(PKGTEST_ROOT_DRACUT) $(PKGTEST_PKGS_DRACUT)

# The install steps never stop the recipe: what they did not do, the rows report
# (each ends with its closing "N passed, N failed" line for tests/run.sh).
package-test: $(if $(filter $(PKGTEST_BUILT),$(PKGTEST_DEB)),deb) $(QEMU_IMAGES) $(QEMU_KVER) \
        $(ITOOLS_ROOT)/.versions $(PKGTEST_ROOT_DRACUT)/.versions
	-qemu/pkgtest.sh itools $(ITOOLS_ROOT) $(PKGTEST_DEB) $(QEMU_DIR)/kernel $(QEMU_DIR)/images/uuid $(PKGTEST_DIR)
	-qemu/pkgtest.sh dracut $(PKGTEST_ROOT_DRACUT) $(PKGTEST_DEB) $(QEMU_DIR)/kernel $(QEMU_DIR)/images/uuid $(PKGTEST_DIR)
	-qemu/pkgtest.sh dracut-nocs $(PKGTEST_ROOT_DRACUT) $(PKGTEST_DEB) $(QEMU_DIR)/kernel $(QEMU_DIR)/images/uuid $(PKGTEST_DIR)
	$(QEMU_PY) qemu/pkgtest_scenarios.py --deb $(PKGTEST_DEB) --dir $(PKGTEST_DIR)

package-test-nohook: deb
	qemu/pkgtest-nohook.sh $(PKGTEST_BUILT) $(BUILD)/deb/nohook
	$(MAKE) --no-print-directory package-test PKGTEST_DEB=$(BUILD)/deb/nohook/$(notdir $(PKGTEST_BUILT)) \
	    PKGTEST_DIR=$(QEMU_DIR)/pkgtest-nohook
