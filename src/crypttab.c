// SPDX-License-Identifier: GPL-2.0-or-later
#include "crypttab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_BYTES 4096
#define FIELDS 4

static int fail(char why[BEK_WHY_MAX], const char *reason)
{
	bek_why(why, "%s", reason);
	return -EINVAL;
}

/* UUID=, PARTUUID=, LABEL= or a /dev path, turned into the /dev path udev links. */
static int parse_source(const char *v, char out[BEK_PATH_MAX + 1])
{
	static const struct { const char *tag, *dir; } tags[] = {
		{ "UUID=", "/dev/disk/by-uuid/" },
		{ "PARTUUID=", "/dev/disk/by-partuuid/" },
		{ "LABEL=", "/dev/disk/by-label/" },
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i].tag);
		if (strncmp(v, tags[i].tag, n) == 0) {
			if (!v[n] || strchr(v + n, '/'))
				return -EINVAL;
			return snprintf(out, BEK_PATH_MAX + 1, "%s%s", tags[i].dir, v + n) > BEK_PATH_MAX ? -EINVAL : 0;
		}
	}
	if (strncmp(v, "/dev/", 5) != 0 || strstr(v, "/../") || strlen(v) > BEK_PATH_MAX)
		return -EINVAL;
	snprintf(out, BEK_PATH_MAX + 1, "%s", v);
	return 0;
}

/* A path inside a filesystem: relative, no "." or ".." component, no empty component. */
static bool safe_relative(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > BEK_PATH_MAX)
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
		if (!*c && c[-1] == '/')
			return false;
	}
	return true;
}

static int parse_options(char *opts, struct bek_crypttab_entry *e, bool *ade_keyscript, char why[BEK_WHY_MAX])
{
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "discard") == 0)
			e->discard = true;
		else if (strncmp(o, "header=", 7) == 0) {
			if (o[7] != '/' || strlen(o + 7) > BEK_PATH_MAX)
				return fail(why, "header= is not an absolute path");
			snprintf(e->header, sizeof(e->header), "%s", o + 7);
		} else if (strncmp(o, "x-bek-header-fs=UUID=", 21) == 0) {
			if (!o[21] || strlen(o + 21) >= sizeof(e->header_fs) || strchr(o + 21, '/'))
				return fail(why, "x-bek-header-fs= is not UUID=<filesystem UUID>");
			snprintf(e->header_fs, sizeof(e->header_fs), "%s", o + 21);
		} else if (strncmp(o, "x-bek-header-path=", 18) == 0) {
			if (!safe_relative(o + 18))
				return fail(why, "x-bek-header-path= is not a safe relative path");
			snprintf(e->header_path, sizeof(e->header_path), "%s", o + 18);
		} else if (strncmp(o, "keyscript=", 10) == 0)
			*ade_keyscript = strstr(o + 10, "azure") != NULL;
		else if (strcmp(o, "plain") == 0 || strcmp(o, "tcrypt") == 0 || strcmp(o, "bitlk") == 0)
			return bek_why(why, "not a LUKS volume"), 0;
	}
	return 1;
}

int bek_crypttab_parse_line(const char *line, struct bek_crypttab_entry *e, char why[BEK_WHY_MAX])
{
	char buf[LINE_MAX_BYTES];
	char *field[FIELDS] = { 0 };
	size_t n = 0;
	bool ade_keyscript = false;

	memset(e, 0, sizeof(*e));
	why[0] = '\0';
	if (strlen(line) >= sizeof(buf))
		return fail(why, "line is longer than 4095 bytes");
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save = NULL, *f = strtok_r(buf, " \t\r\n", &save); f; f = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 0 && f[0] == '#')
			return 0;
		if (n == FIELDS)
			return fail(why, "more than four fields");
		field[n++] = f;
	}
	if (n == 0)
		return 0;
	if (n < 3)
		return fail(why, "fewer than three fields");
	char ignored[BEK_WHY_MAX];
	if (bek_mapname_check(field[0], ignored) < 0)
		return fail(why, "name is not a valid mapping name");
	snprintf(e->name, sizeof(e->name), "%s", field[0]);
	if (parse_source(field[1], e->source) < 0)
		return fail(why, "device is not UUID=, PARTUUID=, LABEL= or a /dev path");
	if (n == 4) {
		int r = parse_options(field[3], e, &ade_keyscript, why);
		if (r <= 0)
			return r;
	}
	const char *key = field[2];
	if (strncmp(key, BEK_ADE_MOUNT, strlen(BEK_ADE_MOUNT)) == 0) {
		key += strlen(BEK_ADE_MOUNT);
		if (bek_keyname_check(key, why) < 0)
			return -EINVAL;
		snprintf(e->key_file, sizeof(e->key_file), "%s", key);
	} else if ((strcmp(key, "none") == 0 || strcmp(key, "-") == 0) && ade_keyscript) {
		snprintf(e->key_file, sizeof(e->key_file), "%s", BEK_DEFAULT_KEYFILE);
	} else {
		return bek_why(why, "its key is not on the BEK disk"), 0;
	}
	return 1;
}
