// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot-time job: config -> wait -> mount -> read key -> unlock -> clean up. */
#ifndef BEK_BOOT_H
#define BEK_BOOT_H

#include "cmdline.h"
#include "crypttab.h"
#include "exitcode.h"

/* Unlocks the volumes named in cfg and entries (the image's crypttab), or carrying
 * a bek token. Returns one of the exit codes above. */
int bek_boot(const struct bek_config *cfg, const struct bek_crypttab_entry *entries, size_t n_entries);

#endif
