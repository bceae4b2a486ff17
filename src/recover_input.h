// SPDX-License-Identifier: GPL-2.0-or-later
/* What "bek-unlock recover" reads: the operator's document from a file or standard
 * input (from a terminal: prompted, not echoed), into locked memory, and the
 * passphrase decoded from it (kvpassphrase.h). */
#ifndef BEK_RECOVER_INPUT_H
#define BEK_RECOVER_INPUT_H

#include <stddef.h>
#include <stdio.h>

#include "secret.h"

/* Reads path ("-" or NULL: standard input) into buf, up to BEK_KV_INPUT_MAX bytes;
 * what names it in messages ("secret"); from a terminal, prompt (NULL: none) asks for
 * it without echo. Logs and returns a negative errno. */
int bek_recover_read(const char *path, const char *what, const char *prompt, struct bek_secret *buf, size_t *len);

/* Reads and decodes the passphrase from path into key, and says on say (recover:
 * standard output; decrypt: standard error, its standard output being its plan or JSON)
 * how long it is and what it came from. Logs and returns a negative errno (key freed). */
int bek_recover_passphrase(const char *path, struct bek_secret *key, FILE *say);

#endif
