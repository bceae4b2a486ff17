#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The same rows on other generations of the stack: Debian 11 (bullseye: kernel 5.10,
systemd 247, dracut 051, initramfs-tools 0.140, cryptsetup 2.3) and Debian 13 (trixie:
kernel 6.12, systemd 257, dracut-ng 106+, initramfs-tools 0.148, cryptsetup 2.7), each image
built by that release's own tools in its own root for its own cloud kernel (qemu/gen.mk),
booted under QEMU two at a time.

  qemu/gen_scenarios.py                           every generation's rows
  qemu/gen_scenarios.py --core                    the core rows (make test)
  qemu/gen_scenarios.py bullseye-a trixie-it-d    a subset, by name
  qemu/gen_scenarios.py --list                    names and descriptions

A row is GEN-NAME, NAME a row of the bookworm stages taken as it is (its disks, kernel
command line and checks, SANE included): of qemu/scenarios.py (dracut with systemd),
qemu/ade_scenarios.py, qemu/nosd_scenarios.py (dracut without systemd) and
qemu/itools_scenarios.py (initramfs-tools). Per generation and world: the token unlock,
the BEK disk absent (bounded wait, prompt, typed passphrase), the ADE layout with its
detached header on /boot, two volumes, the BEK disk hot-plugged late. Only the initramfs
and the kernel differ: build/qemu/gen/GEN/initrd-*.img and GEN's cloud kernel.
"""
import argparse
import copy
import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ade_scenarios as ade  # noqa: E402
import itools_scenarios as it  # noqa: E402
import nosd_scenarios as nosd  # noqa: E402
import pkgtest_scenarios as pkg  # noqa: E402
import scenarios as sc  # noqa: E402

GEN = sc.B + "/gen"
GENS = ["bullseye", "trixie"]
# world: (rows of the bookworm stage, the initrd names those rows use -> this harness's image)
WORLDS = {
    "systemd": (["a", "d", "ade-a", "two-vol", "g"], {"bek": "sd-bek", "a": "sd-ade-a"}),
    "nosd": (["nosd-a", "nosd-d", "nosd-ade-a", "nosd-two-vol", "nosd-g"],
             {"nosd": "nosd-bek", "ade-a": "nosd-ade-a"}),
    "itools": (["it-a", "it-d", "it-ade20", "it-two-vol", "it-g"],
               {"bek": "it-bek", "two": "it-two", "ade20": "it-ade20"}),
}
# make test's subset: per generation and world, the token unlock and the ADE layout; the
# BEK disk absent (the bounded wait and the prompt) in the systemd world.
CORE = {"a", "ade-a", "d", "nosd-a", "nosd-ade-a", "it-a", "it-ade20", "sd-noprompt"}


# Row a's module checks read the whole console; a newer kernel asks for crypto modules
# itself long before bek-unlock runs (trixie's 6.12: crypto-ecb(aes), crypto-aes-all at
# 6-7 s, from its key and integrity subsystems, seen in trixie-a's first boot), so here
# they count the requests from bek-unlock's start on (the trace must still show requests
# in the boot, or it was not on).
START_TEXTS = (sc.boot.UNIT_START, sc.boot.UNIT_DESC_START, "bek-unlock:")
REQUEST = re.compile(r"module_request: (\S+) wait=")


def requests(r):
    """(every module request of the boot, those from bek-unlock's start on)"""
    with open(r["log"], "rb") as f:
        text = sc.boot.ANSI.sub(b"", f.read()).decode("utf-8", "replace")
    at = min([i for i in (text.find(t) for t in START_TEXTS) if i >= 0] or [len(text)])
    return REQUEST.findall(text), REQUEST.findall(text[at:])


def no_modprobe_after(*modules):
    def pred(r):
        every, after = requests(r)
        return bool(every) and not set(after) & set(modules)
    return ("no modprobe for %s from bek-unlock's start" % ", ".join(modules), pred)


def modprobe_at_most_after(module, n):
    def pred(r):
        every, after = requests(r)
        return bool(every) and after.count(module) <= n
    return ("modprobe for %s at most %d x from bek-unlock's start" % (module, n), pred)


REPLACE = {sc.no_modprobe(*sc.XTS_TEMPLATE_MODULES)[0]: no_modprobe_after(*sc.XTS_TEMPLATE_MODULES),
           sc.modprobe_at_most("crypto-aes", 1)[0]: modprobe_at_most_after("crypto-aes", 1)}


# Row a's root is on aesni_intel's own xts(aes): on 6.12, with AVX, that is its
# xts-aes-aesni-avx (priority above xts-aes-aesni), seen in trixie-a's first boot.
def aesni_held(r):
    entries = [e.rpartition(":") for e in (r.get("xts_aes") or "").split(",")]
    held = [d for d, _, n in entries if n.isdigit() and int(n) > 1]
    return len(held) == 1 and held[0].startswith("xts-aes-aesni")


AESNI_HELD = ("xts(aes) held: aesni_intel's (xts-aes-aesni*)", aesni_held)


def adapt(check):
    if check[0] in REPLACE:
        return REPLACE[check[0]]
    if check[0] == "xts(aes) held: %s" % sc.AESNI_XTS:
        return AESNI_HELD
    return check


def kernel(gen):
    root = "%s/root-%s-dracut/kernel" % (GEN, gen)
    kver = open(root + "/kver").read().strip() if os.path.exists(root + "/kver") else "missing"
    return "%s/boot/vmlinuz-%s" % (root, kver)


def bookworm_rows():
    """Every bookworm row by name (each stage's own list)."""
    rows = {s.name: s for s in sc.SCENARIOS}
    adeids = json.load(open(ade.IMG + "ids.json"))
    rows.update({s.name: s for s in ade.scenarios(adeids)})
    rows.update({s.name: s for s in nosd.scenarios()})
    rows.update({s.name: s for s in it.scenarios(adeids)})
    return rows


def for_gen(s, gen, world, names):
    """Row s of the bookworm stage, booted with GEN's kernel and image (names: the row's
    initrd name -> this harness's image name), its console log in build/qemu/gen/logs/."""
    n = copy.copy(s)
    n.name = "%s-%s" % (gen, s.name)
    n.desc = "%s, %s: %s" % (gen, world, s.desc)
    n.world, n.gen, n.row = world, gen, s.name
    initrds = {k: "%s/%s/initrd-%s.img" % (GEN, gen, v) for k, v in names.items()}

    def argv(_initrds, s=s):
        a = s.argv(initrds)
        a[a.index("--log") + 1] = "%s/logs/%s.log" % (GEN, n.name)
        return a + ["--kernel", kernel(gen)]
    n.argv = argv
    n.checks = [adapt(c) for c in s.checks]
    n.images = sorted(initrds.values())
    return n


# The Debian package (make deb, built once here) in each release's roots: qemu/pkgtest.sh's
# install/trigger/purge (run by make gen-package-test before these rows) and its image
# booted (qemu/pkgtest_scenarios.py's rows).
PKG_ROWS = ["pkg-itools-life", "pkg-dracut-life", "pkg-clean", "pkg-itools-a", "pkg-dracut-a"]


def pkg_rows(gen, deb):
    d = "%s/pkgtest-%s" % (GEN, gen)
    by = {s.name: s for s in pkg.scenarios(d, deb)}
    out = []
    for name in PKG_ROWS:
        s = by[name]
        n = for_gen(s, gen, "package", {f: "pkg-%s" % f for f in ("itools", "dracut")})
        initrds = {f: "%s/pkg-%s.img" % (d, f) for f in ("itools", "dracut")}
        n.images = sorted(initrds.values())
        if s.host:
            n.host = lambda _i, s=s, initrds=initrds: s.host(initrds)
        else:
            def argv(_i, s=s, initrds=initrds, name=n.name):
                a = s.argv(initrds)
                a[a.index("--log") + 1] = "%s/logs/%s.log" % (GEN, name)
                return a + ["--kernel", kernel(gen)]
            n.argv = argv
        out.append(n)
    return out


# The systemd image built without dracut-ng's systemd-cryptsetup module (qemu/gen.mk's
# initrd-sd-nocs.img): bek-unlock's module says at build time that nothing will prompt;
# the images with it (initrd-sd-bek.img) and dracut before 106, whose crypt module installs
# systemd-cryptsetup itself, say nothing of the kind.
NOPROMPT = "bek-unlock: this image has no systemd-cryptsetup"


def noprompt(gen):
    start = time.monotonic()
    split = os.path.isdir("%s/root-%s-dracut/usr/lib/dracut/modules.d/01systemd-cryptsetup" % (GEN, gen))

    def said(variant):
        path = "%s/%s/initrd-%s.img.log" % (GEN, gen, variant)
        return NOPROMPT in open(path, errors="replace").read() if os.path.exists(path) else None
    nocs, full = said("sd-nocs"), said("sd-bek")
    built = all(os.path.exists("%s/%s/initrd-%s.img" % (GEN, gen, v)) for v in ("sd-nocs", "sd-bek"))
    ok = built and nocs is split and full is False
    return {"ok": ok, "wall_s": time.monotonic() - start,
            "observed": "dracut %s systemd-cryptsetup module; without it: %s; with it: %s" % (
                "has a" if split else "has no", {True: "warned", False: "no warning", None: "no log"}[nocs],
                {True: "warned", False: "no warning", None: "no log"}[full])}


def noprompt_row(gen):
    s = sc.Scenario("sd-noprompt", "host: systemd image without dracut-ng's systemd-cryptsetup module: "
                    "bek-unlock's module warns at build time that nothing will prompt (dracut 051: "
                    "crypt installs it, no warning)", None,
                    host=lambda _i: noprompt(gen),
                    checks=[("warned exactly where the image has no systemd-cryptsetup", lambda r: r["ok"])])
    n = for_gen(s, gen, "systemd", {})
    n.host = s.host
    return n


def rows(gens=GENS, deb=None):
    by = bookworm_rows()
    out = [for_gen(by[r], g, w, names) for g in gens for w, (rs, names) in WORLDS.items() for r in rs]
    out += [noprompt_row(g) for g in gens]
    return out + ([n for g in gens for n in pkg_rows(g, deb)] if deb else [])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="row names (default: all)")
    p.add_argument("--core", action="store_true", help="only the core rows (make test)")
    p.add_argument("--gen", action="append", choices=GENS, help="only these generations")
    p.add_argument("--deb", help="the .deb: the package rows too (qemu/pkgtest.sh must have run)")
    p.add_argument("--package", action="store_true", help="only the package rows")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    selected = rows(a.gen or GENS, a.deb)
    if a.package:
        selected = [s for s in selected if s.world == "package"]
    if a.core:
        selected = [s for s in selected if s.row in CORE]
    if a.list:
        return sc.list_rows(selected, 24)
    selected = sc.select(p, a.names, selected)
    os.makedirs(GEN + "/logs", exist_ok=True)
    for img in sorted({i for s in selected for i in s.images}):
        if not os.path.exists(img):
            print("gen: missing initramfs %s" % img, flush=True)
    return 0 if sc.run(selected, {}) else 1


if __name__ == "__main__":
    sys.exit(main())
