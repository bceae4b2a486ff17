#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2154   # initdir, moddir, systemdsystemunitdir, hostonly...: dracut's
# dracut module "bek-unlock": installs the bek-unlock binary and the glue that runs it at
# boot: in a systemd initramfs its unit (bek-unlock.service), in a dracut initramfs without
# systemd its hooks (bek-unlock-*.sh: started in the background by the initqueue, and a
# cryptroot-ask wrapper that defers dracut's prompt until it has ended). It installs no
# key file and reads none: keys are only ever read at boot, from the BEK disk.

# The binary to install, and the glue library shared with initramfs-tools (sourced here,
# installed into the image at the same path); the QEMU harness points them at the build
# tree.
bek_unlock_bin() {
    echo "${BEK_UNLOCK_BIN:-/usr/sbin/bek-unlock}"
}
bek_unlock_glue() {
    echo "${BEK_UNLOCK_GLUE:-/usr/lib/bek-unlock/bek-unlock-glue.sh}"
}
# shellcheck source=hook/lib/bek-unlock-glue.sh
[[ -r $(bek_unlock_glue) ]] && . "$(bek_unlock_glue)"

check() {
    require_binaries "$(bek_unlock_bin)" || return 1
    if [[ ! -r $(bek_unlock_glue) ]]; then
        derror "bek-unlock: $(bek_unlock_glue) not found"
        return 1
    fi
    # Only when asked for: dracut.conf.d/91-bek-unlock.conf or --add bek-unlock.
    return 255
}

# crypt only: the image may or may not include systemd, install() adapts to it.
depends() {
    echo crypt
}

# Is this image a systemd one? dracut_module_included exists since dracut 0.3x; older
# or unusual releases: the module lists themselves.
bek_systemd() {
    if declare -F dracut_module_included > /dev/null; then
        dracut_module_included systemd
    else
        # shellcheck disable=SC2154   # dracut's
        [[ " $mods_to_load $modules_loaded " == *" systemd "* ]]
    fi
}

# Kernel modules the unlock path needs: VFAT with the codepage and charset bek-unlock
# mounts it with (codepage=437,iocharset=ascii, on every kernel), dm-crypt with the XTS
# template (and ECB, its soft dependency), and the crypto user interface (crypto_user)
# through which bek-unlock builds the volume's kernel cipher ahead of dm-crypt's table
# load without module requests (src/kcrypto.h: without it, dm-crypt building xts(aes)
# from templates asks modprobe for seven modules that do not exist, 0.7 s under TCG, and
# an AES-NI CPU's module cannot be loaded first). The kernel would load them on demand,
# one modprobe at a time, just after the BEK disk appears (measured: the first VFAT mount
# took ~0.4 s under TCG). bek-unlock itself loads them, with one modprobe in the
# background (src/preload.h), as soon as the boot turns out to be a BEK boot (an ADE
# crypttab entry, rd.bek.*, a bek token, a BEK disk): a host without a BEK disk whose
# volumes are not bek-unlock's loads none of them (systemd-modules-load loading them on
# every boot delayed udevd's start there by 0.1-0.8 s under TCG). Not aesni_intel: udev
# loads it for the CPU (its self-tests take 2.2 s under TCG; loaded before udev starts,
# the BEK disk appeared 1.18x later than stock's). Nor algif_skcipher (AF_ALG):
# libcryptsetup's libgcrypt backend decrypts an AES keyslot itself and only asks the
# kernel for a cipher libgcrypt lacks; the module is in the image for that, loaded on
# demand.
BEK_PRELOAD="vfat nls_cp437 nls_ascii dm_crypt xts crypto_user"

installkernel() {
    # The other charsets stay for a BEK disk mounted by hand, whatever the kernel's default.
    # shellcheck disable=SC2086
    hostonly='' instmods $BEK_PRELOAD algif_skcipher nls_iso8859-1 nls_utf8
}

# /boot is not mounted in the initramfs, so systemd-cryptsetup (or dracut's cryptroot-ask,
# without systemd) cannot read header=/boot/...:
# point the image's /etc/crypttab entry (written by dracut's crypt module, or added here)
# at the copy, which bek-unlock refreshes from /boot at boot before it steps aside.
# Without systemd, dracut's cryptroot-ask finds the entry of the device it is given only
# by luks-UUID or by path (not LABEL=): the entry names the device by the path the
# settled hook gives it (bek-unlock-hold.sh, the same bek_glue_source_dev).
bek_point_crypttab_at_copy() {
    local name=$1 dev=$2 key=$3 opts=$4 ct="$initdir/etc/crypttab"
    opts=$(bek_glue_opts_drop "$opts" 'header=*' 'x-bek-*')
    opts="${opts:+$opts,}header=/etc/bek-unlock/headers/$name"
    bek_systemd || dev=$(bek_glue_source_dev "$dev")
    if [[ -f $ct ]]; then
        awk -v n="$name" '$1 != n' "$ct" > "$ct.bek" && mv "$ct.bek" "$ct"
    fi
    echo "$name $dev $key $opts" >> "$ct"
}

# bek_glue_carry_ade's callbacks (the glue library), in dracut's idioms.
bek_glue_cb_header() {
    inst_simple "$1" "$2"
}
bek_glue_cb_modules() {
    hostonly='' instmods "$@"
}
bek_glue_cb_carry() {
    local name=$1 dev=$2 key=$3 opts=$4 copy=$5
    [[ $copy ]] && bek_point_crypttab_at_copy "$name" "$dev" "$key" "$opts"
    mkdir -p "$initdir/etc/bek-unlock"
    echo "$name $dev $key $opts" >> "$initdir/etc/bek-unlock/crypttab"
    dinfo "bek-unlock: carrying crypttab entry $name"
}
bek_glue_cb_warn() {
    dwarn "$1"
}

# Azure Disk Encryption: carry the crypttab entries whose key is on the BEK disk (the
# volumes root needs) into /etc/bek-unlock/crypttab, each detached header as a fallback
# copy, and where that header lives (filesystem UUID and path), so that boot reads the
# current header from /boot (the glue library's bek_glue_carry_ade, shared with
# initramfs-tools). Never a key: the key field only names a file on the BEK disk.
# BEK_UNLOCK_CRYPTTAB and BEK_UNLOCK_SYSROOT (where header= paths are found) let tests
# describe another machine; such entries are all taken.
bek_install_crypttab() {
    local src="${BEK_UNLOCK_CRYPTTAB:-$dracutsysrootdir/etc/crypttab}"
    [[ -f $src ]] || return 0
    if [[ -z $BEK_UNLOCK_CRYPTTAB && -z $hostonly ]]; then
        dinfo "bek-unlock: not hostonly, /etc/crypttab not carried"
        return 0
    fi
    bek_glue_carry_ade "$src" "${BEK_UNLOCK_SYSROOT:-$dracutsysrootdir}" "$([[ $BEK_UNLOCK_CRYPTTAB ]] && echo 1)"
}

# systemd: the unit, wanted by sysinit.target. $SYSTEMCTL is not exported by every dracut
# release: without it, the .wants link that "systemctl add-wants" would make.
bek_install_systemd() {
    inst_simple "$moddir/bek-unlock.service" "$systemdsystemunitdir/bek-unlock.service"
    if [[ $SYSTEMCTL ]]; then
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target bek-unlock.service
    else
        mkdir -p "$initdir$systemdsystemunitdir/sysinit.target.wants"
        ln -sfn ../bek-unlock.service "$initdir$systemdsystemunitdir/sysinit.target.wants/bek-unlock.service"
    fi
}

# When bek-unlock steps aside, systemd-cryptsetup prompts: dracut up to 059 installs it
# with its crypt module, dracut-ng (106, Debian 13) in a module of its own,
# systemd-cryptsetup, which a module list can leave out; such an image has no prompt at
# all (seen in trixie-d: "Unit systemd-cryptsetup@....service not found"). Said at build
# time, not found at boot. (Installed before this module: 01 and 90 come before 91.)
bek_check_prompt() {
    [[ -x $initdir${systemdutildir:-/usr/lib/systemd}/systemd-cryptsetup ]] && return 0
    dwarn "bek-unlock: this image has no systemd-cryptsetup (dracut-ng: add the systemd-cryptsetup module): when bek-unlock cannot unlock a volume, nothing will ask for its passphrase"
}

# Without systemd: the initqueue hooks, and the cryptroot-ask wrapper in front of dracut's
# own (installed by 90crypt, which dracut installs before this module).
bek_install_dracut() {
    inst_hook pre-trigger 91 "$moddir/bek-unlock-start.sh"
    inst_hook initqueue 00 "$moddir/bek-unlock-job.sh"
    inst_hook initqueue/settled 00 "$moddir/bek-unlock-hold.sh"
    inst_hook initqueue/finished 91 "$moddir/bek-unlock-finished.sh"
    # The settled hook waits on bek-unlock's lock with it (99base installs it too).
    inst_multiple -o flock
    if [[ -f $initdir/sbin/cryptroot-ask ]] && [[ ! -e $initdir/sbin/cryptroot-ask.dracut ]]; then
        mv "$initdir/sbin/cryptroot-ask" "$initdir/sbin/cryptroot-ask.dracut"
        inst_script "$moddir/cryptroot-ask-bek.sh" /sbin/cryptroot-ask
    elif [[ ! -e $initdir/sbin/cryptroot-ask.dracut ]]; then
        dwarn "bek-unlock: no /sbin/cryptroot-ask in the image: nothing to defer"
    fi
    dracut_need_initqueue
}

install() {
    bek_install_crypttab
    inst_binary "$(bek_unlock_bin)" /usr/sbin/bek-unlock
    inst_simple "$(bek_unlock_glue)" "$BEK_GLUE_PATH"
    mkdir -p "$initdir/etc/bek-unlock"
    # shellcheck disable=SC2086
    printf '%s\n' $BEK_PRELOAD > "$initdir/etc/bek-unlock/preload"
    if bek_systemd; then
        bek_install_systemd
        bek_check_prompt
    else
        bek_install_dracut
    fi
}
