// SPDX-License-Identifier: GPL-2.0-or-later
/* Key material lives only here: locked in RAM, excluded from core dumps and
 * forks, wiped before it is released. */
#ifndef BEK_SECRET_H
#define BEK_SECRET_H

#include <stddef.h>

struct bek_secret {
	char *data;
	size_t size;      /* bytes of key */
	size_t mapped;    /* bytes mapped */
};

/* Allocates room for size bytes. Returns 0 or a negative errno. */
int bek_secret_alloc(struct bek_secret *s, size_t size);
/* Wipes and releases; safe on a zeroed or already freed secret. */
void bek_secret_free(struct bek_secret *s);

#endif
