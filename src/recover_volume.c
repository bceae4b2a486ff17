// SPDX-License-Identifier: GPL-2.0-or-later
#include "recover_volume.h"

#include <errno.h>
#include <libcryptsetup.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"

static bool printable(const struct bek_secret *key)
{
	for (size_t i = 0; i < key->size; i++)
		if ((unsigned char)key->data[i] < 0x20 || (unsigned char)key->data[i] > 0x7e)
			return false;
	return true;
}

static void discard_log(int level, const char *msg, void *usrptr)
{
	(void)level, (void)msg, (void)usrptr;
}

int bek_recover_volume(const struct bek_recover_opts *o, const struct bek_secret *key)
{
	const char *device = o->open ? o->open : o->check;
	const char *meta = o->header ? o->header : device;
	struct crypt_device *cd = NULL;
	/* Its messages may name what was typed (a secret, by mistake), and ours say it all. */
	crypt_set_log_callback(NULL, discard_log, NULL);
	int r = o->header ? crypt_init_data_device(&cd, o->header, device) : crypt_init(&cd, device);
	if (r < 0) {
		char names[2 * 4096 + 16];
		snprintf(names, sizeof(names), "%s%s%s", o->header ? bek_recover_shown(o->header) : "",
			 o->header ? " or " : "", bek_recover_shown(device));
		if (r == -ENOTBLK || r == -ENOENT)   /* what libcryptsetup says of a missing path */
			return bek_log(LOG_ERR, "Failed to open %s: no such block device or image file", names), BEK_EXIT_ERROR;
		return bek_log_errno(LOG_ERR, r, "Failed to open %s: %m", names), BEK_EXIT_ERROR;
	}
	r = crypt_load(cd, CRYPT_LUKS, NULL);
	if (r < 0) {
		crypt_free(cd);
		if (o->header)
			return bek_log_errno(LOG_ERR, r, "Failed to read a LUKS header on %s: %m", bek_recover_shown(meta)),
			       BEK_EXIT_ERROR;
		return bek_log_errno(LOG_ERR, r, "Failed to read a LUKS header on %s: %m (with a detached header, "
				     "such as ADE's /boot/luks/osluksheader, add --header FILE)", bek_recover_shown(meta)),
		       BEK_EXIT_ERROR;
	}
	const char *type = crypt_get_type(cd), *uuid = crypt_get_uuid(cd);
	char what[80];
	snprintf(what, sizeof(what), "%s, UUID %s", strcmp(type, CRYPT_LUKS2) == 0 ? "LUKS2" : "LUKS1", uuid ? uuid : "?");

	/* With a NULL name this only verifies the passphrase: no device-mapper needed. */
	r = crypt_activate_by_passphrase(cd, o->open ? o->name : NULL, CRYPT_ANY_SLOT, key->data, key->size, 0);
	crypt_free(cd);
	if (r >= 0) {
		if (o->open)
			printf("opened %s (%s) as /dev/mapper/%s with keyslot %d\n", bek_recover_shown(device), what, o->name, r);
		else
			printf("keyslot %d of %s (%s) accepts the passphrase\n", r, bek_recover_shown(meta), what);
		return BEK_EXIT_OK;
	}
	if (r == -EPERM) {
		bek_log(LOG_ERR, "The passphrase is rejected by every keyslot of %s (%s)%s", bek_recover_shown(meta), what,
			printable(key) ? "" : ": it is binary, while ADE's passphrases are base64 text "
			"(172 characters); was the value unwrapped, or is it a key file, which needs no decoding?");
		return BEK_EXIT_NOT_UNLOCKED;
	}
	if (r == -EEXIST)
		return bek_log(LOG_ERR, "Failed to open %s: a mapping named %s already exists", bek_recover_shown(device),
			       o->name), BEK_EXIT_ERROR;
	if (r == -EBUSY)
		return bek_log(LOG_ERR, "Failed to open %s: it is in use (already open or mounted?)",
			       bek_recover_shown(device)), BEK_EXIT_ERROR;
	if (r == -ENOTSUP && o->open)
		return bek_log(LOG_ERR, "Failed to open %s: device-mapper is not available (dm_mod not loaded, or not "
			       "root?); --check needs none", bek_recover_shown(device)), BEK_EXIT_ERROR;
	if (r == -ENOMEM)
		return bek_log(LOG_ERR, "Failed to check the passphrase: not enough memory for the key derivation"),
		       BEK_EXIT_ERROR;
	return bek_log_errno(LOG_ERR, r, "Failed to %s %s: %m", o->open ? "open" : "check the passphrase on",
			     bek_recover_shown(meta)), BEK_EXIT_ERROR;
}
