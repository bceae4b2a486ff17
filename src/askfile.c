// SPDX-License-Identifier: GPL-2.0-or-later
#include "askfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number that fits (no sign, no spaces, at least one digit). */
static int parse_u64(const char *v, uint64_t *out)
{
	uint64_t n = 0;
	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > (UINT64_MAX - (uint64_t)(*v - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return 0;
}

/* The socket must be one of systemd's, in the question directory: a plain name there. */
static int parse_socket(const char *v, struct bek_ask *a)
{
	static const char dir[] = BEK_ASK_DIR "/";
	const char *name = v + sizeof(dir) - 1;
	if (strncmp(v, dir, sizeof(dir) - 1) != 0 || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(v) >= sizeof(a->socket))
		return -EINVAL;
	snprintf(a->socket, sizeof(a->socket), "%s", v);
	return 0;
}

/* systemd-cryptsetup's Id= is "cryptsetup:" and its source device, C-escaped: kept only
 * when it is /dev/block/MAJOR:MINOR or a /dev path without escapes other than "\\". */
static void parse_id(const char *v, struct bek_ask *a)
{
	unsigned ma, mi;
	char end;
	if (sscanf(v, "/dev/block/%u:%u%c", &ma, &mi, &end) == 2) {
		a->by_devnum = true;
		a->major = ma;
		a->minor = mi;
		return;
	}
	if (strncmp(v, "/dev/", 5) != 0 || strstr(v, "/../") || strlen(v) >= sizeof(a->device))
		return;
	size_t n = 0;
	for (const char *c = v; *c; c++) {
		if (*c == '\\') {
			if (c[1] != '\\') {
				n = 0;   /* another escape: not matched by its path */
				break;
			}
			c++;
		}
		a->device[n++] = *c;
	}
	a->device[n] = '\0';
}

int bek_ask_parse(const char *text, size_t len, struct bek_ask *out)
{
	char line[BEK_ASK_FILE_MAX + 1];
	bool in_ask = false, cryptsetup = false;
	memset(out, 0, sizeof(*out));
	if (len > BEK_ASK_FILE_MAX || memchr(text, '\0', len))
		return -EINVAL;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (line[0] == '[') {
			in_ask = strcmp(line, "[Ask]") == 0;
			continue;
		}
		char *eq = strchr(line, '=');
		if (!in_ask || !eq)
			continue;    /* other sections, comments, blank lines */
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		uint64_t num;
		if (strcmp(k, "Socket") == 0) {
			if (parse_socket(v, out) < 0)
				return -EINVAL;
		} else if (strcmp(k, "Id") == 0) {
			cryptsetup = strncmp(v, "cryptsetup:", 11) == 0;
			out->by_devnum = false;
			out->device[0] = '\0';
			if (cryptsetup)
				parse_id(v + 11, out);
		} else if (strcmp(k, "NotAfter") == 0) {
			if (parse_u64(v, &num) < 0)
				return -EINVAL;
			out->not_after_us = num;
		} else if (strcmp(k, "PID") == 0) {
			if (parse_u64(v, &num) < 0 || num == 0 || num > 4194304)
				return -EINVAL;
			out->pid = (long)num;
		}
		/* Message=, Icon=, Echo=, AcceptCached=, Silent=, and keys to come: not ours. */
	}
	if (!out->socket[0])    /* Socket= is read in [Ask] only */
		return -EINVAL;
	return cryptsetup ? 1 : 0;
}

bool bek_ask_key_fits(const char *key, size_t len)
{
	return len >= 1 && len <= BEK_ASK_ANSWER_MAX && !memchr(key, '\0', len);
}
