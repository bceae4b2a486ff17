#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a command on a deliberately slowed host: in a CPU cgroup whose quota is this
# machine's CPUs divided by FACTOR, so that QEMU guests under TCG run about FACTOR times
# slower, as on the slower machines the suite must also pass on (bounds come from the
# product's promises on the guest's clock, never from this machine's speed).
# Usage (as root): tools/slowhost.sh FACTOR COMMAND [ARG...]
#   e.g. tools/slowhost.sh 3 make qemu-test SCENARIOS="d named-nobek udev-slow"
# cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us); the group is removed afterwards.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 FACTOR COMMAND [ARG...]" >&2; exit 2; }
factor=$1
shift
case $factor in '' | *[!0-9]* | 0) echo "slowhost: FACTOR must be a whole number >= 1" >&2; exit 2 ;; esac
period=100000
quota=$(( $(nproc) * period / factor ))
name=bek-slowhost-$$
if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
    dir=/sys/fs/cgroup/$name
    mkdir "$dir"
    echo "$quota $period" > "$dir/cpu.max"
elif [ -d /sys/fs/cgroup/cpu ]; then
    dir=/sys/fs/cgroup/cpu/$name
    mkdir "$dir"
    echo "$period" > "$dir/cpu.cfs_period_us"
    echo "$quota" > "$dir/cpu.cfs_quota_us"
else
    echo "slowhost: no cgroup CPU controller (v2 cpu.max or v1 cpu) to slow the host with" >&2
    exit 1
fi
echo "slowhost: CPU quota $quota/$period us for $(nproc) CPUs: about ${factor}x slower" >&2
rc=0
# The command runs in the group (its children inherit it); this shell stays outside.
sh -c 'echo $$ > "$1/cgroup.procs" 2>/dev/null || echo $$ > "$1/tasks"; shift; exec "$@"' sh "$dir" "$@" || rc=$?
rmdir "$dir" 2>/dev/null || true
exit "$rc"
