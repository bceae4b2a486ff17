// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: one volume. Reads where it stands (no write), then decrypts it in
 * place with libcryptsetup's reencryption: the header backed up first, off the device. */
#ifndef BEK_DECRYPT_VOLUME_H
#define BEK_DECRYPT_VOLUME_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "decrypt_rules.h"
#include "cmdline.h"
#include "secret.h"
#include "why.h"

struct bek_dc_volume {
	char name[BEK_NAME_MAX + 1];     /* crypttab name, or the device's base name */
	char device[PATH_MAX];           /* the data device */
	char header[PATH_MAX];           /* detached header, "" when on the device */
	char key_path[PATH_MAX];         /* a file holding the key, "" for the BEK disk */
	char key_file[BEK_KEYNAME_MAX + 1]; /* the key file's name on the BEK disk */
	char uuid[40];                   /* LUKS UUID, "" when not LUKS */
	char active[128];                /* name of its active mapping, "" when closed */
	char recovered[PATH_MAX];        /* the boot's recovered copy of its header (recovered.h), or "" */
	uint64_t size;                   /* bytes of data */
	uint64_t header_size;            /* bytes a backup of its header takes */
	double done;                     /* fraction decrypted (0..1) */
	struct bek_dc_facts facts;
	enum bek_dc_action action;
	char why[BEK_WHY_MAX];           /* refusal, or "" */
	char content[32];                /* blkid TYPE of the plain content once known, or "" */
	char content_uuid[64];
};

/* Fills v's facts, action and why from the device and header named in v (no write).
 * Returns 0, or a negative errno when the device cannot be read at all (why set). */
int bek_dc_examine(struct bek_dc_volume *v);

/* The header backup's path for v under dir. */
void bek_dc_backup_path(const struct bek_dc_volume *v, const char *dir, char *out, size_t size);
/* The header a decryption that moves the data works with, under dir. */
void bek_dc_export_path(const struct bek_dc_volume *v, const char *dir, char *out, size_t size);

/* Checks, without writing, that key opens v and that what it maps is a filesystem, LVM
 * or a partition table (read-only private mapping). Where there is no device-mapper
 * that check cannot be made: refused (-ENOTSUP) unless unchecked_ok (then a warning).
 * 0, or -EPERM / -ENODATA / -ENOTSUP / -errno with why set. */
int bek_dc_check_key(const struct bek_dc_volume *v, const struct bek_secret *key, bool unchecked_ok,
		     char why[BEK_WHY_MAX]);

/* Carries out v->action: backs the header up into dir (kept; never overwritten), then
 * converts/finishes/decrypts as decided. progress() is called as libcryptsetup reports;
 * returning non-zero stops it cleanly (resumable). 0 when v is plain, 1 when stopped,
 * or a negative errno (logged). */
typedef int (*bek_dc_progress_fn)(const struct bek_dc_volume *v, uint64_t size, uint64_t offset, void *usr);
int bek_dc_run(struct bek_dc_volume *v, const struct bek_secret *key, const char *dir,
	       bek_dc_progress_fn progress, void *usr);

/* Shared by decrypt_run.c and decrypt_shift.c. */
struct crypt_device;
int bek_dc_load(struct crypt_device **cd, const char *header, const char *device);
int bek_dc_fsync_path(const char *path);
int bek_dc_reencrypt(struct crypt_device *cd, struct bek_dc_volume *v, bek_dc_progress_fn fn, void *usr);
/* LUKS1 to LUKS2 (pbkdf2 keyslots kept); a detached header is converted in a copy renamed
 * over it, so a crash leaves the old or the new header, never half of one. */
int bek_dc_convert_luks1(struct bek_dc_volume *v, struct crypt_device **cd, const char *dir);
/* A header on the device: exported into dir (kept there until the end: the volume's only
 * header meanwhile), the device's signatures wiped, the data decrypted and moved over
 * the old header's place. v->header names the exported header afterwards. */
int bek_dc_decrypt_shift(struct bek_dc_volume *v, struct crypt_device **cd, const struct bek_secret *key,
			 const char *dir, bek_dc_progress_fn fn, void *usr);
/* The exported header of an interrupted decrypt_shift of device named name, under dir:
 * 0 with path filled when one is there and the device is the one it was made for. */
int bek_dc_find_export(const char *name, const char *device, const char *dir, char *path, size_t size);

/* Whether the filesystem holding path lies on (or above) block device dev. */
bool bek_dc_path_on_device(const char *path, dev_t dev);
#endif
