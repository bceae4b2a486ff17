#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bekfs.h"
#include "log.h"
#include "plan.h"
#include "probe.h"
#include "timing.h"
#include "wait.h"

#define MAX_FS 32
#define MAX_VOLUMES (2 * BEK_MAX_TARGETS)
#define NODE_MAX 64
#define HEADER_COPY_DIR "/etc/bek-unlock/headers/"

struct fs {                    /* a mountable filesystem: BEK disk or /boot candidate */
	dev_t devnum;
	char node[NODE_MAX];
	char fstype[32];
	char label[BEK_LABEL_MAX + 1];
	char uuid[64];
	uint64_t event_us;         /* when its udev event was handled */
};

struct volume {
	const struct bek_crypttab_entry *entry;  /* from the image's crypttab, or NULL */
	bool seen;                 /* its device is present */
	bool header_pending;       /* detached header not read yet */
	bool planned;              /* header read, plan made: ready to try BEK disks */
	bool open;
	bool failed;               /* nothing more can be done (no usable header) */
	bool merged;               /* an rd.luks.uuid= name for a crypttab volume: not separate */
	bool discovered;           /* found by its token, named nowhere */
	uint64_t planned_us;       /* when its plan was made */
	dev_t devnum;
	char node[NODE_MAX];
	char header[sizeof(HEADER_COPY_DIR) + BEK_NAME_MAX + 1];  /* "" when on the device */
	struct crypt_device *cd;   /* its header as read for the plan, until it is open */
	struct bek_plan plan;
	dev_t tried[MAX_FS];       /* BEK disks already tried: no retry storm */
	size_t n_tried;
	char reason[4 * BEK_REASON_MAX];
};

struct boot {
	const struct bek_config *cfg;
	struct fs fs[MAX_FS];
	size_t n_fs;
	struct volume vols[MAX_VOLUMES];
	size_t n_vols;
	uint64_t start_us;
};

static struct volume *find_volume(struct boot *b, const char *uuid, dev_t devnum)
{
	for (size_t i = 0; i < b->n_vols; i++)
		if ((uuid && strcmp(b->vols[i].plan.uuid, uuid) == 0) ||
		    (b->vols[i].seen && b->vols[i].devnum == devnum))
			return &b->vols[i];
	return NULL;
}

static struct volume *new_volume(struct boot *b, const char *what)
{
	if (b->n_vols == MAX_VOLUMES) {
		bek_log(LOG_WARNING, "leaving %s alone: more than %d volumes", what, MAX_VOLUMES);
		return NULL;
	}
	struct volume *v = &b->vols[b->n_vols++];
	snprintf(v->plan.label, sizeof(v->plan.label), "%s", b->cfg->label);
	return v;
}

static bool label_wanted(const struct boot *b, const char *label)
{
	if (strcmp(label, b->cfg->label) == 0)
		return true;
	for (size_t i = 0; i < b->n_vols; i++)
		if (strcmp(label, b->vols[i].plan.label) == 0)
			return true;
	return false;
}

static void add_fs(struct boot *b, const char *node, dev_t devnum, const struct bek_probe *pr, uint64_t event_us)
{
	for (size_t i = 0; i < b->n_fs; i++)
		if (b->fs[i].devnum == devnum)
			return;
	if (b->n_fs == MAX_FS) {
		bek_log(LOG_WARNING, "ignoring filesystem on %s: more than %d candidates", node, MAX_FS);
		return;
	}
	struct fs *f = &b->fs[b->n_fs++];
	f->event_us = event_us;
	f->devnum = devnum;
	snprintf(f->node, sizeof(f->node), "%s", node);
	snprintf(f->fstype, sizeof(f->fstype), "%s", pr->type);
	snprintf(f->label, sizeof(f->label), "%s", pr->label);
	snprintf(f->uuid, sizeof(f->uuid), "%s", pr->uuid);
	if (f->label[0] && label_wanted(b, f->label))
		bek_log(LOG_NOTICE, "found BEK disk %s (%s, label \"%s\") after %ld ms", node, f->fstype, f->label,
			(long)((bek_clock_us() - b->start_us) / 1000));
}

static void remove_fs(struct boot *b, dev_t devnum)
{
	for (size_t i = 0; i < b->n_fs; i++)
		if (b->fs[i].devnum == devnum) {
			b->fs[i] = b->fs[--b->n_fs];
			return;
		}
}

/* Decides what to do with a volume from its LUKS header. */
static void plan_from(struct boot *b, struct volume *v, const struct bek_luks_info *info)
{
	bek_plan_volume(b->cfg, v->entry, info, &v->plan);
	v->planned = true;
	v->planned_us = bek_clock_us();
	/* dracut's hostonly images also name a crypttab volume by rd.luks.uuid=; as in
	 * systemd-cryptsetup-generator, the crypttab entry (and its name) wins. */
	for (size_t i = 0; v->entry && i < b->n_vols; i++) {
		struct volume *w = &b->vols[i];
		if (!w->entry && !w->seen && strcmp(w->plan.uuid, v->plan.uuid) == 0) {
			w->merged = true;
			bek_log(LOG_INFO, "%s is crypttab's %s", w->plan.name, v->plan.name);
		}
	}
	const struct bek_plan *p = &v->plan;
	if (info->token_problem[0])
		bek_log(LOG_WARNING, "%s: %s; falling back to key file \"%s\" (%s)", p->name,
			info->token_problem, p->key_file, p->key_source);
	if (crypt_status(NULL, p->name) == CRYPT_ACTIVE) {
		v->open = true;
		bek_log(LOG_NOTICE, "%s is already open; nothing to do for %s", p->name, v->node);
		return;
	}
	char slot[24] = "";
	if (p->keyslot >= 0)
		snprintf(slot, sizeof(slot), " for keyslot %d", p->keyslot);
	bek_log(LOG_NOTICE, "%s: LUKS%d volume on %s wants key file \"%s\" (from %s)%s on \"%s\"",
		p->name, info->version, v->node, p->key_file, p->key_source, slot, p->label);
}

/* Reads the LUKS header (on the device or detached) and decides what to do. */
static void plan_volume(struct boot *b, struct volume *v)
{
	struct bek_luks_info info;
	const char *header = v->header[0] ? v->header : v->node;
	crypt_free(v->cd);
	v->cd = NULL;
	int r = bek_luks_read(header, &info, &v->cd);
	if (r < 0) {
		v->failed = true;
		snprintf(v->reason, sizeof(v->reason), "cannot read a LUKS header on %s: %s", header, strerror(-r));
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		return;
	}
	plan_from(b, v, &info);
}

/* The detached header copied into the image at build time. */
static void use_header_copy(struct boot *b, struct volume *v, const char *why)
{
	snprintf(v->header, sizeof(v->header), "%s%s", HEADER_COPY_DIR, v->entry->name);
	v->header_pending = false;
	if (access(v->header, R_OK) < 0) {
		v->failed = true;
		v->header[0] = '\0';
		snprintf(v->reason, sizeof(v->reason), "detached LUKS header %s unavailable %s and no copy in the initramfs",
			 v->entry->header, why);
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		return;
	}
	bek_log(LOG_WARNING, "%s: using the LUKS header copied into the initramfs at build time: %s %s",
		v->plan.name, v->entry->header, why);
	plan_volume(b, v);
}

/* Reads the detached header from f (/boot) over the image's copy, which is then what
 * both bek-unlock and systemd-cryptsetup use (the module points the image's crypttab at
 * it), so that the passphrase prompt, if it comes, has the current header too. The copy
 * is replaced only by a complete read. */
static int read_header_into_copy(struct volume *v, const struct fs *f, char reason[BEK_REASON_MAX])
{
	char tmp[sizeof(v->header) + 8];
	const char *why = "cannot write the copy in the initramfs";
	int r;

	snprintf(v->header, sizeof(v->header), "%s%s", HEADER_COPY_DIR, v->entry->name);
	snprintf(tmp, sizeof(tmp), "%s.new", v->header);
	(void)mkdir(HEADER_COPY_DIR, 0700);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		r = -errno;
	else
		r = bek_read_header(f->node, f->fstype, v->entry->header_path, out, &why);
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, v->header) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		v->header[0] = '\0';
		snprintf(reason, BEK_REASON_MAX, "(%s on %s: %s)", why, f->node, strerror(-r));
	}
	return r;
}

/* Reads the detached header from the filesystem that holds it (/boot), when present. */
static void fetch_header(struct boot *b, struct volume *v)
{
	const struct bek_crypttab_entry *e = v->entry;
	if (!v->header_pending)
		return;
	if (!e->header_fs[0] || !e->header_path[0]) {
		use_header_copy(b, v, "(its filesystem is not known)");
		return;
	}
	for (size_t i = 0; i < b->n_fs; i++) {
		const struct fs *f = &b->fs[i];
		if (strcmp(f->uuid, e->header_fs) != 0)
			continue;
		char reason[BEK_REASON_MAX];
		int r = read_header_into_copy(v, f, reason);
		if (r < 0) {
			use_header_copy(b, v, reason);
			return;
		}
		v->header_pending = false;
		bek_log(LOG_NOTICE, "%s: read LUKS header %s from %s (UUID=%s) at boot", v->plan.name,
			e->header, f->node, f->uuid);
		plan_volume(b, v);
		return;
	}
}

/* The data device of a crypttab entry is known by its /dev path (udev's links). */
static void match_entries(struct boot *b, const char *node, dev_t devnum)
{
	for (size_t i = 0; i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		struct stat st;
		if (!v->entry || v->seen || stat(v->entry->source, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != devnum)
			continue;
		v->seen = true;
		v->devnum = devnum;
		snprintf(v->node, sizeof(v->node), "%s", node);
		if (v->entry->header[0]) {
			v->header_pending = true;
			fetch_header(b, v);
		} else {
			plan_volume(b, v);
		}
	}
}

/* A LUKS device with its header on it: ours if named, or if it carries a bek token. */
static void add_volume(struct boot *b, const char *node, dev_t devnum)
{
	struct bek_luks_info info;
	struct bek_plan plan;
	struct crypt_device *cd = NULL;
	if (find_volume(b, NULL, devnum))
		return;    /* a crypttab volume, or a "change" event */
	int r = bek_luks_read(node, &info, &cd);
	if (r < 0) {
		bek_log_errno(LOG_WARNING, r, "Failed to read the LUKS header on %s: %m", node);
		return;
	}
	bek_plan_volume(b->cfg, NULL, &info, &plan);
	if (!plan.use) {
		bek_log(LOG_INFO, "leaving LUKS volume %s (%s) alone: %s%s%s", node, info.uuid, plan.skip,
			info.token_problem[0] ? "; " : "", info.token_problem);
		crypt_free(cd);
		return;
	}
	struct volume *v = find_volume(b, plan.uuid, devnum);
	if (v && v->seen) {
		crypt_free(cd);
		return;    /* a second path to a known volume */
	}
	if (!v) {
		if (!(v = new_volume(b, node))) {
			crypt_free(cd);
			return;
		}
		v->discovered = true;
	}
	v->cd = cd;
	v->seen = true;
	v->devnum = devnum;
	snprintf(v->node, sizeof(v->node), "%s", node);
	plan_from(b, v, &info);   /* the header on the device: already read */
}

static void on_device(void *ud, const char *action, const char *node, dev_t devnum, const struct bek_probe *found)
{
	struct boot *b = ud;
	struct bek_probe pr;
	uint64_t event_us = bek_clock_us();

	if (strcmp(action, "remove") == 0) {
		remove_fs(b, devnum);
		return;
	}
	match_entries(b, node, devnum);
	if (find_volume(b, NULL, devnum))
		return;    /* a known volume ("change" event, crypttab device): nothing to probe */
	if (found) {
		pr = *found;
	} else {
		uint64_t t = bek_clock_us();
		int r = bek_probe_device(node, &pr);
		bek_timing_add(BEK_T_PROBE, t);
		if (r < 0)
			return;
	}
	if (strcmp(pr.type, "crypto_LUKS") == 0) {
		add_volume(b, node, devnum);
	} else if (bek_mount_options(pr.type) && (pr.label[0] || pr.uuid[0])) {
		add_fs(b, node, devnum, &pr, event_us);
		for (size_t i = 0; i < b->n_vols; i++)
			fetch_header(b, &b->vols[i]);
	} else if (pr.label[0] && label_wanted(b, pr.label)) {
		bek_log(LOG_WARNING, "ignoring %s: labelled \"%s\" but %s, not VFAT, ext2/3/4 or XFS", node, pr.label,
			pr.type[0] ? pr.type : "unknown");
	}
}

static bool tried(const struct volume *v, dev_t disk)
{
	for (size_t i = 0; i < v->n_tried; i++)
		if (v->tried[i] == disk)
			return true;
	return false;
}

/* rd.bek.debug: where one attempt's time went. */
static void log_split(const struct volume *v, const struct fs *d, uint64_t read_start_us)
{
	char e[24], w[24], m[24], k[24], u[24], l[24], a[24];
	uint64_t mounted = read_start_us + bek_timing_last(BEK_T_MOUNT);
	bek_log(LOG_INFO, "debug: %s: BEK disk event to mounted %s ms (waiting for the volume %s ms, mount %s ms), "
		"key read %s ms, unmount %s ms, header load %s ms, key derivation + activation %s ms", v->plan.name,
		bek_ms(mounted > d->event_us ? mounted - d->event_us : 0, e),
		bek_ms(v->planned_us > d->event_us ? v->planned_us - d->event_us : 0, w), bek_ms(bek_timing_last(BEK_T_MOUNT), m),
		bek_ms(bek_timing_last(BEK_T_KEY_READ), k), bek_ms(bek_timing_last(BEK_T_UNMOUNT), u),
		bek_ms(bek_timing_last(BEK_T_HEADER_LOAD), l), bek_ms(bek_timing_last(BEK_T_ACTIVATE), a));
}

static void try_disk(const struct boot *b, struct volume *v, const struct fs *d)
{
	struct bek_secret key = { 0 };
	const char *why = NULL;
	char reason[BEK_REASON_MAX];

	v->tried[v->n_tried++] = d->devnum;
	uint64_t read_start = bek_clock_us();
	int r = bek_read_key(d->node, d->fstype, v->plan.key_file, &key, &why);
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", why, v->plan.key_file, d->node);
		bek_log_errno(LOG_ERR, r, "%s: %s: %m", v->plan.name, v->reason);
		return;
	}
	uint64_t t0 = bek_clock_us();
	r = bek_luks_unlock(v->cd, v->node, v->header[0] ? v->header : NULL, v->plan.name, v->plan.keyslot,
			    v->plan.discard, &key, reason);
	bek_secret_free(&key);
	if (b->cfg->debug)
		log_split(v, d, read_start);
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", reason, v->plan.key_file, d->node);
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		return;
	}
	v->open = true;
	bek_log(LOG_NOTICE, "unlocked %s as %s in %ld ms (keyslot %d, key file \"%s\" on %s%s)",
		v->node, v->plan.name, (long)((bek_clock_us() - t0) / 1000), r, v->plan.key_file, d->node,
		v->plan.discard ? ", discards allowed" : "");
}

static void try_pending(struct boot *b)
{
	for (size_t i = 0; i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		for (size_t j = 0; j < b->n_fs && v->planned && !v->open; j++)
			if (strcmp(b->fs[j].label, v->plan.label) == 0 && !tried(v, b->fs[j].devnum))
				try_disk(b, v, &b->fs[j]);
	}
}

static bool has_bek_disk(const struct boot *b, const struct volume *v)
{
	for (size_t j = 0; j < b->n_fs; j++)
		if (strcmp(b->fs[j].label, v->plan.label) == 0)
			return true;
	return false;
}

/* True once a volume has been tried on every BEK disk present with its label. */
static bool exhausted(const struct boot *b, const struct volume *v)
{
	for (size_t j = 0; j < b->n_fs; j++)
		if (strcmp(b->fs[j].label, v->plan.label) == 0 && !tried(v, b->fs[j].devnum))
			return false;
	return has_bek_disk(b, v);
}

static bool on_batch(void *ud, bool settled)
{
	struct boot *b = ud;
	bool all_open = true, hopeless = true;

	/* Once udev has settled, a /boot that has not shown up will not: use the copy. */
	for (size_t i = 0; settled && i < b->n_vols; i++)
		if (b->vols[i].header_pending)
			use_header_copy(b, &b->vols[i], "(its filesystem did not appear)");
	try_pending(b);
	for (size_t i = 0; i < b->n_vols; i++) {
		const struct volume *v = &b->vols[i];
		all_open &= v->open || v->merged;
		hopeless &= v->open || v->merged || v->failed || (v->planned && exhausted(b, v));
	}
	if (b->n_vols > 0 && all_open)
		return true;
	/* Named volumes are known up front; otherwise the set is complete only once
	 * udev has settled. Give up early only when nothing new can help. */
	return settled && (b->n_vols == 0 || hopeless);
}

/* Who takes over: systemd-cryptsetup asks only for the volumes it was told about. */
static const char *fallback(const struct volume *v)
{
	return v->discovered ? "the system (no rd.luks.uuid= or crypttab names it: there may be no prompt)"
			     : "the passphrase prompt";
}

static int report_outcome(const struct boot *b, bool timed_out)
{
	int rc = BEK_EXIT_OK;
	unsigned s = b->cfg->timeout_s;

	if (b->n_vols == 0) {
		bek_log(LOG_NOTICE, "no LUKS volume to unlock (none is named by rd.luks.uuid= and none carries a bek token)");
		return rc;
	}
	for (size_t i = 0; i < b->n_vols; i++) {
		const struct volume *v = &b->vols[i];
		if (v->open || v->merged)
			continue;
		if (!v->seen) {
			bek_log(LOG_ERR, "%s: LUKS device %s%s did not appear within %u s; leaving it to %s",
				v->plan.name, v->entry ? "" : "UUID=", v->entry ? v->entry->source : v->plan.uuid, s,
				fallback(v));
			rc = rc ? rc : BEK_EXIT_NOT_UNLOCKED;
		} else if (v->failed || !v->planned) {
			bek_log(LOG_ERR, "%s not unlocked: %s; leaving it to %s", v->plan.name,
				v->reason[0] ? v->reason : "its LUKS header could not be read in time", fallback(v));
			rc = rc ? rc : BEK_EXIT_NOT_UNLOCKED;
		} else if (!has_bek_disk(b, v)) {
			bek_log(LOG_ERR, "no BEK disk labelled \"%s\" appeared within %u s; leaving %s to %s",
				v->plan.label, s, v->plan.name, fallback(v));
			rc = BEK_EXIT_NO_BEK;
		} else {
			bek_log(LOG_ERR, "%s not unlocked%s: %s; leaving it to %s",
				v->plan.name, timed_out ? "" : " (no other BEK disk)", v->reason, fallback(v));
			rc = rc ? rc : BEK_EXIT_NOT_UNLOCKED;
		}
	}
	return rc;
}

int bek_boot(const struct bek_config *cfg, const struct bek_crypttab_entry *entries, size_t n_entries)
{
	static struct boot b;    /* static: large, and there is only one boot */
	const struct bek_wait_ops ops = { .device = on_device, .done = on_batch };

	if (!cfg->enabled) {
		bek_log(LOG_NOTICE, "disabled on the kernel command line");
		return BEK_EXIT_OK;
	}
	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.start_us = bek_clock_us();
	for (size_t i = 0; i < n_entries; i++) {
		struct volume *v = new_volume(&b, entries[i].name);
		v->entry = &entries[i];
		snprintf(v->plan.name, sizeof(v->plan.name), "%s", entries[i].name);
	}
	for (size_t i = 0; i < cfg->n_targets; i++) {
		struct volume *v = new_volume(&b, cfg->targets[i].name);
		snprintf(v->plan.uuid, sizeof(v->plan.uuid), "%s", cfg->targets[i].uuid);
		snprintf(v->plan.name, sizeof(v->plan.name), "%s", cfg->targets[i].name);
	}
	int r = bek_private_mounts();
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to make mounts private: %m"), BEK_EXIT_ERROR;
	bek_luks_quiet();
	bek_timing_add(BEK_T_STARTUP, bek_timing_started());
	r = bek_wait_run(cfg->timeout_s * 1000u, &ops, &b);
	int rc = r < 0 && r != -ETIMEDOUT ? BEK_EXIT_ERROR : report_outcome(&b, r == -ETIMEDOUT);
	for (size_t i = 0; i < b.n_vols; i++)
		crypt_free(b.vols[i].cd);
	return rc;
}
