#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot initramfs-tools images (Debian 12's initramfs-tools and cryptsetup-initramfs) with
bek-unlock under QEMU, two boots at a time.

  qemu/itools_scenarios.py                 all scenarios
  qemu/itools_scenarios.py it-a it-d       a subset, by name
  qemu/itools_scenarios.py --demo          boot it-a and show the console lines that matter
  qemu/itools_scenarios.py --list          names and descriptions

The images come from qemu/itools.mk (one per crypttab: ct-root, ct-two, the Ubuntu ADE
layouts with and without ADE's own scripts); the disks from qemu/images.sh and
qemu/ade-images.sh. The volumes are named only by the image's /cryptroot/crypttab
(cryptroot, cryptdata, osencrypt): no rd.luks.* on the command line. The prompt is
cryptsetup-initramfs' askpass ("Please unlock disk NAME:"). Checks, reporting and the boot
itself are qemu/scenarios.py's and qemu/boot.py's.
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios as sc  # noqa: E402

ITOOLS = sc.B + "/itools"
ADE_IMG = sc.B + "/ade/images/"
IT_IMG = ITOOLS + "/images/"
KEY = sc.KEY
VARIANTS = ["base", "bek", "two", "ade18", "ade18-ade", "ade20", "ade20-ade", "ade20-btrfs"]
# The boot script's own line before it runs the binary (boot.py's UNIT_START matches it).
START = "Starting bek-unlock"


class ItScenario(sc.Scenario):
    """root: root= device; disks: images (IMG names, or "ade:NAME", "it:NAME")."""

    def __init__(self, name, desc, disks, root, initrd="bek", args=(), checks=(), typed=False,
                 hotplug=None, cpu=None):
        super().__init__(name, desc, None, list(disks), args=list(args), checks=checks,
                         typed=typed, initrd=initrd, hotplug=hotplug, cpu=cpu)
        self.root_dev = root

    def path(self, disk):
        if disk.startswith("ade:"):
            return ADE_IMG + disk[4:]
        if disk.startswith("it:"):
            return IT_IMG + disk[3:]
        return sc.IMG + disk

    def writable(self):
        return []

    def argv(self, initrds):
        argv = ["--initrd", initrds[self.initrd], "--deadline", str(sc.DEADLINE),
                "--prompt-grace", str(sc.PROMPT_GRACE),
                "--log", "%s/logs/%s.log" % (ITOOLS, self.name)]
        for d in self.disks:
            argv += ["--disk", self.path(d)]
        for a in ["root=" + self.root_dev] + self.args:
            argv += ["--append", a]
        if self.typed:
            argv += ["--passphrase", sc.PASS0]
        if self.cpu:
            argv += ["--cpu", self.cpu]
        if self.hotplug:
            disk, after, when, at = self.hotplug
            argv += ["--hotplug", self.path(disk), "--hotplug-after", str(after),
                     "--hotplug-at", str(at), "--hotplug-when", when]
        return argv


def console_lines(r, text):
    raw = sc.boot.ANSI.sub(b"", open(r["log"], "rb").read()).decode("utf-8", "replace")
    return [l for l in raw.splitlines() if text in l]


def console(text):
    return ('console "%s"' % text, lambda r: bool(console_lines(r, text)))


def no_console(text):
    return ('no console "%s"' % text, lambda r: not console_lines(r, text))


PROMPT_OF = lambda name: console("Please unlock disk %s" % name)  # noqa: E731
NO_SHELL = no_console("(initramfs)")
DM_ROOT = sc.dm("cryptroot")


def unlocked(dev, name, bek="/dev/vdb"):
    return sc.line_re(r"unlocked %s as %s in \d+ ms \(.* on %s" % (dev, name, bek))


def scenarios(ids):
    S = ItScenario
    ade_hdr = sc.line("osencrypt: read LUKS header /boot/luks/osluksheader from /dev/vda1 (UUID=%s) at boot"
                      % ids["boot_fs_uuid"])
    ade_ok = [sc.line('found BEK disk /dev/vdb1 (vfat, label "BEK VOLUME")'), ade_hdr,
              unlocked("/dev/vda2", "osencrypt", "/dev/vdb1"), sc.no_line("rejected"),
              sc.NO_PROMPT, NO_SHELL, sc.dm("osencrypt")] + sc.REACHED
    # The same on Azure's SCSI disks (boot.py's @scsi: sd*, in LUN order), where ADE's own
    # keyscript looks (sd*1).
    ade_hdr_sd = sc.line("osencrypt: read LUKS header /boot/luks/osluksheader from /dev/sda1 (UUID=%s) at boot"
                         % ids["boot_fs_uuid"])
    ade_ok_sd = [sc.line('found BEK disk /dev/sdb1 (vfat, label "BEK VOLUME")'), ade_hdr_sd,
                 unlocked("/dev/sda2", "osencrypt", "/dev/sdb1"), sc.no_line("rejected"),
                 sc.NO_PROMPT, NO_SHELL, sc.dm("osencrypt")] + sc.REACHED
    ade_scsi = ["ade:disk-a.img@scsi", "it:bek-ade-part.img@scsi"]
    return [
        S("it-base", "image without bek-unlock: cryptroot's askpass prompts, passphrase typed",
          ["root-notoken.img"], "/dev/mapper/cryptroot", initrd="base", typed=True,
          checks=[PROMPT_OF("cryptroot"), sc.PROMPT, DM_ROOT] + sc.REACHED),
        S("it-a", "token names the default key file; crypttab name cryptroot",
          ["root-token.img", "bek-good.img"], "/dev/mapper/cryptroot",
          checks=sc.unlocked_quietly(sc.line('found BEK disk /dev/vdb (vfat, label "BEK VOLUME")'),
                                     sc.line('cryptroot: LUKS2 volume on /dev/vda wants key file "%s" (from token 0)' % KEY),
                                     unlocked("/dev/vda", "cryptroot"), DM_ROOT, NO_SHELL)),
        S("it-c", "no token, no ADE line: the crypttab's prompted volume, BEK disk present",
          ["root-notoken.img", "bek-good.img"], "/dev/mapper/cryptroot",
          checks=sc.unlocked_quietly(sc.line('key file "%s" (from default name)' % KEY),
                                     unlocked("/dev/vda", "cryptroot"), DM_ROOT, NO_SHELL)),
        S("it-d", "BEK disk absent, rd.bek.timeout=5: bounded wait, askpass prompt, typed",
          ["root-token.img"], "/dev/mapper/cryptroot", args=["rd.bek.timeout=5"], typed=True, cpu=sc.NO_AES,
          checks=sc.gave_up(5, since=START) + [
                  PROMPT_OF("cryptroot"), sc.PROMPT, DM_ROOT, NO_SHELL] + sc.REACHED),
        S("it-e", "wrong key on the BEK disk: one rejection, askpass prompt, typed",
          ["root-token.img", "bek-wrong.img"], "/dev/mapper/cryptroot", typed=True,
          checks=sc.prompted("cryptroot: key rejected by keyslot 1") + [sc.count("rejected", 1),
                                                                          PROMPT_OF("cryptroot"), NO_SHELL]),
        S("it-g", "BEK disk hot-plugged 3 s after bek-unlock started (>= 10 s after QEMU)",
          ["root-token.img"], "/dev/mapper/cryptroot", args=["rd.bek.timeout=60"],
          hotplug=("bek-good.img", 3, START, 10),
          # vda or vdb: on a slow guest the BEK disk can be probed before the root disk.
          checks=[sc.line_re(r"unlocked /dev/vd[ab] as cryptroot "), sc.line_re(r'found BEK disk /dev/vd[ab] \(vfat'),
                  sc.within("unlocked", "hotplug", sc.HOTPLUG_UNLOCK), DM_ROOT, sc.NO_PROMPT] + sc.REACHED),
        S("it-kf-missing", "no key file on the BEK disk: reason named, askpass prompt, typed",
          ["root-token.img", "bek-nokey.img"], "/dev/mapper/cryptroot", typed=True,
          checks=sc.prompted('key file not found (key file "%s" on /dev/vdb): No such file' % KEY)
          + [PROMPT_OF("cryptroot")]),
        S("it-two-vol", "root + data volume (crypttab cryptroot, cryptdata), each its own key file",
          ["root-token.img", "data-token.img", "bek-data.img"], "/dev/mapper/cryptroot", initrd="two",
          checks=sc.unlocked_quietly(unlocked("/dev/vda", "cryptroot", "/dev/vdc"),
                                     unlocked("/dev/vdb", "cryptdata", "/dev/vdc"),
                                     sc.count("unlocked /dev/", 2), sc.dm("cryptroot", "cryptdata"))),
        S("it-ade18", "Ubuntu 18.04 ADE: keyscript=azure_crypt_key.sh crypttab, header on /boot, "
          "BEK disk = partition 1; ADE's scripts not in the image",
          ["ade:disk-a.img", "it:bek-ade-part.img"], "/dev/mapper/osencrypt", initrd="ade18",
          checks=ade_ok),
        S("it-ade18-ade", "as it-ade18 with ADE's keyscript and header hook in the image (stand-ins): "
          "bek-unlock first, the keyscript never runs",
          ["ade:disk-a.img", "it:bek-ade-part.img"], "/dev/mapper/osencrypt", initrd="ade18-ade",
          checks=ade_ok + [no_console("azure_crypt_key.sh (stand-in)")]),
        S("it-ade20", "Ubuntu 20.04+ ADE: key on the BEK disk, header on /boot, crypttab without "
          "final newline; ADE's scripts not in the image",
          ["ade:disk-a.img", "it:bek-ade-part.img"], "/dev/mapper/osencrypt", initrd="ade20",
          checks=ade_ok),
        S("it-ade20-ade", "as it-ade20 with ADE's crypt-ade-boot and hook (stand-ins): bek-unlock "
          "first, crypt-ade-boot's luksOpen finds osencrypt open, no harm",
          ["ade:disk-a.img", "it:bek-ade-part.img"], "/dev/mapper/osencrypt", initrd="ade20-ade",
          checks=ade_ok + [console("Device osencrypt already exists"),
                           console("crypt-ade-boot (stand-in): cryptsetup exited 5")]),
        S("it-ade20-btrfs", "20.04+ ADE from the build root's own crypttab, root a btrfs subvolume on "
          "osencrypt (findmnt: DEV[/@]): the entry is carried, unlocked (header copy), no prompt",
          ["ade:disk-a.img", "it:bek-ade-part.img"], "/dev/mapper/osencrypt", initrd="ade20-btrfs",
          checks=[c for c in ade_ok if c is not ade_hdr]),
        S("it-ade20-p", "20.04+ ADE, BEK disk absent, rd.bek.timeout=5: askpass prompt for osencrypt "
          "(header copy in the image), typed",
          ["ade:disk-a.img"], "/dev/mapper/osencrypt", initrd="ade20", args=["rd.bek.timeout=5"],
          typed=True, cpu=sc.NO_AES,
          checks=sc.gave_up(5) + [
                  PROMPT_OF("osencrypt"), sc.PROMPT, NO_SHELL, sc.dm("osencrypt")] + sc.REACHED),
        # Azure's disk buses (boot.py's @BUS): NVMe OS disk with the BEK disk on a SCSI LUN;
        # the BEK disk on the IDE channel (Gen1 VMs).
        S("it-bus-nvme-scsi", "root on NVMe, BEK disk (partition 1) on a SCSI LUN: unlocked, no prompt",
          ["root-token.img@nvme", "bek-part.img@scsi"], "/dev/mapper/cryptroot",
          checks=sc.unlocked_quietly(unlocked("/dev/nvme0n1", "cryptroot", "/dev/sd[a-z]+1"), DM_ROOT, NO_SHELL,
                                     dev="/dev/nvme0n1")),
        S("it-bus-ide", "root on a SCSI disk, BEK disk (partition 1) on the IDE channel: unlocked, no prompt",
          ["root-token.img@scsi", "bek-part.img@ide"], "/dev/mapper/cryptroot",
          checks=[unlocked("/dev/sd[a-z]+", "cryptroot", "/dev/sd[a-z]+1"), sc.NO_PROMPT, DM_ROOT, NO_SHELL]
          + sc.REACHED),
        # ADE's own keyscript (stand-in) scans sd*1: on SCSI disks it alone unlocks the fake
        # 18.04 layout (rd.bek=0), so the layout is faithful; with bek-unlock beside it,
        # bek-unlock unlocks first and the keyscript never runs.
        S("it-ade18-scsi-adeonly", "as it-ade18-ade on SCSI disks, rd.bek=0: ADE's keyscript alone unlocks "
          "the layout, no prompt",
          ade_scsi, "/dev/mapper/osencrypt", initrd="ade18-ade", args=["rd.bek=0"],
          checks=[console("azure_crypt_key.sh (stand-in): looking for the key on sd*1"),
                  no_console("FAILED to find suitable passphrase file"), sc.no_line("unlocked /dev/"),
                  sc.NO_PROMPT, NO_SHELL, sc.dm("osencrypt")] + sc.REACHED),
        S("it-ade18-scsi", "as it-ade18-ade on SCSI disks: bek-unlock first, ADE's keyscript never runs",
          ade_scsi, "/dev/mapper/osencrypt", initrd="ade18-ade",
          checks=ade_ok_sd + [no_console("azure_crypt_key.sh (stand-in)")]),
        S("it-clean", "host: no initramfs-tools image holds a key file or key bytes", [], "",
          checks=[("no %s* file, no *.key content" % KEY, lambda r: r["ok"])]),
        S("it-static", "host: the hook adds a static bek-unlock and no shared library", [], "",
          checks=[("static binary, no .so added", lambda r: r["ok"])]),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="scenario names (default: all)")
    p.add_argument("--initrd-dir", default=ITOOLS)
    p.add_argument("--demo", action="store_true")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    selected = scenarios(json.load(open(ADE_IMG + "ids.json")))
    initrds = {v: "%s/initrd-%s.img" % (a.initrd_dir, v) for v in VARIANTS}
    all_imgs = list(initrds.values())
    for s in selected:
        if s.name == "it-clean":
            s.host = lambda _i: sc.initrd_clean({"all": all_imgs, "bek": initrds["bek"], "base": initrds["base"]})
        if s.name == "it-static":
            s.host = lambda _i: sc.initrd_static({"bek": initrds["bek"], "base": initrds["base"]})
    if a.list:
        return sc.list_rows(selected, 13)
    os.makedirs(ITOOLS + "/logs", exist_ok=True)
    if a.demo:
        s = next(x for x in selected if x.name == "it-a")
        print("demo (initramfs-tools): %s (log %s/logs/demo.log)" % (s.desc, ITOOLS))
        r = sc.boot.boot(s.argv(initrds) + ["--log", ITOOLS + "/logs/demo.log"])
        for kind, text in r["transcript"]:
            print("  " + text)
        print("wall time %.1f s, marker at %s s" % (r["wall_s"], r["events"].get("marker")))
        return 0 if r["root_reached"] and not r["prompt"] else 1
    selected = sc.select(p, a.names, selected)
    return 0 if sc.run(selected, initrds) else 1


if __name__ == "__main__":
    sys.exit(main())
