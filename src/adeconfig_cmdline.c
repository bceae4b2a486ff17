// SPDX-License-Identifier: GPL-2.0-or-later
/* The edits of kernel command lines after decryption (see adeconfig_edit.h): the words
 * themselves, /etc/default/grub, BLS entries, grubenv, /etc/kernel/cmdline. Pure: no I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adeconfig_text.h"

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
	while (i < len && bek_text_blank(s[i]))
		i++;
	if (i == len)
		return false;
	*start = i;
	bool quoted = false;
	while (i < len && (quoted || !bek_text_blank(s[i])))
		quoted ^= s[i++] == '"';
	*end = *pos = i;
	return true;
}

#define MAX_UUIDS 16

/* Whether value [s, s+len) starts with one of the UUIDs (after an optional "luks-"),
 * followed by its end or "=". */
static bool names_uuid(const char *s, size_t len, char uuids[][65], size_t nu)
{
	if (bek_text_has_prefix(s, len, "luks-"))
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
		if (!bek_text_has_prefix(s + ws, we - ws, "rd.luks.name="))
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
		bool drop = bek_text_has_prefix(wd, kl, "rd.luks.ade.") || (kl == 11 && bek_text_has_prefix(wd, kl, "rd.luks.ade")) ||
			    bek_text_has_prefix(wd, kl, "rd.bek.") || (kl == 6 && bek_text_has_prefix(wd, kl, "rd.bek")) ||
			    (eq && bek_text_has_prefix(wd, kl, "rd.luks.") && names_uuid(eq + 1, wl - kl - 1, uuids, nu));
		const struct bek_plain_volume *m = NULL;
		if (kl == 4 && eq && memcmp(wd, "root", 4) == 0)
			m = bek_text_mapping(eq + 1, wl - 5, v, n);
		if (!drop && !m) {
			kept = true;
			continue;
		}
		if (drop) {
			if (kept) {
				for (bek_text_put(b, s + last, ws - last); b->len > base && b->p && bek_text_blank(b->p[b->len - 1]);)
					b->p[--b->len] = '\0';
			} else {
				bek_text_put(b, s + last, ws - last);
				while (we < len && bek_text_blank(s[we]))
					we++;
			}
			if (w && word_add(&w->removed, wd, wl) < 0)
				return -ENOMEM;
		} else {
			int r = bek_text_fs_source(m, "the kernel command line's root=", why);
			if (r < 0)
				return r;
			bek_text_put(b, s + last, ws - last);
			char word[80];
			int wn = snprintf(word, sizeof(word), "root=UUID=%s", m->fs_uuid);
			bek_text_put(b, word, (size_t)wn);
			if (w && word_add(&w->added, word, (size_t)wn) < 0)
				return -ENOMEM;
			kept = true;
		}
		last = pos = we;
		*changed = true;
	}
	bek_text_put(b, s + last, len - last);
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
	return bek_text_finish(&b, changed, out);
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
	for (const char *pos = text; bek_text_next_line(&pos, &l);) {
		size_t i = 0;
		while (i < l.len && bek_text_blank(l.s[i]))
			i++;
		bool take = prefix ? bek_text_has_prefix(l.s + i, l.len - i, prefix) &&
					     (prefix[strlen(prefix) - 1] == '=' || l.len - i == strlen(prefix) ||
					      bek_text_blank(l.s[i + strlen(prefix)]))
				   : i < l.len && l.s[i] != '#';
		if (!take) {
			bek_text_put(&b, l.s, l.full);
			continue;
		}
		size_t from = prefix ? i + strlen(prefix) : 0;
		bek_text_put(&b, l.s, from);
		int r = edit_cmdline(&b, l.s + from, l.len - from, v, n, w, &changed, why);
		if (r < 0) {
			free(b.p);
			return r;
		}
		bek_text_put(&b, l.s + l.len, l.full - l.len);
	}
	return bek_text_finish(&b, changed, out);
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
	for (const char *pos = text; bek_text_next_line(&pos, &l);) {
		size_t i = 0;
		while (i < l.len && bek_text_blank(l.s[i]))
			i++;
		if (bek_text_has_prefix(l.s + i, l.len - i, "export") && i + 6 < l.len && bek_text_blank(l.s[i + 6]))
			for (i += 6; i < l.len && bek_text_blank(l.s[i]);)
				i++;
		size_t k = 0;
		if (bek_text_has_prefix(l.s + i, l.len - i, "GRUB_CMDLINE_LINUX="))
			k = 19;
		else if (bek_text_has_prefix(l.s + i, l.len - i, "GRUB_CMDLINE_LINUX_DEFAULT="))
			k = 27;
		if (!k) {
			bek_text_put(&b, l.s, l.full);
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
			for (ve = vs; ve < l.len && !bek_text_blank(l.s[ve]) && l.s[ve] != ';' && l.s[ve] != '#';)
				ve++;
		}
		bek_text_put(&b, l.s, vs);
		int r = edit_cmdline(&b, l.s + vs, ve - vs, v, n, NULL, &changed, why);
		if (r < 0) {
			free(b.p);
			return r;
		}
		bek_text_put(&b, l.s + ve, l.full - ve);
	}
	return bek_text_finish(&b, changed, out);
}

int bek_edit_grubenv(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	return edit_lines(text, "kernelopts=", v, n, out, w, why);
}

int bek_edit_grubcfg(const char *text, const struct bek_plain_volume *v, size_t n, char **out,
		     struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	static const char *const cmds[] = { "linux16", "linuxefi", "linux" };
	char *cur = NULL;
	*out = NULL;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *next;
		int r = edit_lines(cur ? cur : text, cmds[i], v, n, &next, w, why);
		if (r < 0) {
			free(cur);
			return r;
		}
		if (r > 0) {
			free(cur);
			cur = next;
		}
	}
	*out = cur;
	return cur != NULL;
}
