// SPDX-License-Identifier: GPL-2.0-or-later
#include "luks.h"
#include "fileio.h"
#include "plainmap.h"

#include <errno.h>
#include <libcryptsetup.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <unistd.h>

#include "deadline.h"
#include "kcrypto.h"
#include "preload.h"
#include "log.h"
#include "plan.h"
#include "recovered.h"
#include "timing.h"

#define LUKS2_TOKENS_MAX 32

static void log_cb(int level, const char *msg, void *usrptr)
{
	(void)usrptr;
	if (level == CRYPT_LOG_ERROR) {
		size_t len = strcspn(msg, "\n");
		bek_log(LOG_DEBUG, "libcryptsetup: %.*s", (int)len, msg);
	}
}

void bek_luks_quiet(void)
{
	crypt_set_log_callback(NULL, log_cb, NULL);
}

static int load_detached(const char *device, const char *header, const char *type, struct crypt_device **cd)
{
	int r = header ? crypt_init_data_device(cd, header, device) : crypt_init(cd, device);
	if (r < 0)
		return r;
	r = crypt_load(*cd, type, NULL);
	if (r < 0) {
		crypt_free(*cd);
		*cd = NULL;
	}
	return r;
}

static int load_header(const char *device, const char *type, struct crypt_device **cd)
{
	return load_detached(device, NULL, type, cd);
}

/* Returns the id of the first token of type "bek", or -ENOENT. */
static int find_bek_token(struct crypt_device *cd, int from)
{
	for (int id = from; id < LUKS2_TOKENS_MAX; id++) {
		const char *type = NULL;
		crypt_token_info st = crypt_token_status(cd, id, &type);
		if (st != CRYPT_TOKEN_INACTIVE && st != CRYPT_TOKEN_INVALID && type &&
		    strcmp(type, BEK_TOKEN_TYPE) == 0)
			return id;
	}
	return -ENOENT;
}

static bool keyslot_in_use(struct crypt_device *cd, int keyslot)
{
	crypt_keyslot_info ki = crypt_keyslot_status(cd, keyslot);
	return ki == CRYPT_SLOT_ACTIVE || ki == CRYPT_SLOT_ACTIVE_LAST;
}

static void read_token(struct crypt_device *cd, struct bek_luks_info *info)
{
	for (int id = find_bek_token(cd, 0); id >= 0; id = find_bek_token(cd, id + 1)) {
		const char *json = NULL;
		char why[BEK_WHY_MAX] = "";
		if (crypt_token_json_get(cd, id, &json) < 0 || !json)
			bek_why(why, "cannot be read");
		else if (bek_token_parse(json, strlen(json), &info->token, why) == 0 &&
			 info->token.keyslot >= 0 && !keyslot_in_use(cd, info->token.keyslot))
			bek_why(why, "its keyslot is not in use");
		if (!why[0]) {
			info->token_id = id;
			return;
		}
		if (!info->token_problem[0])
			snprintf(info->token_problem, sizeof(info->token_problem), "token %d ignored: %s", id, why);
	}
}

int bek_luks_read(const char *header, struct bek_luks_info *info, struct crypt_device **keep)
{
	struct crypt_device *cd;
	memset(info, 0, sizeof(*info));
	info->token_id = -1;
	uint64_t t = bek_clock_us();
	int r = load_header(header, CRYPT_LUKS, &cd);
	if (r < 0)
		return bek_timing_add(BEK_T_LUKS_READ, t), r;
	snprintf(info->uuid, sizeof(info->uuid), "%s", crypt_get_uuid(cd) ? crypt_get_uuid(cd) : "");
	info->version = strcmp(crypt_get_type(cd), CRYPT_LUKS2) == 0 ? 2 : 1;
	if (info->version == 2)
		read_token(cd, info);
	if (keep)
		*keep = cd;
	else
		crypt_free(cd);
	bek_timing_add(BEK_T_LUKS_READ, t);
	return 0;
}

/* An Argon2 keyslot that needs more memory than the system has would get the
 * process killed by the OOM killer instead of failing: refuse it up front. */
static bool fits_memory(struct crypt_device *cd, int keyslot, long avail_kb, unsigned *need_mib)
{
	struct crypt_pbkdf_type pbkdf;
	if (avail_kb < 0 || crypt_keyslot_get_pbkdf(cd, keyslot, &pbkdf) < 0)
		return true;
	*need_mib = pbkdf.max_memory_kb / 1024;
	return pbkdf.max_memory_kb <= (unsigned long)avail_kb;
}

static int activate(struct crypt_device *cd, const char *name, int keyslot, const struct bek_secret *key,
		    uint32_t flags, struct bek_activity *act)
{
	struct crypt_pbkdf_type pbkdf = { .type = NULL };
	(void)crypt_keyslot_get_pbkdf(cd, keyslot, &pbkdf);
	bek_activity(act, true, "deriving the key for keyslot %d (%s)", keyslot, pbkdf.type ? pbkdf.type : "unknown KDF");
	return crypt_activate_by_passphrase(cd, name, keyslot, key->data, key->size, flags);
}

/* Like CRYPT_ANY_SLOT (one key derivation per keyslot in use), skipping keyslots whose
 * key derivation cannot fit in memory; *skipped is the first one skipped, or -1. */
static int activate_any(struct crypt_device *cd, const char *name, const struct bek_secret *key,
			uint32_t flags, long avail_kb, unsigned *need_mib, int *skipped, struct bek_activity *act)
{
	int r = -ENOMEM;
	*skipped = -1;
	for (int slot = 0; slot <= BEK_KEYSLOT_MAX; slot++) {
		unsigned need = 0;
		if (!keyslot_in_use(cd, slot))
			continue;
		if (!fits_memory(cd, slot, avail_kb, &need)) {
			if (*skipped < 0) {
				*skipped = slot;
				*need_mib = need;
			}
			continue;
		}
		r = activate(cd, name, slot, key, flags, act);
		if (r != -EPERM)
			return r;
	}
	return r;
}

/* Before the table load: see kcrypto.h. A failure only costs dm-crypt its own lookup. */
static void prepare_kernel_cipher(struct crypt_device *cd, struct bek_activity *act)
{
	const char *cipher = crypt_get_cipher(cd), *mode = crypt_get_cipher_mode(cd);
	if (!cipher || !mode)
		return;
	bek_preload_wait(act);   /* crypto_user, dm-crypt and XTS, when a BEK boot began loading them */
	bek_activity(act, false, "preparing the kernel's %s-%s cipher", cipher, mode);
	uint64_t t = bek_clock_us();
	char module[BEK_KCIPHER_NAME_MAX], ms[24];
	int r = bek_kcrypto_prepare(cipher, mode, module);
	if (r == -ENOPROTOOPT)
		bek_log(LOG_DEBUG, "kernel cipher for %s-%s left to dm-crypt (crypto_user not loaded)", cipher, mode);
	else if (r < 0)
		bek_log_errno(LOG_DEBUG, r, "kernel cipher for %s-%s not built ahead: %m", cipher, mode);
	else if (r == BEK_KCRYPTO_LOADED)
		bek_log(LOG_DEBUG, "kernel cipher for %s-%s from %s, loaded first in %s ms", cipher, mode, module,
			bek_ms(bek_clock_us() - t, ms));
	else if (r == BEK_KCRYPTO_BUILT)
		bek_log(LOG_DEBUG, "kernel cipher for %s-%s built ahead in %s ms", cipher, mode,
			bek_ms(bek_clock_us() - t, ms));
}

/* The activation has just recovered, in the header copy it was given, a reencryption
 * chunk that a crash cut: keep that copy for `bek-unlock decrypt` (recovered.h). */
static void keep_recovered(const char *header, const char *uuid, const char *name, struct bek_activity *act)
{
	char why[BEK_WHY_MAX], path[PATH_MAX], tmp[PATH_MAX + sizeof(BEK_RECOVERED_TMP)];
	bek_recovered_path(uuid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s" BEK_RECOVERED_TMP, path);
	bek_activity_made(act, BEK_MADE_FILE, tmp);   /* removed by the parent if stopped meanwhile */
	int r = bek_recovered_keep(header, uuid, why);
	bek_activity_made(act, BEK_MADE_FILE, NULL);
	if (r < 0) {
		bek_log(LOG_WARNING, "%s: a reencryption chunk cut by a crash was recovered in the initramfs's copy of the "
			"header, but that copy could not be kept (%s): finish the decryption offline", name, why);
		return;
	}
	bek_log(LOG_NOTICE, "%s: a reencryption chunk cut by a crash was recovered in the initramfs's copy of the header, "
		"kept as %s; the header file on disk still records the cut until \"bek-unlock decrypt\" takes this copy",
		name, path);
}

int bek_luks_unlock(struct crypt_device *loaded, const char *device, const char *header, const char *name,
		    int keyslot, uint32_t flags, const struct bek_secret *key, struct bek_activity *act,
		    char why[BEK_WHY_MAX])
{
	struct crypt_device *cd = loaded;
	unsigned need_mib = 0;
	int skipped = -1;
	long avail_kb = bek_proc_kb("/proc/meminfo", "MemAvailable");
	uint64_t t = bek_clock_us();
	int r = 0;
	if (!loaded)
		r = load_detached(device, header, CRYPT_LUKS, &cd);
	else if (header)    /* loaded from the header file alone: name its data device */
		r = crypt_set_data_device(cd, device);
	bek_timing_add(BEK_T_HEADER_LOAD, t);
	if (r < 0) {
		snprintf(why, BEK_WHY_MAX, "cannot read the LUKS header: %s", strerror(-r));
		return r;
	}
	uint64_t plain_at = 0;
	if (bek_header_decrypted(cd, &plain_at)) {
		r = bek_map_plain(device, crypt_get_uuid(cd), name, plain_at, flags, why);
		if (!loaded)
			crypt_free(cd);
		return r < 0 ? r : BEK_LUKS_PLAIN;
	}
	char cut_uuid[40] = "";   /* set when a crash cut a reencryption chunk: activation recovers it */
	if (header && crypt_reencrypt_status(cd, NULL) == CRYPT_REENCRYPT_CRASH && crypt_get_uuid(cd))
		snprintf(cut_uuid, sizeof(cut_uuid), "%s", crypt_get_uuid(cd));
	uint64_t cpu = bek_cpu_us();
	t = bek_clock_us();
	prepare_kernel_cipher(cd, act);
	if (keyslot < 0)
		r = activate_any(cd, name, key, flags, avail_kb, &need_mib, &skipped, act);
	else if (fits_memory(cd, keyslot, avail_kb, &need_mib))
		r = activate(cd, name, keyslot, key, flags, act);
	else
		r = -ENOMEM;
	bek_timing_add(BEK_T_ACTIVATE, t);
	bek_timing_add(BEK_T_ACTIVATE_CPU, cpu);
	if (!loaded)
		crypt_free(cd);
	if (r >= 0 && cut_uuid[0])
		keep_recovered(header, cut_uuid, name, act);
	if (r >= 0)
		return r;
	if (r == -EPERM && keyslot >= 0)
		snprintf(why, BEK_WHY_MAX, "key rejected by keyslot %d", keyslot);
	else if (r == -EPERM && skipped >= 0)
		snprintf(why, BEK_WHY_MAX, "key rejected by every keyslot tried; keyslot %d not tried: not enough memory "
			 "for the key derivation (needs %u MiB, %ld MiB available)", skipped, need_mib, avail_kb / 1024);
	else if (r == -EPERM)
		snprintf(why, BEK_WHY_MAX, "key rejected by every keyslot");
	else if (r == -ENOMEM)
		snprintf(why, BEK_WHY_MAX, "not enough memory for the key derivation (needs %u MiB, %ld MiB available)",
			 need_mib, avail_kb / 1024);
	else if (r == -EEXIST)
		snprintf(why, BEK_WHY_MAX, "a mapping named %s already exists", name);
	else
		snprintf(why, BEK_WHY_MAX, "activation failed: %s", strerror(-r));
	return r;
}


/* The device-mapper UUID of the mapping called name, from sysfs; 0, or -ENOENT. */
static int dm_uuid_of(const char *name, char *uuid, size_t size)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int r = -ENOENT;
	if (!d)
		return -errno;
	while (r == -ENOENT && (e = readdir(d))) {
		char path[300], buf[BEK_MAPNAME_MAX + 2];
		if (strncmp(e->d_name, "dm-", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/dm/name", e->d_name);
		if (bek_read_line(path, buf, sizeof(buf)) < 0 || strcmp(buf, name) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/dm/uuid", e->d_name);
		r = bek_read_line(path, uuid, size) < 0 ? -EIO : 0;
	}
	closedir(d);
	return r;
}

int bek_luks_mapping(const char *name, const char *uuid, bool taken, char why[BEK_WHY_MAX])
{
	char dm_uuid[160];
	int r = -ENOENT;
	/* No device-mapper in the kernel yet (dm_mod not loaded): no mapping exists, and
	 * asking libdevmapper would have the kernel load dm_mod (opening /dev/mapper/control)
	 * for a volume that may never be bek-unlock's to open (0.3-0.5 s under TCG on a host
	 * without a BEK disk, before its prompt). */
	if (access("/sys/class/misc/device-mapper", F_OK) < 0 && errno == ENOENT)
		return 0;
	/* Another unlocker may be between creating the mapping and loading its table: the
	 * name is taken, but the device is not in sysfs yet (nor, for a moment, in
	 * device-mapper's own view when taken). Give it up to 3 s. */
	for (int i = 0; i < 30; i++) {
		r = dm_uuid_of(name, dm_uuid, sizeof(dm_uuid));
		if (r != -ENOENT)
			break;
		if (!taken && crypt_status(NULL, name) == CRYPT_INACTIVE)
			return 0;   /* no such mapping */
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	if (r == -ENOENT && crypt_status(NULL, name) == CRYPT_INACTIVE)
		return 0;   /* gone meanwhile */
	if (r < 0) {
		bek_why(why, "a mapping named %s exists, but is not set up (no device-mapper UUID to compare)", name);
		return -EEXIST;
	}
	if (bek_dm_uuid_is_luks(dm_uuid, uuid))
		return 1;
	bek_why(why, "a mapping named %s already exists for another device (device-mapper UUID \"%.60s\")", name, dm_uuid);
	return -EEXIST;
}

int bek_luks_enroll(const char *device, const struct bek_token *tok, char why[BEK_WHY_MAX])
{
	struct crypt_device *cd;
	int r = load_header(device, CRYPT_LUKS2, &cd);
	if (r < 0) {
		snprintf(why, BEK_WHY_MAX, "not a LUKS2 device (LUKS1 has no tokens: use rd.bek.keyfile=)");
		return r;
	}
	if (tok->keyslot >= 0 && !keyslot_in_use(cd, tok->keyslot)) {
		snprintf(why, BEK_WHY_MAX, "keyslot %d is not in use", tok->keyslot);
		crypt_free(cd);
		return -ENOENT;
	}
	char *json = bek_token_format(tok);
	if (!json) {
		crypt_free(cd);
		snprintf(why, BEK_WHY_MAX, "out of memory");
		return -ENOMEM;
	}
	int id = find_bek_token(cd, 0);
	r = crypt_token_json_set(cd, id >= 0 ? id : CRYPT_ANY_TOKEN, json);
	free(json);
	crypt_free(cd);
	if (r < 0)
		snprintf(why, BEK_WHY_MAX, "cannot write the token: %s", strerror(-r));
	return r;
}
