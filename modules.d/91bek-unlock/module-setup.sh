#!/bin/bash
# dracut module "bek-unlock": installs the bek-unlock binary and its systemd unit.
# It installs no key file and reads none: keys are only ever read at boot, from the
# BEK disk.

# The binary to install; the QEMU harness points this at the build tree.
bek_unlock_bin() {
    echo "${BEK_UNLOCK_BIN:-/usr/sbin/bek-unlock}"
}

check() {
    require_binaries "$(bek_unlock_bin)" || return 1
    # Only when asked for: dracut.conf.d/91-bek-unlock.conf or --add bek-unlock.
    return 255
}

depends() {
    echo crypt systemd
}

installkernel() {
    # The BEK disk is VFAT; mount(2) loads the codepage and the IO charset on demand.
    # The kernel's default charset differs between distributions (Debian's cloud
    # kernel: ascii), so all the usual ones are installed.
    hostonly='' instmods vfat nls_cp437 nls_ascii nls_iso8859-1 nls_utf8 dm_crypt
}

install() {
    inst_binary "$(bek_unlock_bin)" /usr/sbin/bek-unlock
    inst_simple "$moddir/bek-unlock.service" "$systemdsystemunitdir/bek-unlock.service"
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target bek-unlock.service
}
