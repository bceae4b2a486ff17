// SPDX-License-Identifier: GPL-2.0-or-later
#include "modlist.h"

#include <stdbool.h>
#include <string.h>

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line, without its newline. */
static void parse_line(const char *s, size_t len, struct bek_modlist *list)
{
	const char *hash = memchr(s, '#', len);
	if (hash)
		len = (size_t)(hash - s);
	while (len && blank(*s))
		s++, len--;
	while (len && blank(s[len - 1]))
		len--;
	if (!len)
		return;
	bool ok = len <= BEK_MODNAME_MAX && s[0] != '-';
	for (size_t i = 0; ok && i < len; i++)
		ok = name_char(s[i]);
	if (!ok) {
		list->rejected++;
		return;
	}
	for (size_t i = 0; i < list->n; i++)
		if (strlen(list->names[i]) == len && memcmp(list->names[i], s, len) == 0)
			return;
	if (list->n == BEK_MODLIST_MAX) {
		list->rejected++;
		return;
	}
	memcpy(list->names[list->n], s, len);
	list->names[list->n++][len] = '\0';
}

void bek_modlist_parse(const char *text, size_t len, struct bek_modlist *list)
{
	memset(list, 0, sizeof(*list));
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		parse_line(text, n, list);
		if (!nl)
			break;
		text += n + 1;
		len -= n + 1;
	}
}
