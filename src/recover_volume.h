// SPDX-License-Identifier: GPL-2.0-or-later
/* What "bek-unlock recover" does with the volume (libcryptsetup): --check finds the
 * keyslot that accepts the passphrase, without device-mapper; --open also maps the
 * volume as /dev/mapper/NAME. */
#ifndef BEK_RECOVER_VOLUME_H
#define BEK_RECOVER_VOLUME_H

#include "recover_args.h"
#include "secret.h"

/* Checks (o->check) or opens (o->open, as o->name) the volume, its LUKS header on
 * o->header when given; says which keyslot took key on standard output, or logs why
 * not. Returns the exit code: BEK_EXIT_OK, BEK_EXIT_NOT_UNLOCKED (every keyslot rejects
 * key) or BEK_EXIT_ERROR. */
int bek_recover_volume(const struct bek_recover_opts *o, const struct bek_secret *key);

#endif
