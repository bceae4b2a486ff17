#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compares the lists in "bek-unlock --help" with those of the bek-unlock(8) page.

Usage: tests/man_compare.py HELP.txt PAGE.txt
HELP.txt is the output of --help; PAGE.txt the page rendered as plain text
(mandoc -T ascii | col -bx). From the help: the subcommands of the "Usage:" lines,
every --option, every rd.bek*/rd.luks* parameter and the exit codes of the "Exit
codes:" paragraph (before and after "recover:"). From the page: the subcommands of
SYNOPSIS and the terms of COMMANDS, the option terms of COMMANDS and OPTIONS, the
parameter terms of KERNEL COMMAND LINE, the code terms of EXIT STATUS's two lists.
Each list must be the same on both sides; the defaults the help gives in
parentheses must be the page's too. Prints one line per check, exits 1 on a
difference."""
import re
import sys

help_text = open(sys.argv[1]).read()
page = open(sys.argv[2]).read().split("\n")


def sections(lines):
    """{SECTION: [lines]} and {(SECTION, SUBSECTION): [lines]} of a rendered page."""
    sec, sub, out = None, None, {}
    for line in lines:
        if re.match(r"^[A-Z][A-Z ]+$", line):
            sec, sub = line.strip(), None
            continue
        m = re.match(r"^ {3}(\S.*)$", line)
        if sec and m:
            sub = m.group(1).strip()
            continue
        if sec:
            out.setdefault(sec, []).append(line)
            out.setdefault((sec, sub), []).append(line)
    return out


S = sections(page)
TERM = re.compile(r"^ {7}(\S.*)$")   # a list term: 7 columns in, its text 11


def terms(lines):
    return [m.group(1) for m in map(TERM.match, lines or []) if m]


OPT = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")
PARAM = re.compile(r"\b(rd\.(?:bek|luks)(?:\.[a-z]+)*)")

# --- the help
usage = [line for line in help_text.split("\n") if re.match(r"^(Usage:)?\s+bek-unlock ", line) or line.startswith("Usage:")]
h_cmds = {m.group(1) for line in usage for m in [re.search(r"bek-unlock ([a-z]+)", line)] if m}
h_opts = set(OPT.findall(help_text))
h_params = set(PARAM.findall(help_text))
exits = " ".join(help_text.split("Exit codes:", 1)[1].split()) if "Exit codes:" in help_text else ""
boot_part, _, rec_part = exits.partition("recover:")
rec_part, _, dec_part = rec_part.partition("decrypt:")
CODE = re.compile(r"(?:^|[,:;]\s*)(\d+) [a-z]")
h_exit = set(CODE.findall(boot_part.strip()))
h_exit_rec = set(CODE.findall(rec_part.strip()))
h_exit_dec = set(CODE.findall(dec_part.strip()))
h_defaults = dict(re.findall(r"(rd\.bek\.[a-z]+)=[A-Z]+ \(([^)]*)\)", " ".join(help_text.split())))

# --- the page
p_cmds = {m.group(1) for line in S.get("SYNOPSIS", []) for m in [re.match(r"^ {7}bek-unlock ([a-z]+)", line)] if m}
p_cmd_terms = {t.split()[0] for t in terms(S.get("COMMANDS")) if re.match(r"^[a-z]", t)}
p_opts = {o for sec in ("COMMANDS", "OPTIONS") for t in terms(S.get(sec)) for o in OPT.findall(t) if t.startswith("-")}
p_syn_opts = set(OPT.findall("\n".join(S.get("SYNOPSIS", []))))
p_params = {PARAM.match(t).group(1) for t in terms(S.get("KERNEL COMMAND LINE")) if PARAM.match(t)}
p_exit = {t for t in terms(S.get(("EXIT STATUS", "boot, inspect, enroll"))) if t.isdigit()}
p_exit_rec = {t for t in terms(S.get(("EXIT STATUS", "recover"))) if t.isdigit()}
p_exit_dec = {t for t in terms(S.get(("EXIT STATUS", "decrypt"))) if t.isdigit()}


def para_of(term_prefix, lines):
    """The text of the list entry whose term starts with term_prefix."""
    out, on = [], False
    for line in lines:
        if TERM.match(line):
            on = TERM.match(line).group(1).startswith(term_prefix)
        elif on:
            out.append(line.strip())
    return " ".join(out)


failed = 0


def same(name, a, b, a_name="--help", b_name="the page"):
    global failed
    if a and a == b:
        print(f"PASS {name}: {' '.join(sorted(a))}")
        return
    failed += 1
    print(f"FAIL {name}: only in {a_name}: {sorted(a - b) or '-'}; only in {b_name}: {sorted(b - a) or '-'}"
          + ("" if a else f" (nothing found in {a_name})"))


same("subcommands (help's Usage, page's SYNOPSIS)", h_cmds, p_cmds)
same("subcommands (help's Usage, page's COMMANDS)", h_cmds, p_cmd_terms)
same("options (help, page's COMMANDS and OPTIONS terms)", h_opts, p_opts)
same("options (help, page's SYNOPSIS)", h_opts, p_syn_opts)
same("kernel parameters (help, page's KERNEL COMMAND LINE terms)", h_params, p_params)
same("exit codes of boot (help, page's EXIT STATUS)", h_exit, p_exit)
same("exit codes of recover (help, page's EXIT STATUS)", h_exit_rec, p_exit_rec)
same("exit codes of decrypt (help, page's EXIT STATUS)", h_exit_dec, p_exit_dec)
for param, default in sorted(h_defaults.items()):
    text = para_of(param + "=", S.get("KERNEL COMMAND LINE", []))
    want = default.strip('"')
    if re.search(r"\bdefault\s+" + re.escape(want) + r"\b", text):
        print(f"PASS default of {param}: {want}")
    else:
        failed += 1
        print(f"FAIL default of {param}: the help says {want}, the page's entry says: {text or '(no entry)'}")
if not h_defaults:
    failed += 1
    print("FAIL defaults: none found in --help")
sys.exit(1 if failed else 0)
