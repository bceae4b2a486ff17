#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tools/sizemap.py MAP [LIBRARY]: bytes each library contributes to a linked program, from
ld's -Map; with LIBRARY (e.g. libgcrypt.a), the bytes each of that archive's members adds.

Sums the input sections the linker kept (code, read-only data, data, unwind tables) per
archive (libfoo.a) or per object of our own (src/*.o), and prints them largest first.
Discarded sections (--gc-sections) are listed before the memory map and are not counted.
"""
import re
import sys
from collections import defaultdict

KEEP = ('.text', '.rodata', '.data', '.eh_frame', '.gcc_except_table', '.tdata', '.init_array',
        '.fini_array', '.bss', '.tbss')
ENTRY = re.compile(r'^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)')


MEMBERS_OF = None


def owner(path):
    if MEMBERS_OF:
        m = re.search(r'([^/]+\.a)\((.*)\)$', path)
        return m.group(2) if m and m.group(1) == MEMBERS_OF else None
    m = re.search(r'([^/]+\.a)\(', path)
    if m:
        return m.group(1)
    if path.endswith('.o'):
        return 'bek-unlock (src/*.o)' if '/obj/' in path else 'crt (start files)'
    return path.rsplit('/', 1)[-1]


def main():
    global MEMBERS_OF
    MEMBERS_OF = sys.argv[2] if len(sys.argv) > 2 else None
    per = defaultdict(lambda: defaultdict(int))
    in_map = False
    section = None
    with open(sys.argv[1], errors='replace') as f:
        for line in f:
            if line.startswith('Linker script and memory map'):
                in_map = True
                continue
            if not in_map:
                continue
            s = line.rstrip('\n')
            if s.startswith(' ') and not s.startswith('  ') and s.split() and s.split()[0].startswith('.'):
                parts = s.split()
                section = parts[0]
                rest = parts[1:]
                if len(rest) >= 3:
                    m = ENTRY.match(' ' + ' '.join(rest))
                    if m:
                        add(per, section, m)
                continue
            m = ENTRY.match(s)
            if m and section is not None:
                add(per, section, m)
    rows = []
    for lib, secs in per.items():
        if lib is None:
            continue
        total = sum(secs.values())
        if total:
            rows.append((total, lib, secs))
    rows.sort(reverse=True)
    grand = sum(r[0] for r in rows)
    print(f'{MEMBERS_OF or "library":34} {"total":>9} {"code":>9} {"rodata":>9} {"data+bss":>9} {"unwind":>9}')
    for total, lib, secs in rows:
        code = sum(v for k, v in secs.items() if k.startswith('.text'))
        ro = sum(v for k, v in secs.items() if k.startswith('.rodata'))
        unw = sum(v for k, v in secs.items() if k.startswith('.eh_frame') or k.startswith('.gcc_except'))
        data = total - code - ro - unw
        print(f'{lib:34} {total:9} {code:9} {ro:9} {data:9} {unw:9}')
    print(f'{"all":34} {grand:9}')


def add(per, section, m):
    if not section.startswith(KEEP):
        return
    size = int(m.group(2), 16)
    path = m.group(3)
    if int(m.group(1), 16) == 0 and size == 0:
        return
    per[owner(path)][section.split('.', 2)[1] and '.' + section.split('.')[1]] += size


if __name__ == '__main__':
    main()
