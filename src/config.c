// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"

#define CMDLINE_MAX 65536
#define CMDLINE_D "/etc/cmdline.d"

static void warn(void *userdata, const char *param, const char *why)
{
	(void)userdata;
	bek_log(LOG_WARNING, "ignoring %s= on the kernel command line: %s", param, why);
}

/* Reads a whole small text file into a NUL-terminated buffer (newlines are spaces). */
static int read_text(int dirfd, const char *path, char **out)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	char *buf = malloc(CMDLINE_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, CMDLINE_MAX - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = -errno;
			free(buf);
			close(fd);
			return r;
		}
		if (k == 0 || (n += (size_t)k) == CMDLINE_MAX - 1)
			break;
	}
	close(fd);
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	*out = buf;
	return 0;
}

static int conf_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);
	return d->d_name[0] != '.' && len > 5 && strcmp(d->d_name + len - 5, ".conf") == 0;
}

/* dracut's hostonly images carry rd.luks.* in /etc/cmdline.d; /proc/cmdline overrides them. */
static void apply_cmdline_d(struct bek_config *cfg)
{
	struct dirent **names;
	int dirfd = open(CMDLINE_D, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return;
	int n = scandir(CMDLINE_D, &names, conf_filter, alphasort);
	for (int i = 0; i < n; i++) {
		char *text;
		if (read_text(dirfd, names[i]->d_name, &text) == 0) {
			bek_cmdline_apply(cfg, text, warn, NULL);
			free(text);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	close(dirfd);
}

/* Whether the block device at path (a crypttab source) is the LUKS volume uuid: the one
 * udev links as /dev/disk/by-uuid/<uuid>, or, before udev has made that link (bek-unlock
 * may plan a volume on the kernel's own event), the device's own LUKS header says so. */
static bool same_device(const char *path, const char *uuid)
{
	char link[64], canon[BEK_UUID_LEN + 1];
	struct stat a, b;
	struct bek_probe pr;
	if (stat(path, &a) < 0 || !S_ISBLK(a.st_mode))
		return false;
	snprintf(link, sizeof(link), "/dev/disk/by-uuid/%s", uuid);
	if (stat(link, &b) == 0 && S_ISBLK(b.st_mode))
		return a.st_rdev == b.st_rdev;
	return bek_probe_device(path, &pr) == 0 && strcmp(pr.type, "crypto_LUKS") == 0 &&
	       bek_uuid_canonical(pr.uuid, strlen(pr.uuid), canon) == 0 && strcmp(canon, uuid) == 0;
}

static size_t load_crypttab(const char *path, bool ade, struct bek_crypttab_entry *entries, size_t max);

/* The image's own crypttab: dracut's /etc/crypttab, initramfs-tools' /cryptroot/crypttab. */
static void load_image_crypttab(struct bek_config *cfg)
{
	static struct bek_crypttab_entry entries[BEK_IMAGE_CRYPTTAB_MAX + 1];
	static const char *const paths[] = { BEK_IMAGE_CRYPTTAB, BEK_ITOOLS_CRYPTTAB };
	size_t n = 0;
	for (size_t i = 0; cfg->use_crypttab && i < sizeof(paths) / sizeof(paths[0]); i++)
		n += load_crypttab(paths[i], false, entries + n, BEK_IMAGE_CRYPTTAB_MAX + 1 - n);
	cfg->crypttab = entries;
	cfg->n_crypttab = n;
	/* systemd-cryptsetup-generator, once rd.luks.uuid=/rd.luks.name= name volumes, creates
	 * only the crypttab entries that name one by UUID; dracut's cryptroot-ask and
	 * cryptsetup-initramfs' cryptroot also match an entry by its device. */
	bool systemd = access("/run/systemd/system", F_OK) == 0;
	cfg->same_device = systemd && cfg->n_targets > 0 ? NULL : same_device;
}

int bek_config_load(struct bek_config *cfg, const char *text)
{
	bek_config_init(cfg);
	if (text) {
		bek_cmdline_apply(cfg, text, warn, NULL);
		load_image_crypttab(cfg);
		return 0;
	}
	apply_cmdline_d(cfg);
	char *proc;
	int r = read_text(AT_FDCWD, "/proc/cmdline", &proc);
	if (r < 0)
		return r;
	bek_cmdline_apply(cfg, proc, warn, NULL);
	free(proc);
	load_image_crypttab(cfg);
	return 0;
}

size_t bek_crypttab_load(const char *path, struct bek_crypttab_entry *entries, size_t max)
{
	return load_crypttab(path, true, entries, max);
}

/* ade: /etc/bek-unlock/crypttab (its entries only: key on the BEK disk); else any crypttab.
 * Keeps at most max - 1 entries: one more is said and dropped. */
static size_t load_crypttab(const char *path, bool ade, struct bek_crypttab_entry *entries, size_t max)
{
	char line[4096];
	size_t n = 0;
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			bek_log_errno(LOG_ERR, errno, "Failed to read %s: %m", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char why[BEK_WHY_MAX];
		lineno++;
		if (max == 0)
			break;
		if (!strchr(line, '\n') && !feof(f)) {
			/* The rest of an overlong line is not a line of its own. */
			int c;
			while ((c = getc(f)) != EOF && c != '\n')
				;
			bek_log(LOG_WARNING, "ignoring %s line %u: line is longer than %zu bytes", path, lineno,
				sizeof(line) - 2);
			continue;
		}
		int r = ade ? bek_crypttab_parse_line(line, &entries[n], why)
			    : bek_crypttab_parse_entry(line, &entries[n], why);
		if (r < 0)
			bek_log(LOG_WARNING, "ignoring %s line %u: %s", path, lineno, why);
		else if (r == 0 && ade && why[0])
			bek_log(LOG_NOTICE, "ignoring %s line %u: %s", path, lineno, why);
		else if (r == 1 && n + 1 == max)
			bek_log(LOG_WARNING, "ignoring %s line %u: more than %zu entries", path, lineno, max - 1);
		else if (r == 1)
			n++;
	}
	fclose(f);
	return n;
}
