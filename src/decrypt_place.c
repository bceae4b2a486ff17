// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: where the header backups go (never on a volume being decrypted)
 * and how fast the device reads, for the plan's estimate. */
#include "decrypt_place.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The nearest existing directory at or above path (for the device it will live on). */
static void existing_parent(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	for (char *slash; access(out, F_OK) != 0 && (slash = strrchr(out, '/'));)
		slash == out ? (void)(out[1] = '\0') : (void)(*slash = '\0');
}

static bool on_any_volume(const char *dir, const struct bek_dc_volume *v, size_t n)
{
	char at[PATH_MAX];
	existing_parent(dir, at, sizeof(at));
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char mapper[PATH_MAX];
		if (v[i].action == BEK_DC_NOTHING)
			continue;
		if (stat(v[i].device, &st) == 0 && S_ISBLK(st.st_mode) && bek_dc_path_on_device(at, st.st_rdev))
			return true;
		snprintf(mapper, sizeof(mapper), "/dev/mapper/%s", v[i].active);
		if (v[i].active[0] && stat(mapper, &st) == 0 && bek_dc_path_on_device(at, st.st_rdev))
			return true;
	}
	return false;
}

/* Where the header backups go: --backup-dir, else the first default not on a volume
 * being decrypted. "" when none is usable (why says why). */
void bek_dc_choose_backup_dir(const char *given, const struct bek_dc_volume *v, size_t n, char *out,
			      size_t size, char why[BEK_WHY_MAX])
{
	const char *cand[2] = { BEK_DC_BACKUP_DIR, BEK_DC_BACKUP_DIR_BOOT };
	out[0] = why[0] = '\0';
	if (given) {
		if (on_any_volume(given, v, n))
			bek_why(why, "%s lies on a volume being decrypted", given);
		else
			snprintf(out, size, "%s", given);
		return;
	}
	for (size_t i = 0; i < 2 && !out[0]; i++)
		if (!on_any_volume(cand[i], v, n))
			snprintf(out, size, "%s", cand[i]);
	if (!out[0])
		bek_why(why, "%s and %s both lie on a volume being decrypted: give --backup-dir on another disk",
			cand[0], cand[1]);
}

int bek_dc_make_dirs(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	return chmod(p, 0700) < 0 ? -errno : 0;
}

double bek_dc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes per second the device reads at (up to 64 MiB or half a second from its end),
 * halved: every block is read once and written once. 0 when unknown. */
double bek_dc_measure_rate(const char *device, uint64_t size)
{
	int fd = open(device, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return 0;
	void *buf = NULL;
	const size_t chunk = 1u << 20;
	uint64_t got = 0, start = size > (64u << 20) ? (size - (64u << 20)) & ~(uint64_t)4095 : 0;
	double t0 = bek_dc_now(), t = t0;
	if (posix_memalign(&buf, 4096, chunk) == 0)
		for (ssize_t r; t - t0 < 0.5 && got < (64u << 20); got += (uint64_t)r, t = bek_dc_now())
			if ((r = pread(fd, buf, chunk, (off_t)(start + got))) <= 0)
				break;
	free(buf);
	close(fd);
	return got >= chunk && t > t0 ? (double)got / (t - t0) / 2 : 0;
}

