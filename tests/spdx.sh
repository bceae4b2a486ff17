#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every source, script and build file of the project carries the licence line at its top
# (line 1, or line 2 after a "#!" line or scdoc's preamble, which must come first).
# Files that cannot hold a comment or are not ours in form are listed here, nothing else:
# COPYING (the licence text), debian/copyright (states the licences itself),
# debian/source/format (one word, no comments), the fuzz corpus (test data).
# Ends with "N passed, N failed": one check per file.
set -u
cd "$(dirname "$0")/.."
TAG='SPDX-License-Identifier: GPL-2.0-or-later'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	list() { git ls-files --cached --others --exclude-standard; }
else
	list() { find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||'; }
fi
passed=0 failed=0
tmp=$(mktemp)
list | sort >"$tmp"
while IFS= read -r f; do
	case "$f" in
	COPYING | debian/copyright | debian/source/format | tests/fuzz/corpus/*) continue ;;
	esac
	[ -f "$f" ] || continue   # deleted in the work tree, not yet in git's index
	if head -n 2 "$f" | grep -qF "$TAG"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $f: no \"$TAG\" line in its first two lines"
	fi
done <"$tmp"
rm -f "$tmp"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
