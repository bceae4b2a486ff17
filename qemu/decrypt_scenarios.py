#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`bek-unlock decrypt` under QEMU: ADE layouts decrypted in the guest, then booted stock.

  qemu/decrypt_scenarios.py                  all rows (two at a time)
  qemu/decrypt_scenarios.py dec-a crash-a-mid   a subset, by name
  qemu/decrypt_scenarios.py --list           names and descriptions
  qemu/decrypt_scenarios.py --bench          decrypt vs cryptsetup reencrypt --decrypt vs dd
  --tool cryptsetup                          the harness's own check: the same rows with
                                             `cryptsetup reencrypt --decrypt` as the command

A row is a sequence of boots (qemu/boot.py) on a writable copy of one image of
qemu/decrypt-images.sh, with host checks in between: the guest root's init (qemu/rootinit.c)
mounts and runs what bek.test.mount=/bek.test.run= say and prints the command's exit code.
  dec-L     online: booted with bek-unlock's initramfs and the BEK disk, `decrypt --yes
            --no-config` (crypttab), then the partition equals the plain volume's sha256
            taken at build time, then booted with the stock initramfs (no bek-unlock, no BEK
            disk, root=UUID=): root reached
  off-L     offline, from a rescue root: the disk as vdb, `decrypt --header --key-file DEV`
  crash-L-P the decrypting guest killed (SIGKILL to QEMU: a power cut) when the console shows
            point P (the disk throttled so that the decryption takes several seconds); booted
            again with bek-unlock + BEK disk: root reached; decrypt again: done; sha256 equal;
            stock boot: root reached
  bad-*     refused with exit 5 and a message, the disk unchanged
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402
import scenarios as sc  # noqa: E402

DEC = sc.B + "/decrypt"
IMG = DEC + "/images/"
LOGS = DEC + "/logs/"
NAME = "osencrypt"
HDR = "/boot/luks/osluksheader"
BEK = "/usr/sbin/bek-unlock"
KEYS = "/etc/bek-test/"
REFUSED = 5
# Throttle of the decrypting disk in the crash rows (bytes/s, read + write): 32 MiB read and
# written in ~16 s, so that a console line's kill lands before the next one.
THROTTLE = 4 << 20
DEADLINE = 300         # a boot plus a decryption under TCG (throttled in the crash rows)
STOCK_DEADLINE = 120   # the stock boot: root within 20-45 s, or systemd's 90 s wait for it
# The rescue root has no /lib/modules: device-mapper and the cipher bek-unlock's content
# check maps with are loaded by the initramfs, as a rescue VM loads them on demand.
RESCUE = ["root=LABEL=rescue", "rd.driver.pre=dm_crypt,xts,aesni_intel"]
RUN = re.compile(r"BEK-TEST: run (\S+) (exit|signal)=(\d+) in (\d+) ms")
TOOL = "bek-unlock"       # --tool cryptsetup: the harness checked against cryptsetup itself


class DBoot(boot.Boot):
    """boot.Boot plus a throttled first disk and a power cut when the console shows kill."""

    def __init__(self, a, throttle=None, kill=None):
        super().__init__(a)
        self.throttle, self.kill, self.killed_at = throttle, kill, None

    def command(self, monitor):
        cmd = super().command(monitor)
        if self.throttle:
            i = cmd.index("-drive") + 1
            cmd[i] += ",throttling.bps-total=%d" % self.throttle
        return cmd

    def feed(self, data, qemu):
        super().feed(data, qemu)
        self.qemu = qemu
        self.check_kill()

    def hotplug_due(self, elapsed):
        """Called by pump() every 0.2 s, output or not: a timed kill lands on a quiet console."""
        self.check_kill()
        return super().hotplug_due(elapsed)

    def check_kill(self):
        if not self.kill or self.killed_at is not None or not hasattr(self, "qemu"):
            return
        m = re.search(self.kill, self.text) if isinstance(self.kill, str) else self.kill(self.text)
        if m:
            self.killed_at = m if isinstance(m, str) else m.group(0)
            pid = self.qemu.pid
            for child in open("/proc/%d/task/%d/children" % (pid, pid)).read().split():
                os.kill(int(child), signal.SIGKILL)     # QEMU itself, not `timeout`


def guest(log, initrd, disks, append, throttle=None, kill=None, rw=False, deadline=DEADLINE):
    """One boot; the result of boot.py plus runs: [(program, exit code or -signal, ms)]."""
    kver = open(sc.B + "/kernel/kver").read().strip()
    argv = ["--kernel", "%s/kernel/boot/vmlinuz-%s" % (sc.B, kver), "--initrd", initrd,
            "--deadline", str(deadline), "--prompt-grace", str(sc.PROMPT_GRACE), "--log", log]
    for d in disks:
        argv += ["--disk", d]
    for a in append + (["rw"] if rw else []):
        argv += ["--append", a]
    b = DBoot(boot.parser().parse_args(argv), throttle, kill)
    b.run()
    r = b.result()
    r["killed_at"] = b.killed_at
    r["runs"] = [(m.group(1), int(m.group(3)) * (1 if m.group(2) == "exit" else -1), int(m.group(4)))
                 for m in RUN.finditer(b.text)]
    r["lines"] = b.text.splitlines()
    return r


def ids():
    return json.load(open(IMG + "ids.json"))


def part_sha(path, part, length):
    """sha256 of the first length bytes of partition part of the GPT disk (0: the disk)."""
    start = 0
    if part:
        out = os.popen("sfdisk -J '%s'" % path).read()
        start = json.loads(out)["partitiontable"]["partitions"][part - 1]["start"] * 512
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(start)
        left = length
        while left:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def plain_equal(path, vol):
    v = ids()["volumes"][vol]
    return part_sha(path, v["part"], v["bytes"]) == v["sha256"]


# ---- the command in the guest -----------------------------------------------------------------
def decrypt_cmd(device=None, header=None, key=None, extra=()):
    """bek.test.run= for `bek-unlock decrypt --yes --no-config` (or, --tool cryptsetup,
    cryptsetup's equivalent: the harness's own check before decrypt existed)."""
    if TOOL == "cryptsetup":
        args = ["/usr/sbin/cryptsetup", "reencrypt", "--decrypt", "--batch-mode", "--progress-json", "--hotzone-size", "1M",
                "--progress-frequency", "1"]
        args += ["--key-file", key or KEYS + "ade.key"]
        if header:
            args += ["--header", header, device]
        elif device is None:
            args += ["--header", HDR, "--active-name", NAME]
        else:   # a header in place: exported to a file off the device (data shift)
            args += ["--header", "/tmp/exported-header", device]
    else:
        args = [BEK, "decrypt", "--yes", "--no-config"] + list(extra)
        args += ["--header", header] if header else []
        args += ["--key-file", key] if key else []
        args += [device] if device else []
    return "bek.test.run=" + ",".join(args)


def progress(pct):
    """The progress line at pct0..pct9 % (5: 50..59 %): a console regex; with --tool
    cryptsetup a function finding its --progress-json line that far."""
    if TOOL == "cryptsetup":
        def find(text):
            for m in re.finditer(r'"device_bytes":"(\d+)","device_size":"(\d+)"', text):
                if int(m.group(1)) * 10 // max(int(m.group(2)), 1) == pct:
                    return m.group(0)
            return None
        return find
    return r"bek-unlock: \S+: %s\d?%% decrypted" % pct


# The end of the decryption on the console (a regex).
DONE = {"bek-unlock": r"bek-unlock: \S+: decrypted( \(it holds \S+\))?$",
        "cryptsetup": r'"device_bytes":"(\d+)","device_size":"\1"'}


def exit_of(r, prog):
    codes = [c for p, c, _ in r["runs"] if p.endswith(prog)]
    return codes[-1] if codes else None


def console_has(r, pattern):
    return any(re.search(pattern, l) for l in r["lines"])


# ---- rows --------------------------------------------------------------------------------------
class Row(sc.Scenario):
    """A host= scenario: run(row) does the boots and returns observed facts and checks."""

    def __init__(self, name, desc, steps):
        super().__init__(name, desc, None, host=self.go,
                         checks=[("every step", lambda r: not r["failed"])])
        self.steps = steps

    def go(self, _initrds):
        t0 = time.monotonic()
        os.makedirs(LOGS, exist_ok=True)
        st = {"row": self, "facts": [], "failed": []}
        try:
            self.steps(st)
        except Exception as e:   # a harness error fails the row, with its reason
            st["failed"].append("harness: %r" % e)
        work = st.get("work")
        if work and os.path.exists(work) and not st["failed"]:
            os.unlink(work)
        return {"failed": st["failed"], "observed": "; ".join(st["facts"] + ["FAILED: " + f for f in st["failed"]]),
                "wall_s": round(time.monotonic() - t0, 1)}


def expect(st, label, ok):
    st["facts"].append("%s %s" % (label, "ok" if ok else "NO"))
    if not ok:
        st["failed"].append(label)
    return ok


def work_copy(st, image):
    st["work"] = LOGS + "%s-%s" % (st["row"].name, image)
    shutil.copyfile(IMG + image, st["work"])
    return st["work"]


def log(st, step):
    return LOGS + "%s-%s.log" % (st["row"].name, step)


def root_of(layout):
    i = ids()
    return "/dev/mapper/%s-%s" % (i["vg"], i["lv"]) if layout == "b" else "/dev/mapper/" + NAME


def online(st, layout, step, throttle=None, kill=None, first=()):
    """Boot the work copy with bek-unlock's initramfs and the BEK disk; decrypt from crypttab
    (after the bek.test.run= arguments in first)."""
    return guest(log(st, step), DEC + "/initrd-%s.img" % ("a" if layout == "s" else layout),
                 [st["work"] + ":rw", IMG + "bek-ade.img"],
                 # fsck.mode=skip: systemd-fsck's e2fsck -a would set the superblock's write
                 # time, a change of the root's bytes that is not the decryption's
                 ["root=" + root_of(layout), "fsck.mode=skip", "bek.test.mount=/dev/vda1:/boot",
                 ] + list(first) + [decrypt_cmd()],
                 throttle=throttle, kill=kill)


def decrypted_ok(st, r, step, from_start=True):
    expect(st, "%s: root reached" % step, r["root_reached"])
    expect(st, "%s: exit 0" % step, exit_of(r, "bek-unlock" if TOOL == "bek-unlock" else "cryptsetup") == 0)
    expect(st, '%s: "%s"' % (step, DONE[TOOL]), console_has(r, DONE[TOOL]))
    if TOOL == "bek-unlock" and from_start:   # a resumed run starts where the cut left it
        expect(st, "%s: progress every 10 %%" % step,
               all(console_has(r, progress(p)) for p in range(1, 10)))


def stock(st, vol, step="stock"):
    """The decrypted disk with the stock initramfs, no BEK disk, root=UUID=: root reached."""
    uuid = ids()["volumes"][vol]["fs_uuid"]
    r = guest(log(st, step), DEC + "/initrd-stock.img", [st["work"]], ["root=UUID=" + uuid], deadline=STOCK_DEADLINE)
    expect(st, "stock boot: root reached without BEK disk", r["root_reached"] and not r["prompt"])


def dec(layout):
    def steps(st):
        work_copy(st, "disk-%s.img" % layout)
        r = online(st, layout, "decrypt")
        decrypted_ok(st, r, "decrypt")
        if TOOL == "bek-unlock":
            expect(st, "header backed up", console_has(r, r"%s: header backed up to /boot/" % NAME))
        expect(st, "plain sha256 = build's", plain_equal(st["work"], layout))
        stock(st, layout)
    return steps


def offline(layout, disk, dev, header):
    def steps(st):
        work_copy(st, disk)
        mount = ["bek.test.mount=/dev/vdb1:/mnt/boot"] if header else []
        r = guest(log(st, "decrypt"), DEC + "/initrd-stock.img", [IMG + "rescue.img", st["work"] + ":rw"],
                  RESCUE + mount + [decrypt_cmd(dev, header, KEYS + "ade.key")], rw=True)
        decrypted_ok(st, r, "rescue decrypt")
        expect(st, "plain sha256 = build's", plain_equal(st["work"], layout))
        if layout != "data":
            stock(st, layout)
    return steps


# Crash points: the console line that triggers the power cut, the seconds after the
# header backup line when no such progress line came (a decryption that reports its progress
# in bigger steps still gets cut about there: THROTTLE makes it take ~16 s), and whether the
# cut waits, after the line, until the header on /boot records a chunk as in progress.
# "mid" does: each chunk (hotzone) is first read for its checksums while the header
# records nothing, then recorded as in progress while it is read, decrypted and written;
# a cut at a fixed time after a progress line fell before the record (0.5 s, a third of
# the time between two lines: layout a's chunks are 1 MiB) and the next boot then had no
# chunk to recover. Waiting for the record, read from the disk image's blocks of the
# header file, makes every "mid" cut one that the next boot must recover (bek-unlock's
# boot, in its copy of the header: recovered.h).
BACKED_UP = r"bek-unlock: \S+: header backed up to"
POINTS = {"early": (BACKED_UP, None, False), "mid": (5, 30.0, True), "end": (9, 14.0, False)}
IN_CHUNK_WAIT = 15.0     # "mid": at most this long after the line for the record, then cut anyway
# The boot's line when it recovered a cut chunk in its copy, and decrypt's when it took that copy.
BOOT_RECOVERED = r"bek-unlock: \S+: a reencryption chunk cut by a crash was recovered in the initramfs's copy"
TOOK_RECOVERED = r"bek-unlock: \S+: \S+ recorded a chunk cut by a crash, which the boot recovered: replaced"


def header_metadata(path):
    """A function returning the first 16 KiB of /luks/osluksheader in partition 1 of the disk
    image (the primary binary header and JSON metadata) as the image holds them now, read
    from the file's blocks (found once with debugfs; libcryptsetup rewrites them in place)."""
    start = json.loads(os.popen("sfdisk -J '%s'" % path).read())["partitiontable"]["partitions"][0]["start"]
    tmp = path + ".p1"
    with open(path, "rb") as f, open(tmp, "wb") as o:
        f.seek(start * 512)
        o.write(f.read(ids()["boot_mb"] << 20))
    bs = int(re.search(r"Block size:\s+(\d+)", os.popen("debugfs -R stats '%s' 2>/dev/null" % tmp).read()).group(1))
    cmds = tmp + ".cmds"     # the physical block of each logical one ("blocks" lists extent nodes too)
    with open(cmds, "w") as c:
        c.write("".join("bmap /luks/osluksheader %d\n" % i for i in range(16384 // bs)))
    blocks = [int(x) for x in re.findall(r"^(\d+)$", os.popen("debugfs -f '%s' '%s' 2>/dev/null"
                                                               % (cmds, tmp)).read(), re.M)]
    os.unlink(tmp)
    os.unlink(cmds)

    def read():
        out = b""
        with open(path, "rb") as f:
            for blk in blocks:
                f.seek(start * 512 + blk * bs)
                out += f.read(bs)
        return out
    return read


def killer(point, work=None):
    """The kill= of DBoot for a crash point: a function of the console text. work: the disk
    image, for a point that waits for the header's record of a chunk in progress."""
    line, after, in_chunk = POINTS[point]
    if TOOL == "cryptsetup":
        return progress(1 if after is None else line)
    if after is None:
        return line
    pat, seen, found = progress(line), [], []
    metadata = header_metadata(work) if in_chunk else None

    def find(text):
        now = time.monotonic()
        m = re.search(pat, text)
        if m and not metadata:
            return m.group(0)
        if m:
            found.append(now)
            if b'"in-reencryption"' in metadata()[4096:]:
                return m.group(0) + ", then the header on /boot recorded a chunk in progress"
            if now - found[0] >= IN_CHUNK_WAIT:
                return m.group(0) + ", then %.0f s without a chunk recorded in progress" % IN_CHUNK_WAIT
            return None
        if re.search(BACKED_UP, text):
            seen.append(now)
            if seen[-1] - seen[0] >= after:
                return "%.0f s after the header backup (no %d0 %% line)" % (after, line)
        return None
    return find


def crash(layout, point):
    def steps(st):
        work_copy(st, "disk-%s.img" % layout)
        r = online(st, layout, "cut", throttle=THROTTLE, kill=killer(point, st["work"]))
        expect(st, "power cut at %s (%s)" % (point, r["killed_at"]), r["killed_at"] is not None
               and "without a chunk recorded" not in r["killed_at"])
        expect(st, "cut before the end", not console_has(r, DONE[TOOL]) and not r["runs"])
        # --no-config as the rows' decrypt: the test root has neither dracut nor
        # initramfs-tools, so the configuration step's plan would refuse (exit 5)
        status = [] if TOOL == "cryptsetup" else ["bek.test.run=%s,decrypt,status,--no-config" % BEK]
        r = online(st, layout, "resume", first=status)
        if status:
            # 7: the decryption started and is unfinished. 6 (not started) is true too when the
            # cut came before libcryptsetup's first write of it: right after the backup, or in
            # layout m while ADE's encryption was being finished first.
            want = (6, 7) if point == "early" or layout == "m" else (7,)
            expect(st, "decrypt status: exit %s" % " or ".join(map(str, want)),
                   bool(r["runs"]) and r["runs"][0][1] in want)
        decrypted_ok(st, r, "after the cut", from_start=False)
        if TOOL == "bek-unlock" and point == "mid":
            # The cut inside a chunk: the boot recovered it in its copy and kept that, and
            # decrypt, with the volume open, took the copy in place of /boot's header.
            expect(st, "the boot recovered the cut chunk and kept its copy", console_has(r, BOOT_RECOVERED))
            expect(st, "decrypt took the boot's recovered header", console_has(r, TOOK_RECOVERED))
        expect(st, "plain sha256 = build's", plain_equal(st["work"], layout))
        stock(st, layout)
    return steps


def refused(disk, dev, header, key, message, ro=False, online_layout=None):
    """Exit 5, a message matching `message`, and the volume unchanged: partition 2's bytes and
    /boot's header file (/boot itself is mounted read-write, as a VM's is, so its superblock
    changes). ro: the disk attached read-only, its /boot mounted read-only."""
    def steps(st):
        work = work_copy(st, disk)
        before = (part_sha(work, 2, 1 << 40), header_sha(work))
        if online_layout:
            r = online(st, online_layout, "refused")
        else:
            mount = ["bek.test.mount=/dev/vdb1:/mnt/boot" + (":ro" if ro else "")] if header else []
            r = guest(log(st, "refused"), DEC + "/initrd-stock.img",
                      [IMG + "rescue.img", work + (":ro" if ro else ":rw")],
                      RESCUE + mount + [decrypt_cmd(dev, header, key)], rw=True)
        after = (part_sha(work, 2, 1 << 40), header_sha(work))
        expect(st, "root reached", r["root_reached"])
        expect(st, "exit %d" % REFUSED, exit_of(r, "bek-unlock") == REFUSED)
        expect(st, "message /%s/" % message, console_has(r, r"bek-unlock: .*(%s)" % message))
        expect(st, "volume and header unchanged", before == after)
    return steps


def header_sha(path):
    """sha256 of /luks/osluksheader in partition 1 of the GPT disk (read with debugfs)."""
    start = json.loads(os.popen("sfdisk -J '%s'" % path).read())["partitiontable"]["partitions"][0]["start"]
    tmp = path + ".p1"
    with open(path, "rb") as f, open(tmp, "wb") as o:
        f.seek(start * 512)
        o.write(f.read(ids()["boot_mb"] << 20))
    data = os.popen("debugfs -R 'cat /luks/osluksheader' '%s' 2>/dev/null" % tmp, "r").buffer.read()
    os.unlink(tmp)
    return hashlib.sha256(data).hexdigest()


def rows():
    R = Row
    h = "/mnt/boot/luks/osluksheader"
    return [
        R("dec-a", "layout a (detached LUKS2 header on /boot, data offset 0), online", dec("a")),
        R("dec-b", "layout b (LVM inside), online", dec("b")),
        R("dec-m", "layout m (mid-way through ADE's online encryption), online", dec("m")),
        R("off-a", "layout a offline from a rescue root: --header --key-file /dev/vdb2",
          offline("a", "disk-a.img", "/dev/vdb2", h)),
        R("off-c", "layout c (LUKS1, header on the partition) offline", offline("c", "disk-c.img", "/dev/vdb2", None)),
        R("dec-data", "ADE data disk (header in place, data shift) offline", offline("data", "data.img", "/dev/vdb", None)),
        R("crash-a-early", "layout a, power cut right after the header backup", crash("a", "early")),
        R("crash-a-mid", "layout a, power cut at 50 %", crash("a", "mid")),
        R("crash-a-end", "layout a, power cut at 90 % (before the final header update)", crash("a", "end")),
        R("crash-m-mid", "layout m (mid-way encryption), power cut at 50 %", crash("m", "mid")),
        R("crash-b-mid", "layout b (LVM), power cut at 50 %", crash("b", "mid")),
        R("bad-key", "wrong key (--key-file new.key): refused", refused(
            "disk-a.img", "/dev/vdb2", h, KEYS + "new.key", "refused: the key is rejected by every keyslot")),
        R("bad-header", "another volume's header on /boot (layout b's, same key): refused", refused(
            "disk-f.img", "/dev/vdb2", h, KEYS + "ade.key",
            r"refused: the key opens keyslot \d+, but it maps no filesystem, LVM or partition table")),
        R("bad-notade", "a volume not made by ADE (detached header, data 1 MiB in): refused", refused(
            "disk-n.img", "/dev/vdb2", h, KEYS + "ade.key", "refused: .*which ADE never does")),
        R("bad-space", "layout a online, /boot too small for the header backup: refused", refused(
            "disk-s.img", None, None, None, r"Refused: the header backups need \d+ MiB", online_layout="s")),
        R("bad-ro", "layout a offline on a read-only disk: refused", refused(
            "disk-a.img", "/dev/vdb2", h, KEYS + "ade.key", "refused: its device or header file is read-only",
            ro=True)),
    ]


# ---- bench -------------------------------------------------------------------------------------
def bench(rounds):
    """Offline, in the rescue guest, on fresh copies of bench.img: bek-unlock decrypt, cryptsetup
    reencrypt --decrypt, dd read+write of the same partition; MB/s from the guest's clock."""
    v = ids()["volumes"]["bench"]
    mb = v["bytes"] / 1e6
    h = "/mnt/boot/luks/osluksheader"
    cmds = {
        "bek-unlock": ",".join([BEK, "decrypt", "--yes", "--no-config", "--header", h,
                                "--key-file", KEYS + "ade.key", "/dev/vdb2"]),
        "cryptsetup": ",".join(["/usr/sbin/cryptsetup", "reencrypt", "--decrypt", "--batch-mode",
                                "--header", h, "--key-file", KEYS + "ade.key", "/dev/vdb2"]),
        "dd": ",".join(["/usr/sbin/dd", "if=/dev/vdb2", "of=/dev/vdb2", "bs=1M", "count=%d" % (v["bytes"] >> 20),
                        "iflag=direct", "oflag=direct", "conv=fsync"]),   # no commas: bek.test.run splits at them
    }
    os.makedirs(LOGS, exist_ok=True)
    rates = {k: [] for k in cmds}
    ok = True
    for n in range(rounds):
        for what, cmd in cmds.items():
            work = LOGS + "bench-%s.img" % what
            shutil.copyfile(IMG + "bench.img", work)
            r = guest(LOGS + "bench-%s-%d.log" % (what, n), DEC + "/initrd-stock.img",
                      [IMG + "rescue.img", work + ":rw"],
                      RESCUE + ["bek.test.mount=/dev/vdb1:/mnt/boot", "bek.test.run=" + cmd], rw=True)
            runs = [x for x in r["runs"] if x[0].endswith(what if what != "dd" else "/dd")]
            good = runs and runs[-1][1] == 0 and (what == "dd" or plain_equal(work, "bench"))
            os.unlink(work)
            if not good:
                print("bench: %s round %d failed (%s); log %s" % (what, n + 1, runs, r["log"]))
                ok = False
                continue
            rates[what].append(mb / (runs[-1][2] / 1000.0))
            print("bench: round %d %-10s %7.1f MB/s (%d ms for %.0f MB)" % (n + 1, what, rates[what][-1],
                                                                           runs[-1][2], mb), flush=True)
    med = {k: sorted(x)[len(x) // 2] for k, x in rates.items() if x}
    if len(med) == 3:
        ratio = med["bek-unlock"] / med["cryptsetup"]
        print("bench: median MB/s: bek-unlock decrypt %.1f, cryptsetup reencrypt --decrypt %.1f, "
              "dd read+write %.1f" % (med["bek-unlock"], med["cryptsetup"], med["dd"]))
        print("bench: bek-unlock/cryptsetup %.2fx (at least 0.95x: %s), bek-unlock/dd %.2fx"
              % (ratio, "PASS" if ratio >= 0.95 else "FAIL", med["bek-unlock"] / med["dd"]))
        ok = ok and ratio >= 0.95
    return ok


def main():
    global TOOL
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="row names (default: all)")
    p.add_argument("--initrd-dir", default=DEC)
    p.add_argument("--list", action="store_true")
    p.add_argument("--bench", action="store_true")
    p.add_argument("--rounds", type=int, default=int(os.environ.get("DECRYPT_BENCH_ROUNDS", "1")))
    p.add_argument("--tool", choices=("bek-unlock", "cryptsetup"), default="bek-unlock")
    p.add_argument("--jobs", type=int, default=2, help="rows at a time (scenarios.run's pool; default 2)")
    a = p.parse_args()
    TOOL = a.tool
    if a.jobs != 2:    # scenarios.run() makes its pool with max_workers=2
        pool = concurrent.futures.ThreadPoolExecutor
        sc.concurrent.futures.ThreadPoolExecutor = lambda max_workers: pool(max_workers=a.jobs)
    if a.bench:
        return 0 if bench(a.rounds) else 1
    selected = rows()
    if a.list:
        return sc.list_rows(selected, 14)
    return 0 if sc.run(sc.select(p, a.names, selected, "row"), {}) else 1


if __name__ == "__main__":
    sys.exit(main())
