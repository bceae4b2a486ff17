#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/size.sh BINARY [MAX_BYTES]: the static binary, stripped (as `make install` and the
# packages install it), must be at most MAX_BYTES (default 2,359,296: 2.25 MiB; 2 MiB until decrypt came, see
# doc/binary-size.md).
# Ends with "N passed, N failed".
set -u
bin=${1:?usage: tests/size.sh BINARY [MAX_BYTES]}
max=${2:-2359296}
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
if ! strip -o "$tmp" "$bin"; then
	echo "FAIL cannot strip $bin"; echo "0 passed, 1 failed"; exit 1
fi
size=$(stat -c %s "$tmp")
if [ "$size" -le "$max" ]; then
	echo "PASS $bin stripped: $size bytes <= $max"; echo "1 passed, 0 failed"
else
	echo "FAIL $bin stripped: $size bytes > $max (make size shows what each library adds)"
	echo "0 passed, 1 failed"; exit 1
fi
