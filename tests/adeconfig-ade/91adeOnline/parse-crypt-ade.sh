#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Test stand-in for ADE's parse-crypt-ade.sh (91adeOnline): only says it ran.
echo "parse-crypt-ade (stand-in): $(getarg rd.luks.ade.partuuid)"
