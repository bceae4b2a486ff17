// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: where a volume's key comes from, and reading it into locked memory. */
#ifndef BEK_DECRYPT_KEY_H
#define BEK_DECRYPT_KEY_H
#include <stddef.h>
#include "decrypt_volume.h"
#include "secret.h"

struct bek_dc_keysrc {
	const char *key_file;     /* --key-file: the passphrase as-is */
	const char *secret_file;  /* --secret-file: recover's Key Vault result */
};

/* Says where v's key will come from, for the plan. */
void bek_dc_key_describe(const struct bek_dc_keysrc *src, const struct bek_dc_volume *v, char *out, size_t size);

/* Reads v's key: --key-file, --secret-file, v->key_path when readable (the BEK disk
 * mounted by the running system), else the BEK disk found by its label, mounted
 * read-only in private for one read. Logs and returns a negative errno. */
int bek_dc_key_read(const struct bek_dc_keysrc *src, const struct bek_dc_volume *v, struct bek_secret *key);
#endif
