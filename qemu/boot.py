#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the test kernel + initramfs once under QEMU (TCG) and report what the console showed.

The serial console is QEMU's stdio: everything it prints is logged, and a passphrase is typed
into it when systemd's prompt appears.  QEMU exits 0 even after a kernel panic, so the verdict
comes from the console only.  Result: one JSON object on stdout (see Boot.result()).

Example:
  qemu/boot.py --disk build/qemu/images/root-token.img --disk build/qemu/images/bek-good.img \
      --append "rd.luks.uuid=$U" --append "root=/dev/mapper/luks-$U" --log /tmp/a.log
  (U=$(cat build/qemu/images/uuid); add --passphrase typed-passphrase-0 to answer a prompt)
"""
import argparse
import json
import os
import re
import select
import socket
import subprocess
import tempfile
import time

BUILD = "build/qemu"
# Colours, carriage returns, and the agent's backspace-space-backspace erasing.
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\r|\x08 \x08|\x08")
# systemd 252's console agent prints, on ttyS0:
# "Please enter passphrase for disk luks-<UUID>: (press TAB for no echo) " (name = volume name).
# Without systemd, dracut's cryptroot-ask runs cryptsetup, which prints
# "Enter passphrase for /dev/vda: " (the device, as cryptroot-ask was given it);
# cryptsetup-initramfs' askpass (initramfs-tools images, qemu/itools.mk): "Please unlock disk NAME: ".
PROMPT = re.compile(r"Please enter passphrase for disk|Enter passphrase for /dev/|Please unlock disk ")
MARKER = "BEK-TEST: ROOT REACHED"
# Console lines that mean a crash or a panic, whatever the scenario.
# A failed bek-unlock unit (bek-unlock.service, or scenario twin's bek-unlock-twin.service:
# systemd names a unit by its description in "Failed to start") is a crash too.
CRASH = re.compile(r"Kernel panic|segfault at|traps: |Out of memory: Killed|code=dumped"
                   r"|Failed to start (bek-unlock|Unlock encrypted volumes from the BEK disk)"
                   r"|bek-unlock[\w-]*\.service: Failed")
# Kernel lines kept in the transcript: why a filesystem was refused; the RNG being ready;
# a virtio disk announced by its driver ("virtio_blk virtio1: [vda] 4194304 512-byte ...").
KERNEL = re.compile(r"(FAT-fs|EXT4-fs) \(vd|random: crng init done|virtio_blk virtio\d+: \[vd[a-z]+\]")
# systemd's status line when a bek-unlock unit starts (transcript kind "unit"): the process
# starts right after it, so a wait that bek-unlock times from its own start is timed from it.
UNIT_START = "Starting bek-unlock"
# systemd before 250 (Debian 11's 247) names the unit in that line by its description only
# (hook/systemd/bek-unlock.service): the transcript gives such a line as UNIT_START + ".service"
# and the line, so that the rows timing from the start read it on every generation.
UNIT_DESC_START = "Starting Unlock encrypted volumes from the BEK disk"
# The kernel's printk time at the start of a console line: "[   12.345678] ".
PRINTK = re.compile(r"^\[\s*(\d+\.\d+)\]")
# A printk stamp right before the text that matters, anywhere in a console line: a kernel
# message can land after another program's unterminated output ("Begin: Running ... [ 8.2]
# bek-unlock: ...", initramfs-tools).
PRINTK_BEFORE = re.compile(r"\[\s*(\d+\.\d+)\]\s*$")
UNLOCK_MS = re.compile(r"bek-unlock: unlocked \S+ as \S+ in (\d+) ms")
BASE_ARGS = "console=ttyS0 panic=-1 rd.shell=0 rd.emergency=poweroff"


class Boot:
    def __init__(self, a):
        self.a = a
        self.raw = b""              # everything the console printed
        self.text = ""              # the same, decoded, ANSI sequences stripped
        self.prompts = 0            # prompts seen
        self.typed = 0
        self.events = {}            # name -> seconds since start, first occurrence
        self.line_seen = []         # per line of self.text: seconds since start it was first seen
        self.hotplugged = False

    # ---- QEMU command line ----------------------------------------------------------------
    def command(self, monitor):
        a = self.a
        # -cpu max: RDRAND, as cloud CPUs have, seeds the kernel RNG at once; --cpu
        # max,rdrand=off,rdseed=off makes a guest without a hardware RNG (scenario nornd).
        cmd = ["timeout", "--kill-after=5", str(a.deadline + 15),
               "qemu-system-x86_64", "-accel", "tcg", "-cpu", a.cpu, "-m", str(a.memory), "-smp", str(a.smp),
               "-display", "none", "-vga", "none", "-nic", "none", "-no-reboot",
               "-serial", "stdio", "-monitor", "unix:%s,server,nowait" % monitor,
               "-kernel", a.kernel, "-initrd", a.initrd,
               "-append", " ".join([BASE_ARGS] + a.append)]
        scsi = False
        for i, disk in enumerate(a.disk):
            bus = disk_bus(disk)
            if bus == "scsi" and not scsi:
                cmd += ["-device", "virtio-scsi-pci,id=scsi0"]
                scsi = True
            cmd += ["-drive", drive_opts("d%d" % i, disk), "-device", bus_device(bus, "d%d" % i, i)]
        return cmd

    # ---- console handling -----------------------------------------------------------------
    def feed(self, data, qemu):
        # Strip the whole buffer each time: a sequence may be split across two reads.
        self.raw += data
        self.text = ANSI.sub(b"", self.raw).decode("utf-8", "replace")
        now = time.monotonic() - self.start
        # A line is timed when its first character arrives (a prompt ends without a newline).
        nlines = len(self.text.splitlines())
        self.line_seen += [round(now, 3)] * (nlines - len(self.line_seen))
        for name, pat in (("bek", "bek-unlock:"), ("unlocked", "bek-unlock: unlocked "),
                          ("marker", MARKER)):
            if pat in self.text:
                self.events.setdefault(name, round(now, 2))
        n = len(PROMPT.findall(self.text))
        if n > self.prompts:
            self.prompts = n
            self.events.setdefault("prompt", round(now, 2))
            if self.a.passphrase is not None and self.typed < 3:
                time.sleep(0.5)     # let the agent finish setting up the tty
                qemu.stdin.write(self.a.passphrase.encode() + b"\r")
                qemu.stdin.flush()
                self.typed += 1

    def hotplug_due(self, elapsed):
        """--hotplug-after counts from the start, or from the first --hotplug-when text;
        and never before --hotplug-at seconds after the start."""
        if not self.a.hotplug or self.hotplugged or elapsed < self.a.hotplug_at:
            return False
        if self.a.hotplug_when is None:
            return elapsed >= self.a.hotplug_after
        if self.a.hotplug_when in self.text or (self.a.hotplug_when == UNIT_START and UNIT_DESC_START in self.text):
            self.events.setdefault("hotplug_when", round(elapsed, 2))
            return elapsed >= self.events["hotplug_when"] + self.a.hotplug_after
        return False

    def hotplug(self, monitor):
        """Attach the --hotplug disks, in order, as new virtio-blk-pci devices (HMP monitor)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(monitor)
            for i, disk in enumerate(self.a.hotplug):
                for line in ("drive_add 0 " + drive_opts("hp%d" % i, disk),
                             "device_add virtio-blk-pci,drive=hp%d,id=hpdev%d" % (i, i)):
                    s.sendall(line.encode() + b"\n")
                    time.sleep(0.3)
        self.hotplugged = True
        self.events["hotplug"] = round(time.monotonic() - self.start, 2)

    def run(self):
        with tempfile.TemporaryDirectory() as tmp:
            monitor = os.path.join(tmp, "monitor.sock")
            self.start = time.monotonic()
            qemu = subprocess.Popen(self.command(monitor), stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            with open(self.a.log, "wb") as log:
                self.status = self.pump(qemu, monitor, log)
        self.wall = time.monotonic() - self.start

    def unanswered(self):
        """A prompt nobody will answer: the boot is stopped a short grace later."""
        return bool(self.prompts) and self.a.passphrase is None

    def deadline(self):
        if self.unanswered():
            return min(self.a.deadline, self.events["prompt"] + self.a.prompt_grace)
        return self.a.deadline

    def pump(self, qemu, monitor, log):
        fd = qemu.stdout.fileno()
        while True:
            elapsed = time.monotonic() - self.start
            if elapsed > self.deadline():
                stop(qemu)
                return "deadline"
            if self.hotplug_due(elapsed):
                self.hotplug(monitor)
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                return "exited %d" % qemu.wait()
            log.write(data)
            log.flush()
            self.feed(data, qemu)

    # ---- verdict --------------------------------------------------------------------------
    def result(self):
        text = self.text
        lines, times = transcript(text, self.line_seen)
        return {
            "prompt": self.prompts > 0,
            "typed": self.typed,
            "root_reached": MARKER in text,
            "bek_mounted": field(text, "bek-mounted"),
            "key_material": field(text, "key-material"),
            "bek_lines": [t for k, t in lines if k == "bek"],
            "transcript": lines,
            # per transcript line: [seconds since QEMU start it was seen on the host,
            # the kernel's printk time of the line or None (systemd's prompt has none)]
            "transcript_times": times,
            "panic": "Kernel panic" in text,
            "crash": [l.strip() for l in text.splitlines() if CRASH.search(l)],
            "hung": self.status == "deadline" and not self.unanswered(),
            "dm": field(text, "dm"),
            "dm_by_uuid": field(text, "dm-by-uuid"),
            # rootinit's "DRIVER:REFCNT,..." of the kernel's xts(aes) algorithms, or "none"
            "xts_aes": field(text, "xts-aes"),
            # rootinit's loaded kernel modules, "NAME,..." or "none"
            "modules": field(text, "modules"),
            "unlock_ms": [int(m) for m in UNLOCK_MS.findall(text)],
            "events": self.events,
            "qemu": self.status,
            "wall_s": round(self.wall, 2),
            "log": self.a.log,
        }


def stop(qemu):
    """qemu is `timeout`: SIGTERM, which it forwards (a SIGKILL would orphan QEMU)."""
    qemu.terminate()
    try:
        qemu.wait(10)
    except subprocess.TimeoutExpired:
        qemu.kill()
        qemu.wait()


# The buses a disk can be attached on (--disk PATH[:ro|:rw][@BUS]), as a cloud VM's disks
# are: virtio-blk (vd*, the default), SCSI (virtio-scsi: sd*, as Azure's hv_storvsc disks,
# the BEK disk of a Gen2 VM), NVMe (nvme*n1, newer Azure sizes' OS disk) and IDE (the PIIX
# controller of QEMU's pc machine: sd* through libata, as a Gen1 VM's BEK disk).
BUSES = ("virtio", "scsi", "nvme", "ide")


def disk_bus(spec):
    """The @BUS suffix of a disk spec (virtio without one)."""
    _, at, bus = spec.rpartition("@")
    bus = bus if at else "virtio"
    if bus not in BUSES:
        raise SystemExit("boot.py: unknown bus %r in disk %r (one of %s)" % (bus, spec, ", ".join(BUSES)))
    return bus


def bus_device(bus, drive, index):
    """The -device argument attaching drive on bus; index makes the SCSI LUN, the NVMe
    serial and the IDE unit unique."""
    return {"virtio": "virtio-blk-pci,drive=%s" % drive,
            # Azure puts data disks and the BEK disk on LUNs of one SCSI target.
            "scsi": "scsi-hd,drive=%s,bus=scsi0.0,channel=0,scsi-id=0,lun=%d" % (drive, index),
            "nvme": "nvme,drive=%s,serial=bek-nvme-%d" % (drive, index),
            # ide.0 master and slave, then ide.1's (unit 0 or 1 of the bus).
            "ide": "ide-hd,drive=%s,bus=ide.%d,unit=%d" % (drive, index // 2 % 2, index % 2)}[bus]


def drive_opts(ident, spec):
    """DISK spec is PATH[:ro|:rw][@BUS]: read-only, or writable without snapshot (the guest
    could modify the image); by default snapshot=on, so that images are never modified."""
    spec = spec.rpartition("@")[0] if "@" in spec else spec
    path, _, mode = spec.partition(":")
    opts = "file=%s,if=none,id=%s,format=raw" % (path, ident)
    return opts + {"ro": ",snapshot=on,readonly=on", "rw": ""}.get(mode, ",snapshot=on")


TRANSCRIPT_KINDS = [("kernel", KERNEL.search), ("bek", re.compile("bek-unlock:").search),
                    ("prompt", PROMPT.search), ("test", re.compile("BEK-TEST:").search),
                    ("unit", re.compile("%s|%s" % (re.escape(UNIT_START), re.escape(UNIT_DESC_START))).search)]


def transcript(text, seen=()):
    """The console lines that matter, in order: [kind, text], kind bek|prompt|test|kernel|unit;
    and, per line, [host seconds since QEMU start (seen[i], or None), printk seconds or None]."""
    out, times = [], []
    for i, l in enumerate(text.splitlines()):
        # The first kind that matches, in this order, and where its text starts.
        for kind, find in TRANSCRIPT_KINDS:
            m = find(l)
            if m:
                break
        else:
            continue
        at = m.start()
        text = l[at:].strip()
        if kind == "unit" and text.startswith(UNIT_DESC_START):
            text = "%s.service (%s)" % (UNIT_START, text)
        out.append([kind, text])
        m = PRINTK.match(l.lstrip()) or PRINTK_BEFORE.search(l[:at])
        times.append([seen[i] if i < len(seen) else None, float(m.group(1)) if m else None])
    return out, times


def field(text, name):
    m = re.search(r"BEK-TEST: %s=(.*)" % name, text)
    return m.group(1).strip() if m else None


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kernel", default=None, help="default: the unpacked test kernel")
    p.add_argument("--initrd", default=BUILD + "/initrd-bek.img")
    p.add_argument("--disk", action="append", default=[],
                   help="PATH[:ro|:rw][@virtio|scsi|nvme|ide], in order (root LUKS first); repeatable")
    p.add_argument("--append", action="append", default=[], help="extra kernel arguments")
    p.add_argument("--passphrase", default=None, help="typed at each prompt (default: none)")
    p.add_argument("--hotplug", action="append", default=[],
                   help="PATH[:ro|:rw] of a disk to hot-plug (virtio-blk); repeatable: attached in order")
    p.add_argument("--hotplug-after", type=float, default=10.0,
                   help="seconds after the start, or after --hotplug-when")
    p.add_argument("--hotplug-when", default=None,
                   help="console text that starts the --hotplug-after count")
    p.add_argument("--hotplug-at", type=float, default=0.0,
                   help="and not before N s after the start")
    p.add_argument("--deadline", type=float, default=150.0, help="kill QEMU after N s")
    p.add_argument("--prompt-grace", type=float, default=30.0,
                   help="without --passphrase, kill QEMU N s after a prompt")
    p.add_argument("--memory", type=int, default=512)
    p.add_argument("--smp", type=int, default=1,
                   help="guest vCPUs (TCG: more than one runs multi-threaded, one host thread each)")
    p.add_argument("--cpu", default="max",
                   help="QEMU -cpu model, e.g. max,rdrand=off,rdseed=off (no hardware RNG)")
    p.add_argument("--log", default=BUILD + "/boot.log")
    return p


def boot(argv):
    a = parser().parse_args(argv)
    if a.kernel is None:
        kver = open(BUILD + "/kernel/kver").read().strip()
        a.kernel = "%s/kernel/boot/vmlinuz-%s" % (BUILD, kver)
    b = Boot(a)
    b.run()
    return b.result()


if __name__ == "__main__":
    import sys
    print(json.dumps(boot(sys.argv[1:]), indent=1))
