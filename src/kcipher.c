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
