// SPDX-License-Identifier: GPL-2.0-or-later
#include "header.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bekfs.h"
#include "deadline.h"
#include "luks.h"
#include "mapcheck.h"

void bek_header_copy_path(const struct bek_crypttab_entry *e, char path[BEK_HEADER_PATH_MAX])
{
	snprintf(path, BEK_HEADER_PATH_MAX, "%s%s", BEK_HEADER_COPY_DIR, e->name);
}

void bek_header_boot_path(const struct bek_crypttab_entry *e, char path[BEK_HEADER_PATH_MAX])
{
	snprintf(path, BEK_HEADER_PATH_MAX, "%s%s.boot", BEK_HEADER_COPY_DIR, e->name);
}

/* 0 when the header read (fresh) can replace the copy: no copy to compare with, the copy
 * unreadable, or the same LUKS UUID; 1 when both are LUKS headers of different UUIDs (why
 * says so); a negative errno when fresh is no LUKS header. */
static int compare_with_copy(const char *fresh, const char *copy, const char *fsnode, char why[BEK_WHY_MAX])
{
	struct bek_luks_info got, want;
	int r = bek_luks_read(fresh, &got, NULL);
	if (r < 0)
		return bek_why(why, "header file on %s is not a LUKS header", fsnode), r;
	if (access(copy, F_OK) < 0)
		return 0;   /* no copy to compare with: the one on /boot is all there is */
	if (bek_luks_read(copy, &want, NULL) < 0)
		return 0;   /* the copy is unreadable: the fresh header is better than none */
	if (strcmp(got.uuid, want.uuid) == 0)
		return 0;
	bek_why(why, "the header file on %s has LUKS UUID %s, the copy in the initramfs %s", fsnode, got.uuid,
		want.uuid);
	return 1;
}

int bek_header_refresh(const struct bek_crypttab_entry *e, const char *fsnode, dev_t devnum, const char *fstype,
		       struct bek_activity *act, char why[BEK_WHY_MAX])
{
	char copy[BEK_HEADER_PATH_MAX], tmp[BEK_HEADER_PATH_MAX + 8], w[BEK_WHY_MAX] = "cannot write the copy in the initramfs";
	int r;

	bek_header_copy_path(e, copy);
	snprintf(tmp, sizeof(tmp), "%s.new", copy);
	(void)mkdir(BEK_HEADER_COPY_DIR, 0700);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		r = -errno;
	else {
		bek_activity_made(act, BEK_MADE_FILE, tmp);
		r = bek_read_header(fsnode, devnum, fstype, e->header_path, out, act, w);
	}
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		bek_why(why, "%s on %s: %s", w, fsnode, strerror(-r));
	} else if ((r = compare_with_copy(tmp, copy, fsnode, why)) >= 0) {
		char boot[BEK_HEADER_PATH_MAX];
		bek_header_boot_path(e, boot);
		if (rename(tmp, r == 0 ? copy : boot) < 0) {
			r = -errno;
			bek_why(why, "cannot keep the header read in the initramfs: %s", strerror(-r));
		}
	}
	if (r < 0)
		unlink(tmp);
	if (out >= 0)
		bek_activity_made(act, BEK_MADE_FILE, NULL);
	return r;
}

/* Tries the key on the header at path for the volume on device (see mapcheck.h). */
static int try_header(const char *path, const char *device, const struct bek_secret *key, struct bek_activity *act,
		      char why[BEK_WHY_MAX])
{
	struct bek_luks_info info;
	struct crypt_device *cd = NULL;
	char type[BEK_CONTENT_TYPE_MAX];
	int r = bek_luks_read(path, &info, &cd);
	if (r < 0)
		bek_why(why, "cannot read it: %s", strerror(-r));
	else if ((r = crypt_set_data_device(cd, device)) < 0)
		bek_why(why, "cannot use %s as its data device: %s", device, strerror(-r));
	else
		r = bek_mapping_content(cd, -1, key, act, type, why);
	crypt_free(cd);
	return r;
}

int bek_header_choose(const struct bek_crypttab_entry *e, const char *device, const struct bek_secret *key,
		      struct bek_activity *act, bool *from_boot, char why[BEK_WHY_MAX])
{
	char boot[BEK_HEADER_PATH_MAX], copy[BEK_HEADER_PATH_MAX], on_boot[BEK_WHY_MAX], in_copy[BEK_WHY_MAX];
	bek_header_boot_path(e, boot);
	bek_header_copy_path(e, copy);
	int r = try_header(boot, device, key, act, on_boot);
	*from_boot = r >= 0;
	if (r >= 0) {
		if (rename(boot, copy) < 0) {
			r = -errno;
			bek_why(why, "cannot replace the copy in the initramfs: %s", strerror(-r));
			return r;
		}
		bek_why(why, "%s", on_boot);
		return r;
	}
	int c = try_header(copy, device, key, act, in_copy);
	if (c >= 0) {
		unlink(boot);
		bek_why(why, "%.120s; the one read at boot: %.100s", in_copy, on_boot);
		return c;
	}
	/* Both kept: another BEK disk's key may open one of them. */
	bek_why(why, "no LUKS header fits this volume with this key (read at boot: %.90s; copy: %.90s)", on_boot,
		in_copy);
	return r == -EPERM && c == -EPERM ? -EPERM : -ENODATA;
}
