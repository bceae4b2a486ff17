#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark bek-unlock against the stock unlock paths under QEMU (TCG); see qemu/bench.mk.

  qemu/bench.py [--rounds N] [--dir build/qemu/bench] [--calib CPIO] [--images "A B C D E F"]
                [CASE...]
  CASE: main (pbkdf2 root, token keyslot 1), slot2 (the key in keyslot 2 of three argon2id
  ones), nornd (main in a guest CPU without RDRAND/RDSEED)

Up to six initramfs images (DIR/initrd-a.img ... initrd-f.img, qemu/bench.mk) boot the same
LUKS2 root and BEK disk, interleaved A B C D E F A B C ..., one boot at a time (timings):
  A  bek-unlock (systemd initramfs + the module), rd.bek.debug
  B  stock systemd-cryptsetup, rd.luks.key=UUID=/KEYFILE:/dev/disk/by-label/BEK\\x20VOLUME
  C  stock dracut without systemd, rd.luks.key=/KEYFILE:LABEL=BEK_VOLUME
  D  bek-unlock in C's dracut without systemd (its dracut hooks), rd.bek.debug
  E  bek-unlock in initramfs-tools (its hook and init-premount script), rd.bek.debug; the
     volume named by the image's crypttab (cryptroot), no rd.luks.* on the command line
  F  stock initramfs-tools + cryptsetup-initramfs, crypttab key field
     /dev/disk/by-label/BEK\\x20VOLUME:/KEYFILE with keyscript=passdev
Pairs, ours over stock: A/B, A/C, D/C, E/F (ratios only where both images are run).
Each round boots the images in turn, starting one image later than the round before.
slot2 adds, first in each round, K: a bare guest (--calib, bench-images.sh calib) timing
three argon2id derivations at the keyslots' cost, to express B - A and C - A in derivations.
All figures but the wall time are printk timestamps on the serial console (kernel start = 0):
  root unlocked       "bench: dm-crypt active NAME", from the udev rule every image carries
                      (qemu/bench-images.sh rules), first occurrence
  BEK disk appeared   the kernel's partition scan line " vdb:", which directly precedes the
                      disk's "add" uevent (else its "virtio_blk ...: [vdb]" line)
  switch_root         "BEK-TEST: root init started", the root's /sbin/init's first act
  bek-unlock started  (A, D, E) the printk time of its rd.bek.debug exit line minus the
                      "after N ms" that line gives (its own clock from its start)
  crng                "random: crng init done"
  wall                QEMU start to the root's "BEK-TEST: ROOT REACHED", host clock
Output: a markdown table per case; raw numbers in DIR/results-CASE.json, console logs in
DIR/logs/.  A boot that fails (no root, prompt, crash, hang) is reported and the exit
status is 1.  A figure that is missing is "n/a", never estimated.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402

B = boot.BUILD
IMG = B + "/images/"
KEY = "LinuxPassPhraseFileName"
DEADLINE = 150
PROMPT_GRACE = 10
NORND_CPU = "max,rdrand=off,rdseed=off"
COMMON_ARGS = ["printk.devkmsg=on", "systemd.log_target=kmsg"]
ALL_IMAGES = ("A", "B", "C", "D", "E", "F")
IMAGES = ALL_IMAGES          # the images of this run (--images)
OURS = ("A", "D", "E")       # with bek-unlock (rd.bek.debug)
PAIRS = (("A", "B"), ("A", "C"), ("D", "C"), ("E", "F"))
# The tables: (images, pairs) each; a table is printed when one of its pairs has both images.
TABLES = ((("A", "B", "C"), (("A", "B"), ("A", "C"))),
          (("D", "C", "E", "F"), (("D", "C"), ("E", "F"))))
IMAGE_NAMES = {"A": "A bek-unlock", "B": "B systemd", "C": "C dracut",
               "D": "D bek-unlock, dracut without systemd", "E": "E bek-unlock, initramfs-tools",
               "F": "F initramfs-tools passdev", "K": "K bare-guest argon2id"}
# The crypttab name of the initramfs-tools images (bench-images.sh itools).
IT_NAME = "cryptroot"

# Printk lines: "[   12.345678] text" (interleaved with systemd's status lines).
PRINTK = re.compile(r"\[\s*(\d+\.\d+)\] ([^\n]*)")
# Passphrase prompts boot.py does not know: dracut's (cryptsetup's own tty prompt).
OTHER_PROMPT = re.compile(r"Enter passphrase for |Fallback to passphrase mode")
# Any passphrase prompt: the nobek case's figure.
PROMPT_ANY = re.compile(boot.PROMPT.pattern + "|" + OTHER_PROMPT.pattern)
# initramfs-tools giving up (E, F): its shell, or "ALERT! ... does not exist".
IT_SHELL = re.compile(r"\(initramfs\) |ALERT! ")
# cryptroot's errors (a keyscript attempt that failed, then retried): kept in the record.
IT_ERROR = re.compile(r"cryptsetup: ERROR: [^\n]*|passdev: [^\n]*")

# bek-unlock's rd.bek.debug lines, parsed by label (order and extra fields do not matter).
DEBUG_VOLUME = "BEK disk event to mounted"
DEBUG_EXIT = re.compile(r"bek-unlock: debug: exit (-?\d+) after ([\d.]+) ms")
DEBUG_FIELDS = [   # (key, label, regex on the line, which line)
    ("event_to_mounted_ms", "BEK disk event to mounted", r"BEK disk event to mounted ([\d.]+) ms", "vol"),
    ("volume_wait_ms", "waiting for the volume", r"waiting for the volume ([\d.]+) ms", "vol"),
    ("mount_ms", "mount", r"\bmount ([\d.]+) ms", "vol"),
    ("key_read_ms", "key read", r"key read ([\d.]+) ms", "vol"),
    ("unmount_ms", "unmount", r"unmount ([\d.]+) ms", "vol"),
    ("header_load_ms", "header load", r"header load ([\d.]+) ms", "vol"),
    ("derive_ms", "key derivation + activation (this volume)",
     r"key derivation \+ activation ([\d.]+) ms", "vol"),
    ("exit_after_ms", "bek-unlock start to exit", r"exit -?\d+ after ([\d.]+) ms", "exit"),
    ("own_ms", "own time outside key derivation and udev waits",
     r"own time ([\d.]+) ms", "exit"),
    ("own_cpu_ms", "CPU time of that own time", r"\(CPU ([\d.]+) ms", "exit"),
    ("startup_ms", "startup", r"startup ([\d.]+) ms", "exit"),
    ("probing_ms", "probing", r"probing ([\d.]+) ms", "exit"),
    ("header_reads_ms", "LUKS header reads", r"LUKS header reads ([\d.]+) ms", "exit"),
    ("mounts_ms", "mounts", r"mounts ([\d.]+) ms", "exit"),
    ("console_ms", "console (writing its own lines to /dev/kmsg)", r"console ([\d.]+) ms", "exit"),
    ("udev_wait_ms", "udev wait", r"udev wait ([\d.]+) ms", "exit"),
    ("derive_total_ms", "key derivation + activation (total)",
     r"key derivation \+ activation ([\d.]+) ms", "exit"),
    ("vmhwm_kb", "peak memory VmHWM (kB)", r"VmHWM (\d+) kB", "exit"),
]


class Case:
    """prompt: the case is a host without a BEK disk whose volume is not bek-unlock's (no
    token, no ADE crypttab): no BEK disk attached, no key on the command line, and each boot
    must end at the passphrase prompt (timed), as fast as the stock image's."""
    def __init__(self, name, title, root, uuid_file, cpu="max", prompt=False, images=ALL_IMAGES):
        self.name, self.title, self.root, self.uuid_file, self.cpu = name, title, root, uuid_file, cpu
        self.prompt, self.images = prompt, images
        self.bek = None if prompt else IMG + "bek-good.img"

    def uuid(self):
        with open(self.uuid_file) as f:
            return f.read().strip()

    def kernel_args(self, image):
        u = self.uuid()
        if image in ("E", "F"):
            # The image's crypttab names the volume (UUID=U, the same in every case's root).
            args = ["root=/dev/mapper/%s" % IT_NAME]
        else:
            args = ["rd.luks.uuid=%s" % u, "root=/dev/mapper/luks-%s" % u]
        if self.prompt:     # no key anywhere: ours with rd.bek.debug (its split), stock as is
            return args + (["rd.bek.debug"] if image in OURS else []) + COMMON_ARGS
        args += {"A": ["rd.bek.debug"],
                 "B": ["rd.luks.key=%s=/%s:%s" % (u, KEY, KEY_DEVICE)],
                 "C": ["rd.luks.key=/%s:LABEL=BEK_VOLUME" % KEY],
                 "D": ["rd.bek.debug"],
                 "E": ["rd.bek.debug"],
                 "F": []}[image]
        return args + COMMON_ARGS


def cases(bench_dir):
    bimg = bench_dir + "/images/"
    return {
        "main": Case("main", "LUKS2 root, bek token naming keyslot 1 (pbkdf2, 1000 iterations); "
                     "keyslot 0 another passphrase", IMG + "root-token.img", IMG + "uuid"),
        "slot2": Case("slot2", "LUKS2 root, ADE key in keyslot 2, keyslots 0 and 1 other "
                      "passphrases, all argon2id (%s, 1 thread); bek token naming keyslot 2"
                      % read_or(bimg + "kdf-slot2", "cost unknown"),
                      bimg + "root-slot2.img", bimg + "uuid-slot2"),
        "nornd": Case("nornd", "as main, guest CPU without RDRAND/RDSEED (-cpu %s), "
                      "no virtio-rng" % NORND_CPU, IMG + "root-token.img", IMG + "uuid",
                      cpu=NORND_CPU),
        # A host without a BEK disk pays nothing: a LUKS2 root named by rd.luks.uuid= only
        # (dracut's hostonly images name every root), no token, no ADE crypttab, no BEK
        # disk; the figure is kernel start -> the passphrase prompt. The dracut images only:
        # E and F name the volume in their crypttab with the BEK disk as key source.
        "nobek": Case("nobek", "LUKS2 root without a token, named by rd.luks.uuid= only, no BEK disk: "
                      "kernel start -> passphrase prompt", IMG + "root-notoken.img", IMG + "uuid",
                      prompt=True, images=("A", "B", "C", "D")),
    }


def read_or(path, default):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


class BenchBoot(boot.Boot):
    """boot.Boot that also takes dracut's tty prompt (image C) for a prompt, and stops a
    short grace after initramfs-tools gave up (its shell, or ALERT!)."""
    def feed(self, data, qemu):
        super().feed(data, qemu)
        # (length of the text so far, host seconds): when each part of the text arrived.
        self.arrived = getattr(self, "arrived", [])
        self.arrived.append((len(self.text), time.monotonic() - self.start))
        if not self.prompts and OTHER_PROMPT.search(self.text):
            self.prompts = 1
            self.events.setdefault("prompt", round(time.monotonic() - self.start, 2))
        m = IT_SHELL.search(self.text)
        if m and "gave_up" not in self.events:
            self.events["gave_up"] = round(time.monotonic() - self.start, 2)
            self.gave_up = self.text[m.start():].splitlines()[0].strip()

    def deadline(self):
        if "gave_up" in self.events:
            return min(super().deadline(), self.events["gave_up"] + self.a.prompt_grace)
        return super().deadline()


# ---- one boot ------------------------------------------------------------------------------
def first_stamp(lines, pred):
    for t, text in lines:
        if pred(text):
            return t
    return None


def debug_split(text):
    """bek-unlock's rd.bek.debug numbers: the last per-volume line and the exit line."""
    vol = [l for l in text.splitlines() if "bek-unlock: debug:" in l and DEBUG_VOLUME in l]
    ext = [l for l in text.splitlines() if DEBUG_EXIT.search(l)]
    lines = {"vol": vol[-1] if vol else "", "exit": ext[-1] if ext else ""}
    out = {}
    for key, _, rx, which in DEBUG_FIELDS:
        m = re.search(rx, lines[which])
        out[key] = float(m.group(1)) if m else None
    m = DEBUG_EXIT.search(lines["exit"])
    out["exit_code"] = int(m.group(1)) if m else None
    # On the critical path: from the moment both the LUKS volume and the BEK disk are known
    # to the libcryptsetup activation call (mount, key read, unmount, header load).
    parts = [out[k] for k in ("event_to_mounted_ms", "volume_wait_ms", "key_read_ms", "unmount_ms",
                              "header_load_ms")]
    out["critical_ms"] = (None if None in parts else
                          round(parts[0] - parts[1] + parts[2] + parts[3] + parts[4], 1))
    return out


def bek_started(lines):
    """Printk time bek-unlock started: its exit line's time minus the "after N ms" in it."""
    for t, text in reversed(lines):
        m = DEBUG_EXIT.search(text)
        if m:
            return round(t - float(m.group(2)) / 1000, 6)
    return None


def figures(text, events):
    lines = [(float(m.group(1)), m.group(2)) for m in PRINTK.finditer(text)]
    unlock = first_stamp(lines, lambda l: l.startswith("bench: dm-crypt active"))
    bek = first_stamp(lines, lambda l: l.strip() == "vdb:" or l.startswith(" vdb:"))
    bek_src = "partition scan"
    if bek is None:
        bek = first_stamp(lines, lambda l: re.search(r"virtio_blk \S+ \[vdb\]", l))
        bek_src = "virtio_blk" if bek is not None else None
    root = first_stamp(lines, lambda l: "BEK-TEST: root init started" in l)
    crng = first_stamp(lines, lambda l: "random: crng init done" in l)

    def diff(a, b):
        return round(a - b, 6) if a is not None and b is not None else None
    started = bek_started(lines)
    return {
        "unlock_s": unlock,
        "bek_disk_s": bek,
        "bek_disk_source": bek_src,
        "bek_to_unlock_s": diff(unlock, bek),
        "bek_started_s": started,
        "started_to_unlock_s": diff(unlock, started),
        "root_s": root,
        "crng_s": crng,
        "crng_minus_unlock_s": diff(crng, unlock),
        "wall_s": events.get("marker"),
    }


# initramfs-tools' console lines (no printk time), for the stage table of E and F.
IT_STAGES = [
    ("it_drivers_s", "Begin: Loading essential drivers", "loading essential drivers (after udev's coldplug and settle)"),
    ("it_premount_s", "Begin: Running /scripts/init-premount", "init-premount begins"),
    ("it_bek_script_s", "Starting bek-unlock in the background", "bek-unlock's init-top script starts it (E)"),
    ("it_bek_done_s", "Done: bek-unlock exited", "bek-unlock exited (E)"),
    ("it_localtop_s", "Begin: Running /scripts/local-top", "local-top begins (cryptroot: F's passdev)"),
]


def estimate(text, arrived, needle):
    """Kernel-clock estimate of a console line that carries no printk time (needle: a string
    or a compiled regex, its first match): the host time the text arrived, minus the least
    (host - printk) offset of the 10 printk lines before it (the console's delay, at its
    smallest). None when the line or printk lines before it are missing."""
    def host_at(pos):
        for n, h in arrived:
            if n > pos:
                return h
        return None
    if isinstance(needle, str):
        pos = text.find(needle)
    else:
        m = needle.search(text)
        pos = m.start() if m else -1
    if pos < 0:
        return None
    h = host_at(pos)
    stamps = [(m.start(), float(m.group(1))) for m in PRINTK.finditer(text, 0, pos)]
    before = [(host_at(p), t) for p, t in stamps[-10:]]
    offs = [hp - t for hp, t in before if hp is not None]
    return round(h - min(offs), 3) if h is not None and offs else None


def milestones(text, arrived):
    return {key: estimate(text, arrived, needle) for key, needle, _ in IT_STAGES}


def prompt_failure(r, fig, gave_up=None):
    """The nobek case: the boot must end at the passphrase prompt, nothing else."""
    why = []
    if not r["prompt"] or fig["prompt_s"] is None:
        why.append("no passphrase prompt")
    if r["root_reached"]:
        why.append("root reached without a key")
    if r["panic"] or r["crash"]:
        why.append("crash: %s" % "; ".join(r["crash"][:3]))
    if gave_up:
        why.append("initramfs-tools gave up: %s" % gave_up)
    return ", ".join(why) or None


def failure(r, fig, gave_up=None):
    why = []
    if gave_up:
        why.append("initramfs-tools gave up: %s" % gave_up)
    if not r["root_reached"]:
        why.append("root not reached")
    if r["prompt"]:
        why.append("passphrase prompt")
    if r["panic"] or r["crash"]:
        why.append("crash: %s" % "; ".join(r["crash"][:3]))
    if r["hung"]:
        why.append("hung until the deadline")
    if fig["unlock_s"] is None:
        why.append("no 'bench: dm-crypt active' line")
    return ", ".join(why) or None


# B's key device (--key-device): systemd 247 (Debian 11) unquotes the kernel command line
# once more than 252 does, so there it takes BEK\\x20VOLUME (seen in make gen-bench's first
# run: "Timed out waiting for device /dev/disk/by-label/BEKx20VOLUME" after 90 s).
KEY_DEVICE = "/dev/disk/by-label/BEK\\x20VOLUME"
STACK = None       # --stack: what built the images, instead of the host's dracut
KERNEL = None      # --kernel (qemu/gen.mk's gen-bench: another release's kernel)
SMP = 1            # --smp: the guest's vCPUs


def kernel_path():
    if KERNEL:
        return KERNEL
    kver = open(B + "/kernel/kver").read().strip()
    return "%s/kernel/boot/vmlinuz-%s" % (B, kver)


def run_boot(case, image, rnd, initrd, log):
    argv = ["--initrd", initrd, "--disk", case.root] + (["--disk", case.bek] if case.bek else []) + [
            "--cpu", case.cpu, "--smp", str(SMP),
            "--deadline", str(DEADLINE), "--prompt-grace", str(2 if case.prompt else PROMPT_GRACE),
            "--log", log]
    for arg in case.kernel_args(image):
        argv += ["--append", arg]
    a = boot.parser().parse_args(argv)
    a.kernel = kernel_path()
    b = BenchBoot(a)
    b.run()
    r = b.result()
    fig = figures(b.text, r["events"])
    fig["prompt_s"] = estimate(b.text, getattr(b, "arrived", []), PROMPT_ANY)
    rec = {"case": case.name, "round": rnd, "image": image, "initrd": initrd,
           "kernel_args": case.kernel_args(image), "cpu": case.cpu, "figures": fig,
           "debug": debug_split(b.text) if image in OURS else None,
           "qemu": r["qemu"], "wall_total_s": r["wall_s"], "events": r["events"], "log": log,
           "initramfs_tools_errors": IT_ERROR.findall(b.text),
           "milestones": milestones(b.text, getattr(b, "arrived", []))}
    rec["failure"] = (prompt_failure if case.prompt else failure)(r, fig, getattr(b, "gave_up", None))
    return rec


CALIB_LINE = re.compile(r"bench: argon2id derivation \d+: ([\d.]+) ms")


def run_calib(calib, rnd, log):
    """The bare guest of bench-images.sh calib: three argon2id derivations, their median."""
    argv = ["--initrd", calib, "--deadline", "60", "--append", "printk.devkmsg=on", "--log", log]
    a = boot.parser().parse_args(argv)
    a.kernel = kernel_path()
    b = boot.Boot(a)
    b.run()
    ms = [float(x) for x in CALIB_LINE.findall(b.text)]
    return {"round": rnd, "image": "K", "initrd": calib, "derivations_ms": ms,
            "calib_s": statistics.median(ms) / 1000 if ms else None, "qemu": b.status,
            "wall_total_s": round(b.wall, 2), "log": log,
            "failure": None if len(ms) == 3 else "calibration: %d of 3 derivation lines" % len(ms)}


# ---- statistics and tables ------------------------------------------------------------------
def fmt(v, unit="s"):
    if v is None:
        return "n/a"
    if unit == "s":
        return "%.2f" % v
    if unit == "x":
        return "%.2f" % v
    if unit == "kB":
        return "%d" % v
    return "%.1f" % v


def summary(values, unit="s"):
    """'median (min-max)' of the values present; n/a if none; the count if some missing."""
    vals = [v for v in values if v is not None]
    if not vals:
        return "n/a"
    sep = " to " if min(vals) < 0 else "-"       # "-1.20 to -0.50", not "-1.20--0.50"
    s = "%s (%s%s%s)" % (fmt(statistics.median(vals), unit), fmt(min(vals), unit), sep,
                         fmt(max(vals), unit))
    if len(vals) < len(values):
        s += " [%d of %d]" % (len(vals), len(values))
    return s


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def ratios(num, den):
    return [a / b if a is not None and b else None for a, b in zip(num, den)]


def per_image(recs, rounds, key, src="figures"):
    """{image: [value of round 0, 1, ...]} (None where the figure is missing or the boot
    failed: a failed boot's figures are left out)."""
    out = {}
    for im in ALL_IMAGES:
        vals = []
        for rnd in range(rounds):
            rec = recs.get((im, rnd))
            d = rec and not rec["failure"] and rec.get(src)
            vals.append(d.get(key) if d else None)
        out[im] = vals
    return out


ROWS = [
    ("prompt_s", "kernel start -> passphrase prompt (s, estimated: prompts carry no printk time)"),
    ("unlock_s", "kernel start -> root unlocked (s)"),
    ("bek_disk_s", "kernel start -> BEK disk appeared (s)"),
    ("bek_to_unlock_s", "BEK disk appeared -> root unlocked (s)"),
    ("bek_started_s", "kernel start -> bek-unlock started (s)"),
    ("started_to_unlock_s", "bek-unlock started -> root unlocked (s)"),
    ("root_s", "kernel start -> switch_root (root's init) (s)"),
    ("wall_s", "QEMU start -> root reached, wall (s)"),
    ("crng_s", "kernel start -> random: crng init done (s)"),
    ("crng_minus_unlock_s", "crng init done minus root unlocked (s)"),
]


def slot2_rows(recs, rounds, cols, pairs):
    """Ours derives once (keyslot 2, from its token), stock tries keyslots 0, 1, 2 in order:
    stock minus its ours pair should be about two derivations; one derivation is timed in a
    bare guest (the calibration boot, K) in the same round. The first table keeps its
    labels (B - A, C - A); the second gives C - D and F - E."""
    one = [r["calib_s"] if r and not r["failure"] else None
           for r in (recs.get(("K", rnd)) for rnd in range(rounds))]
    v = per_image(recs, rounds, "bek_to_unlock_s")
    ours_of = {stock: ours for ours, stock in pairs}
    act, extra, deriv = [], [], []
    for i in cols:
        if i in OURS:
            act.append(summary([x / 1000 if x is not None else None
                                for x in per_image(recs, rounds, "derive_ms", "debug")[i]]))
        else:
            act.append("")
        o = ours_of.get(i)
        if o is None or i in OURS:
            extra.append("")
            deriv.append("")
            continue
        e = [x - a if x is not None and a is not None else None for x, a in zip(v[i], v[o])]
        extra.append(summary(e))
        deriv.append(summary(ratios(e, one), "x"))
    blank = " |" * len(pairs)
    first = cols[0] == "A"
    out = [
        "| one argon2id derivation, timed in a bare guest in the same round (s) | %s |%s%s"
        % (summary(one), " |" * (len(cols) - 1), blank),
        "| %s: key derivation + activation, bek-unlock's debug line (s) | %s |%s"
        % ("A" if first else "ours", " | ".join(act), blank),
    ]
    if pairs:     # a table of lone images has no stock image with its ours to subtract
        out += [
            "| minus %s: BEK disk appeared -> root unlocked, same round (s) | %s |%s"
            % ("A" if first else "the pair's bek-unlock image (C - D, F - E)", " | ".join(extra),
               blank),
            "| the same in argon2id derivations of the same round (expected: about 2) | %s |%s"
            % (" | ".join(deriv), blank),
        ]
    return out


def table(case, recs, rounds, cols, pairs):
    def row(cells):
        return "| " + " | ".join(cells) + " |"
    out = [row(["figure"] + [IMAGE_NAMES[i] for i in cols] + ["%s/%s" % p for p in pairs]),
           "|" + " --- |" * (1 + len(cols) + len(pairs))]
    for key, label in ROWS:
        v = per_image(recs, rounds, key)
        if not any(x is not None for i in cols for x in v[i]):
            continue     # a figure this case has not (no BEK disk, no prompt, no bek-unlock)
        ours_only = key in ("bek_started_s", "started_to_unlock_s")
        cells = ["" if ours_only and i not in OURS else summary(v[i]) for i in cols]
        if ours_only or key in ("crng_s", "crng_minus_unlock_s"):
            rat = [""] * len(pairs)
        else:
            rat = [summary(ratios(v[a], v[b]), "x") if a in case_images(case) and b in case_images(case) else ""
                   for a, b in pairs]
        out.append(row([label] + cells + rat))
    if case.name == "slot2":
        out += slot2_rows(recs, rounds, cols, pairs)
    return "\n".join(out)


def tables(case, recs, rounds):
    """One table per group of pairs (A/B, A/C; D/C, E/F) with both images of a pair run."""
    out, shown, ims = [], set(), case_images(case)
    for cols, pairs in TABLES:
        pairs = tuple(p for p in pairs if p[0] in ims and p[1] in ims)
        if pairs:
            cols = tuple(i for i in cols if any(i in p for p in pairs))
            shown.update(cols)
            out.append(table(case, recs, rounds, cols, pairs))
    # Images of no pair (e.g. --images "A D"): a table of their own, without ratios.
    lone = tuple(i for i in ims if i not in shown)
    if lone:
        out.append(table(case, recs, rounds, lone, ()))
    return "\n\n".join(out)


def stage_table(recs, rounds):
    """E and F: when initramfs-tools' stages began (kernel clock, estimated from when their
    console lines arrived: milestones()), next to the printk figures."""
    its = [i for i in ("E", "F") if i in IMAGES]
    if not its:
        return ""
    out = ["| initramfs-tools stages, kernel clock estimated from the console (s) | %s |"
           % " | ".join(IMAGE_NAMES[i] for i in its), "|" + " --- |" * (1 + len(its))]
    for key, _, label in IT_STAGES:
        v = per_image(recs, rounds, key, "milestones")
        if any(x is not None for i in its for x in v[i]):
            out.append("| %s | %s |" % (label, " | ".join(summary(v[i]) for i in its)))
    for key, label in (("bek_disk_s", "BEK disk appeared (printk)"),
                       ("bek_started_s", "bek-unlock started (printk, E)"),
                       ("unlock_s", "root unlocked (printk)")):
        v = per_image(recs, rounds, key)
        out.append("| %s | %s |" % (label, " | ".join(summary(v[i]) for i in its)))
    return "\n".join(out)


CRITICAL = ("critical_ms", "on the critical path: volume and BEK disk known -> activation call", None, None)


def debug_table(recs, rounds):
    ours = [i for i in OURS if i in IMAGES]
    if not ours:
        return ""
    out = ["| bek-unlock's own split (rd.bek.debug), median (min-max) | %s |"
           % " | ".join(IMAGE_NAMES[i] for i in ours), "|" + " --- |" * (1 + len(ours))]
    for key, label, _, _ in DEBUG_FIELDS + [CRITICAL]:
        v = per_image(recs, rounds, key, "debug")
        out.append("| %s%s | %s |" % (label, "" if key == "vmhwm_kb" else " (ms)", " | ".join(
            summary(v[i], "kB" if key == "vmhwm_kb" else "ms") for i in ours)))
    return "\n".join(out)


TARGET_OWN_MS = 50
# Kernel start -> the root's init, median of the pairwise ratios, ours over stock: at most
# 0.9 on a guest with 2 vCPUs (most Azure sizes), no worse than stock (1.0) on one vCPU.
TARGET_ROOT = {1: 1.0}
TARGET_ROOT_SMP = 0.9
# A host without a BEK disk (nobek): kernel start -> the prompt, at most 1.1 of stock's.
TARGET_PROMPT = 1.1


def ratio_line(recs, rounds, key, what, o, st, target):
    v = per_image(recs, rounds, key)
    r = med(ratios(v[o], v[st]))
    return "- %s: median %s %s s, %s %s s; median of the pairwise ratios %s/%s %s, target <= %.1f: %s" % (
        what, o, fmt(med(v[o])), st, fmt(med(v[st])), o, st, fmt(r, "x"), target,
        "n/a" if r is None else "met" if r <= target else "NOT met")


def targets(case, recs, rounds):
    """The targets, measured. Headline: kernel start -> the root's init, ours over stock
    (A/B, D/C, E/F), at most 0.9 with 2 or more vCPUs, 1.0 with one; kernel start -> root
    unlocked alongside. nobek: kernel start -> passphrase prompt at most 1.1 (A/B, D/C).
    bek-unlock's own time outside key derivation below 50 ms (A)."""
    def m(key):
        return med(per_image(recs, rounds, key, "debug")["A"])
    ims = case_images(case)
    out = []
    pairs = [(o, st) for o, st in (("A", "B"), ("D", "C"), ("E", "F")) if o in ims and st in ims]
    if case.prompt:
        for o, st in pairs:
            out.append(ratio_line(recs, rounds, "prompt_s", "kernel start -> passphrase prompt",
                                  o, st, TARGET_PROMPT))
        return "Targets (%d vCPU):\n%s" % (SMP, "\n".join(out))
    target = TARGET_ROOT.get(SMP, TARGET_ROOT_SMP)
    for o, st in pairs:
        out.append(ratio_line(recs, rounds, "root_s", "kernel start -> root's init (headline)", o, st, target))
    for o, st in pairs:
        out.append(ratio_line(recs, rounds, "unlock_s", "kernel start -> root unlocked", o, st, target))
    if "A" in ims:
        for key, what in (("own_cpu_ms", "own CPU time outside key derivation (since exec)"),
                          ("own_ms", "own wall time outside key derivation and udev waits"),
                          ("critical_ms", "own wall time on the critical path (volume and BEK disk "
                           "known -> activation)")):
            v = m(key)
            out.append("- A, %s: median %s ms, target < %d ms: %s" % (
                what, fmt(v, "ms"), TARGET_OWN_MS,
                "n/a" if v is None else "met" if v < TARGET_OWN_MS else "NOT met"))
    return "Targets (%d vCPU):\n%s" % (SMP, "\n".join(out))


def crng_note(recs):
    """How many boots printed "random: crng init done" at all (before the root's init)."""
    ok = [r for r in recs.values() if not r["failure"]]
    parts = []
    for im in IMAGES:
        rs = [r for r in ok if r["image"] == im]
        seen = [r for r in rs if r["figures"]["crng_s"] is not None]
        before = [r for r in seen if r["figures"]["unlock_s"] is not None
                  and r["figures"]["crng_s"] < r["figures"]["unlock_s"]]
        parts.append("%s %d of %d (before the unlock: %d)" % (IMAGE_NAMES[im], len(seen), len(rs),
                                                              len(before)))
    return "\"random: crng init done\" printed in: " + "; ".join(parts) + "."


# ---- machine, sizes -------------------------------------------------------------------------
def first_line(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                model = l.split(":", 1)[1].strip()
                break
    kvm = os.path.exists("/dev/kvm")
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "qemu": first_line(["qemu-system-x86_64", "--version"]),
        "accel": "TCG (no KVM: boot.py uses -accel tcg%s)" % ("; /dev/kvm exists" if kvm else ""),
        "guest_kernel": (os.path.basename(KERNEL).replace("vmlinuz-", "") if KERNEL
                         else open(B + "/kernel/kver").read().strip()),
        "dracut": STACK or first_line(["dracut", "--version"]),
        "host": "%s %s" % (platform.system(), platform.release()),
        "loadavg": open("/proc/loadavg").read().split()[:3],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def cpio_sizes(path, tmpdir):
    """(format, bytes of the cpio, bytes of that cpio at zstd -15): the dracut images are
    built uncompressed (qemu/initramfs.sh), the initramfs-tools ones zstd (as Debian's)."""
    with open(path, "rb") as f:
        magic = f.read(4)
    fmt_ = "zstd" if magic == ZSTD_MAGIC else "cpio"
    raw = path
    if fmt_ == "zstd":
        raw = os.path.join(tmpdir, os.path.basename(path) + ".cpio")
        if subprocess.run(["zstd", "-d", "-q", "-f", "-o", raw, path]).returncode != 0:
            return fmt_, None, None
    try:
        n = os.path.getsize(raw)
        p = subprocess.Popen(["zstd", "-15", "-q", "-c", raw], stdout=subprocess.PIPE)
        z = 0
        while True:
            chunk = p.stdout.read(1 << 20)
            if not chunk:
                break
            z += len(chunk)
        return fmt_, n, z if p.wait() == 0 else None
    finally:
        if raw != path:
            os.unlink(raw)


def sizes(initrds, tmpdir):
    out = ["| initramfs | file as built (bytes) | cpio, uncompressed (bytes) | zstd -15 of the cpio (bytes) |",
           "| --- | --- | --- | --- |"]
    res = {}

    def num(v):
        return "{:,}".format(v) if v is not None else "n/a"
    for im in IMAGES:
        built = os.path.getsize(initrds[im])
        fmt_, raw, z = cpio_sizes(initrds[im], tmpdir)
        res[im] = {"path": initrds[im], "bytes": built, "format": fmt_, "cpio_bytes": raw,
                   "zstd15_bytes": z}
        out.append("| %s | %s (%s) | %s | %s |" % (IMAGE_NAMES[im], num(built), fmt_, num(raw), num(z)))
    return "\n".join(out), res


# ---- main -----------------------------------------------------------------------------------
def case_images(case):
    """The images of this run the case boots, in the run's order."""
    return tuple(i for i in IMAGES if i in case.images)


def run_case(case, rounds, initrds, logdir, calib):
    recs = {}
    for rnd in range(rounds):
        if case.name == "slot2":
            log = "%s/%s-%dcpu-K-%d.log" % (logdir, case.name, SMP, rnd + 1)
            rec = recs[("K", rnd)] = run_calib(calib, rnd + 1, log)
            rec["case"] = case.name
            print("  %s round %d/%d K bare-guest argon2id: %s; %s ms" % (
                case.name, rnd + 1, rounds, "FAILED (%s)" % rec["failure"] if rec["failure"] else "ok",
                " ".join("%.0f" % x for x in rec["derivations_ms"]) or "none"), flush=True)
        # The order turns by one image each round: the first boot of a round (after the
        # previous round's last, or after K) was measured 0.5-0.8 s slower than the second
        # with the same image (slot2, 2026-11-29), which a fixed order charged to A.
        ims = case_images(case)
        k = rnd % len(ims)
        for im in ims[k:] + ims[:k]:
            log = "%s/%s-%dcpu-%s-%d.log" % (logdir, case.name, SMP, im, rnd + 1)
            rec = run_boot(case, im, rnd + 1, initrds[im], log)
            recs[(im, rnd)] = rec
            f = rec["figures"]
            print("  %s round %d/%d %s: %s; %s wall %s s%s" % (
                case.name, rnd + 1, rounds, IMAGE_NAMES[im],
                "FAILED (%s)" % rec["failure"] if rec["failure"] else "ok",
                "prompt %s s," % fmt(f["prompt_s"]) if case.prompt else
                "unlocked %s s, root %s s," % (fmt(f["unlock_s"]), fmt(f["root_s"])), fmt(f["wall_s"]),
                ("" if not rec["failure"] else "; log " + log) +
                "".join("; %s" % e for e in rec["initramfs_tools_errors"][:3])), flush=True)
    return recs


def main():
    global IMAGES, KERNEL, STACK, KEY_DEVICE, SMP
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cases", nargs="*", default=["main", "slot2", "nornd"])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--dir", default=B + "/bench")
    p.add_argument("--command", default=None, help="the command line to print in the header")
    p.add_argument("--calib", default=None,
                   help="slot2: the bare argon2id guest (bench-images.sh calib), booted each round")
    p.add_argument("--images", default=" ".join(ALL_IMAGES),
                   help="the images to boot, in this order each round (default: %(default)s)")
    p.add_argument("--kernel", default=None, help="the guest kernel (default: the unpacked test kernel)")
    p.add_argument("--stack", default=None, help="what built the images (default: the host's dracut)")
    p.add_argument("--smp", type=int, default=1, help="the guest's vCPUs (default: %(default)s)")
    p.add_argument("--key-device", default=None, help="B's rd.luks.key= device (default: %s)" % KEY_DEVICE.replace("%", "%%"))
    a = p.parse_args()
    IMAGES = tuple(a.images.split())
    SMP = a.smp
    KERNEL, STACK, KEY_DEVICE = a.kernel, a.stack, a.key_device or KEY_DEVICE
    bad = [i for i in IMAGES if i not in ALL_IMAGES]
    if bad or not IMAGES or len(set(IMAGES)) != len(IMAGES):
        p.error("--images: a list of distinct images among %s" % " ".join(ALL_IMAGES))
    all_cases = cases(a.dir)
    unknown = [c for c in a.cases if c not in all_cases]
    if "slot2" in a.cases and not a.calib:
        p.error("slot2 needs --calib (make bench builds it)")
    if unknown or a.rounds < 1:
        p.error("unknown case(s) %s (known: %s)" % (" ".join(unknown), " ".join(all_cases))
                if unknown else "--rounds must be at least 1")
    initrds = {im: "%s/initrd-%s.img" % (a.dir, im.lower()) for im in IMAGES}
    missing = [initrds[i] for i in IMAGES if not os.path.exists(initrds[i])]
    if missing:
        p.error("not built: %s (make bench builds them)" % " ".join(missing))
    logdir = a.dir + "/logs"
    os.makedirs(logdir, exist_ok=True)
    command = a.command or " ".join(["qemu/bench.py"] + sys.argv[1:])
    m = machine()
    header = ("Machine: %d cores, %s; %s, %s; guest kernel %s, 512 MiB, %d vCPU; %s; load average "
              "at start %s. Command: `%s`" % (m["nproc"], m["cpu"], m["qemu"], m["accel"],
                                              m["guest_kernel"], SMP, m["dracut"], " ".join(m["loadavg"]),
                                              command))
    print(header, flush=True)
    failed, done, took = [], {}, {}
    t0 = time.monotonic()
    for name in a.cases:
        case = all_cases[name]
        tc = time.monotonic()
        print("case %s: %d rounds x %s, one boot at a time" % (name, a.rounds, " ".join(case_images(case))),
              flush=True)
        recs = run_case(case, a.rounds, initrds, logdir, a.calib)
        done[name], took[name] = recs, time.monotonic() - tc
        failed += [r for r in recs.values() if r["failure"]]
        with open("%s/results-%s-%dcpu.json" % (a.dir, name, SMP), "w") as f:
            json.dump({"case": name, "title": case.title, "rounds": a.rounds, "machine": m,
                       "command": command, "header": header,
                       "images": list(case_images(case)), "smp": SMP,
                       "boots": [recs[k] for k in sorted(recs, key=lambda k: (k[1], "KABCDEF".index(k[0])))]},
                      f, indent=1)
    outputs = []
    for name in a.cases:
        case, recs = all_cases[name], done[name]
        outputs.append("\n\n".join([
            "### %s: %s" % (name, case.title),
            "%d rounds; each cell: median (min-max) over rounds; ratios pair by pair (round i's "
            "ours over round i's stock: A/B, A/C, D/C, E/F)." % a.rounds,
            tables(case, recs, a.rounds),
            debug_table(recs, a.rounds),
            stage_table(recs, a.rounds),
            targets(case, recs, a.rounds),
            crng_note(recs),
            "%d boots in %.0f s." % (len(recs), took[name])]))
    size_text, size_res = sizes(initrds, a.dir)
    with open("%s/sizes.json" % a.dir, "w") as f:
        json.dump(size_res, f, indent=1)
    print("## bek-unlock benchmark\n\n%s\n\n%s\n\n%s\n" % (header, "\n\n".join(outputs), size_text))
    print("Total %.0f s; load average at the end %s (a busy host spreads the figures)."
          % (time.monotonic() - t0, " ".join(open("/proc/loadavg").read().split()[:3])))
    if failed:
        print("\nFAILED BOOTS (%d): the figures above leave them out:" % len(failed))
        for r in failed:
            print("  FAILED %s round %d %s: %s (log %s)" % (r["case"], r["round"],
                                                           IMAGE_NAMES[r["image"]], r["failure"], r["log"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
