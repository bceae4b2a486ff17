#!/bin/sh
# pre-trigger hook (bek-unlock, dracut without systemd): udevd runs, coldplug is next.
# Marks bek-unlock as to be started (the initqueue's first pass starts it: only after the
# coldplug has been triggered and has settled does "udev has settled" mean that a device
# is not there) and loads the unlock path's kernel modules in the background, while udev
# coldplugs (what systemd-modules-load does with the same list in a systemd image).
mkdir -p /run/bek-unlock
: > /run/bek-unlock/pending
if [ -r /etc/modules-load.d/bek-unlock.conf ]; then
    # shellcheck disable=SC2046   # one module name per line
    modprobe -a -q $(cat /etc/modules-load.d/bek-unlock.conf) < /dev/null > /dev/null 2>&1 &
fi
