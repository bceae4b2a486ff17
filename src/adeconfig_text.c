// SPDX-License-Identifier: GPL-2.0-or-later
/* Lines, fields and growing buffers for the boot-configuration edits (adeconfig_text.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adeconfig_text.h"

void bek_text_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void bek_text_puts(struct sbuf *b, const char *s)
{
	bek_text_put(b, s, strlen(s));
}

/* Ends an edit: 1 with *out when changed, 0 when not, -ENOMEM. */
int bek_text_finish(struct sbuf *b, bool changed, char **out)
{
	*out = NULL;
	if (b->oom) {
		free(b->p);
		return -ENOMEM;
	}
	if (!changed) {
		free(b->p);
		return 0;
	}
	if (!b->p)
		bek_text_put(b, "", 0);
	if (b->oom)
		return -ENOMEM;
	*out = b->p;
	return 1;
}

bool bek_text_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}


bool bek_text_next_line(const char **pos, struct line *l)
{
	const char *s = *pos;
	if (!*s)
		return false;
	const char *nl = strchr(s, '\n');
	l->s = s;
	l->full = nl ? (size_t)(nl - s) + 1 : strlen(s);
	l->len = nl ? (size_t)(nl - s) : l->full;
	if (l->len && s[l->len - 1] == '\r')
		l->len--;
	*pos = s + l->full;
	return true;
}

/* Up to max fields of a line: blank-separated; 0 for a blank line or a comment. */

size_t bek_text_fields(const struct line *l, struct field *f, size_t max)
{
	size_t i = 0, k = 0;
	while (i < l->len && bek_text_blank(l->s[i]))
		i++;
	if (i == l->len || l->s[i] == '#')
		return 0;
	while (i < l->len && k < max) {
		size_t start = i;
		while (i < l->len && !bek_text_blank(l->s[i]))
			i++;
		f[k].s = l->s + start, f[k].len = i - start;
		k++;
		while (i < l->len && bek_text_blank(l->s[i]))
			i++;
	}
	return k;
}

bool bek_text_is(const struct field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->s, s, f->len) == 0;
}

bool bek_text_has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

bool bek_edit_is_fs(const struct bek_plain_volume *v)
{
	return v->fs_type && strcmp(v->fs_type, "LVM2_member") != 0 && strcmp(v->fs_type, "crypto_LUKS") != 0;
}

/* The volume whose mapping the device path [s, s+len) names, or NULL. */
const struct bek_plain_volume *bek_text_mapping(const char *s, size_t len, const struct bek_plain_volume *v, size_t n)
{
	const char *const dirs[] = { "/dev/mapper/", "/dev/disk/by-id/dm-name-" };
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		if (!bek_text_has_prefix(s, len, dirs[d]))
			continue;
		size_t k = strlen(dirs[d]);
		for (size_t i = 0; i < n; i++)
			if (len - k == strlen(v[i].name) && memcmp(s + k, v[i].name, len - k) == 0)
				return &v[i];
	}
	return NULL;
}

static bool uuid_ok(const char *u)
{
	size_t n = strlen(u);
	return n > 0 && n <= 64 && strspn(u, "0123456789abcdefABCDEF-") == n;
}

/* The UUID=<fs_uuid> a mapping's user should name, or a refusal. */
int bek_text_fs_source(const struct bek_plain_volume *v, const char *what, char why[BEK_WHY_MAX])
{
	if (!bek_edit_is_fs(v)) {
		bek_why(why, "%s names /dev/mapper/%s, which holds %s, not a filesystem", what, v->name,
			v->fs_type ? v->fs_type : "nothing known");
		return -EINVAL;
	}
	if (!v->fs_uuid || !uuid_ok(v->fs_uuid)) {
		bek_why(why, "%s names /dev/mapper/%s, and the UUID of its filesystem is %s", what, v->name,
			v->fs_uuid ? "malformed" : "unknown");
		return -EINVAL;
	}
	return 0;
}
