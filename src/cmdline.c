// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel command line parsing: tokenising with the kernel's quoting rules and
 * interpreting the rd.bek.* and rd.luks.* parameters. */
#include "cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyname.h"

#define PARAM_MAX 4096

void bek_config_init(struct bek_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = true;
	cfg->use_crypttab = true;
	cfg->timeout_s = BEK_DEFAULT_TIMEOUT_S;
	snprintf(cfg->label, sizeof(cfg->label), "%s", BEK_DEFAULT_LABEL);
}

int bek_uuid_canonical(const char *in, size_t len, char out[BEK_UUID_LEN + 1])
{
	if (len >= 5 && strncmp(in, "luks-", 5) == 0) {
		in += 5;
		len -= 5;
	}
	if (len != BEK_UUID_LEN)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !isxdigit(c))
			return -EINVAL;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return 0;
}

const struct bek_target *bek_config_find_target(const struct bek_config *cfg, const char *uuid)
{
	for (size_t i = 0; i < cfg->n_targets; i++)
		if (strcmp(cfg->targets[i].uuid, uuid) == 0)
			return &cfg->targets[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

static int parse_seconds(const char *v, unsigned *out)
{
	char *end;
	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end != '\0' || n > BEK_MAX_TIMEOUT_S)
		return -ERANGE;
	*out = (unsigned)n;
	return 0;
}

int bek_label_unescape(const char *v, char out[BEK_LABEL_MAX + 1])
{
	size_t n = 0;
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\') {
			unsigned hi, lo;
			if (p[1] != 'x' || !isxdigit((unsigned char)p[2]) || !isxdigit((unsigned char)p[3]))
				return -EINVAL;
			hi = (unsigned)(isdigit((unsigned char)p[2]) ? p[2] - '0' : tolower((unsigned char)p[2]) - 'a' + 10);
			lo = (unsigned)(isdigit((unsigned char)p[3]) ? p[3] - '0' : tolower((unsigned char)p[3]) - 'a' + 10);
			c = (unsigned char)(hi << 4 | lo);
			p += 3;
		}
		if (c < 0x20 || c == 0x7f || n >= BEK_LABEL_MAX)
			return -EINVAL;
		out[n++] = (char)c;
	}
	if (n == 0)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

/* Adds or updates a target; name NULL keeps an existing name or uses luks-<uuid>. */
static const char *add_target(struct bek_config *cfg, const char *uuid, const char *name)
{
	struct bek_target *t = (struct bek_target *)bek_config_find_target(cfg, uuid);
	if (!t) {
		if (cfg->n_targets >= BEK_MAX_TARGETS)
			return "too many volumes named";
		t = &cfg->targets[cfg->n_targets++];
		memcpy(t->uuid, uuid, sizeof(t->uuid));
		snprintf(t->name, sizeof(t->name), "luks-%s", uuid);
	}
	if (name)
		snprintf(t->name, sizeof(t->name), "%s", name);
	return NULL;
}

/* rd.luks.uuid= takes a comma-separated list, like dracut does. */
static const char *apply_luks_uuid(struct bek_config *cfg, const char *v)
{
	char uuid[BEK_UUID_LEN + 1];
	for (const char *p = v;;) {
		size_t len = strcspn(p, ",");
		if (bek_uuid_canonical(p, len, uuid) < 0)
			return "not a UUID";
		const char *why = add_target(cfg, uuid, NULL);
		if (why)
			return why;
		if (p[len] == '\0')
			return NULL;
		p += len + 1;
	}
}

static const char *apply_luks_name(struct bek_config *cfg, const char *v)
{
	char uuid[BEK_UUID_LEN + 1];
	const char *eq = strchr(v, '=');
	if (!eq || bek_uuid_canonical(v, (size_t)(eq - v), uuid) < 0)
		return "expected UUID=NAME";
	static char why[BEK_WHY_MAX];   /* returned: outlives the call */
	if (bek_mapname_check(eq + 1, why) < 0)
		return why;
	return add_target(cfg, uuid, eq + 1);
}

static const char *apply_param(struct bek_config *cfg, const char *key, const char *v)
{
	bool b;
	if (strcmp(key, "rd.bek") == 0) {
		if (!v || parse_bool(v, &b) < 0)
			return "expected 0 or 1";
		cfg->enabled = b;
		cfg->asked |= b;
	} else if (strcmp(key, "rd.bek.debug") == 0) {
		if (!v)
			b = true;    /* a bare flag, like rd.debug */
		else if (parse_bool(v, &b) < 0)
			return "expected nothing, 0 or 1";
		cfg->debug = b;
	} else if (strcmp(key, "rd.luks") == 0) {
		if (v && parse_bool(v, &b) == 0 && !b)
			cfg->enabled = false;
	} else if (strcmp(key, "rd.luks.crypttab") == 0) {
		if (!v)
			b = true;    /* as systemd-cryptsetup-generator reads a bare switch */
		else if (parse_bool(v, &b) < 0)
			return "expected 0 or 1";
		cfg->use_crypttab = b;
	} else if (strcmp(key, "rd.bek.timeout") == 0) {
		if (!v || parse_seconds(v, &cfg->timeout_s) < 0)
			return "expected whole seconds from 0 to 600";
		cfg->asked = true;
	} else if (strcmp(key, "rd.bek.label") == 0) {
		char label[BEK_LABEL_MAX + 1];
		if (!v || bek_label_unescape(v, label) < 0)
			return "expected a label of 1-255 printable bytes (\\x20 for a space)";
		memcpy(cfg->label, label, sizeof(label));
		cfg->asked = true;
	} else if (strcmp(key, "rd.bek.keyfile") == 0) {
		static char why[BEK_WHY_MAX];   /* returned: outlives the call */
		if (!v)
			return "empty";
		if (bek_keyname_check(v, why) < 0)
			return why;
		snprintf(cfg->keyfile, sizeof(cfg->keyfile), "%s", v);
		cfg->asked = true;
	} else if (strcmp(key, "rd.luks.uuid") == 0) {
		return v ? apply_luks_uuid(cfg, v) : "expected a UUID";
	} else if (strcmp(key, "rd.luks.name") == 0) {
		return v ? apply_luks_name(cfg, v) : "expected UUID=NAME";
	}
	return NULL;
}

/* Copies the next parameter into buf, removing the kernel's double quotes
 * (which may enclose the value or the whole parameter). Returns the rest. */
static const char *next_param(const char *p, char *buf, size_t size, bool *truncated)
{
	size_t n = 0;
	bool quoted = false;
	*truncated = false;
	for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < size)
			buf[n++] = *p;
		else
			*truncated = true;
	}
	buf[n] = '\0';
	return p;
}

void bek_cmdline_apply(struct bek_config *cfg, const char *text, bek_warn_fn warn, void *userdata)
{
	char *buf = malloc(PARAM_MAX);
	if (!buf) {
		warn(userdata, "(command line)", "out of memory; command line ignored");
		return;
	}
	for (const char *p = text; *p;) {
		bool truncated;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		p = next_param(p, buf, PARAM_MAX, &truncated);
		if (strncmp(buf, "rd.bek", 6) != 0 && strncmp(buf, "rd.luks", 7) != 0)
			continue;
		char *eq = strchr(buf, '=');
		if (eq)
			*eq = '\0';
		const char *why = truncated ? "too long" : apply_param(cfg, buf, eq ? eq + 1 : NULL);
		if (why && warn)
			warn(userdata, buf, why);
	}
	free(buf);
}
