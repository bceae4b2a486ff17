// SPDX-License-Identifier: GPL-2.0-or-later
/* LVM's configuration after decryption (see adeconfig_edit.h). On LVM images ADE appends
 * to /etc/lvm/lvm.conf
 *   devices { filter = ["a|osencrypt|", "r|<root partition's PARTUUID>|"] }
 * LVM rejects a device when one of its names matches an "r" pattern and none an "a" one
 * (lib/filters/filter-regex.c): once plain, the PV's partition is known by
 * /dev/disk/by-partuuid/<PARTUUID> and by no osencrypt name, so the volume group would
 * vanish. The line goes. A devices file (/etc/lvm/devices/system.devices, RHEL 9) that
 * lists a PV by its dm-crypt mapping cannot be mended from the text: refused. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adeconfig_text.h"

/* The line without blanks into c (at most size-1 bytes kept; false when it was longer). */
static bool compact(const struct line *l, char *c, size_t size)
{
	size_t k = 0;
	for (size_t i = 0; i < l->len; i++) {
		if (bek_text_blank(l->s[i]))
			continue;
		if (k + 1 == size)
			return false;
		c[k++] = l->s[i];
	}
	c[k] = '\0';
	return true;
}

/* Whether c is ADE's filter line for volume name. */
static bool ade_filter(const char *c, const char *name)
{
	static const char head[] = "devices{filter=[\"a|", tail[] = "|\"]}";
	size_t hl = strlen(head), nl = strlen(name), cl = strlen(c), tl = strlen(tail);
	if (cl < hl + nl + 6 + tl || strncmp(c, head, hl) != 0 || strncmp(c + hl, name, nl) != 0 ||
	    strncmp(c + hl + nl, "|\",\"r|", 6) != 0 || strcmp(c + cl - tl, tail) != 0)
		return false;
	const char *pat = c + hl + nl + 6;
	size_t pl = cl - tl - (size_t)(pat - c);
	return pl > 0 && !memchr(pat, '|', pl) && !memchr(pat, '"', pl);
}

int bek_edit_lvmconf(const char *text, const struct bek_plain_volume *v, size_t n, char **out, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; bek_text_next_line(&pos, &l);) {
		struct field f[1];
		char c[512];
		bool drop = false, names = false;
		for (size_t i = 0; bek_text_fields(&l, f, 1) && i < n; i++) {
			char a[140];
			int al = snprintf(a, sizeof(a), "a|%s|", v[i].name);
			drop |= compact(&l, c, sizeof(c)) && ade_filter(c, v[i].name);
			names |= al > 0 && memmem(l.s, l.len, a, (size_t)al) != NULL;
		}
		if (drop) {
			changed = true;
			continue;
		}
		if (names) {
			free(b.p);
			return bek_invalid(why, "lvm.conf has a filter accepting a volume's mapping that is not ADE's line: "
						"edit it so that LVM accepts the plain partition");
		}
		bek_text_put(&b, l.s, l.full);
	}
	return bek_text_finish(&b, changed, out);
}

int bek_check_lvm_devices(const char *text, const struct bek_plain_volume *v, size_t n, char why[BEK_WHY_MAX])
{
	struct line l;
	for (const char *pos = text; bek_text_next_line(&pos, &l);) {
		struct field f[8];
		size_t k = bek_text_fields(&l, f, 8);
		for (size_t j = 0; j < k; j++)
			for (size_t i = 0; i < n; i++) {
				size_t nl = strlen(v[i].name);
				bool crypt = bek_text_has_prefix(f[j].s, f[j].len, "IDNAME=CRYPT-") && f[j].len > 13 + nl &&
					     f[j].s[f[j].len - nl - 1] == '-' && memcmp(f[j].s + f[j].len - nl, v[i].name, nl) == 0;
				bool dev = bek_text_has_prefix(f[j].s, f[j].len, "DEVNAME=") &&
					   bek_text_mapping(f[j].s + 8, f[j].len - 8, v, n) == &v[i];
				if (crypt || dev) {
					bek_why(why, "/etc/lvm/devices/system.devices lists a PV on /dev/mapper/%s: LVM would not "
						     "look at the plain partition; run lvmdevices --adddev on it (and --deldev the "
						     "mapping's entry) first", v[i].name);
					return -EINVAL;
				}
			}
	}
	return 0;
}
