// SPDX-License-Identifier: GPL-2.0-or-later
/* The edits of /etc/crypttab and /etc/fstab after decryption (see adeconfig_edit.h). Pure:
 * no I/O. Lines the edit does not touch are copied byte for byte, terminator included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adeconfig_text.h"

int bek_edit_crypttab(const char *text, const struct bek_plain_volume *v, size_t n, char **out, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; bek_text_next_line(&pos, &l);) {
		struct field f[4];
		size_t k = bek_text_fields(&l, f, 4);
		bool ours = false;
		for (size_t i = 0; k && i < n; i++)
			ours |= bek_text_is(&f[0], v[i].name);
		if (ours) {
			changed = true;
			continue;
		}
		/* Another entry keyed on the BEK disk: an ADE volume still encrypted. */
		if (k >= 3 && (bek_text_has_prefix(f[2].s, f[2].len, BEK_ADE_BEK_MOUNT "/") ||
			       bek_text_has_prefix(f[2].s, f[2].len, "/azure_bek_disk/") ||
			       (k >= 4 && memmem(f[3].s, f[3].len, "azure_crypt_key", 15)))) {
			bek_why(why, "crypttab entry \"%.*s\" still takes its key from the BEK disk (an ADE volume not yet decrypted)",
				(int)(f[0].len > 64 ? 64 : f[0].len), f[0].s);
			free(b.p);
			return -EINVAL;
		}
		bek_text_put(&b, l.s, l.full);
	}
	return bek_text_finish(&b, changed, out);
}

int bek_edit_fstab(const char *text, const struct bek_plain_volume *v, size_t n, char **out, char why[BEK_WHY_MAX])
{
	struct sbuf b = { 0 };
	struct line l;
	bool changed = false;
	*out = NULL;
	for (const char *pos = text; bek_text_next_line(&pos, &l);) {
		struct field f[2];
		size_t k = bek_text_fields(&l, f, 2);
		if (k >= 2 && (bek_text_is(&f[1], BEK_ADE_BEK_MOUNT) || bek_text_is(&f[1], BEK_ADE_BEK_MOUNT "/"))) {
			changed = true;   /* ADE's own mount of the BEK disk */
			continue;
		}
		const struct bek_plain_volume *m = k ? bek_text_mapping(f[0].s, f[0].len, v, n) : NULL;
		if (!m) {
			bek_text_put(&b, l.s, l.full);
			continue;
		}
		int r = bek_text_fs_source(m, "fstab", why);
		if (r < 0) {
			free(b.p);
			return r;
		}
		bek_text_put(&b, l.s, (size_t)(f[0].s - l.s));
		bek_text_puts(&b, "UUID=");
		bek_text_puts(&b, m->fs_uuid);
		bek_text_put(&b, f[0].s + f[0].len, l.full - (size_t)(f[0].s + f[0].len - l.s));
		changed = true;
	}
	return bek_text_finish(&b, changed, out);
}
