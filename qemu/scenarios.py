#!/usr/bin/python3
"""Run the bek-unlock QEMU scenario matrix, two boots at a time.

  qemu/scenarios.py                 all scenarios
  qemu/scenarios.py a d             a subset, by name
  qemu/scenarios.py --demo          boot scenario a and show the console lines that matter
  qemu/scenarios.py --list          names and descriptions

Each row: scenario | expected | observed | PASS/FAIL; the last line is "N passed, N failed".
"""
import argparse
import concurrent.futures
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402

B = boot.BUILD
IMG = B + "/images/"
PASS0 = "typed-passphrase-0"
DEADLINE = 180       # seconds; a boot takes ~15 s under TCG on an idle host, 30-45 s on a busy one
PROMPT_GRACE = 15   # seconds left to a boot that prompts when nothing is to be typed


# ---- checks: (label, predicate on boot.py's result) ------------------------------------------
def line(text):
    return ('"%s"' % text, lambda r: any(text in l for l in r["bek_lines"]))


def no_line(text):
    return ('not "%s"' % text, lambda r: not any(text in l for l in r["bek_lines"]))


def before_prompt(text):
    """A bek-unlock line containing text is printed before the first passphrase prompt."""
    def pred(r):
        kinds = [k for k, t in r["transcript"] if k == "prompt" or (k == "bek" and text in t)]
        return bool(kinds) and kinds[0] == "bek" and "prompt" in kinds
    return ('"%s" < prompt' % text, pred)


PROMPT = ("prompt", lambda r: r["prompt"])
NO_PROMPT = ("no prompt", lambda r: not r["prompt"])
ROOT = ("root", lambda r: r["root_reached"])
NOT_MOUNTED = ("bek-mounted=no", lambda r: r["bek_mounted"] == "no")
REACHED = [ROOT, NOT_MOUNTED]
# "unlocked /dev/vda as NAME in N ms"; a bare "unlocked" would also match "not unlocked".
UNLOCKED = line("unlocked /dev/vda as ")


# ---- scenarios ---------------------------------------------------------------------------------
class Scenario:
    def __init__(self, name, desc, root, disks=(), args=(), checks=(), typed=False,
                 luks="uuid", initrd="bek", hotplug=None):
        self.name, self.desc, self.checks = name, desc, list(checks)
        self.root, self.disks, self.args = root, list(disks), list(args)
        self.typed, self.luks, self.initrd, self.hotplug = typed, luks, initrd, hotplug

    def argv(self, initrds):
        uuid = open(IMG + "uuid").read().strip()
        if self.luks == "name":   # rd.luks.name= form, root named by the user
            luks = ["rd.luks.name=%s=cryptroot" % uuid, "root=/dev/mapper/cryptroot"]
        else:
            luks = ["rd.luks.uuid=" + uuid, "root=/dev/mapper/luks-" + uuid]
        argv = ["--initrd", initrds[self.initrd], "--deadline", str(DEADLINE),
                "--prompt-grace", str(PROMPT_GRACE), "--log", "%s/logs/%s.log" % (B, self.name)]
        for d in [self.root] + self.disks:
            argv += ["--disk", IMG + d]
        for a in luks + self.args:
            argv += ["--append", a]
        if self.typed:
            argv += ["--passphrase", PASS0]
        if self.hotplug:    # (disk, seconds after the console shows text)
            disk, after, when = self.hotplug
            argv += ["--hotplug", IMG + disk, "--hotplug-after", str(after), "--hotplug-when", when]
        return argv


SCENARIOS = [
    Scenario("base", "baseline initramfs (no bek-unlock): systemd prompts, passphrase typed",
             "root-notoken.img", initrd="base", typed=True, checks=[PROMPT] + REACHED),
    Scenario("a", "token names the default key file",
             "root-token.img", ["bek-good.img"],
             checks=[line("found BEK disk /dev/vdb"),
                     line('key file "LinuxPassPhraseFileName" (from token'),
                     UNLOCKED, NO_PROMPT] + REACHED),
    Scenario("b", "several key files on the BEK disk, token names LinuxPassPhraseFileName_1_0",
             "root-token-multi.img", ["bek-multi.img"],
             checks=[line('key file "LinuxPassPhraseFileName_1_0" (from token'),
                     UNLOCKED, NO_PROMPT] + REACHED),
    Scenario("c", "no token: default key file name",
             "root-notoken.img", ["bek-good.img"],
             checks=[line('key file "LinuxPassPhraseFileName"'), no_line("from token"),
                     UNLOCKED, NO_PROMPT] + REACHED),
    Scenario("d", "BEK disk absent, rd.bek.timeout=5: prompt, passphrase typed",
             "root-token.img", [], ["rd.bek.timeout=5"], typed=True,
             checks=[before_prompt("no BEK disk"), PROMPT] + REACHED),
    Scenario("e", "wrong key on the BEK disk: prompt, passphrase typed (rd.luks.name=)",
             "root-token.img", ["bek-wrong.img"], typed=True, luks="name",
             checks=[before_prompt("rejected"), PROMPT] + REACHED),
    Scenario("f", "key in keyslot 1 named by the token, keyslot 0 a passphrase (rd.luks.name=)",
             "root-token.img", ["bek-good.img"], luks="name",
             checks=[line("unlocked /dev/vda as cryptroot"), no_line("rejected"),
                     NO_PROMPT] + REACHED),
    Scenario("g", "BEK disk hot-plugged 5 s after bek-unlock started waiting (rd.bek.timeout=30)",
             "root-token.img", [], ["rd.bek.timeout=30"],
             hotplug=("bek-good.img", 5, "Starting bek-unlock"),
             checks=[line("found BEK disk /dev/vdb"), UNLOCKED, NO_PROMPT] + REACHED),
]


# ---- running and reporting ---------------------------------------------------------------------
def observed(r):
    facts = [w for w, pat in (("found", "found BEK disk"), ("no-disk", "no BEK disk"),
                              ("rejected", "rejected"), ("unlocked", "unlocked /dev/"))
             if any(pat in l for l in r["bek_lines"])]
    facts.append("prompt" if r["prompt"] else "no prompt")
    if r["typed"]:
        facts.append("typed")
    facts.append("root" if r["root_reached"] else "no root (%s)" % r["qemu"])
    if r["bek_mounted"]:
        facts.append("mounted=" + r["bek_mounted"])
    if r["panic"]:
        facts.append("PANIC")
    return ", ".join(facts) + " [%.0fs]" % r["wall_s"]


def run_one(s, initrds):
    r = boot.boot(s.argv(initrds))
    failed = [label for label, pred in s.checks if not pred(r)]
    return r, failed


def run(selected, initrds):
    os.makedirs(B + "/logs", exist_ok=True)
    npass = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(s, pool.submit(run_one, s, initrds)) for s in selected]
        for s, fut in futures:
            r, failed = fut.result()
            verdict = "FAIL" if failed else "PASS"
            npass += not failed
            print("%-4s | %s | %s | %s" % (s.name, ", ".join(l for l, _ in s.checks),
                                            observed(r), verdict), flush=True)
            if failed:
                print("     failed: %s; log: %s" % ("; ".join(failed), r["log"]), flush=True)
    print("%d passed, %d failed" % (npass, len(selected) - npass))
    return npass == len(selected)


def demo(initrds):
    s = next(x for x in SCENARIOS if x.name == "a")
    print("demo: %s (log %s/logs/demo.log)" % (s.desc, B))
    r = boot.boot(s.argv(initrds) + ["--log", B + "/logs/demo.log"])
    for kind, text in r["transcript"]:
        print("  " + text)
    print("wall time %.1f s, marker at %s s" % (r["wall_s"], r["events"].get("marker")))
    return r["root_reached"] and not r["prompt"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="scenario names (default: all)")
    p.add_argument("--initrd", default=B + "/initrd-bek.img", help="initramfs with bek-unlock")
    p.add_argument("--base-initrd", default=B + "/initrd-base.img")
    p.add_argument("--demo", action="store_true")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    initrds = {"bek": a.initrd, "base": a.base_initrd}
    if a.list:
        for s in SCENARIOS:
            print("%-4s %s" % (s.name, s.desc))
        return 0
    if a.demo:
        return 0 if demo(initrds) else 1
    unknown = set(a.names) - {s.name for s in SCENARIOS}
    if unknown:
        p.error("unknown scenario(s): " + " ".join(sorted(unknown)))
    selected = [s for s in SCENARIOS if not a.names or s.name in a.names]
    return 0 if run(selected, initrds) else 1


if __name__ == "__main__":
    sys.exit(main())
