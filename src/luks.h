// SPDX-License-Identifier: GPL-2.0-or-later
/* Everything that touches a LUKS volume, through libcryptsetup only. */
#ifndef BEK_LUKS_H
#define BEK_LUKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct crypt_device;
struct bek_activity;

#include "secret.h"
#include "token.h"
#include "why.h"

struct bek_luks_info {
	char uuid[40];
	int version;                        /* 1 or 2 */
	int token_id;                       /* first usable "bek" token, or -1 */
	struct bek_token token;             /* valid when token_id >= 0 */
	char token_problem[BEK_WHY_MAX]; /* why a bek token was ignored, or "" */
};

/* Routes libcryptsetup's own messages to the debug log level. */
void bek_luks_quiet(void);

/* Reads a LUKS header: on a device, or in a detached header file or image file.
 * Returns 0, or a negative errno (-EINVAL: not LUKS). With keep, the loaded header is
 * kept there for bek_luks_unlock (free it with crypt_free), so that it is not read and
 * parsed again. */
int bek_luks_read(const char *header, struct bek_luks_info *info, struct crypt_device **keep);

/* Opens device (with its detached header, when header is not NULL) as
 * /dev/mapper/name with key as passphrase, on keyslot (or any keyslot when -1),
 * with the activation flags (CRYPT_ACTIVATE_*: discards, read-only, the workqueue and
 * CPU options) its crypttab entry asks for. loaded: that header as kept by bek_luks_read,
 * or NULL to read it here. act: the deadline's record, told of each key derivation (NULL:
 * none). Returns the keyslot used, or a negative errno with why set. */
/* What bek_luks_unlock returns for a volume whose decryption has finished (plainmap.h):
 * mapped plain, no key used. */
#define BEK_LUKS_PLAIN 1000

int bek_luks_unlock(struct crypt_device *loaded, const char *device, const char *header, const char *name,
		    int keyslot, uint32_t flags, const struct bek_secret *key, struct bek_activity *act,
		    char why[BEK_WHY_MAX]);

/* Whether /dev/mapper/name exists, and for which volume: returns 1 when it is open
 * with the LUKS UUID uuid (device-mapper UUID CRYPT-LUKS<n>-<uuid>-...), 0 when there is
 * no such mapping, or -EEXIST when the name is taken by something else (why says what).
 * taken: device-mapper has just said the name is in use (EEXIST, EBUSY): wait up to 3 s
 * for the mapping to show before concluding there is none. */
int bek_luks_mapping(const char *name, const char *uuid, bool taken, char why[BEK_WHY_MAX]);

/* Writes tok as the device's bek token, replacing an existing one. Returns the token
 * id, or a negative errno with why set. */
int bek_luks_enroll(const char *device, const struct bek_token *tok, char why[BEK_WHY_MAX]);

#endif
