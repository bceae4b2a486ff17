// SPDX-License-Identifier: GPL-2.0-or-later
/* The list of kernel modules the unlock path needs (/etc/bek-unlock/preload in the image,
 * written by the dracut module): one name per line, '#' comments. Pure logic. */
#ifndef BEK_MODLIST_H
#define BEK_MODLIST_H

#include <stddef.h>

/* The kernel's MODULE_NAME_LEN is 56 on 64-bit (64 - sizeof(unsigned long)). */
#define BEK_MODNAME_MAX 55
#define BEK_MODLIST_MAX 16

struct bek_modlist {
	size_t n;
	char names[BEK_MODLIST_MAX][BEK_MODNAME_MAX + 1];
	size_t rejected;   /* lines that were not a module name (or over the limit) */
};

/* Parses text[0..len) (not NUL-terminated) into list: a name is [A-Za-z0-9_-], at most
 * BEK_MODNAME_MAX bytes, not starting with '-' (never an option to modprobe); leading
 * and trailing blanks and a '#' comment are ignored; anything else on a line rejects the
 * line, as does a name beyond BEK_MODLIST_MAX or seen already (counted as rejected only
 * when it is not a repeat). Never fails. */
void bek_modlist_parse(const char *text, size_t len, struct bek_modlist *list);

#endif
