// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: one volume decrypted in place with libcryptsetup's reencryption.
 * Before the first write its header is backed up (never overwritten) off the device. */
#include "decrypt_volume.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "mapcheck.h"
#include "recovered.h"

struct run_ctx {
	struct bek_dc_volume *v;
	bek_dc_progress_fn fn;
	void *usr;
};

void bek_dc_backup_path(const struct bek_dc_volume *v, const char *dir, char *out, size_t size)
{
	snprintf(out, size, "%s/%s-%s.luksheader", dir, v->name, v->uuid);
}

void bek_dc_export_path(const struct bek_dc_volume *v, const char *dir, char *out, size_t size)
{
	snprintf(out, size, "%s/%s-%s.header-in-use", dir, v->name, v->uuid);
}

int bek_dc_fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r < 0 ? r : bek_sync_parent(path);
}

int bek_dc_load(struct crypt_device **cd, const char *header, const char *device)
{
	int r = header && header[0] ? crypt_init_data_device(cd, header, device) : crypt_init(cd, device);
	if (r == 0)
		r = crypt_load(*cd, CRYPT_LUKS, NULL);
	if (r < 0) {
		crypt_free(*cd);
		*cd = NULL;
	}
	return r;
}

int bek_dc_check_key(const struct bek_dc_volume *v, const struct bek_secret *key, bool unchecked_ok,
		     char why[BEK_WHY_MAX])
{
	struct crypt_device *cd = NULL;
	char type[BEK_CONTENT_TYPE_MAX];
	why[0] = '\0';
	int r = bek_dc_load(&cd, v->header, v->device);
	if (r < 0)
		return bek_why(why, "cannot read its LUKS header: %s", strerror(-r)), r;
	r = crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, key->data, key->size, 0);
	if (r == -EPERM || r == -ENOENT)
		r = -EPERM, bek_why(why, "the key is rejected by every keyslot (wrong key, or a header of another volume)");
	else if (r < 0)
		bek_why(why, "cannot check the key: %s", strerror(-r));
	else if (v->facts.state == BEK_DC_ENCRYPTED) {
		/* A header that the key opens can still be another volume's (ADE reuses keys
		 * across re-encryptions): what it maps must be this volume's content. */
		r = access("/dev/mapper/control", F_OK) == 0 ? bek_mapping_content(cd, -1, key, NULL, type, why) : -ENOTSUP;
		if (r == -ENOTSUP && unchecked_ok) {   /* libcryptsetup's word for "no device-mapper" */
			bek_log(LOG_WARNING, "%s: no device-mapper here: what the header maps was not checked "
				"(--no-header-check)", v->name);
			r = 0;
		} else if (r == -ENOTSUP)
			bek_why(why, "no device-mapper here (modprobe dm_crypt), so what the header maps cannot be checked "
				"(a header of another volume that the key opens would turn the data into noise)");
		if (r >= 0)
			r = 0;
	}
	crypt_free(cd);
	return r < 0 ? r : 0;
}

/* A backup of the header as it is now, unless one of this volume (same UUID) is there. */
static int backup(struct bek_dc_volume *v, struct crypt_device *cd, const char *dir)
{
	char path[PATH_MAX];
	bek_dc_backup_path(v, dir, path, sizeof(path));
	struct crypt_device *old = NULL;
	if (access(path, F_OK) == 0) {
		int r = bek_dc_load(&old, path, v->device);
		bool same = r == 0 && crypt_get_uuid(old) && strcmp(crypt_get_uuid(old), v->uuid) == 0;
		crypt_free(old);
		if (!same)
			return bek_log(LOG_ERR, "%s: %s exists and is not a header of this volume: move it away", v->name, path), -EEXIST;
		return 0;
	}
	int r = crypt_header_backup(cd, NULL, path);
	if (r == 0)
		r = bek_dc_fsync_path(path);
	if (r < 0) {
		unlink(path);
		return bek_log_errno(LOG_ERR, r, "%s: failed to back the header up to %s: %m", v->name, path);
	}
	bek_log(LOG_NOTICE, "%s: header backed up to %s", v->name, path);
	return 0;
}

/* At most a twentieth of the volume per hotzone (sectors), so that progress comes at
 * least every 10 % (libcryptsetup reports once per hotzone, and its own limit, from the
 * checksum area, can be the whole of a small volume). In whole MiB: libcryptsetup
 * refuses a size that is not a multiple of its zone alignment. It may lower it. */
static uint64_t hotzone_limit(const struct bek_dc_volume *v)
{
	uint64_t s = v->size / 512 / 20 / 2048 * 2048;   /* whole MiB: a multiple of any zone alignment */
	return s < 2048 ? 2048 : s;
}

/* libcryptsetup's per-device reencryption lock is held: another process (cryptsetup
 * reencrypt, ADE's resumed encryption) is at work on this volume. */
static int busy(const struct bek_dc_volume *v)
{
	bek_log(LOG_ERR, "%s: another reencryption of this volume is running (cryptsetup reencrypt?): left to it; "
		"run this again once it has finished", v->name);
	return -EBUSY;
}

static int on_progress(uint64_t size, uint64_t offset, void *usr)
{
	struct run_ctx *c = usr;
	return c->fn ? c->fn(c->v, size, offset, c->usr) : 0;
}

int bek_dc_reencrypt(struct crypt_device *cd, struct bek_dc_volume *v, bek_dc_progress_fn fn, void *usr)
{
	struct run_ctx c = { .v = v, .fn = fn, .usr = usr };
	int r = crypt_reencrypt_run(cd, on_progress, &c);
	if (r == -EBUSY)
		return busy(v);
	if (r == 0 && crypt_reencrypt_status(cd, NULL) != CRYPT_REENCRYPT_NONE)
		return 1;   /* stopped by the progress callback: resumable */
	return r;
}

/* Resumes whatever the header has in progress (ADE's encryption, or our decryption). */
static int resume(struct bek_dc_volume *v, struct crypt_device *cd, const struct bek_secret *key, struct run_ctx *c)
{
	struct crypt_params_reencrypt p = { 0 };
	if (v->facts.crashed) {
		struct crypt_params_reencrypt rec = { .flags = CRYPT_REENCRYPT_RECOVERY };
		int r = crypt_reencrypt_init_by_passphrase(cd, NULL, key->data, key->size, CRYPT_ANY_SLOT,
							   CRYPT_ANY_SLOT, NULL, NULL, &rec);
		if (r < 0)
			return bek_log_errno(LOG_ERR, r, "%s: failed to recover the interrupted reencryption: %m", v->name);
		bek_log(LOG_NOTICE, "%s: recovered the chunk a crash interrupted", v->name);
		return 0;   /* read again, then resumed */
	}
	(void)crypt_reencrypt_status(cd, &p);
	/* p's strings live in the loaded metadata, which the init below reloads. */
	char resilience[32] = "", hash[32] = "";
	snprintf(resilience, sizeof(resilience), "%s", p.resilience ? p.resilience : "");
	snprintf(hash, sizeof(hash), "%s", p.hash ? p.hash : "");
	p.resilience = resilience[0] ? resilience : NULL;
	p.hash = hash[0] ? hash : NULL;
	p.luks2 = NULL;
	p.flags = CRYPT_REENCRYPT_RESUME_ONLY;
	if (!p.resilience || strncmp(p.resilience, "datashift", 9) != 0)
		p.max_hotzone_size = hotzone_limit(v);   /* datashift: the moved segment's size instead */
	int r = crypt_reencrypt_init_by_passphrase(cd, v->active[0] ? v->active : NULL, key->data, key->size,
						   CRYPT_ANY_SLOT, CRYPT_ANY_SLOT, NULL, NULL, &p);
	if (r == -EBUSY)
		return busy(v);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "%s: failed to resume the reencryption: %m", v->name);
	return bek_dc_reencrypt(cd, v, c->fn, c->usr);
}

/* The header on /boot records a chunk cut by a crash, which the boot recovered in its own
 * copy (recovered.h): that copy replaces it, the header as it was kept in dir. */
static int adopt_recovered(struct bek_dc_volume *v, const char *dir)
{
	char keep[PATH_MAX], why[BEK_WHY_MAX];
	snprintf(keep, sizeof(keep), "%s/%s-%s.cut-chunk.metadata", dir, v->name, v->uuid);
	int r = bek_recovered_adopt(v->recovered, v->header, keep, why);
	if (r < 0)
		return bek_log(LOG_ERR, "%s: %s", v->name, why), r;
	bek_log(LOG_NOTICE, "%s: %s recorded a chunk cut by a crash, which the boot recovered: replaced by the boot's "
		"copy %s (its metadata as it was is kept in %s)", v->name, v->header, v->recovered, keep);
	unlink(v->recovered);
	return 0;
}

static int decrypt_detached(struct bek_dc_volume *v, struct crypt_device *cd, const struct bek_secret *key,
			    struct run_ctx *c)
{
	/* Backward, as cryptsetup does: the plain filesystem's superblock (at the start) is
	 * written last, so the raw device shows no filesystem until all of it is plain. */
	struct crypt_params_reencrypt p = {
		.mode = CRYPT_REENCRYPT_DECRYPT,
		.direction = CRYPT_REENCRYPT_BACKWARD,
		.resilience = "checksum",
		.hash = "sha256",
		.max_hotzone_size = hotzone_limit(v),
	};
	int r = crypt_reencrypt_init_by_passphrase(cd, v->active[0] ? v->active : NULL, key->data, key->size,
						   CRYPT_ANY_SLOT, CRYPT_ANY_SLOT, NULL, NULL, &p);
	if (r == -EBUSY)
		return busy(v);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "%s: failed to start the decryption: %m", v->name);
	return bek_dc_reencrypt(cd, v, c->fn, c->usr);
}

int bek_dc_run(struct bek_dc_volume *v, const struct bek_secret *key, const char *dir,
	       bek_dc_progress_fn progress, void *usr)
{
	struct run_ctx c = { .v = v, .fn = progress, .usr = usr };
	struct crypt_device *cd = NULL;
	int r;
	for (int step = 0; step < 4; step++) {
		if (v->action == BEK_DC_NOTHING)
			return 0;
		if (v->action == BEK_DC_REFUSE)
			return bek_log(LOG_ERR, "%s: %s", v->name, v->why), -EINVAL;
		r = bek_dc_load(&cd, v->header, v->device);
		if (r < 0)
			return bek_log_errno(LOG_ERR, r, "%s: failed to read its LUKS header: %m", v->name);
		r = backup(v, cd, dir);
		if (r < 0)
			break;
		switch (v->action) {
		case BEK_DC_RESUME:
		case BEK_DC_FINISH_ENCRYPTION:
			if (v->action == BEK_DC_FINISH_ENCRYPTION)
				bek_log(LOG_NOTICE, "%s: finishing ADE's unfinished encryption first (libcryptsetup cannot "
					"turn it round), then decrypting", v->name);
			r = resume(v, cd, key, &c);
			break;
		case BEK_DC_DECRYPT:
			r = decrypt_detached(v, cd, key, &c);
			break;
		case BEK_DC_ADOPT_RECOVERED:
			r = adopt_recovered(v, dir);
			break;
		case BEK_DC_CONVERT:
			r = bek_dc_convert_luks1(v, &cd, dir);
			break;
		case BEK_DC_DATASHIFT:
			r = bek_dc_decrypt_shift(v, &cd, key, dir, progress, usr);
			break;
		default:
			r = -EINVAL;
		}
		crypt_free(cd);
		cd = NULL;
		if (r != 0)
			return r;
		r = bek_dc_examine(v);   /* what it is now decides the next step */
		if (r < 0)
			return bek_log(LOG_ERR, "%s: %s", v->name, v->why), r;
	}
	crypt_free(cd);
	return v->action == BEK_DC_NOTHING ? 0 : r < 0 ? r : -EAGAIN;
}
