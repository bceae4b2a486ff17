// SPDX-License-Identifier: GPL-2.0-or-later
#include "kcipher.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A kernel algorithm name as dm-crypt builds it from a LUKS cipher: letters, digits,
 * '-' and '_' only (no template syntax, no "capi:" spec), short enough for "xts(ecb())". */
static int plain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())"))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

int bek_kcipher_plan(const char *cipher, const char *mode, struct bek_kcipher *k)
{
	memset(k, 0, sizeof(*k));
	if (!cipher || !mode || !plain_name(cipher))
		return -EINVAL;
	/* dm-crypt's chain mode is what comes before the IV mode: "xts" in "xts-plain64". */
	size_t chain = strcspn(mode, "-");
	if (chain != 3 || strncmp(mode, "xts", 3) != 0)
		return -EOPNOTSUPP;
	snprintf(k->wanted, sizeof(k->wanted), "xts(%s)", cipher);
	snprintf(k->inner, sizeof(k->inner), "ecb(%s)", cipher);
	snprintf(k->outer, sizeof(k->outer), "xts");
	return 0;
}

/* Shell-style match of a modalias pattern: '*' any run, '?' one character, anything else
 * itself. depmod's "cpu:" patterns use '*' only (file2alias: "cpu:type:x86,ven*fam*mod*:
 * feature:*0099*"), so this agrees with kmod's fnmatch() on them; the greedy walk with one
 * backtrack point is O(length of pattern x length of text) whatever the pattern. */
static int glob_match(const char *pat, size_t plen, const char *text)
{
	size_t p = 0, t = 0, star = (size_t)-1, resume = 0;
	while (text[t]) {
		if (p < plen && (pat[p] == '?' || pat[p] == text[t]) && pat[p] != '*') {
			p++;
			t++;
		} else if (p < plen && pat[p] == '*') {
			star = p++;
			resume = t;
		} else if (star != (size_t)-1) {
			p = star + 1;
			t = ++resume;
		} else
			return 0;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

struct alias_line {
	const char *pattern, *module;
	size_t pattern_len, module_len;
};

/* One line of modules.alias at *pos (advanced past it): 1 with its two fields for an
 * "alias PATTERN MODULE" line, 0 for any other line (comments, blank, malformed). */
static int next_alias(const char *buf, size_t len, size_t *pos, struct alias_line *a)
{
	size_t start = *pos, end = start;
	while (end < len && buf[end] != '\n')
		end++;
	*pos = end < len ? end + 1 : len;
	const char *field[3];
	size_t flen[3], n = 0, i = start;
	while (n < 3) {
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i == end)
			break;
		field[n] = buf + i;
		while (i < end && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\0')
			i++;
		flen[n] = (size_t)(buf + i - field[n]);
		n++;
		if (i < end && buf[i] == '\0')
			return 0;
	}
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (n != 3 || i != end || flen[0] != 5 || memcmp(field[0], "alias", 5) != 0)
		return 0;
	if (flen[2] >= BEK_KCIPHER_NAME_MAX)
		return 0;   /* longer than any module name (MODULE_NAME_LEN) */
	*a = (struct alias_line){ field[1], field[2], flen[1], flen[2] };
	return 1;
}

static int field_is(const char *f, size_t flen, const char *s)
{
	return strlen(s) == flen && memcmp(f, s, flen) == 0;
}

int bek_kcipher_cpu_module(const char *aliases, size_t len, const char *cpu_modalias, const char *cipher,
			   char module[BEK_KCIPHER_NAME_MAX])
{
	char provider[BEK_KCIPHER_PROVIDERS_MAX][BEK_KCIPHER_NAME_MAX];
	char plain[BEK_KCIPHER_NAME_MAX + 8], xts[BEK_KCIPHER_NAME_MAX + 16];
	size_t nprov = 0, pos = 0;
	struct alias_line a;
	module[0] = '\0';
	if (!cipher || !plain_name(cipher))
		return -EINVAL;
	if (!aliases || !cpu_modalias || !*cpu_modalias)
		return 0;
	snprintf(plain, sizeof(plain), "crypto-%s", cipher);
	snprintf(xts, sizeof(xts), "crypto-xts(%s)", cipher);
	/* The modules that provide the cipher (or its XTS mode) under the crypto API's names. */
	while (pos < len && nprov < BEK_KCIPHER_PROVIDERS_MAX) {
		if (!next_alias(aliases, len, &pos, &a))
			continue;
		if (!field_is(a.pattern, a.pattern_len, plain) && !field_is(a.pattern, a.pattern_len, xts))
			continue;
		memcpy(provider[nprov], a.module, a.module_len);
		provider[nprov][a.module_len] = '\0';
		nprov++;
	}
	/* Of those, the first one the CPU's modalias selects. */
	for (pos = 0; nprov > 0 && pos < len;) {
		if (!next_alias(aliases, len, &pos, &a) || a.pattern_len < 4 || memcmp(a.pattern, "cpu:", 4) != 0)
			continue;
		for (size_t i = 0; i < nprov; i++) {
			if (field_is(a.module, a.module_len, provider[i]) &&
			    glob_match(a.pattern, a.pattern_len, cpu_modalias)) {
				memcpy(module, provider[i], a.module_len + 1);
				return 1;
			}
		}
	}
	return 0;
}
