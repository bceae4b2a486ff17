#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the bek-unlock QEMU scenario matrix, two boots at a time.

  qemu/scenarios.py                 all scenarios
  qemu/scenarios.py a d             a subset, by name
  qemu/scenarios.py --demo          boot scenario a and show the console lines that matter
  qemu/scenarios.py --list          names and descriptions

Each row: scenario | case | expected | observed | PASS/FAIL; then the timing of each
scenario; the last line is "N passed, N failed".  Every boot must also be free of crashes,
panics and hangs (SANE), whatever its own checks say.
"""
import argparse
import concurrent.futures
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402

B = boot.BUILD
IMG = B + "/images/"
PASS0 = "typed-passphrase-0"
DEADLINE = 180       # seconds; a boot takes ~15 s under TCG on an idle host, 30-45 s on a busy one
STEPPED_ASIDE = "and nothing marks this volume as bek-unlock's"
PROMPT_GRACE = 15   # seconds left to a boot that prompts when nothing is to be typed
HOTPLUG_UNLOCK = 20  # seconds from a hot-plug to "unlocked": "as soon as it appears", under TCG
KEY = "LinuxPassPhraseFileName"


# ---- checks: (label, predicate on boot.py's result) ------------------------------------------
def line(text):
    return ('"%s"' % text, lambda r: any(text in l for l in r["bek_lines"]))


def no_line(text):
    return ('not "%s"' % text, lambda r: not any(text in l for l in r["bek_lines"]))


def count(text, n):
    """Exactly n bek-unlock lines contain text, not counting the give-up line (which repeats
    the last reason): n attempts, no retry storm."""
    def pred(r):
        return sum(text in l and GAVE_UP_END not in l for l in r["bek_lines"]) == n
    return ('%d x "%s"' % (n, text), pred)


def order(*texts):
    """bek-unlock lines containing each text appear, in this order."""
    def pred(r):
        first = [next((i for i, l in enumerate(r["bek_lines"]) if t in l), None) for t in texts]
        return None not in first and first == sorted(first)
    return (" < ".join('"%s"' % t for t in texts), pred)


def before_prompt(text):
    """A bek-unlock line containing text is printed before the first passphrase prompt."""
    def pred(r):
        kinds = [k for k, t in r["transcript"] if k == "prompt" or (k == "bek" and text in t)]
        return bool(kinds) and kinds[0] == "bek" and "prompt" in kinds
    return ('"%s" < prompt' % text, pred)


# The rows that time a short rd.bek.timeout (5 s) run without the aes flag: with it, udev's
# coldplug loads aesni_intel, whose self-tests hold the one vCPU 2-3 s under TCG (seconds
# more on a loaded host: the guest stalled 2.1 s once; milliseconds on a real CPU), and
# such a row then measures TCG, not bek-unlock. The AES-NI rows (a, aesni-late) keep it.
NO_AES = "max,aes=off"


def gave_up(timeout, disk="vda", since=None):
    """With rd.bek.timeout=timeout and no BEK disk: bek-unlock gives up with the reason that
    is true of what the guest showed, before the prompt: "no BEK disk ... appeared within"
    when the kernel announced the LUKS disk (its "[vda]" line) at least 1 s earlier by the
    kernel's clock, "LUKS device ... did not appear within" when it had not announced it
    yet (a guest several times slower than ours: the disk came after the timeout), either
    one within 1 s of the announcement. With since (a transcript text, e.g. the unit's start
    line), the give-up also comes timeout - 0.5 .. timeout + 5 + 3 s after it (gap())."""
    bek = 'no BEK disk labelled "BEK VOLUME" appeared within %d s' % timeout
    dev = "did not appear within %d s" % timeout
    both = "within %d s; leaving" % timeout

    def pred(r):
        tr, tt = r["transcript"], r.get("transcript_times") or []
        i = next((i for i, (k, t) in enumerate(tr) if k == "bek" and (bek in t or dev in t)), None)
        if i is None or not any(k == "prompt" for k, _ in tr[i + 1:]):
            return False
        printk = lambda j: tt[j][1] if j < len(tt) else None  # noqa: E731
        shown = [printk(j) for j, (k, t) in enumerate(tr[:i]) if k == "kernel" and "[%s]" % disk in t]
        at = printk(i)
        if not shown:
            return dev in tr[i][1]
        if shown[0] is None or at is None or at - shown[0] >= 1:
            return bek in tr[i][1]
        return True
    checks = [('"%s" (or, %s not announced yet, "%s") < prompt' % (bek, disk, dev), pred)]
    return checks + ([gap(since, both, timeout - 0.5, timeout + 5 + 3)] if since else [])


def kernel(text):
    """A kernel line (boot.py's transcript kind "kernel": FAT-fs/EXT4-fs errors) contains text."""
    return ('kernel "%s"' % text, lambda r: any(k == "kernel" and text in t for k, t in r["transcript"]))


def within(event, since, seconds):
    """Console event `event` comes at most `seconds` after event `since` (boot.py's events)."""
    def pred(r):
        e = r["events"]
        return event in e and since in e and 0 <= e[event] - e[since] <= seconds
    return ("%s <= %s + %d s" % (event, since, seconds), pred)


def line_re(pattern):
    """A bek-unlock line matches the regular expression."""
    pat = re.compile(pattern)
    return ("/%s/" % pattern, lambda r: any(pat.search(l) for l in r["bek_lines"]))


# Kernel arguments that put each module request on the console (checked by no_modprobe).
TRACE_MODPROBE = ["trace_event=module:module_request", "tp_printk"]


def no_modprobe(*modules):
    """The kernel asked modprobe for none of these modules (a boot with TRACE_MODPROBE: the
    trace must show other requests, or the check could not see any)."""
    def pred(r):
        with open(r["log"], errors="replace") as f:
            asked = re.findall(r"module_request: (\S+) wait=", f.read())
        return bool(asked) and not set(asked) & set(modules)
    return ("no modprobe for %s" % ", ".join(modules), pred)


def loaded_after(text, module):
    """The kernel loaded module only after the bek-unlock line containing text, or never (a
    boot with trace_event=module:module_load: the trace must show some load)."""
    def pred(r):
        with open(r["log"], errors="replace") as f:
            log = f.read()
        said = log.find("bek-unlock: ")
        said = log.find(text, said) if said >= 0 else -1
        loads = [m.start() for m in re.finditer(r"module_load: %s\b" % re.escape(module), log)]
        return "module_load: " in log and said >= 0 and all(p > said for p in loads)
    return ("%s loaded only after \"%s\"" % (module, text), pred)


def console(text):
    """The guest's console log (any line, a test hook's included) contains text."""
    def pred(r):
        with open(r["log"], errors="replace") as f:
            return text in f.read()
    return ('console "%s"' % text, pred)


# The template names dm-crypt's lookup of xts(aes) asks modprobe for when the kernel has
# no xts(aes) yet (src/kcrypto.h); "crypto-aes" is another matter: the alias of aesni_intel.
XTS_TEMPLATE_MODULES = ("crypto-xts(aes)", "crypto-xts(aes)-all", "crypto-aes-all",
                        "crypto-ecb(aes)", "crypto-ecb(aes)-all")


def modprobe_at_most(module, n):
    """The kernel asked modprobe for module at most n times (a boot with TRACE_MODPROBE)."""
    def pred(r):
        with open(r["log"], errors="replace") as f:
            asked = re.findall(r"module_request: (\S+) wait=", f.read())
        return bool(asked) and asked.count(module) <= n
    return ("modprobe for %s at most %d x" % (module, n), pred)


def xts_aes_held(driver):
    """After switch_root, the kernel's xts(aes) that dm-crypt holds for the root (rootinit:
    refcnt above 1) is driver, and no other xts(aes) is held."""
    def pred(r):
        entries = [e.rpartition(":") for e in (r.get("xts_aes") or "").split(",")]
        return [d for d, _, n in entries if n.isdigit() and int(n) > 1] == [driver]
    return ("xts(aes) held: %s" % driver, pred)


def modules_not_loaded(*names):
    """After switch_root, none of these kernel modules is loaded (rootinit's list, which
    must be there: a boot without it fails)."""
    def pred(r):
        loaded = r.get("modules")
        return loaded is not None and not set(names) & set(loaded.split(","))
    return ("modules not loaded: %s" % " ".join(names), pred)


# aesni_intel's own xts(aes) (priority 401), the one a stock boot on an AES-NI machine holds.
AESNI_XTS = "xts-aes-aesni"


def last_line(text):
    """The last bek-unlock line of the boot contains text (nothing printed after it was lost)."""
    return ('last line "%s"' % text, lambda r: bool(r["bek_lines"]) and text in r["bek_lines"][-1])


def last_before_prompt(text):
    """The last bek-unlock line before the first passphrase prompt contains text."""
    def pred(r):
        before = []
        for k, t in r["transcript"]:
            if k == "prompt":
                return bool(before) and text in before[-1]
            before += [t] if k == "bek" else []
        return False
    return ('last line before prompt "%s"' % text, pred)


def gap_seconds(r, text_a, text_b):
    """Seconds from the first transcript line containing text_a to the first line after it
    containing text_b, and the clock used: the kernel's printk time when both lines carry
    one, else when the host saw them (boot.py's transcript_times); (None, why) if absent."""
    tr, tt = r["transcript"], r.get("transcript_times") or []
    ia = next((i for i, (k, t) in enumerate(tr) if text_a in t), None)
    if ia is None:
        return None, "no line with %r" % text_a
    ib = next((i for i in range(ia + 1, len(tr)) if text_b in tr[i][1]), None)
    if ib is None or ib >= len(tt):
        return None, "no line with %r after it" % text_b
    (ha, pa), (hb, pb) = tt[ia], tt[ib]
    if pa is not None and pb is not None:
        return round(pb - pa, 2), "printk"
    if ha is None or hb is None:
        return None, "untimed"
    return round(hb - ha, 2), "host"


def gap(text_a, text_b, lo, hi):
    """The first line containing text_b comes lo..hi seconds after the first containing
    text_a (gap_seconds); the measure is kept in r["gaps"] for the timing lines."""
    label = '"%s" - "%s" in %g..%g s' % (text_b, text_a, lo, hi)

    def pred(r):
        g, clock = gap_seconds(r, text_a, text_b)
        r.setdefault("gaps", []).append("%s: %s" % (label, "%.2f s (%s)" % (g, clock) if g is not None else clock))
        return g is not None and lo <= g <= hi
    return (label, pred)


def vs_base(seconds):
    """Scenario with versus_base: the bek boot's prompt comes at most `seconds` after the
    baseline boot's (prompt time since QEMU start), and both reach root with the passphrase."""
    def pred(r):
        b = r.get("base") or {}
        p, pb = r["events"].get("prompt"), (b.get("events") or {}).get("prompt")
        return (p is not None and pb is not None and p - pb <= seconds and r["root_reached"]
                and b.get("root_reached") and not b.get("crash") and not b.get("panic") and not b.get("hung"))
    return ("prompt <= base prompt + %d s, both reach root" % seconds, pred)


def before_kernel(text, kernel_text):
    """A bek-unlock line containing text comes before any kernel line containing
    kernel_text (or there is no such kernel line)."""
    def pred(r):
        kinds = [k for k, t in r["transcript"] if (k == "bek" and text in t) or (k == "kernel" and kernel_text in t)]
        return bool(kinds) and kinds[0] == "bek"
    return ('"%s" < kernel "%s"' % (text, kernel_text), pred)


def unlocked(dev="/dev/vda", bek="/dev/vd"):
    """"unlocked DEV as NAME in N ms (keyslot N, key file "F" on BEK)"; a bare "unlocked"
    would also match "not unlocked"."""
    pat = re.compile(r"unlocked %s as \S+ in \d+ ms \(.* on %s" % (dev, bek))
    return ("unlocked %s from %s" % (dev, bek), lambda r: any(pat.search(l) for l in r["bek_lines"]))


def dm(*names):
    """These device-mapper devices exist after switch_root ({uuid}, {data}: see ids())."""
    def pred(r):
        return set(n.format(**ids()) for n in names) <= set((r.get("dm") or "").split(","))
    return ("dm=%s" % ",".join(names), pred)


PROMPT = ("prompt", lambda r: r["prompt"])
NO_PROMPT = ("no prompt", lambda r: not r["prompt"])
ROOT = ("root", lambda r: r["root_reached"])
NOT_MOUNTED = ("bek-mounted=no", lambda r: r["bek_mounted"] == "no")
NO_KEYS = ("key-material=none", lambda r: r["key_material"] == "none")
# udev made /dev/disk/by-uuid links for the opened volume in the initramfs: the dm
# device's udev events (libdevmapper's cookies, statically linked) were processed.
BY_UUID = ("by-uuid link of the opened volume", lambda r: int(r.get("dm_by_uuid") or 0) > 0)
REACHED = [ROOT, NOT_MOUNTED, NO_KEYS, BY_UUID]
UNLOCKED = line("unlocked /dev/vda as ")
SANE = ("no crash/panic/hang", lambda r: not r.get("crash") and not r.get("panic") and not r.get("hung"))
IMAGE_SAME = ("writable images unchanged", lambda r: r.get("rw_changed") == [])
GAVE_UP = "not unlocked (no other BEK disk): "
GAVE_UP_END = "leaving it to the passphrase prompt"
FIRST = "bek-unlock:"          # gap(): from the first bek-unlock line
NOT_VFAT = 'labelled "BEK VOLUME" but ext4, not VFAT'
NO_USABLE = 'no usable BEK disk labelled "BEK VOLUME" within %d s (%d ignored: not VFAT)'


def unlocked_quietly(*extra, dev="/dev/vda"):
    """The right key was found and used: unlocked, no prompt, a clean root."""
    return [line("unlocked %s as " % dev)] + list(extra) + [NO_PROMPT] + REACHED


def prompted(reason):
    """bek-unlock names the reason, steps aside, the typed passphrase boots."""
    return [before_prompt(reason), line(GAVE_UP), no_line("unlocked /dev/"), PROMPT] + REACHED


def token_ignored(reason):
    """A refused token: reported, the default key file on the BEK disk is used."""
    return unlocked_quietly(line('token 0 ignored: %s; falling back to key file "%s" (default name)'
                                 % (reason, KEY)))


# ---- scenarios ---------------------------------------------------------------------------------
class Scenario:
    """One boot (or, with host=, a host-side check: host(initrds) returns a result dict).
    root and disks are images in IMG, attached in order (vda, vdb, ...); "IMG:rw" attaches a
    per-scenario copy writable and without snapshot, and its sha256 is compared after the boot.
    args may use {uuid} and {data} (the LUKS UUIDs of the root and data images).
    luks: "uuid" (rd.luks.uuid=), "name" (rd.luks.name=...=cryptroot) or "none" (root= only).
    hotplug: (disks, seconds, text[, at]): attach the disk (or list of disks, in order) that
    long after the console showed text, or after QEMU started when text is None; and not
    before `at` seconds after QEMU started.
    initrd: "bek", "base" or "twin" (initrd-twin.img: two bek-unlock units).
    deadline: seconds, instead of DEADLINE.  prompt_grace: seconds, instead of PROMPT_GRACE
    (a prompt that something other than the harness answers).  versus_base: boot the same disks and arguments
    with the baseline initramfs too, afterwards; its result is r["base"] (check vs_base)."""

    def __init__(self, name, desc, root, disks=(), args=(), checks=(), typed=False,
                 luks="uuid", initrd="bek", hotplug=None, memory=None, host=None, cpu=None,
                 deadline=None, versus_base=False, prompt_grace=None):
        self.name, self.desc, self.checks = name, desc, list(checks)
        self.root, self.disks, self.args = root, list(disks), list(args)
        self.typed, self.luks, self.initrd, self.hotplug = typed, luks, initrd, hotplug
        self.memory, self.host, self.cpu = memory, host, cpu
        self.deadline, self.versus_base = deadline, versus_base
        self.prompt_grace = prompt_grace

    def path(self, disk):
        """IMG:rw -> the scenario's writable copy; @BUS (boot.py's disk buses) is kept."""
        disk, at, bus = disk.partition("@")
        img, _, mode = disk.partition(":")
        if mode == "rw":
            return "%s/logs/%s-%s:rw%s%s" % (B, self.name, img, at, bus)
        return IMG + disk + at + bus

    def writable(self):
        """[(source image, the copy this scenario attaches writable)]"""
        return [(IMG + d.partition(":")[0], self.path(d).partition("@")[0].partition(":")[0])
                for d in [self.root] + self.disks if d and d.partition("@")[0].endswith(":rw")]

    def argv(self, initrds):
        luks = {"name": ["rd.luks.name={uuid}=cryptroot", "root=/dev/mapper/cryptroot"],
                "uuid": ["rd.luks.uuid={uuid}", "root=/dev/mapper/luks-{uuid}"],
                "none": ["root=/dev/mapper/luks-{uuid}"]}[self.luks]
        argv = ["--initrd", initrds[self.initrd], "--deadline", str(self.deadline or DEADLINE),
                "--prompt-grace", str(self.prompt_grace or PROMPT_GRACE), "--log", "%s/logs/%s.log" % (B, self.name)]
        for d in [self.root] + self.disks:
            if d:
                argv += ["--disk", self.path(d)]
        for a in luks + self.args:
            argv += ["--append", a.format(**ids())]
        if self.typed:
            argv += ["--passphrase", PASS0]
        if self.memory:
            argv += ["--memory", str(self.memory)]
        if self.cpu:
            argv += ["--cpu", self.cpu]
        if self.hotplug:
            disks, after, when, at = (tuple(self.hotplug) + (0,))[:4]
            for d in [disks] if isinstance(disks, str) else disks:
                argv += ["--hotplug", self.path(d)]
            argv += ["--hotplug-after", str(after), "--hotplug-at", str(at)]
            argv += ["--hotplug-when", when] if when else []
        return argv


def ids():
    """The LUKS UUIDs of the root images and of the data volume (written by images.sh)."""
    def read(name):
        return open(IMG + name).read().strip() if os.path.exists(IMG + name) else ""
    return {"uuid": read("uuid"), "data": read("uuid-data")}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


KEY_DIRS = [IMG, B + "/ade/images/", B + "/bench/images/"]


SKIPCPIO = "/usr/lib/dracut/skipcpio"


def initrd_segments(image, tmpdir):
    """The archives an initramfs is made of, in order: the image itself, then what follows
    each uncompressed cpio archive's trailer (dracut's skipcpio), each written to tmpdir.
    initramfs-tools 0.148 (Debian 13) puts an uncompressed archive of kernel modules before
    the compressed main one; lsinitrd lists and unpacks only the first (trixie's images
    showed 45 files)."""
    parts, cur = [image], image
    while os.path.exists(SKIPCPIO):
        rest = subprocess.run([SKIPCPIO, cur], check=True, capture_output=True).stdout
        if not rest.strip(b"\0") or len(rest) >= os.path.getsize(cur):
            break
        cur = os.path.join(tmpdir, "segment-%d" % len(parts))
        with open(cur, "wb") as f:
            f.write(rest)
        parts.append(cur)
    return parts


def initrd_clean(initrds):
    """Host side: no key file (by name) and no key (by content) in any initramfs the harness
    builds: the expected ones (--all-initrds: base, bek, twin, the ADE layouts; a missing one
    fails the row) and any other build/qemu/**/initrd-*.img (bench).  Keys: every *.key of
    the harness's image directories (the roots' and the ADE disks' at least)."""
    keys = {}
    for d in KEY_DIRS:
        for p in glob.glob(d + "*.key"):
            k = open(p, "rb").read()
            if k:
                keys[os.path.relpath(p, B)] = k
    expected = initrds.get("all") or [initrds["bek"], initrds["base"]]
    images = list(dict.fromkeys(expected + sorted(glob.glob(B + "/**/initrd-*.img", recursive=True))))
    missing = [i for i in expected if not os.path.exists(i)]
    ade_keys = any(n.startswith("ade/") for n in keys)
    found, counts, start = [], [], time.monotonic()
    for image in [i for i in images if os.path.exists(i)]:
        nfiles = 0
        with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as segs:
            for seg in initrd_segments(os.path.abspath(image), segs):
                subprocess.run(["lsinitrd", "--unpack", seg], cwd=tmp,
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for top, dirs, files in os.walk(tmp):
                for name in dirs + files:
                    path = os.path.join(top, name)
                    rel = "%s:%s" % (os.path.basename(image), os.path.relpath(path, tmp))
                    nfiles += 1
                    if name.startswith(KEY):
                        found.append(rel)
                    if name in files and os.path.isfile(path) and not os.path.islink(path):
                        data = open(path, "rb").read()
                        found += ["%s (holds %s)" % (rel, n) for n, k in keys.items() if k in data]
        # The raw image too: an uncompressed archive appended after the first one is not unpacked.
        raw = open(image, "rb").read()
        found += ["%s (holds %s)" % (image, n) for n, k in keys.items() if k in raw]
        counts.append((os.path.relpath(image, B), nfiles))
    # A few files or no key to look for would mean the check itself is broken.
    ok = (not missing and all(n > 100 for _, n in counts) and bool(keys) and not found
          and (ade_keys or not any("/ade/" in i for i in expected)))
    return {"ok": ok, "wall_s": time.monotonic() - start,
            "observed": "%d images (%s), %d keys searched (%s): %s%s" % (
                len(counts), ", ".join("%s %d files" % c for c in counts), len(keys),
                " ".join(sorted(keys)), ", ".join(found) or "none found",
                "; MISSING: " + ", ".join(missing) if missing else "")}


def initrd_files(image):
    files = set()
    with tempfile.TemporaryDirectory() as segs:
        for seg in initrd_segments(image, segs):
            out = subprocess.run(["lsinitrd", seg], check=True, capture_output=True).stdout.decode(errors="replace")
            # lsinitrd lists "perms links owner group size date time path[ -> target]".
            files |= {l.split()[8] for l in out.splitlines() if len(l.split()) > 8 and l[0] in "-l"}
    return files


def initrd_static(initrds):
    """Host side: what the module adds is a static binary and no shared library."""
    start = time.monotonic()
    added = sorted(initrd_files(initrds["bek"]) - initrd_files(initrds["base"]))
    libs = [f for f in added if re.search(r"\.so(\.|$)", f)]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["lsinitrd", "--unpack", os.path.abspath(initrds["bek"]), "usr/sbin/bek-unlock"],
                       cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kind = subprocess.run(["file", "-b", os.path.join(tmp, "usr/sbin/bek-unlock")],
                              capture_output=True, text=True).stdout.strip()
    static = "statically linked" in kind or "static-pie linked" in kind
    return {"ok": static and not libs and bool(added), "wall_s": time.monotonic() - start,
            "observed": "%d files added (%s); bek-unlock %s; shared libraries added: %s" % (
                len(added), ", ".join(f for f in added if not f.endswith(".ko") and
                                      not f.endswith(".ko.xz"))[:160],
                "static" if static else "NOT static", ", ".join(libs) or "none")}


PRELOAD_CONF = "etc/bek-unlock/preload"


def initrd_preload(initrds):
    """Host side: the module lists the unlock path's kernel modules for bek-unlock to load
    on a BEK boot, and every module it names is in the image (a missing one is only logged)."""
    start = time.monotonic()
    conf = subprocess.run(["lsinitrd", "-f", PRELOAD_CONF, initrds["bek"]],
                          capture_output=True, text=True).stdout.split()
    kos = {re.sub(r"\.ko(\.\w+)?$", "", os.path.basename(f)).replace("-", "_")
           for f in initrd_files(initrds["bek"]) if re.search(r"\.ko(\.\w+)?$", f)}
    missing = [m for m in conf if m.replace("-", "_") not in kos]
    return {"ok": "vfat" in conf and "dm_crypt" in conf and not missing, "wall_s": time.monotonic() - start,
            "observed": "%s: %s; not in the image: %s" % (PRELOAD_CONF, " ".join(conf) or "absent",
                                                         ", ".join(missing) or "none")}


def harness_checks(initrds):
    """Host side: the timing checks on fabricated consoles (boot.transcript parses them as
    it parses a real one): d's gap() must fail on a give-up 1 s after the unit started, or
    20 s after it, and pass at 5.5 s; printk time wins when both lines carry one; kdf-slow's
    prompt gap (no printk time on the prompt: host time) fails at 31 s."""
    start = time.monotonic()

    def check(name, text):
        return next(c[1] for c in next(x for x in SCENARIOS if x.name == name).checks
                    if " - " in c[0] and text in c[0])
    d_gap, prompt_gap = check("d", boot.UNIT_START), check("kdf-slow", FIRST)
    give_up = 'no BEK disk labelled "BEK VOLUME" appeared within 5 s; leaving luks-x to the passphrase prompt'

    def fake(seen, printk=(3.1, 4.1)):
        """seen: host times of the unit line, the first bek-unlock line, the give-up line, the prompt."""
        text = ("         Starting bek-unlock.service - Unlock encrypted volumes from the BEK disk...\n"
                "[    %.6f] bek-unlock: luks-x: LUKS2 volume on /dev/vda wants key file\n"
                "[    %.6f] bek-unlock: %s\n"
                "Please enter passphrase for disk luks-x: " % (printk[0], printk[1], give_up))
        lines, times = boot.transcript(text, seen)
        return {"transcript": lines, "transcript_times": times, "bek_lines": [t for k, t in lines if k == "bek"]}
    cases = [("d: give-up 1 s after the unit started", d_gap, fake([10, 12, 11, 12]), False),
             ("d: give-up 20 s after the unit started", d_gap, fake([10, 12, 30, 31]), False),
             ("d: give-up 5.5 s after the unit started", d_gap, fake([10, 13, 15.5, 16]), True),
             ("kdf-slow: prompt 29 s (host) after the first line", prompt_gap, fake([10, 12, 13, 41]), True),
             ("kdf-slow: prompt 31 s (host) after the first line", prompt_gap, fake([10, 12, 13, 43]), False)]
    # gave_up(): the reason must be the true one for what the kernel had announced.
    told = next(c[1] for c in next(x for x in SCENARIOS if x.name == "d").checks if "< prompt" in c[0])
    no_vda = "LUKS device /dev/vda did not appear within 5 s; leaving it to the passphrase prompt"

    def guest(vda_at, reason_at, reason):
        text = (("[    %.6f] virtio_blk virtio1: [vda] 4194304 512-byte logical blocks\n" % vda_at
                 if vda_at is not None else "") +
                "[    %.6f] bek-unlock: %s\nPlease enter passphrase for disk luks-x: " % (reason_at, reason))
        n = text.count("\n") + 1
        lines, times = boot.transcript(text, list(range(n)))
        return {"transcript": lines, "transcript_times": times}
    cases += [("d: vda at 2 s, no BEK disk at 8 s", told, guest(2, 8, give_up), True),
              ("d: vda at 2 s, 'LUKS device did not appear' at 8 s", told, guest(2, 8, no_vda), False),
              ("d: vda never announced, 'LUKS device did not appear'", told, guest(None, 8, no_vda), True),
              ("d: vda never announced, 'no BEK disk appeared'", told, guest(None, 8, give_up), False),
              ("d: vda at 7.5 s, 'LUKS device did not appear' at 8 s", told, guest(7.5, 8, no_vda), True)]
    # printk over host time: first line to give-up is 1 s by printk, 10 s by the host.
    g, clock = gap_seconds(fake([10, 12, 22, 23]), FIRST, "appeared within")
    bad = ["%s: %s, want %s" % (name, not want, want) for name, pred, r, want in cases if pred(r) != want]
    bad += [] if (g, clock) == (1.0, "printk") else ["printk gap %s (%s), want 1.0 (printk)" % (g, clock)]
    return {"ok": not bad, "wall_s": time.monotonic() - start,
            "observed": "%d fabricated consoles: %s" % (len(cases) + 1, "; ".join(bad) or "every verdict as expected")}


S = Scenario
DECOY_HOTPLUG = (["bek-good.img", "root-token.img"], 1, "found BEK disk /dev/vda")
SCENARIOS = [
    S("base", "baseline initramfs (no bek-unlock): systemd prompts, passphrase typed",
      "root-notoken.img", initrd="base", typed=True, checks=[PROMPT] + REACHED),
    # The image carries aesni_intel, as real ones do (qemu/initramfs.sh), and -cpu max has
    # the aes flag: udev loads it during the coldplug, or bek-unlock has the kernel load it
    # (one modprobe for "crypto-aes") when the unlock comes first; either way no template
    # lookups and the root on aesni_intel's own xts(aes).
    S("a", "token names the default key file; the root on AES-NI's xts(aes), no template modprobe runs",
      "root-token.img", ["bek-good.img"], TRACE_MODPROBE,
      checks=unlocked_quietly(line("found BEK disk /dev/vdb (vfat, label \"BEK VOLUME\")"),
                              line('key file "%s" (from token 0)' % KEY),
                              no_modprobe(*XTS_TEMPLATE_MODULES), modprobe_at_most("crypto-aes", 1),
                              xts_aes_held(AESNI_XTS))),
    S("b", "several key files on the BEK disk, token names %s_1_0" % KEY,
      "root-token-multi.img", ["bek-multi.img"],
      checks=unlocked_quietly(line('key file "%s_1_0" (from token 0)' % KEY))),
    S("c", "no token: default key file name",
      "root-notoken.img", ["bek-good.img"],
      checks=unlocked_quietly(line('key file "%s" (from default name)' % KEY),
                              no_line("from token"))),
    S("d", "BEK disk absent, rd.bek.timeout=5: bounded wait, prompt, passphrase typed",
      "root-token.img", [], ["rd.bek.timeout=5"], typed=True, cpu=NO_AES,
      # The wait itself: not cut short, and at most the timeout + 5 s grace + 3 s; from the
      # unit's start (host time), not from the first bek-unlock line: the timeout runs from
      # the process's start, and its first line can come seconds later under TCG (the old
      # code: "wants key file" 2.9 s after it armed its timer).
      checks=gave_up(5, since=boot.UNIT_START) + [PROMPT] + REACHED),
    S("e", "wrong key on the BEK disk (rd.luks.name=): one rejection, prompt, typed",
      "root-token.img", ["bek-wrong.img"], luks="name", typed=True,
      checks=prompted("cryptroot: key rejected by keyslot 1") + [count("rejected", 1)]),
    S("f", "key in keyslot 1 named by the token, keyslot 0 a passphrase (rd.luks.name=)",
      "root-token.img", ["bek-good.img"], luks="name",
      checks=[line("unlocked /dev/vda as cryptroot"), no_line("rejected"), NO_PROMPT] + REACHED),
    # At least 10 s after QEMU started, and 3 s after bek-unlock started waiting: on a busy
    # host, 10 s can be before the kernel has even loaded virtio_blk (no hot-plug at all).
    S("g", "BEK disk hot-plugged >= 10 s after QEMU started, while bek-unlock waits",
      "root-token.img", [], ["rd.bek.timeout=60"],
      hotplug=("bek-good.img", 3, "Starting bek-unlock", 10),
      # Which disk is vda depends on who the kernel probes first: on a slow guest (or without
      # systemd, where bek-unlock starts before udev's coldplug) the hot-plugged BEK disk can
      # come before the root disk's driver has probed it.
      checks=[line_re(r"unlocked /dev/vd[ab] as "), line_re(r'found BEK disk /dev/vd[ab] \(vfat'),
              within("unlocked", "hotplug", HOTPLUG_UNLOCK), NO_PROMPT] + REACHED),
    S("luks-late", "root LUKS disk hot-plugged 2 s after the BEK disk was found",
      None, ["bek-good.img"], ["rd.bek.timeout=60"],
      hotplug=("root-token.img", 2, "found BEK disk"),
      checks=[line("found BEK disk /dev/vda"), unlocked("/dev/vdb", "/dev/vda"),
              within("unlocked", "hotplug", HOTPLUG_UNLOCK), NO_PROMPT] + REACHED),
    # Key file problems: the reason is named, then the prompt; the typed passphrase boots.
    S("kf-missing", "no key file on the BEK disk", "root-token.img", ["bek-nokey.img"], typed=True,
      checks=prompted('key file not found (key file "%s" on /dev/vdb): No such file' % KEY)),
    S("kf-empty", "empty key file", "root-token.img", ["bek-empty.img"], typed=True,
      checks=prompted("key file is empty")),
    S("kf-huge", "9 MiB key file", "root-token.img", ["bek-huge.img"], typed=True,
      checks=prompted("key file is larger than 8 MiB")),
    # Only VFAT is ever mounted from a disk found by its BEK label: an ext4 "BEK VOLUME"
    # holding the right key is reported and ignored.
    S("bek-ext4", "ext4 labelled BEK VOLUME holding the right key: ignored, prompt, typed",
      "root-token.img", ["bek-ext4.img"], ["rd.bek.timeout=5"], typed=True,
      checks=[line("ignoring /dev/vdb: " + NOT_VFAT), no_line("unlocked /dev/"),
              before_prompt(NO_USABLE % (5, 1)), PROMPT] + REACHED),
    S("kf-dir", "key file is a directory", "root-token.img", ["bek-dir.img"], typed=True,
      checks=prompted("key file is a directory")),
    # Refused tokens: reported, then the default key file (the right key) is used.
    S("tok-int", 'token "key_file":42', "root-tok-int.img", ["bek-good.img"],
      checks=token_ignored('token has no "key_file" string')),
    S("tok-dotdot", 'token "key_file":"../%s"' % KEY, "root-tok-dotdot.img", ["bek-good.img"],
      checks=token_ignored("key file name contains '/'")),
    S("tok-slash", 'token "key_file":"/mnt/azure_bek_disk/%s"' % KEY, "root-tok-slash.img",
      ["bek-good.img"], checks=token_ignored("key file name contains '/'")),
    S("tok-2slots", 'token "keyslots":["0","1"]', "root-tok-2slots.img", ["bek-good.img"],
      checks=token_ignored("token names more than one keyslot")),
    S("tok-big", "token of 4.3 KiB (a long extra field)", "root-tok-big.img", ["bek-good.img"],
      checks=token_ignored("token is larger than 4096 bytes")),
    S("fs-corrupt", "VFAT that probes as BEK VOLUME but the kernel will not mount",
      "root-token.img", ["bek-corrupt.img"], typed=True,
      checks=[line("found BEK disk /dev/vdb (vfat"), kernel("bogus number of directory entries")]
      + prompted("cannot mount the filesystem")),
    # Decoys: bek-unlock tries BEK disks in the order it found them, and udev reports disks
    # present at the start in no fixed order.  So the decoy (vda) is there from the start,
    # the right disk (vdb) and then the root (vdc) are hot-plugged once the decoy was found.
    S("decoy-nokey", "two BEK disks: a decoy without the key file, then the right one",
      None, ["bek-nokey.img"], ["rd.bek.timeout=60"], hotplug=DECOY_HOTPLUG,
      checks=unlocked_quietly(order("key file not found (key file \"%s\" on /dev/vda)" % KEY,
                                    "unlocked /dev/vdc"),
                              unlocked("/dev/vdc", "/dev/vdb"), dev="/dev/vdc")),
    S("decoy-wrong", "two BEK disks: a wrong key, then the right one",
      None, ["bek-wrong.img"], ["rd.bek.timeout=60"], hotplug=DECOY_HOTPLUG,
      checks=unlocked_quietly(order("key rejected by keyslot 1 (key file \"%s\" on /dev/vda)" % KEY,
                                    "unlocked /dev/vdc"), count("rejected", 1),
                              unlocked("/dev/vdc", "/dev/vdb"), dev="/dev/vdc")),
    S("bek-rw", "BEK disk attached writable (no snapshot): still mounted read-only",
      "root-token.img", ["bek-good.img:rw"], checks=unlocked_quietly(IMAGE_SAME)),
    S("kdf-mem", "keyslot 1 argon2id 1 GiB, guest 512 MiB: refused, prompt, typed (keyslot 0)",
      "root-argon.img", ["bek-good.img"], memory=512, typed=True,
      checks=prompted("not enough memory for the key derivation")),
    S("kdf-mem-any", "as kdf-mem without a token: keyslot 0 tried, keyslot 1 skipped and said so",
      "root-argon-notoken.img", ["bek-good.img"], memory=512, typed=True,
      checks=prompted("keyslot 1 not tried: not enough memory for the key derivation")),
    S("two-vol", "root + data volume, each with its own key file (data: %s_1_0)" % KEY,
      "root-token.img", ["data-token.img", "bek-data.img"], ["rd.luks.uuid={data}"],
      checks=unlocked_quietly(unlocked("/dev/vdb", "/dev/vdc"), count("unlocked /dev/", 2),
                              dm("luks-{uuid}", "luks-{data}"))),
    # Without RDRAND the kernel's RNG is not ready for a minute; a read of /dev/urandom
    # would first generate jitter entropy until it is ("random: crng init done").
    # rd.bek.debug: the two debug lines come too.
    S("nornd", "guest CPU without RDRAND/RDSEED, no virtio-rng, rd.bek.debug: no wait for the kernel's RNG",
      "root-token.img", ["bek-good.img"], ["rd.bek.debug"], cpu="max,rdrand=off,rdseed=off",
      checks=unlocked_quietly(before_kernel("unlocked /dev/vda as ", "random: crng init done"),
                              line(": BEK disk event to mounted "),
                              line("debug: exit 0 after "))),
    S("discover", "no rd.luks.* at all (root=/dev/mapper/luks-UUID): found by its token",
      "root-token.img", ["bek-good.img"], luks="none",
      checks=unlocked_quietly(line('key file "%s" (from token 0)' % KEY))),
    # many-fs.img: GPT, 40 partitions: 28 VFAT DATA01..DATA28, 12 ext4 "BEK VOLUME" (3, 6..36).
    # printk.devkmsg=ratelimit: systemd 252 switches the kernel's /dev/kmsg rate limit off in
    # its initrd; dracut without systemd and initramfs-tools leave it on (10 lines in 5 s per
    # open file, then writes "succeed" and print nothing). On the command line it is locked,
    # so these two boots see what those images see.
    S("many-fs", "40 filesystems (12 ext4 BEK VOLUME decoys), then the BEK disk: no cap, no line lost",
      "root-token.img", ["many-fs.img", "bek-good.img"], ["printk.devkmsg=ratelimit"],
      checks=unlocked_quietly(no_line("more than"), count(NOT_VFAT, 12),
                              last_line("unlocked /dev/vda as "))),
    # 15 s: udev takes several seconds for 40 partitions under TCG on a busy host; the root
    # must have been seen for the line to be about the BEK disk.
    S("many-fs-absent", "40 filesystems, no BEK disk, rd.bek.timeout=15: the give-up line counts the decoys",
      "root-token.img", ["many-fs.img"], ["rd.bek.timeout=15", "printk.devkmsg=ratelimit"], typed=True,
      checks=[before_prompt(NO_USABLE % (15, 12)), last_before_prompt(NO_USABLE % (15, 12)), PROMPT] + REACHED),
    # root-argon-slow.img: keyslot 1 argon2id 32 MiB, ~10 s on the host, minutes under TCG.
    S("kdf-slow", "keyslot 1 derivation takes minutes, rd.bek.timeout=10: stopped at 15 s, prompt, typed",
      "root-argon-slow.img", ["bek-good.img"], ["rd.bek.timeout=10"], typed=True, deadline=120,
      checks=[before_prompt("while deriving the key for keyslot 1"), line("stopped after"),
              gap(FIRST, "Please enter passphrase", 0, 10 + 5 + 15), PROMPT] + REACHED),
    S("named-nobek", "rd.luks.uuid= only, no token, no BEK disk, no rd.bek.*: prompt as soon as the baseline's",
      "root-notoken.img", args=["trace_event=module:module_load", "tp_printk"], typed=True, versus_base=True,
      cpu="max,aes=off",
      # bek-unlock's own delay, inside the boot, on the guest's clock: the kernel announced
      # the LUKS disk -> bek-unlock stepped aside once udev had settled (udev's probe of the
      # disk lies in between: 1.2 s measured on a loaded host; 5 s holds on a guest three
      # times slower. From the unit's start, on the host's clock, it failed there: the unit
      # starts long before a slow guest shows its disk); and the whole boot against the
      # baseline's, booted just before (10 s: two boots in a row differ by a few seconds on
      # a busy host; the old code waited 30 s). Without the aes flag (both boots): with it,
      # udev's worker for the CPU loads aesni_intel, whose self-tests hold udev's settling
      # 2-3 s under TCG (milliseconds on a real CPU), and "udev settled" is what bek-unlock
      # waits for here, as dracut's initqueue does.
      # A host without a BEK disk whose volume is not bek-unlock's loads none of the unlock
      # path's modules (systemd-modules-load loaded them on every boot: udevd started later),
      # nor device-mapper before bek-unlock has stepped aside (its check for an open mapping
      # had the kernel load dm_mod, before the prompt).
      # With the unit's --answer-prompts, bek-unlock hands the volume to the prompt as soon
      # as its header is read, or, when udev settled first (no aes flag here), then.
      checks=[before_prompt(STEPPED_ASIDE),
              gap("[vda]", STEPPED_ASIDE, 0, 5), vs_base(10),
              modules_not_loaded("vfat", "nls_cp437", "nls_ascii", "crypto_user"),
              loaded_after(STEPPED_ASIDE, "dm_mod"), PROMPT] + REACHED),
    # systemd's initramfs (the unit's --answer-prompts): a volume nothing marks as
    # bek-unlock's is handed to systemd-cryptsetup's prompt as soon as its header has been
    # read with no BEK disk there, not once udev has settled (held 60 s here by a test rule
    # on /dev/zero's event, as a long coldplug would: the hand-off, the hot-plug and the
    # answer fit in it on a guest three times slower); a BEK disk that comes before udev
    # settles answers the prompt through systemd's password agent protocol. The code before
    # waited for udev to settle: no hand-off line, so no hot-plug, and the prompt stayed.
    S("named-late-bek", "rd.luks.uuid= only, no token, BEK disk hot-plugged after the hand-off: "
      "its key answers the prompt", "root-notoken.img", [], ["bektest.udev_busy=60"], initrd="twin",
      hotplug=("bek-good.img", 1, "leaving it to the passphrase prompt now"), prompt_grace=180, deadline=300,
      checks=[order("leaving it to the passphrase prompt now", "found BEK disk /dev/vdb",
                    "answered the passphrase prompt for /dev/vda"),
              no_line("not passed to the passphrase prompt")] + REACHED),
    # initrd-twin.img: a second "bek-unlock boot" unit; both wait, the BEK disk comes, both race.
    S("twin", "two bek-unlock units at once, BEK disk hot-plugged: one unlocks, the other sees it open",
      "root-token.img", [], ["bektest.twin"], initrd="twin", hotplug=("bek-good.img", 4, "Starting bek-unlock", 10),
      checks=[count("unlocked /dev/vda as ", 1),
              line_re("(already open|opened meanwhile) with the same LUKS UUID"),
              no_line("not unlocked"), no_line("already exists"), NO_PROMPT] + REACHED),
    # initrd-twin.img's udev rule holds udev's event for vda 30 s: bek-unlock reads the disk
    # on the kernel's own event. Waiting for udev's (the code before), it unlocked after 30 s.
    # Timed on the guest's clock from the kernel's announcement of vda (from the unit's start
    # it would count how late a slow guest shows its disk).
    S("udev-slow", "udev holds the LUKS disk's event 30 s: unlocked on the kernel's event, long before",
      "root-token.img", ["bek-good.img"], ["bektest.udev_sleep=30"], initrd="twin", deadline=150,
      checks=unlocked_quietly(count("unlocked /dev/vda as ", 1), gap("[vda]", "unlocked /dev/vda as ", 0, 15))),
    # Azure's disk buses (boot.py's @BUS): the BEK disk is a SCSI LUN (hv_storvsc, sd*) on
    # Gen2 VMs and on the IDE channel on Gen1 VMs; newer sizes have an NVMe OS disk.
    S("bus-nvme-scsi", "root on NVMe, BEK disk on a SCSI LUN (virtio-scsi): unlocked, no prompt",
      "root-token.img@nvme", ["bek-part.img@scsi"],
      checks=unlocked_quietly(unlocked("/dev/nvme0n1", "/dev/sd[a-z]+1"),
                              line_re(r'found BEK disk /dev/sd[a-z]+1 \(vfat, label "BEK VOLUME"\)'),
                              dev="/dev/nvme0n1")),
    S("bus-ide", "root on a SCSI disk, BEK disk on the IDE channel (Gen1): unlocked, no prompt",
      "root-token.img@scsi", ["bek-part.img@ide"],
      checks=[unlocked("/dev/sd[a-z]+", "/dev/sd[a-z]+1"), line_re(r'found BEK disk /dev/sd[a-z]+1 \(vfat'),
              NO_PROMPT] + REACHED),
    # ---- cdefects (issue 20 section 6): the devices bek-unlock reads, one rule for every path.
    # initrd-twin.img's bek-test-dm.service: before bek-unlock starts, a device-mapper device
    # exists (over vdc's zeros), suspended, without a filesystem udev recognised (no ID_FS_TYPE). A read of it
    # blocks until it is resumed (never): the old enumeration path read it and sat there
    # until the hard deadline (rd.bek.timeout + 5 s), then the prompt. dm(): the device was
    # made, or the row could not fail.
    S("dm-suspended", "a suspended dm device present at start: not read, unlocked at once",
      "root-token.img", ["bek-good.img", "bek-at1m.img"], ["bektest.dm_suspended"], initrd="twin", deadline=150,
      checks=unlocked_quietly(gap("[vda]", "unlocked /dev/vda as ", 0, 15), no_line("stopped after"),
                              dm("bektest-stuck"))),
    # initrd-twin.img's bek-test-dmbek.service: the BEK disk (vdb: bek-at1m.img, its filesystem
    # 1 MiB in) is reachable only through a device-mapper device udev has probed, then
    # suspended: the key file read's mount hangs in the kernel. rd.bek.timeout=5: stopped at
    # 10 s; bek-test-leftovers.service then says what was left under /run (the old code left
    # the stopped worker's mount directory), and resumes the device.
    S("dm-bek-hung", "BEK disk mount hangs (suspended dm), rd.bek.timeout=5: stopped, nothing left, prompt",
      "root-token.img", ["bek-at1m.img"], ["bektest.dm_bek_suspended", "rd.bek.timeout=5"], initrd="twin",
      typed=True, deadline=150,
      checks=[console("bek-test: bektest-bek suspended"), before_prompt("stopped after 10 s"),
              line("while reading key file"), console("bek-test: left behind: nothing"), PROMPT] + REACHED),
    # initrd-twin.img's bek-test-tableload.service: crypto_user unloaded and the first modprobe
    # for crypto-xts* held, so bek-unlock's dm-crypt table load hangs with the device already
    # created; rd.bek.timeout=5: the worker is stopped at 10 s, its mapping left without a
    # table. The old code's crypt_deactivate_by_name() could not remove it (ENODEV) and the
    # prompt's own activation then failed on the name; now it is removed and the typed
    # passphrase opens the volume.
    S("dm-half-made", "dm-crypt table load held at the deadline: the half-made mapping removed, prompt, typed",
      "root-token.img", ["bek-good.img"], ["bektest.hold_tableload", "rd.bek.timeout=5"], initrd="twin",
      typed=True, deadline=150,
      checks=[console("bek-test: holding modprobe"), before_prompt("stopped after 10 s"),
              line("removed the half-made mapping luks-"), no_line("Failed to remove"), PROMPT] + REACHED
      + [dm("luks-{uuid}")]),
    # initrd-twin.img's bek-test-preload.service: bek-unlock's background modprobe of the
    # unlock path's modules hangs (crypto_user's modprobe.d install command sleeps), and
    # bek-unlock waits for it before it prepares the cipher; rd.bek.timeout=5: stopped at
    # 10 s, and the console says it was waiting for that modprobe (before, it said "while
    # reading key file ... from /dev/vdb", read long before).
    S("preload-held", "modprobe of the unlock path's modules hangs: stopped at the deadline, says so, prompt, typed",
      "root-token.img", ["bek-good.img"], ["bektest.hold_preload", "rd.bek.timeout=5"], initrd="twin",
      typed=True, deadline=150,
      checks=[console("bek-test: preload held"), before_prompt("stopped after 10 s"),
              line("while waiting for modprobe to load the unlock path's kernel modules (vfat "),
              PROMPT] + REACHED),
    # ---- AES-NI: the root never bound to a software cipher (issue 20 section 4) ----
    # initrd-twin.img's udev rule (bektest.aesni_late) keeps udev from loading aesni_intel
    # for the CPU until the root's device-mapper device is resumed: the order where the
    # unlock comes first. Built ahead before aesni_intel was there, the root held
    # xts(ecb(aes-generic)) for the whole uptime, xts-aes-aesni registered but unused.
    S("aesni-late", "AES-NI CPU, aesni_intel in the image but loaded by udev only after the activation: "
      "the root still on xts-aes-aesni", "root-token.img", ["bek-good.img"],
      ["bektest.aesni_late", "rd.bek.debug"] + TRACE_MODPROBE, initrd="twin",
      checks=unlocked_quietly(xts_aes_held(AESNI_XTS), no_modprobe(*XTS_TEMPLATE_MODULES),
                              modprobe_at_most("crypto-aes", 1))),
    # No aes flag: aesni_intel cannot load, nothing faster than aes-generic can come, so
    # bek-unlock builds xts(aes) ahead with no module request at all (dm-crypt's own
    # lookup would ask modprobe for five names and load aesni_intel only to see it fail).
    S("no-aesni", "CPU without AES (-cpu max,aes=off): xts(aes) built ahead over aes-generic, no modprobe run",
      "root-token.img", ["bek-good.img"], ["rd.bek.debug"] + TRACE_MODPROBE, cpu="max,aes=off",
      checks=unlocked_quietly(xts_aes_held("xts(ecb(aes-generic))"),
                              no_modprobe("crypto-aes", *XTS_TEMPLATE_MODULES))),
    S("harness-checks", "host: the timing checks (gap) fail and pass as they should on fabricated consoles",
      None, host=harness_checks, checks=[("every fabricated verdict as expected", lambda r: r["ok"])]),
    S("initrd-clean", "host: no initramfs the harness builds holds a key file or key bytes",
      None, host=initrd_clean,
      checks=[("no %s* file, no *.key content" % KEY, lambda r: r["ok"])]),
    S("initrd-preload", "host: the unlock path's kernel modules listed for bek-unlock to load, all in the image",
      None, host=initrd_preload,
      checks=[("vfat and dm_crypt listed, every listed module present", lambda r: r["ok"])]),
    S("initrd-static", "host: the module adds a static bek-unlock and no shared library",
      None, host=initrd_static,
      checks=[("static binary, no .so added", lambda r: r["ok"])]),
]


# ---- the image's crypttab names the volume and gives its options (issue 20 §1, §3) ------------
def newc(files):
    """An uncompressed cpio archive (newc, what the kernel unpacks) of regular files:
    [(path without leading /, bytes)]."""
    out, ino = b"", 1000

    def member(name, mode, data):
        nonlocal ino
        ino += 1
        name = name.encode() + b"\0"
        head = b"070701" + b"".join(b"%08x" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
                                                          len(name), 0))
        pad = lambda n: b"\0" * (-n % 4)                            # noqa: E731
        return head + name + pad(len(head) + len(name)) + data + pad(len(data))
    for path, data in files:
        out += member(path, 0o100644, data)
    return out + member("TRAILER!!!", 0, b"")


def table_flags(name, *flags):
    """The active dm-crypt table of /dev/mapper/NAME, read by the test root (DM_TABLE_STATUS),
    has these optional parameters (allow_discards, ...): what the kernel does, not a log line."""
    def pred(r):
        m = re.search(r"BEK-TEST: dm-table-flags=(.*)", open(r["log"], errors="replace").read())
        got = dict(e.split(":", 1) for e in (m.group(1).strip().split(";") if m else []) if ":" in e)
        return name in got and set(flags) <= set(got[name].split(","))
    return ("dm-table-flags %s:%s" % (name, ",".join(flags)), pred)


# systemd's status line for a unit that failed (systemd-cryptsetup@NAME.service: "device already in use").
NO_FAILED_UNIT = ("no failed unit", lambda r: not re.search(r"\[FAILED\]|Failed to start",
                                                            open(r["log"], errors="replace").read()))


class WithCrypttab(Scenario):
    """A scenario whose initramfs carries an /etc/crypttab, as a hostonly dracut image does
    (Ubuntu >= 25.10, Debian with dracut): crypttab ({uuid} expanded) goes into a cpio archive
    appended to the scenario's initramfs (the kernel unpacks both, in order), and root= is
    /dev/mapper/ROOT_NAME, the crypttab name, as the installer writes it."""

    def __init__(self, *args, crypttab="", root_name="cryptroot", **kw):
        super().__init__(*args, **kw)
        self.crypttab, self.root_name = crypttab, root_name

    def argv(self, initrds):
        argv = super().argv(initrds)
        i = argv.index("--initrd") + 1
        out = "%s/logs/initrd-ct-%s.img" % (B, self.name)
        data = open(argv[i], "rb").read()
        data += b"\0" * (-len(data) % 4) + newc([("etc/crypttab", (self.crypttab.format(**ids()) + "\n").encode())])
        with open(out, "wb") as f:
            f.write(data)
        argv[i] = out
        return [("root=/dev/mapper/" + self.root_name.format(**ids())) if a.startswith("root=") else a for a in argv]


CT_ROOT = "cryptroot UUID={uuid} none luks,discard"
SCENARIOS += [
    # dracut writes rd.luks.uuid=luks-<UUID> for a hostonly image; systemd-cryptsetup-generator
    # then opens the volume under its crypttab name. bek-unlock must use that name too, or the
    # crypttab unit fails ("device already in use") and /dev/mapper/cryptroot never appears.
    WithCrypttab("ct-name", "image's /etc/crypttab names the token volume cryptroot (discard), root= "
                 "/dev/mapper/cryptroot: opened as cryptroot, discards in the table, no failed unit",
                 "root-token.img", ["bek-good.img"], ["rd.luks.uuid=luks-{uuid}"], luks="none", crypttab=CT_ROOT,
                 checks=[line("unlocked /dev/vda as cryptroot "), dm("cryptroot"),
                         table_flags("cryptroot", "allow_discards"), NO_FAILED_UNIT, NO_PROMPT] + REACHED),
    # An option that changes the mapping and that bek-unlock does not apply: one line, then
    # the stock unlocker (systemd-cryptsetup ignores offset= for LUKS) asks, the passphrase boots.
    WithCrypttab("ct-refused", "image's crypttab entry has offset=: one line, left to the stock "
                 "unlocker, which prompts; passphrase typed",
                 "root-token.img", ["bek-good.img"], ["rd.luks.uuid=luks-{uuid}"], luks="none", typed=True,
                 crypttab=CT_ROOT + ",offset=0",
                 checks=[before_prompt('has option "offset=0", which bek-unlock does not apply'),
                         ('one line says "offset=0"', lambda r: sum("offset=0" in l for l in r["bek_lines"]) == 1),
                         no_line("unlocked /dev/"), dm("cryptroot"), PROMPT] + REACHED),
]

# ---- running and reporting ---------------------------------------------------------------------
FACTS = [("found", "found BEK disk"), ("no-disk", "no BEK disk"), ("token-ignored", "ignored:"),
         ("not-found", "key file not found"), ("empty", "key file is empty"),
         ("too-large", "larger than 8 MiB"), ("symlink", "symbolic link"),
         ("directory", "is a directory"), ("mount-failed", "cannot mount"),
         ("rejected", "rejected"), ("no-memory", "not enough memory"),
         ("unlocked", "unlocked /dev/"), ("not-vfat", "not VFAT"),
         ("more-than", "more than"), ("stopped", "stopped after"),
         ("same-uuid", "with the same LUKS UUID"), ("exists", "already exists")]


def observed(r):
    if "observed" in r:
        return r["observed"]
    facts = []
    for word, pat in FACTS:
        n = sum(pat in l for l in r["bek_lines"])
        facts += [word + (" x%d" % n if n > 1 else "")] if n else []
    facts.append("prompt" if r["prompt"] else "no prompt")
    facts += ["typed"] if r["typed"] else []
    facts.append("root" if r["root_reached"] else "no root (%s)" % r["qemu"])
    for key in ("bek_mounted", "key_material", "dm"):
        if r.get(key) is not None:
            facts.append("%s=%s" % (key.split("_")[-1], r[key]))
    for name, uuid in ids().items():     # luks-<uuid> -> luks-{uuid}: shorter rows
        facts = [f.replace(uuid, "{%s}" % name) if uuid else f for f in facts]
    if r.get("xts_aes") is not None:
        facts.append("xts(aes)=" + r["xts_aes"])
    if r.get("rw_changed"):
        facts.append("IMAGE CHANGED")
    if "base" in r:
        b = r["base"]
        facts.append("prompt at %s s vs base prompt at %s s (base: %s)" % (
            r["events"].get("prompt", "-"), b["events"].get("prompt", "-"),
            "root" if b["root_reached"] else "no root (%s)" % b["qemu"]))
    if r["bek_lines"]:
        facts.append("last line: " + r["bek_lines"][-1][len("bek-unlock: "):][:90])
    facts += ["PANIC"] if r["panic"] else []
    facts += ["CRASH: " + r["crash"][0]] if r.get("crash") else []
    facts += ["HUNG"] if r.get("hung") else []
    return ", ".join(facts)


def checks_of(s):
    return s.checks + ([] if s.host else [SANE])


def run_one(s, initrds):
    if s.host:
        r = s.host(initrds)
        return r, [label for label, pred in checks_of(s) if not pred(r)]
    copies = s.writable()
    for src, dst in copies:
        shutil.copyfile(src, dst)
    before = [sha256(dst) for _, dst in copies]
    r = boot.boot(s.argv(initrds))
    if s.versus_base:
        argv = s.argv(initrds)
        argv[argv.index("--initrd") + 1] = initrds["base"]
        argv[argv.index("--log") + 1] = "%s/logs/%s-base.log" % (B, s.name)
        r["base"] = boot.boot(argv)
    r["rw_changed"] = [dst for (_, dst), h in zip(copies, before) if sha256(dst) != h]
    for _, dst in copies:
        if not r["rw_changed"]:
            os.unlink(dst)
    return r, [label for label, pred in checks_of(s) if not pred(r)]


def timing(s, r):
    if s.host:
        return "%-12s %6.1f s wall (host)" % (s.name, r["wall_s"])
    e = r["events"]
    at = ", ".join("%s at %.1f s" % (k, e[k]) for k in ("hotplug", "bek", "unlocked", "prompt",
                                                         "marker") if k in e)
    ms = "/".join(map(str, r["unlock_ms"])) or "-"
    out = "%-12s %6.1f s wall, unlock %s ms; %s" % (s.name, r["wall_s"], ms, at)
    if "base" in r:
        out += "; base boot %.1f s wall, prompt at %s s" % (r["base"]["wall_s"], r["base"]["events"].get("prompt", "-"))
    for g in r.get("gaps", []):
        out += "\n               gap " + g
    return out


def run(selected, initrds):
    os.makedirs(B + "/logs", exist_ok=True)
    npass, times = 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(s, pool.submit(run_one, s, initrds)) for s in selected]
        for s, fut in futures:
            r, failed = fut.result()
            verdict = "FAIL" if failed else "PASS"
            npass += not failed
            print("%-12s | %s | %s | %s | %s" % (s.name, s.desc, ", ".join(l for l, _ in checks_of(s)),
                                                 observed(r), verdict), flush=True)
            if failed:
                print("     failed: %s; log: %s" % ("; ".join(failed), r.get("log", "-")), flush=True)
            times.append(timing(s, r))
    print("timing (wall; unlock time as printed by bek-unlock; console events since QEMU start):")
    for t in times:
        print("  " + t)
    print("%d passed, %d failed" % (npass, len(selected) - npass))
    return npass == len(selected)


def demo(initrds):
    s = next(x for x in SCENARIOS if x.name == "a")
    os.makedirs(B + "/logs", exist_ok=True)
    print("demo: %s (log %s/logs/demo.log)" % (s.desc, B))
    r = boot.boot(s.argv(initrds) + ["--log", B + "/logs/demo.log"])
    for kind, text in r["transcript"]:
        print("  " + text)
    print("wall time %.1f s, marker at %s s" % (r["wall_s"], r["events"].get("marker")))
    return r["root_reached"] and not r["prompt"]


def list_rows(rows, width):
    """--list: a row's name and description a line."""
    for s in rows:
        print("%-*s %s" % (width, s.name, s.desc))
    return 0


def select(parser, names, rows, what="scenario"):
    """The rows named (all of them when none is); an unknown name is a usage error."""
    unknown = set(names) - {s.name for s in rows}
    if unknown:
        parser.error("unknown %s(s): " % what + " ".join(sorted(unknown)))
    return [s for s in rows if not names or s.name in names]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="scenario names (default: all)")
    p.add_argument("--initrd", default=B + "/initrd-bek.img", help="initramfs with bek-unlock")
    p.add_argument("--base-initrd", default=B + "/initrd-base.img")
    p.add_argument("--twin-initrd", default=B + "/initrd-twin.img",
                   help="initrd-bek.img plus a second bek-unlock unit (scenario twin)")
    p.add_argument("--all-initrds", default=None,
                   help="space-separated: every initramfs the harness builds (row initrd-clean; "
                        "default: base, bek, twin and build/qemu/ade/initrd-{a,b,c}.img)")
    p.add_argument("--demo", action="store_true")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    initrds = {"bek": a.initrd, "base": a.base_initrd, "twin": a.twin_initrd,
               "all": (a.all_initrds.split() if a.all_initrds is not None else
                       [a.base_initrd, a.initrd, a.twin_initrd]
                       + ["%s/ade/initrd-%s.img" % (B, l) for l in "abc"])}
    if a.list:
        return list_rows(SCENARIOS, 12)
    if a.demo:
        return 0 if demo(initrds) else 1
    selected = select(p, a.names, SCENARIOS)
    return 0 if run(selected, initrds) else 1


if __name__ == "__main__":
    sys.exit(main())
