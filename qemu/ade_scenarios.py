#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the Azure Disk Encryption (ADE) layouts under QEMU, two boots at a time.

  qemu/ade_scenarios.py                 all scenarios
  qemu/ade_scenarios.py ade-a ade-d     a subset, by name
  qemu/ade_scenarios.py --list          names and descriptions

The volume is named only by the image's crypttab (no rd.luks.*, no token); the disks and
crypttabs come from qemu/ade-images.sh, the initramfs images (one per layout: a, b, c) from
qemu/ade.mk.  Reporting, checks and the boot itself are qemu/scenarios.py's and qemu/boot.py's.
"""
import argparse
import json
import os
import re
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios as sc  # noqa: E402

ADE = sc.B + "/ade"
IMG = ADE + "/images/"
KEY = "LinuxPassPhraseFileName"
NAME = "osencrypt"
HEADER = "/boot/luks/osluksheader"
COPY = "%s: using the LUKS header copied into the initramfs at build time: %s" % (NAME, HEADER)


class AdeScenario(sc.Scenario):
    """disk: the GPT disk (vda); bek: the BEK disk (vdb) or None; layout: the initramfs
    (a, b or c: the crypttab built into it); root: the root= device."""

    def __init__(self, name, desc, disk, bek, layout, root, args=(), checks=(), typed=False, cpu=None):
        super().__init__(name, desc, disk, [bek] if bek else [], args=list(args),
                         checks=checks, typed=typed, initrd=layout, cpu=cpu)
        self.root_dev = root

    def path(self, disk):
        return IMG + disk

    def writable(self):
        return []

    def argv(self, initrds):
        argv = ["--initrd", initrds[self.initrd], "--deadline", str(sc.DEADLINE),
                "--prompt-grace", str(sc.PROMPT_GRACE),
                "--log", "%s/logs/%s.log" % (ADE, self.name)]
        for d in [self.root] + self.disks:
            argv += ["--disk", self.path(d)]
        for a in ["root=" + self.root_dev] + self.args:
            argv += ["--append", a]
        if self.typed:
            argv += ["--passphrase", sc.PASS0]
        if self.cpu:
            argv += ["--cpu", self.cpu]
        return argv


# ---- checks on top of scenarios.py's ----------------------------------------------------------
def unlocked(keyslot, dev="/dev/vda2"):
    """The whole unlock line: crypttab name, keyslot, key file, BEK disk, discard honoured."""
    pat = re.compile(r'unlocked %s as %s in \d+ ms \(keyslot %d, key file "%s" on /dev/vdb, '
                     r'discards allowed\)$' % (re.escape(dev), NAME, keyslot, KEY))
    return ('unlocked %s as %s (keyslot %d, discards allowed)' % (dev, NAME, keyslot),
            lambda r: any(pat.search(l) for l in r["bek_lines"]))


def dm(*names):
    """These device-mapper devices exist after switch_root (rootinit's dm= line)."""
    return ("dm=" + ",".join(names),
            lambda r: set(names) <= set((r.get("dm") or "").split(",")))


def wants(version, dev="/dev/vda2"):
    return sc.line('%s: LUKS%d volume on %s wants key file "%s" (from crypttab)'
                   % (NAME, version, dev, KEY))


def console_lines(r, text):
    """Lines of the whole console log (not only bek-unlock's) that contain text."""
    raw = sc.boot.ANSI.sub(b"", open(r["log"], "rb").read()).decode("utf-8", "replace")
    return [l for l in raw.splitlines() if text in l]


# systemd shows a unit that failed (e.g. systemd-cryptsetup@osencrypt.service) as "[FAILED]".
NO_FAILED = ('no "[FAILED]" unit', lambda r: not console_lines(r, "[FAILED]"))
FOUND = sc.line('found BEK disk /dev/vdb (vfat, label "BEK VOLUME")')


def scenarios(ids):
    read_boot = sc.line("%s: read LUKS header %s from /dev/vda1 (UUID=%s) at boot"
                        % (NAME, HEADER, ids["boot_fs_uuid"]))
    quiet = [sc.no_line("rejected"), sc.NO_PROMPT, NO_FAILED] + sc.REACHED
    differ = sc.line("%s: LUKS header %s read from /dev/vda1 (UUID=%s) at boot is not the copy's volume: "
                     "the header file on /dev/vda1 has LUKS UUID " % (NAME, HEADER, ids["boot_fs_uuid"]))
    mapper = "/dev/mapper/" + NAME
    lvm = "%s-%s" % (ids["vg"], ids["lv"])
    S = AdeScenario
    return [
        S("ade-p", "layout a, BEK disk absent, rd.bek.timeout=5: systemd prompts, typed",
          "disk-a.img", None, "a", mapper, ["rd.bek.timeout=5"], typed=True, cpu=sc.NO_AES,
          # On a guest several times slower the LUKS disk can come after the 5 s (gave_up()
          # checks that reason against the kernel's [vda] line): then no header is read.
          checks=[(read_boot[0] + " (unless the LUKS device did not appear in time)",
                   lambda r: read_boot[1](r) or any("did not appear within 5 s" in l for l in r["bek_lines"]))]
          + sc.gave_up(5) + [sc.PROMPT, NO_FAILED] + sc.REACHED),
        S("ade-a", "GPT, LUKS2 header in /boot/luks/osluksheader, root ext4 in p2",
          "disk-a.img", "bek-ade.img", "a", mapper,
          checks=[FOUND, read_boot, wants(2), unlocked(1), sc.no_line("copied"), dm(NAME)]
          + quiet),
        S("ade-b", "as a with LVM inside p2 (root %s)" % lvm,
          "disk-b.img", "bek-ade.img", "b", "/dev/mapper/" + lvm,
          checks=[read_boot, wants(2), unlocked(1), sc.no_line("copied"), dm(NAME, lvm)]
          + quiet),
        S("ade-c", "GPT, LUKS1 with its header in p2, crypttab UUID=",
          "disk-c.img", "bek-ade.img", "c", mapper,
          checks=[wants(1), unlocked(1), sc.no_line("header"), dm(NAME)] + quiet),
        S("ade-d", "layout a, header on /boot rotated after the build (keyslot 2 = new key, "
          "keyslot 1 killed), new key on the BEK disk, same initramfs",
          "disk-d.img", "bek-new.img", "a", mapper,
          checks=[read_boot, unlocked(2), sc.no_line("copied")] + quiet),
        S("ade-e", "layout a, /boot without luks/osluksheader: the initramfs copy",
          "disk-e.img", "bek-ade.img", "a", mapper,
          checks=[sc.line(COPY + " (header file not found on /dev/vda1: No such file or directory)"),
                  sc.no_line("read LUKS header"), unlocked(1)]
          + quiet),
        S("ade-e2", "layout a, p1 zeroed (no /boot filesystem): the initramfs copy",
          "disk-e2.img", "bek-ade.img", "a", mapper,
          checks=[sc.line(COPY + " (its filesystem did not appear)"), unlocked(1)] + quiet),
        # Two headers of different LUKS UUIDs (/boot's, the image's copy): the key and what it
        # maps decide, not which came first. Both open with the ADE key in f and g.
        S("ade-f", "layout a, /boot holding another volume's header (layout b's, same key): it maps "
          "no filesystem, the initramfs copy does: the copy is used",
          "disk-f.img", "bek-ade.img", "a", mapper,
          checks=[differ, sc.line("%s: using the LUKS header copied into the initramfs at build time: the key "
                                  "opens keyslot 1 and it maps ext4; the one read at boot: the key opens keyslot 1, "
                                  "but it maps no filesystem, LVM or partition table" % NAME),
                  sc.no_line("using the LUKS header read at boot"), unlocked(1)] + quiet),
        S("ade-g", "layout a's image, the volume encrypted again after the build: the stale copy maps no "
          "filesystem, /boot's header does: it is used",
          "disk-g.img", "bek-ade.img", "a", mapper,
          checks=[differ, sc.line("%s: using the LUKS header read at boot: the key opens keyslot 1 and it "
                                  "maps ext4" % NAME),
                  sc.no_line("copied into the initramfs"), unlocked(1)] + quiet),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="scenario names (default: all)")
    p.add_argument("--initrd-dir", default=ADE, help="holds initrd-a.img, initrd-b.img, initrd-c.img")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    selected = scenarios(json.load(open(IMG + "ids.json")))
    if a.list:
        return sc.list_rows(selected, 7)
    selected = sc.select(p, a.names, selected)
    os.makedirs(ADE + "/logs", exist_ok=True)
    initrds = {l: "%s/initrd-%s.img" % (a.initrd_dir, l) for l in "abc"}
    return 0 if sc.run(selected, initrds) else 1


if __name__ == "__main__":
    sys.exit(main())
