#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Debian package, end to end (make package-test): what qemu/pkgtest.sh made of the
built .deb in two throwaway Debian 12 roots (initramfs-tools; dracut), checked on the host,
and each root's image booted under QEMU against the demo disks, one boot at a time.

  qemu/pkgtest_scenarios.py --deb DEB --dir build/qemu/pkgtest          all rows
  qemu/pkgtest_scenarios.py --deb DEB --dir DIR pkg-itools-a            a subset, by name
  qemu/pkgtest_scenarios.py --list

Boots: scenario a's disks (root-token.img, bek-good.img) and kernel command line
(rd.luks.uuid=U root=/dev/mapper/luks-U). Checks, reporting and the boot itself are
qemu/scenarios.py's and qemu/boot.py's. Ends with "N passed, N failed".
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios as sc  # noqa: E402

KEY = sc.KEY
# What the package must hold (dpkg-deb -c, leading "./" and directories dropped).
EXPECTED = {
    "usr/sbin/bek-unlock",
    "usr/lib/dracut/dracut.conf.d/91-bek-unlock.conf",
    "usr/lib/dracut/modules.d/91bek-unlock/module-setup.sh",
    "usr/lib/dracut/modules.d/91bek-unlock/bek-unlock.service",
    "usr/lib/dracut/modules.d/91bek-unlock/bek-unlock-finished.sh",
    "usr/lib/dracut/modules.d/91bek-unlock/bek-unlock-hold.sh",
    "usr/lib/dracut/modules.d/91bek-unlock/bek-unlock-job.sh",
    "usr/lib/dracut/modules.d/91bek-unlock/bek-unlock-start.sh",
    "usr/lib/dracut/modules.d/91bek-unlock/cryptroot-ask-bek.sh",
    "usr/lib/bek-unlock/bek-unlock-glue.sh",
    "usr/share/initramfs-tools/hooks/bek-unlock",
    "usr/share/initramfs-tools/scripts/init-premount/bek-unlock",
    "usr/share/initramfs-tools/scripts/init-top/bek-unlock",
    "usr/share/doc/bek-unlock/README.md.gz",
    "usr/share/doc/bek-unlock/changelog.gz",
    "usr/share/doc/bek-unlock/copyright",
    "usr/share/lintian/overrides/bek-unlock",
    "usr/share/man/man8/bek-unlock.8.gz",
}
# What each image must hold from the package, and must no longer hold once it is purged
# ("A|B": either; dracut 051 on Debian 11, not merged-/usr and without $SYSTEMCTL, puts the
# unit and its wants link in /lib/systemd/system, seen in bullseye-pkg-dracut-life).
IN_IMAGE = {"itools": ["usr/sbin/bek-unlock", "scripts/init-premount/bek-unlock", "scripts/init-top/bek-unlock",
                   "etc/cmdline.d/bek-unlock.conf"],
            "dracut": ["usr/sbin/bek-unlock", "usr/lib/systemd/system/bek-unlock.service|lib/systemd/system/bek-unlock.service",
                       "etc/systemd/system/sysinit.target.wants/bek-unlock.service"
                       "|lib/systemd/system/sysinit.target.wants/bek-unlock.service"]}


def holds(files, entry):
    return any(f in files for f in entry.split("|"))
TRIGGER_OF = {"itools": "Processing triggers for initramfs-tools", "dracut": "Processing triggers for dracut"}
ALL_TOOLS = {"itools": "initramfs-tools", "dracut": "dracut"}


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def package_files(deb):
    """Host side: the .deb's file list, control members and binary."""
    start = time.monotonic()
    listing = run("dpkg-deb", "-c", deb).stdout.splitlines()
    files = {l.split()[5][2:] for l in listing if l and l[0] in "-l"}
    missing, extra = sorted(EXPECTED - files), sorted(files - EXPECTED)
    bad = ["missing " + f for f in missing] + ["unexpected " + f for f in extra]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-e", deb, tmp + "/DEBIAN"], check=True)
        members = sorted(os.listdir(tmp + "/DEBIAN"))
        triggers = [l.strip() for l in open(tmp + "/DEBIAN/triggers") if l.strip() and l[0] != "#"] \
            if "triggers" in members else []
        subprocess.run(["dpkg-deb", "-x", deb, tmp + "/root"], check=True)
        kind = run("file", "-b", tmp + "/root/usr/sbin/bek-unlock").stdout.strip()
        version = run(tmp + "/root/usr/sbin/bek-unlock", "--version").stdout.strip()
    bad += [] if members == ["control", "md5sums", "triggers"] else ["control members %s" % members]
    bad += [] if triggers == ["activate-noawait update-initramfs"] else ["triggers %s" % triggers]
    bad += [] if "static-pie linked" in kind and ", stripped" in kind else ["binary: " + kind]
    bad += [f + " in /etc" for f in files if f.startswith("etc/")]
    return {"ok": not bad, "wall_s": time.monotonic() - start,
            "observed": "%d files; control: %s; triggers: %s; binary: %s, --version %r%s" % (
                len(files), " ".join(members), "; ".join(triggers) or "none",
                "static-pie, stripped" if "static-pie linked" in kind and ", stripped" in kind else kind,
                version, "; PROBLEMS: " + ", ".join(bad) if bad else "")}


def image_files(image):
    return sc.initrd_files(image) if os.path.exists(image) else set()


def lifecycle(d, flavour):
    """Host side: dpkg -i fired the trigger and the root's own tool built an image holding
    the package's glue; dpkg --purge fired it again and the image built without it, and
    nothing of the package was left behind."""
    start = time.monotonic()
    log_path = "%s/pkg-%s.txt" % (d, flavour)
    log = open(log_path).read() if os.path.exists(log_path) else ""
    inst, _, rest = log.partition("== dpkg --purge")
    installed, removed = image_files("%s/pkg-%s.img" % (d, flavour)), image_files("%s/pkg-%s-removed.img" % (d, flavour))
    want = IN_IMAGE[flavour]
    bad = []
    bad += [] if TRIGGER_OF[flavour] in inst.partition("== dpkg -L")[0] else ["no trigger at install"]
    bad += [] if TRIGGER_OF[flavour] in rest else ["no trigger at removal"]
    bad += ["installed image lacks " + f for f in want if not holds(installed, f)]
    bad += ["purged image still has " + f for f in want if holds(removed, f)]
    bad += [] if len(removed) > 100 else ["no image built after the purge"]
    bad += [l for l in rest.splitlines() if l.startswith("LEFT ")]
    bad += [] if "== end" in rest else ["install/purge did not finish (see %s)" % log_path]
    return {"ok": not bad, "wall_s": time.monotonic() - start,
            "observed": "%s: install -> trigger, image %d files (%s); purge -> trigger, image %d files, "
                        "none of them; nothing left behind%s" % (
                            ALL_TOOLS[flavour], len(installed), ", ".join(f for f in want if holds(installed, f)),
                            len(removed), "; PROBLEMS: " + "; ".join(bad) if bad else "")}


def nocs(d):
    """Host side: in the dracut root without cryptsetup (qemu/pkgtest.sh dracut-nocs), dpkg -i
    leaves the package unconfigured (Depends: cryptsetup-bin), dracut -f still builds an image
    (without bek-unlock, the dracut.conf.d snippet saying why), and apt-get -f install pulls
    cryptsetup-bin in, after which the trigger's image holds bek-unlock."""
    start = time.monotonic()
    log_path = "%s/pkg-dracut-nocs.txt" % d
    log = open(log_path).read() if os.path.exists(log_path) else ""
    before, _, after = log.partition("== apt-get -f install")
    without = image_files("%s/pkg-dracut-nocs-removed.img" % d)
    pulled = image_files("%s/pkg-dracut-nocs.img" % d)
    bad = []
    bad += [] if "dracut exited 0" in before else ["dracut -f without cryptsetup failed"]
    bad += [] if len(without) > 100 else ["no image built without cryptsetup"]
    bad += [] if "usr/sbin/bek-unlock" not in without else ["bek-unlock in the image without cryptsetup"]
    bad += [] if "bek-unlock: left out of this initramfs" in before else ["no line saying bek-unlock was left out"]
    bad += [] if "depends on cryptsetup-bin" in before else ["dpkg -i did not ask for cryptsetup-bin"]
    bad += [] if "cryptsetup-bin install ok installed" in after else ["apt-get -f install did not pull cryptsetup-bin in"]
    bad += [] if "bek-unlock install ok installed" in after else ["bek-unlock not configured after apt-get -f install"]
    bad += [] if "usr/sbin/bek-unlock" in pulled else ["the image after apt-get -f install lacks bek-unlock"]
    bad += [] if "== end" in after else ["the steps did not finish (see %s)" % log_path]
    return {"ok": not bad, "wall_s": time.monotonic() - start,
            "observed": "without cryptsetup: dpkg -i unconfigured (Depends), dracut -f image %d files, "
                        "bek-unlock left out; apt-get -f install: cryptsetup-bin pulled in, image %d files "
                        "with bek-unlock%s" % (len(without), len(pulled),
                                               "; PROBLEMS: " + "; ".join(bad) if bad else "")}


class PkgScenario(sc.Scenario):
    pass


def scenarios(d, deb):
    S = PkgScenario
    boot_checks = lambda: sc.unlocked_quietly(  # noqa: E731
        sc.line('found BEK disk /dev/vdb (vfat, label "BEK VOLUME")'),
        sc.line('key file "%s" (from token 0)' % KEY), sc.dm("luks-{uuid}"))
    return [
        S("pkg-files", "host: the .deb holds what make install installs (bek-unlock(8) too), README, no /etc, "
          "the update-initramfs trigger, a stripped static binary", None,
          host=lambda _i: package_files(deb), checks=[("file list, control, binary", lambda r: r["ok"])]),
        S("pkg-itools-life", "host: initramfs-tools root: dpkg -i -> trigger -> update-initramfs "
          "image with bek-unlock; dpkg --purge -> image without it", None,
          host=lambda _i: lifecycle(d, "itools"), checks=[("install and purge rebuild", lambda r: r["ok"])]),
        S("pkg-dracut-life", "host: dracut root: dpkg -i -> trigger -> dracut image with bek-unlock; "
          "dpkg --purge -> image without it", None,
          host=lambda _i: lifecycle(d, "dracut"), checks=[("install and purge rebuild", lambda r: r["ok"])]),
        S("pkg-dracut-nocs", "host: dracut root without cryptsetup: dpkg -i wants cryptsetup-bin, dracut "
          "still builds an image (bek-unlock left out, said); apt-get -f install pulls it in, image with "
          "bek-unlock", None,
          host=lambda _i: nocs(d), checks=[("dracut builds; cryptsetup-bin pulled in", lambda r: r["ok"])]),
        S("pkg-clean", "host: neither image holds a key file or key bytes", None,
          host=lambda i: sc.initrd_clean({"all": [i["itools"], i["dracut"]], "bek": i["itools"], "base": i["dracut"]}),
          checks=[("no %s* file, no *.key content" % KEY, lambda r: r["ok"])]),
        S("pkg-itools-a", "initramfs-tools image built by the package's trigger: demo disks, scenario a",
          "root-token.img", ["bek-good.img"], initrd="itools", checks=boot_checks()),
        S("pkg-dracut-a", "dracut image built by the package's trigger: demo disks, scenario a",
          "root-token.img", ["bek-good.img"], initrd="dracut", checks=boot_checks()),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="row names (default: all)")
    p.add_argument("--deb", required=False)
    p.add_argument("--dir", default=sc.B + "/pkgtest")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    rows = scenarios(a.dir, a.deb)
    if a.list:
        return sc.list_rows(rows, 16)
    rows = sc.select(p, a.names, rows, "row")
    initrds = {f: "%s/pkg-%s.img" % (a.dir, f) for f in ("itools", "dracut")}
    os.makedirs(sc.B + "/logs", exist_ok=True)
    npass, times = 0, []
    for s in rows:                  # one boot at a time
        r, failed = sc.run_one(s, initrds)
        npass += not failed
        print("%-16s | %s | %s | %s | %s" % (s.name, s.desc, ", ".join(l for l, _ in sc.checks_of(s)),
                                             sc.observed(r), "FAIL" if failed else "PASS"), flush=True)
        if failed:
            print("     failed: %s; log: %s" % ("; ".join(failed), r.get("log", "-")), flush=True)
        times.append(sc.timing(s, r))
    print("timing (wall; unlock time as printed by bek-unlock; console events since QEMU start):")
    for t in times:
        print("  " + t)
    print("%d passed, %d failed" % (npass, len(rows) - npass))
    return 0 if npass == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
