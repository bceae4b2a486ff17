// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the boot-configuration edits after decryption (crypttab, fstab,
 * /etc/default/grub, BLS entries, grubenv, kernel command lines, lvm.conf, the LVM devices file), src/adeconfig_edit.c.
 * Each result is checked, and editing it again must change nothing (a second run of
 * bek-unlock decrypt finds nothing to do). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adeconfig_edit.h"

static const struct bek_plain_volume vols[] = {
	{ "osencrypt", "0a1b2c3d-4e5f-6789-abcd-ef0123456789", "ext4" },
	{ "data", "pv", "LVM2_member" },
	{ "x", NULL, "xfs" },
};

static int run(int which, const char *text, char **out, struct bek_edit_words *w, char why[BEK_WHY_MAX])
{
	switch (which) {
	case 0: return bek_edit_crypttab(text, vols, 3, out, why);
	case 1: return bek_edit_fstab(text, vols, 3, out, why);
	case 2: return bek_edit_grub_default(text, vols, 3, out, why);
	case 3: return bek_edit_bls(text, vols, 3, out, w, why);
	case 4: return bek_edit_grubenv(text, vols, 3, out, w, why);
	case 5: return bek_edit_cmdline_file(text, vols, 3, out, w, why);
	case 6: return bek_edit_lvmconf(text, vols, 3, out, why);
	case 7: *out = NULL; return bek_check_lvm_devices(text, vols, 3, why);
	case 8: return bek_edit_grubcfg(text, vols, 3, out, w, why);
	default: return bek_edit_cmdline(text, vols, 3, out, w, why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	int which = data[0] % 10;
	char why[BEK_WHY_MAX], *out = (char *)1;
	struct bek_edit_words w = { 0 };
	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	int r = run(which, text, &out, &w, why);
	assert(r == 0 || r == 1 || r == -EINVAL || r == -ENOMEM);
	assert((r == 1) == (out != NULL));
	assert(r != -EINVAL || (why[0] && memchr(why, '\0', sizeof(why))));
	if (r == 1) {
		assert(strlen(out) <= strlen(text) + 64 * 32);
		char *again = (char *)1;
		why[0] = '\0';
		int r2 = run(which, out, &again, NULL, why);
		assert(r2 == 0 && !again);   /* idempotent */
		free(out);
	}
	bek_edit_words_free(&w);
	free(text);
	return 0;
}
