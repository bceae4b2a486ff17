// SPDX-License-Identifier: GPL-2.0-or-later
#include "crypttab.h"

#include <errno.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_BYTES 4096
#define FIELDS 4

/* UUID=, PARTUUID=, LABEL=, PARTLABEL=, ID= or a /dev path, turned into the /dev path udev
 * links (as dracut's crypt module and systemd's fstab_node_to_udev_node() do). Returns 0,
 * 1 for an absolute path outside /dev (a loop file: not a device bek-unlock sees), or
 * -EINVAL. */
static int parse_source(const char *v, char out[BEK_PATH_MAX + 1])
{
	static const struct { const char *tag, *dir; } tags[] = {
		{ "UUID=", "/dev/disk/by-uuid/" },
		{ "PARTUUID=", "/dev/disk/by-partuuid/" },
		{ "LABEL=", "/dev/disk/by-label/" },
		{ "PARTLABEL=", "/dev/disk/by-partlabel/" },
		{ "ID=", "/dev/disk/by-id/" },
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i].tag);
		if (strncmp(v, tags[i].tag, n) == 0) {
			if (!v[n] || strchr(v + n, '/') || strcmp(v + n, ".") == 0 || strcmp(v + n, "..") == 0)
				return -EINVAL;
			return snprintf(out, BEK_PATH_MAX + 1, "%s%s", tags[i].dir, v + n) > BEK_PATH_MAX ? -EINVAL : 0;
		}
	}
	if (strlen(v) > BEK_PATH_MAX || strstr(v, "/../") || (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0))
		return -EINVAL;
	if (strncmp(v, "/dev/", 5) != 0)
		return v[0] == '/' ? 1 : -EINVAL;
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

/* The options that change how the volume is mapped and that libcryptsetup applies at
 * activation (systemd-cryptsetup and cryptsetup-initramfs pass the same flags). */
static const struct { const char *opt; uint32_t flag; } activation[] = {
	{ "discard", CRYPT_ACTIVATE_ALLOW_DISCARDS },
	{ "read-only", CRYPT_ACTIVATE_READONLY },
	{ "readonly", CRYPT_ACTIVATE_READONLY },
	{ "same-cpu-crypt", CRYPT_ACTIVATE_SAME_CPU_CRYPT },
	{ "submit-from-crypt-cpus", CRYPT_ACTIVATE_SUBMIT_FROM_CRYPT_CPUS },
	{ "no-read-workqueue", CRYPT_ACTIVATE_NO_READ_WORKQUEUE },
	{ "no-write-workqueue", CRYPT_ACTIVATE_NO_WRITE_WORKQUEUE },
};

/* Options that describe another kind of volume, or another mapping of this one, than
 * the LUKS header bek-unlock opens: the stock unlocker must keep the volume. cipher=,
 * hash=, size= and sector-size= are not here: for a LUKS volume both stock unlockers
 * ignore them (the header says). */
static bool refused(const char *o)
{
	static const char *const types[] = { "plain", "bitlk", "tcrypt", "veracrypt", "loop-aes", "loopaes" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(o, types[i]) == 0)
			return true;
	return strncmp(o, "tcrypt-", 7) == 0 || strncmp(o, "veracrypt-", 10) == 0 ||
	       strncmp(o, "offset=", 7) == 0 || strncmp(o, "skip=", 5) == 0;
}

static int parse_options(char *opts, struct bek_crypttab_entry *e, bool *ade_keyscript, char why[BEK_WHY_MAX])
{
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		bool flag = false;
		for (size_t i = 0; i < sizeof(activation) / sizeof(activation[0]); i++)
			if (strcmp(o, activation[i].opt) == 0) {
				e->flags |= activation[i].flag;
				flag = true;
			}
		if (flag)
			continue;
		if (strncmp(o, "header=", 7) == 0) {
			if (o[7] != '/' || strlen(o + 7) > BEK_PATH_MAX)
				return bek_invalid(why, "header= is not an absolute path");
			snprintf(e->header, sizeof(e->header), "%s", o + 7);
		} else if (strncmp(o, "x-bek-header-fs=UUID=", 21) == 0) {
			if (!o[21] || strlen(o + 21) >= sizeof(e->header_fs) || strchr(o + 21, '/'))
				return bek_invalid(why, "x-bek-header-fs= is not UUID=<filesystem UUID>");
			snprintf(e->header_fs, sizeof(e->header_fs), "%s", o + 21);
		} else if (strncmp(o, "x-bek-header-path=", 18) == 0) {
			if (!safe_relative(o + 18))
				return bek_invalid(why, "x-bek-header-path= is not a safe relative path");
			snprintf(e->header_path, sizeof(e->header_path), "%s", o + 18);
		} else if (strncmp(o, "keyscript=", 10) == 0) {
			*ade_keyscript = strstr(o + 10, "azure") != NULL;
		} else if (refused(o) && !e->refuse[0]) {
			bek_why(e->refuse, "option \"%.64s\", which bek-unlock does not apply", o);
		}
		/* Anything else (luks, nofail, noauto, initramfs, tries=, keyfile-timeout=,
		 * x-systemd.*, ...) orders the boot or finds a key: nothing to apply here. */
	}
	return 1;
}

/* The LUKS UUID an entry names, as systemd-cryptsetup-generator reads it: UUID=,
 * /dev/disk/by-uuid/, else a luks-UUID name. */
static void named_uuid(const char *device, struct bek_crypttab_entry *e)
{
	const char *u = NULL;
	if (strncmp(device, "UUID=", 5) == 0)
		u = device + 5;
	else if (strncmp(device, "/dev/disk/by-uuid/", 18) == 0)
		u = device + 18;
	else if (strncmp(e->name, "luks-", 5) == 0)
		u = e->name;    /* bek_uuid_canonical() drops the prefix */
	if (!u || (u != e->name && strncmp(u, "luks-", 5) == 0) || bek_uuid_canonical(u, strlen(u), e->uuid) < 0)
		e->uuid[0] = '\0';
}

int bek_crypttab_parse_entry(const char *line, struct bek_crypttab_entry *e, char why[BEK_WHY_MAX])
{
	char buf[LINE_MAX_BYTES];
	char *field[FIELDS] = { 0 };
	size_t n = 0;
	bool ade_keyscript = false;

	memset(e, 0, sizeof(*e));
	why[0] = '\0';
	if (strlen(line) >= sizeof(buf))
		return bek_invalid(why, "line is longer than 4095 bytes");
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save = NULL, *f = strtok_r(buf, " \t\r\n", &save); f; f = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 0 && f[0] == '#')
			return 0;
		if (n == FIELDS)
			return bek_invalid(why, "more than four fields");
		field[n++] = f;
	}
	if (n == 0)
		return 0;
	if (n < 2)
		return bek_invalid(why, "fewer than two fields");
	char ignored[BEK_WHY_MAX];
	if (bek_mapname_check(field[0], ignored) < 0)
		return bek_invalid(why, "name is not a valid mapping name");
	snprintf(e->name, sizeof(e->name), "%s", field[0]);
	int r = parse_source(field[1], e->source);
	if (r < 0)
		return bek_invalid(why, "device is not UUID=, PARTUUID=, LABEL=, PARTLABEL=, ID= or a /dev path");
	if (r > 0)
		return bek_why(why, "its device is a file, not a block device"), 0;
	named_uuid(field[1], e);
	if (n == 4) {
		r = parse_options(field[3], e, &ade_keyscript, why);
		if (r <= 0)
			return r;
	}
	const char *key = n >= 3 ? field[2] : "none";
	if (strncmp(key, BEK_ADE_MOUNT, strlen(BEK_ADE_MOUNT)) == 0) {
		key += strlen(BEK_ADE_MOUNT);
		if (bek_keyname_check(key, why) < 0)
			return -EINVAL;
		snprintf(e->key_file, sizeof(e->key_file), "%s", key);
		e->ade = true;
	} else if ((strcmp(key, "none") == 0 || strcmp(key, "-") == 0) && ade_keyscript) {
		snprintf(e->key_file, sizeof(e->key_file), "%s", BEK_DEFAULT_KEYFILE);
		e->ade = true;
	}
	return 1;
}

int bek_crypttab_parse_line(const char *line, struct bek_crypttab_entry *e, char why[BEK_WHY_MAX])
{
	int r = bek_crypttab_parse_entry(line, e, why);
	if (r <= 0)
		return r;
	if (!e->ade)
		return bek_why(why, "its key is not on the BEK disk"), 0;
	if (e->refuse[0])
		return bek_why(why, "%s", e->refuse), 0;
	return 1;
}

const char *bek_crypttab_flags_str(uint32_t flags, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(activation) / sizeof(activation[0]); i++) {
		/* one name per flag: "readonly" is the same as "read-only" */
		if (!(flags & activation[i].flag) || strcmp(activation[i].opt, "readonly") == 0)
			continue;
		int k = snprintf(buf + n, size - n, "%s%s", n ? "," : "", activation[i].opt);
		if (k < 0 || (size_t)k >= size - n) {
			buf[n] = '\0';    /* whole names only */
			break;
		}
		n += (size_t)k;
	}
	return buf;
}

const struct bek_crypttab_entry *bek_crypttab_find(const struct bek_crypttab_entry *entries, size_t n,
						   const char *uuid, bek_same_device_fn same)
{
	for (size_t i = 0; i < n; i++)
		if (entries[i].uuid[0] && strcmp(entries[i].uuid, uuid) == 0)
			return &entries[i];
	for (size_t i = 0; same && i < n; i++)
		if (!entries[i].uuid[0] && same(entries[i].source, uuid))
			return &entries[i];
	return NULL;
}
