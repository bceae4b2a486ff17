// SPDX-License-Identifier: GPL-2.0-or-later
/* What the boot-configuration edits (adeconfig_edit.c, adeconfig_cmdline.c,
 * adeconfig_lvm.c) share: a growing output buffer, lines that keep their terminator,
 * blank-separated fields, the device paths of a volume's mapping. Pure: no I/O. */
#ifndef BEK_ADECONFIG_TEXT_H
#define BEK_ADECONFIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "adeconfig_edit.h"

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* One line: [s, s+len) without its terminator, which is [s+len, s+full). */
struct line {
	const char *s;
	size_t len, full;
};

/* A blank-separated field of a line. */
struct field {
	const char *s;
	size_t len;
};

/* Appends n bytes (an allocation failure is remembered, reported by finish). */
void bek_text_put(struct sbuf *b, const char *s, size_t n);
void bek_text_puts(struct sbuf *b, const char *s);
/* Ends an edit: 1 with *out when changed, 0 when not (buffer freed), -ENOMEM. */
int bek_text_finish(struct sbuf *b, bool changed, char **out);
/* ' ', '\t', '\r' */
bool bek_text_blank(char c);
/* The line at *pos (false at the end); *pos moves past it. */
bool bek_text_next_line(const char **pos, struct line *l);
/* Up to max fields; 0 for a blank line or a comment. */
size_t bek_text_fields(const struct line *l, struct field *f, size_t max);
bool bek_text_is(const struct field *f, const char *s);
bool bek_text_has_prefix(const char *s, size_t len, const char *prefix);
/* The volume whose mapping the device path [s, s+len) names (/dev/mapper/NAME,
 * /dev/disk/by-id/dm-name-NAME), or NULL. */
const struct bek_plain_volume *bek_text_mapping(const char *s, size_t len, const struct bek_plain_volume *v, size_t n);
/* 0 when the volume's users may name it UUID=<fs_uuid>; else -EINVAL, why says why
 * (what: "fstab", ...). */
int bek_text_fs_source(const struct bek_plain_volume *v, const char *what, char why[BEK_WHY_MAX]);

#endif
