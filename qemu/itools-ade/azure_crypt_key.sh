#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Test stand-in for ADE's Ubuntu 16.04/18.04 keyscript /usr/sbin/azure_crypt_key.sh
# (Azure/azure-linux-extensions, VMEncryption/main/oscrypto/ubuntu_1604/encryptscripts),
# written from its behaviour, not copied: load vfat, wait 2 s, try partition 1 of every
# sd* disk once for LinuxPassPhraseFileName, else ask on the console. Key on stdout.
echo "azure_crypt_key.sh (stand-in): looking for the key on sd*1" >&2
modprobe vfat > /dev/null 2>&1
sleep 2
mkdir -p /tmp-keydisk-mount
for d in /sys/block/sd*; do
    [ -e "$d" ] || continue
    if mount -t vfat -r "/dev/${d##*/}1" /tmp-keydisk-mount 2> /dev/null; then
        if [ -f /tmp-keydisk-mount/LinuxPassPhraseFileName ]; then
            cat /tmp-keydisk-mount/LinuxPassPhraseFileName
            umount /tmp-keydisk-mount
            exit 0
        fi
        umount /tmp-keydisk-mount
    fi
done
echo "FAILED to find suitable passphrase file (stand-in)" >&2
printf "Try to enter your password: " >&2
read -r pass < /dev/console
printf '%s' "$pass"
