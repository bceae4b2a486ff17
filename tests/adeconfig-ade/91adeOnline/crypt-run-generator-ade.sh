#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Test stand-in for ADE's crypt-run-generator-ade.sh (91adeOnline): only says it ran.
echo "crypt-run-generator-ade (stand-in) $*"
