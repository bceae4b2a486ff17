// SPDX-License-Identifier: GPL-2.0-or-later
/* The text edits of the boot configuration after decryption (see adeconfig_edit.h). Pure:
 * no I/O. Lines the edit does not touch are copied byte for byte, terminator included. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adeconfig_edit.h"

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct sbuf *b, const char *s, size_t n)
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

static void puts_(struct sbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Ends an edit: 1 with *out when changed, 0 when not, -ENOMEM. */
static int finish(struct sbuf *b, bool changed, char **out)
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
		put(b, "", 0);
	if (b->oom)
		return -ENOMEM;
	*out = b->p;
	return 1;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line: [s, s+len) without its terminator, which is [s+len, s+full). */
struct line {
	const char *s;
	size_t len, full;
};

static bool next_line(const char **pos, struct line *l)
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
struct field {
	const char *s;
	size_t len;
};

static size_t fields(const struct line *l, struct field *f, size_t max)
{
	size_t i = 0, k = 0;
	while (i < l->len && blank(l->s[i]))
		i++;
	if (i == l->len || l->s[i] == '#')
		return 0;
	while (i < l->len && k < max) {
		size_t start = i;
		while (i < l->len && !blank(l->s[i]))
			i++;
		f[k].s = l->s + start, f[k].len = i - start;
		k++;
		while (i < l->len && blank(l->s[i]))
			i++;
	}
	return k;
}

static bool is(const struct field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->s, s, f->len) == 0;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

bool bek_edit_is_fs(const struct bek_plain_volume *v)
{
	return v->fs_type && strcmp(v->fs_type, "LVM2_member") != 0 && strcmp(v->fs_type, "crypto_LUKS") != 0;
}

/* The volume whose mapping the device path [s, s+len) names, or NULL. */
static const struct bek_plain_volume *mapping(const char *s, size_t len, const struct bek_plain_volume *v, size_t n)
{
	static const char *const dirs[] = { "/dev/mapper/", "/dev/disk/by-id/dm-name-" };
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		if (!has_prefix(s, len, dirs[d]))
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
static int fs_source(const struct bek_plain_volume *v, const char *what, char why[BEK_WHY_MAX])
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

int bek_edit_crypttab(const char *text, const struct bek_plain_volume *v, size_t n, char **out, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; next_line(&pos, &l);) {
		struct field f[4];
		size_t k = fields(&l, f, 4);
		bool ours = false;
		for (size_t i = 0; k && i < n; i++)
			ours |= is(&f[0], v[i].name);
		if (ours) {
			changed = true;
			continue;
		}
		/* Another entry keyed on the BEK disk: an ADE volume still encrypted. */
		if (k >= 3 && (has_prefix(f[2].s, f[2].len, BEK_ADE_BEK_MOUNT "/") ||
			       has_prefix(f[2].s, f[2].len, "/azure_bek_disk/") ||
			       (k >= 4 && memmem(f[3].s, f[3].len, "azure_crypt_key", 15)))) {
			bek_why(why, "crypttab entry \"%.*s\" still takes its key from the BEK disk (an ADE volume not yet decrypted)",
				(int)(f[0].len > 64 ? 64 : f[0].len), f[0].s);
			free(b.p);
			return -EINVAL;
		}
		put(&b, l.s, l.full);
	}
	return finish(&b, changed, out);
}

int bek_edit_fstab(const char *text, const struct bek_plain_volume *v, size_t n, char **out, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; next_line(&pos, &l);) {
		struct field f[2];
		size_t k = fields(&l, f, 2);
		if (k >= 2 && (is(&f[1], BEK_ADE_BEK_MOUNT) || is(&f[1], BEK_ADE_BEK_MOUNT "/"))) {
			changed = true;   /* ADE's own mount of the BEK disk */
			continue;
		}
		const struct bek_plain_volume *m = k ? mapping(f[0].s, f[0].len, v, n) : NULL;
		if (!m) {
			put(&b, l.s, l.full);
			continue;
		}
		int r = fs_source(m, "fstab", why);
		if (r < 0) {
			free(b.p);
			return r;
		}
		put(&b, l.s, (size_t)(f[0].s - l.s));
		puts_(&b, "UUID=");
		puts_(&b, m->fs_uuid);
		put(&b, f[0].s + f[0].len, l.full - (size_t)(f[0].s + f[0].len - l.s));
		changed = true;
	}
	return finish(&b, changed, out);
}

/* Adds word [s, s+len) to list (blank-separated) unless it is there. */
static int word_add(char **list, const char *s, size_t len)
{
	size_t have = *list ? strlen(*list) : 0;
	for (const char *p = *list; p && *p;) {
		size_t wl = strcspn(p, " ");
		if (wl == len && memcmp(p, s, len) == 0)
			return 0;
		p += wl + (p[wl] == ' ');
	}
	char *q = realloc(*list, have + len + 2);
	if (!q)
		return -ENOMEM;
	if (have)
		q[have++] = ' ';
	memcpy(q + have, s, len);
	q[have + len] = '\0';
	*list = q;
	return 0;
}

void bek_edit_words_free(struct bek_edit_words *w)
{
	free(w->removed);
	free(w->added);
	w->removed = w->added = NULL;
}

/* The next word of a command line from *pos (quotes "..." keep blanks inside). */
static bool next_word(const char *s, size_t len, size_t *pos, size_t *start, size_t *end)
{
	size_t i = *pos;
	while (i < len && blank(s[i]))
		i++;
	if (i == len)
		return false;
	*start = i;
	bool quoted = false;
	while (i < len && (quoted || !blank(s[i])))
		quoted ^= s[i++] == '"';
	*end = *pos = i;
	return true;
}

#define MAX_UUIDS 16

/* Whether value [s, s+len) starts with one of the UUIDs (after an optional "luks-"),
 * followed by its end or "=". */
static bool names_uuid(const char *s, size_t len, char uuids[][65], size_t nu)
{
	if (has_prefix(s, len, "luks-"))
		s += 5, len -= 5;
	for (size_t i = 0; i < nu; i++) {
		size_t ul = strlen(uuids[i]);
		if (len >= ul && strncasecmp(s, uuids[i], ul) == 0 && (len == ul || s[ul] == '='))
			return true;
	}
	return false;
}

/* The edit of one command line [s, s+len) into b; *changed set when a word changes. */
static int edit_cmdline(struct sbuf *b, const char *s, size_t len, const struct bek_plain_volume *v, size_t n,
			struct bek_edit_words *w, bool *changed, char why[BEK_WHY_MAX])
{
	char uuids[MAX_UUIDS][65];
	size_t nu = 0, pos = 0, ws, we;
	/* First pass: the LUKS UUIDs rd.luks.name= maps to the volumes' names. */
	while (next_word(s, len, &pos, &ws, &we)) {
		const char *val = s + ws + 13;
		if (!has_prefix(s + ws, we - ws, "rd.luks.name="))
			continue;
		const char *eq = memchr(val, '=', (size_t)(s + we - val));
		if (!eq || eq == val)
			continue;
		for (size_t i = 0; i < n; i++) {
			size_t ul = (size_t)(eq - val);
			if ((size_t)(s + we - eq - 1) != strlen(v[i].name) || memcmp(eq + 1, v[i].name, strlen(v[i].name)) != 0)
				continue;
			if (ul > 5 && memcmp(val, "luks-", 5) == 0)
				val += 5, ul -= 5;
			if (nu == MAX_UUIDS || ul >= sizeof(uuids[0]))
				return bek_invalid(why, nu == MAX_UUIDS ? "more than 16 rd.luks.name= options name the volumes"
									: "an rd.luks.name= option's UUID is too long");
			memcpy(uuids[nu], val, ul);
			uuids[nu++][ul] = '\0';
		}
	}
	/* Second pass: each word kept as it is, removed with the blanks before it (after it,
	 * when no word is kept before it), or replaced. */
	size_t last = 0, base = b->len;
	bool kept = false;
	pos = 0;
	while (next_word(s, len, &pos, &ws, &we)) {
		const char *wd = s + ws;
		size_t wl = we - ws;
		const char *eq = memchr(wd, '=', wl);
		size_t kl = eq ? (size_t)(eq - wd) : wl;
		bool drop = has_prefix(wd, kl, "rd.luks.ade.") || (kl == 11 && has_prefix(wd, kl, "rd.luks.ade")) ||
			    has_prefix(wd, kl, "rd.bek.") || (kl == 6 && has_prefix(wd, kl, "rd.bek")) ||
			    (eq && has_prefix(wd, kl, "rd.luks.") && names_uuid(eq + 1, wl - kl - 1, uuids, nu));
		const struct bek_plain_volume *m = NULL;
		if (kl == 4 && eq && memcmp(wd, "root", 4) == 0)
			m = mapping(eq + 1, wl - 5, v, n);
		if (!drop && !m) {
			kept = true;
			continue;
		}
		if (drop) {
			if (kept) {
				for (put(b, s + last, ws - last); b->len > base && b->p && blank(b->p[b->len - 1]);)
					b->p[--b->len] = '\0';
			} else {
				put(b, s + last, ws - last);
				while (we < len && blank(s[we]))
					we++;
			}
			if (w && word_add(&w->removed, wd, wl) < 0)
				return -ENOMEM;
		} else {
			int r = fs_source(m, "the kernel command line's root=", why);
			if (r < 0)
				return r;
			put(b, s + last, ws - last);
			char word[80];
			int wn = snprintf(word, sizeof(word), "root=UUID=%s", m->fs_uuid);
			put(b, word, (size_t)wn);
			if (w && word_add(&w->added, word, (size_t)wn) < 0)
				return -ENOMEM;
			kept = true;
		}
		last = pos = we;
		*changed = true;
	}
	put(b, s + last, len - last);
	return b->oom ? -ENOMEM : 0;
}

int bek_edit_cmdline(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	bool changed = false;
	*out = NULL;
	int r = edit_cmdline(&b, text, strlen(text), v, n, w, &changed, why);
	if (r < 0) {
		free(b.p);
		return r;
	}
	return finish(&b, changed, out);
}

/* Lines of a file: those selected by keep_prefix (NULL: every line not a comment) have
 * their text after the prefix edited as a command line. */
static int edit_lines(const char *text, const char *prefix, const struct bek_plain_volume *v, size_t n, char **out,
		      struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; next_line(&pos, &l);) {
		size_t i = 0;
		while (i < l.len && blank(l.s[i]))
			i++;
		bool take = prefix ? has_prefix(l.s + i, l.len - i, prefix) &&
					     (prefix[strlen(prefix) - 1] == '=' || l.len - i == strlen(prefix) ||
					      blank(l.s[i + strlen(prefix)]))
				   : i < l.len && l.s[i] != '#';
		if (!take) {
			put(&b, l.s, l.full);
			continue;
		}
		size_t from = prefix ? i + strlen(prefix) : 0;
		put(&b, l.s, from);
		int r = edit_cmdline(&b, l.s + from, l.len - from, v, n, w, &changed, why);
		if (r < 0) {
			free(b.p);
			return r;
		}
		put(&b, l.s + l.len, l.full - l.len);
	}
	return finish(&b, changed, out);
}

int bek_edit_bls(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		 struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	return edit_lines(text, "options", v, n, out, w, why);
}

int bek_edit_cmdline_file(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
			  struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	return edit_lines(text, NULL, v, n, out, w, why);
}

int bek_edit_grub_default(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
			  char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; next_line(&pos, &l);) {
		size_t i = 0;
		while (i < l.len && blank(l.s[i]))
			i++;
		if (has_prefix(l.s + i, l.len - i, "export") && i + 6 < l.len && blank(l.s[i + 6]))
			for (i += 6; i < l.len && blank(l.s[i]);)
				i++;
		size_t k = 0;
		if (has_prefix(l.s + i, l.len - i, "GRUB_CMDLINE_LINUX="))
			k = 19;
		else if (has_prefix(l.s + i, l.len - i, "GRUB_CMDLINE_LINUX_DEFAULT="))
			k = 27;
		if (!k) {
			put(&b, l.s, l.full);
			continue;
		}
		size_t vs = i + k, ve;
		if (vs < l.len && (l.s[vs] == '"' || l.s[vs] == '\'')) {
			char q = l.s[vs++];
			for (ve = vs; ve < l.len && !(l.s[ve] == q && (q == '\'' || l.s[ve - 1] != '\\'));)
				ve++;
			if (ve == l.len) {
				bek_why(why, "a grub setting %.*s continues past its line", (int)(k - 1), l.s + i);
				free(b.p);
				return -EINVAL;
			}
		} else {
			for (ve = vs; ve < l.len && !blank(l.s[ve]) && l.s[ve] != ';' && l.s[ve] != '#';)
				ve++;
		}
		put(&b, l.s, vs);
		int r = edit_cmdline(&b, l.s + vs, ve - vs, v, n, NULL, &changed, why);
		if (r < 0) {
			free(b.p);
			return r;
		}
		put(&b, l.s + ve, l.full - ve);
	}
	return finish(&b, changed, out);
}

int bek_edit_grubenv(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	return edit_lines(text, "kernelopts=", v, n, out, w, why);
}
