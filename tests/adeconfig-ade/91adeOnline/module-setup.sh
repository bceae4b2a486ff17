#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Test stand-in for ADE's RHEL 8+ dracut module 91adeOnline (Azure/azure-linux-extensions,
# VMEncryption/main/oscrypto/91adeOnline), written from its behaviour, not copied: no
# check() (so every image carries it), depends on crypt and systemd, a cmdline hook that
# reads rd.luks.ade.partuuid=/rd.luks.ade.bootuuid= and a generator script.
depends() {
    echo crypt systemd
    return 0
}
install() {
    inst_hook cmdline 30 "$moddir/parse-crypt-ade.sh"
    inst_script "$moddir/crypt-run-generator-ade.sh" /sbin/crypt-run-generator-ade
}
