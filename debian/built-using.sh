#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Prints the Built-Using value: the Debian source packages whose code the static
# bek-unlock contains (Debian Policy 7.8): cryptsetup, lvm2, systemd, libgcrypt20,
# libgpg-error and util-linux as built by tools/static-deps.sh (build/static/VERSIONS),
# and the static archives of the -dev packages the link takes (static.mk), glibc's included.
set -eu
{
    awk 'NF >= 2 && $1 !~ /^#/ { print $1 " (= " $2 ")" }' build/static/VERSIONS
    dpkg-query -W -f='${source:Package} (= ${source:Version})\n' \
        libjson-c-dev libargon2-dev libc6-dev
} | sort -u | paste -sd, - | sed 's/,/, /g'
