#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bek-unlock in a dracut initramfs without systemd, under QEMU, two boots at a time.

  qemu/nosd_scenarios.py                      all scenarios
  qemu/nosd_scenarios.py nosd-a nosd-d        a subset, by name
  qemu/nosd_scenarios.py --list               names and descriptions

The same disks and checks as qemu/scenarios.py and qemu/ade_scenarios.py (their scenarios
are taken by name), booted with the images of qemu/nosd.mk: dracut's crypt, dm, lvm,
rootfs-block, udev-rules, base, fs-lib and bek-unlock, no systemd. The prompt is dracut's
cryptroot-ask (cryptsetup's "Enter passphrase for /dev/..."). On top of each scenario's own
checks: a prompt comes at most once (never a second prompt for a volume already open), and
dracut's emergency shell never starts. Plus a LUKS root on an LVM logical volume: the lvm
initqueue job must run while bek-unlock waits (no deadlock).
"""
import argparse
import copy
import json
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ade_scenarios as ade  # noqa: E402
import scenarios as sc  # noqa: E402

NOSD = sc.B + "/nosd"
# dracut's emergency shell (rd.shell=0 rd.emergency=poweroff: it powers off instead), or the
# initqueue giving up.
EMERGENCY = ("Could not boot", "Entering emergency mode", "emergency shell", "Dropping to debug shell")


def console(r):
    return sc.boot.ANSI.sub(b"", open(r["log"], "rb").read()).decode("utf-8", "replace")


NO_EMERGENCY = ("no emergency shell", lambda r: not any(t in console(r) for t in EMERGENCY))
AT_MOST_ONE_PROMPT = ("at most one prompt", lambda r: r["typed"] <= 1 and
                      console(r).count("Enter passphrase for /dev/") <= 1)
# The dracut hook's line when it starts bek-unlock (boot.UNIT_START matches it: transcript kind
# "unit", as systemd's "Starting bek-unlock.service" in the systemd image).
STARTED = ("dracut started bek-unlock in the background",
           lambda r: "dracut: Starting bek-unlock in the background" in console(r))


class LabelScenario(sc.Scenario):
    """root=/dev/mapper/osencrypt: the crypttab's name, not luks-UUID."""

    def argv(self, initrds):
        return [a.replace("root=/dev/mapper/luks-%s" % sc.ids()["uuid"], "root=/dev/mapper/osencrypt")
                for a in super().argv(initrds)]


def nosd(s, name=None, checks=None, **changes):
    """A copy of scenario s in the image without systemd."""
    n = copy.copy(s)
    n.name = name or "nosd-" + s.name
    n.checks = list(checks if checks is not None else s.checks) + [STARTED, NO_EMERGENCY, AT_MOST_ONE_PROMPT]
    for k, v in changes.items():
        setattr(n, k, v)
    return n


def scenarios():
    by = {s.name: s for s in sc.SCENARIOS}
    ids = sc.ids()
    out = [nosd(by[n], initrd="nosd") for n in ("a", "c", "d")]
    # Without systemd, dracut's parse-crypt reads rd.luks.name= only next to rd.luks.uuid=.
    e = by["e"]
    out.append(nosd(e, initrd="nosd", args=e.args + ["rd.luks.uuid={uuid}"]))
    out += [nosd(by[n], initrd="nosd") for n in ("g", "kf-missing", "two-vol", "bus-nvme-scsi", "bus-ide")]
    # LUKS root on an LVM logical volume (qemu/nosd-images.sh): it appears only after dracut's
    # lvm_scan initqueue job; unlocked well before rd.bek.timeout (30 s): nothing waited for it.
    lvname = open(NOSD + "/images/lvm-luks.name").read().strip() if os.path.exists(
        NOSD + "/images/lvm-luks.name") else "bekvg-lukslv"
    out.append(sc.Scenario(
        "nosd-lvm-luks", "LUKS root (token) on an LVM logical volume: lvm job runs meanwhile, unlocked, no prompt",
        "../nosd/images/lvm-luks.img", ["bek-good.img"], initrd="nosd",
        checks=[sc.line_re(r"unlocked /dev/\S+ as luks-%s in \d+ ms" % ids["uuid"]),
                sc.gap("[vda]", "unlocked /dev/", 0, 25),
                sc.dm(lvname, "luks-{uuid}"), sc.NO_PROMPT] + sc.REACHED
        + [STARTED, NO_EMERGENCY, AT_MOST_ONE_PROMPT]))
    # rd.retry shorter than rd.bek.timeout: the wait does not count towards rd.retry (the
    # settled hook resets the initqueue's counter while bek-unlock runs): prompt, typed, root.
    out.append(sc.Scenario(
        "nosd-retry", "BEK disk absent, rd.bek.timeout=15 > rd.retry=4: no emergency shell, prompt after 15 s, typed",
        "root-token.img", [], ["rd.bek.timeout=15", "rd.retry=4"], typed=True, initrd="nosd",
        checks=sc.gave_up(15, since=sc.boot.UNIT_START) + [sc.PROMPT] + sc.REACHED + [STARTED, NO_EMERGENCY, AT_MOST_ONE_PROMPT]))
    # An ADE crypttab whose source is LABEL= (a LUKS2 label): named by no rd.luks.* option,
    # so only bek-unlock's settled hook queues its prompt once bek-unlock has ended (BEK disk
    # absent here); it maps LABEL= to /dev/disk/by-label/ as dracut does. rd.retry=6: a
    # prompt never queued ends in the emergency shell soon after bek-unlock gives up.
    out.append(LabelScenario(
        "nosd-label", "ADE crypttab source LABEL=bekroot, BEK disk absent, rd.bek.timeout=5: "
        "cryptroot-ask prompts for osencrypt, typed",
        "../nosd/images/root-label.img", [], ["rd.bek.timeout=5", "rd.retry=6"], typed=True,
        luks="none", initrd="ade-label", cpu=sc.NO_AES,
        checks=sc.gave_up(5) + [sc.PROMPT, sc.dm("osencrypt")] + sc.REACHED + [STARTED, NO_EMERGENCY, AT_MOST_ONE_PROMPT]))
    # ADE layouts: the volume is named only by the image's crypttab.
    adeids = json.load(open(ade.IMG + "ids.json")) if os.path.exists(ade.IMG + "ids.json") else None
    if adeids:
        by_ade = {s.name: s for s in ade.scenarios(adeids)}
        for n in ("ade-a", "ade-b", "ade-p", "ade-f", "ade-g"):
            s = by_ade[n]
            # systemd's "[FAILED]" units do not exist here; the rest of the checks stand.
            checks = [c for c in s.checks if c is not ade.NO_FAILED]
            n = nosd(s, checks=checks, initrd="ade-" + s.initrd)
            n.desc = n.desc.replace("systemd prompts", "cryptroot-ask prompts")
            out.append(n)
    # The image's /etc/crypttab names the volume (qemu/scenarios.py's WithCrypttab rows):
    # dracut's cryptroot-ask would open it under that name, and so must bek-unlock.
    out += [nosd(by[n], initrd="nosd", checks=[c for c in by[n].checks if c is not sc.NO_FAILED_UNIT])
            for n in ("ct-name", "ct-refused")]
    # An entry that names a device path, not a UUID: cryptroot-ask matches it by device
    # (systemd's generator, given rd.luks.uuid=, would not: a row for this world only).
    out.append(sc.WithCrypttab(
        "nosd-ct-path", "image's /etc/crypttab names the token volume by device (/dev/vda) cryptroot: "
        "opened as cryptroot, discards in the table", "root-token.img", ["bek-good.img"],
        ["rd.luks.uuid=luks-{uuid}"], luks="none", initrd="nosd", crypttab="cryptroot /dev/vda none luks,discard",
        checks=[sc.line("unlocked /dev/vda as cryptroot "), sc.dm("cryptroot"), sc.table_flags("cryptroot", "allow_discards"),
                sc.NO_PROMPT] + sc.REACHED + [STARTED, NO_EMERGENCY, AT_MOST_ONE_PROMPT]))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="scenario names (default: all)")
    p.add_argument("--dir", default=NOSD, help="holds initrd-nosd.img, initrd-ade-{a,b,label}.img")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    selected = scenarios()
    if a.list:
        return sc.list_rows(selected, 16)
    selected = sc.select(p, a.names, selected)
    os.makedirs(sc.B + "/logs", exist_ok=True)
    os.makedirs(ade.ADE + "/logs", exist_ok=True)
    initrds = {"nosd": a.dir + "/initrd-nosd.img",
               "ade-a": a.dir + "/initrd-ade-a.img", "ade-b": a.dir + "/initrd-ade-b.img",
               "ade-label": a.dir + "/initrd-ade-label.img"}
    for name, path in initrds.items():
        if not os.path.exists(path):     # every scenario booting it fails (QEMU cannot start)
            print("nosd: missing initramfs %s (%s)" % (path, name), flush=True)
    return 0 if sc.run(selected, initrds) else 1


if __name__ == "__main__":
    sys.exit(main())
