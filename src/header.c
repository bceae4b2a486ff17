#include "header.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bekfs.h"
#include "deadline.h"
#include "luks.h"

void bek_header_copy_path(const struct bek_crypttab_entry *e, char path[BEK_HEADER_PATH_MAX])
{
	snprintf(path, BEK_HEADER_PATH_MAX, "%s%s", BEK_HEADER_COPY_DIR, e->name);
}

/* A header read from /boot is used only if it is the same volume's: a /boot from
 * another machine, a restored backup or a swapped file would otherwise replace the copy. */
static int check_same_volume(const char *fresh, const char *copy, const char *fsnode, char why[BEK_WHY_MAX])
{
	struct bek_luks_info got, want;
	int r = bek_luks_read(fresh, &got, NULL);
	if (r < 0)
		return bek_why(why, "header file on %s is not a LUKS header", fsnode), r;
	if (access(copy, F_OK) < 0)
		return 0;   /* no copy to compare with: the one on /boot is all there is */
	if (bek_luks_read(copy, &want, NULL) < 0)
		return 0;   /* the copy is unreadable: the fresh header is better than none */
	if (strcmp(got.uuid, want.uuid) != 0)
		return bek_why(why, "header file on %s belongs to another volume (LUKS UUID %s, the image's copy has %s)",
			       fsnode, got.uuid, want.uuid), -EXDEV;
	return 0;
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
	} else if ((r = check_same_volume(tmp, copy, fsnode, why)) == 0 && rename(tmp, copy) < 0) {
		r = -errno;
		bek_why(why, "cannot replace the copy in the initramfs: %s", strerror(-r));
	}
	if (r < 0)
		unlink(tmp);
	if (out >= 0)
		bek_activity_made(act, BEK_MADE_FILE, NULL);
	return r;
}
