// SPDX-License-Identifier: GPL-2.0-or-later
#include "decrypt_key.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bekfs.h"
#include "cmdline.h"
#include "log.h"
#include "recover_input.h"

void bek_dc_key_describe(const struct bek_dc_keysrc *src, const struct bek_dc_volume *v, char *out, size_t size)
{
	if (src->key_file)
		snprintf(out, size, "key file %s", src->key_file);
	else if (src->secret_file)
		snprintf(out, size, "Key Vault result in %s", src->secret_file);
	else if (v->key_path[0] && access(v->key_path, R_OK) == 0)
		snprintf(out, size, "%s (the mounted BEK disk)", v->key_path);
	else
		snprintf(out, size, "\"%s\" on the disk labelled \"%s\"", v->key_file, BEK_DEFAULT_LABEL);
}

static int read_as_is(const char *path, struct bek_secret *key)
{
	size_t len = 0;
	int r = bek_recover_read(path, "key", NULL, key, &len);
	if (r < 0)
		return r;
	if (len == 0) {
		bek_secret_free(key);
		return bek_log(LOG_ERR, "The key file %s is empty", path), -EINVAL;
	}
	key->size = len;
	return 0;
}

static int from_bek_disk(const struct bek_dc_volume *v, struct bek_secret *key)
{
	char *dev = blkid_evaluate_tag("LABEL", BEK_DEFAULT_LABEL, NULL);
	if (!dev)
		return bek_log(LOG_ERR, "%s: no disk labelled \"%s\" is attached (or give --key-file)", v->name,
			       BEK_DEFAULT_LABEL), -ENODEV;
	struct stat st;
	char type[32] = "";
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *t;
	if (pr && blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &t, NULL) == 0)
		snprintf(type, sizeof(type), "%s", t);
	blkid_free_probe(pr);
	int r = stat(dev, &st) < 0 ? -errno : 0;
	char why[BEK_WHY_MAX] = "";
	if (r == 0 && !S_ISBLK(st.st_mode))
		r = -ENOTBLK;
	if (r == 0)
		r = bek_private_mounts();
	if (r == 0)
		r = bek_read_key(dev, st.st_rdev, type, v->key_file, key, NULL, why);
	if (r < 0)
		bek_log_errno(LOG_ERR, r, "%s: failed to read \"%s\" from %s: %s", v->name, v->key_file, dev,
			      why[0] ? why : strerror(-r));
	free(dev);
	return r;
}

int bek_dc_key_read(const struct bek_dc_keysrc *src, const struct bek_dc_volume *v, struct bek_secret *key)
{
	if (src->key_file)
		return read_as_is(src->key_file, key);
	if (src->secret_file)
		return bek_recover_passphrase(src->secret_file, key, stderr);
	if (v->key_path[0] && access(v->key_path, R_OK) == 0)
		return read_as_is(v->key_path, key);
	return from_bek_disk(v, key);
}
