// SPDX-License-Identifier: GPL-2.0-or-later
/* What "bek-unlock recover" writes: the passphrase to a new key file (never to a
 * terminal or standard output), or, for --describe, what a Key Vault secret says and
 * the unwrapKey request to make for it. */
#ifndef BEK_RECOVER_OUTPUT_H
#define BEK_RECOVER_OUTPUT_H

#include <stdbool.h>

#include "kvsecret.h"
#include "secret.h"

/* Writes key to path, a new file (mode 0600, never overwritten, never through a
 * symbolic link), made durable. Returns the exit code: BEK_EXIT_OK or BEK_EXIT_ERROR. */
int bek_recover_write_key(const char *path, const struct bek_secret *key);

/* Prints the description of s on standard output; its wrapped value only when
 * show_wrapped. Returns the exit code: BEK_EXIT_OK or BEK_EXIT_ERROR. */
int bek_recover_describe(const struct bek_kv_secret *s, bool show_wrapped);

#endif
