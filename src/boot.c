#include "boot.h"

#include <errno.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "bekfs.h"
#include "log.h"
#include "plan.h"
#include "probe.h"
#include "wait.h"

#define MAX_DISKS 16
#define MAX_VOLUMES BEK_MAX_TARGETS
#define NODE_MAX 64

struct disk {                  /* a labelled filesystem: a BEK disk candidate */
	dev_t devnum;
	char node[NODE_MAX];
	char fstype[32];
	char label[BEK_LABEL_MAX + 1];
};

struct volume {
	bool seen;                 /* its device is present */
	bool open;
	dev_t devnum;
	char node[NODE_MAX];
	struct bek_plan plan;
	dev_t tried[MAX_DISKS];    /* BEK disks already tried: no retry storm */
	size_t n_tried;
	char reason[2 * BEK_REASON_MAX];
};

struct boot {
	const struct bek_config *cfg;
	struct disk disks[MAX_DISKS];
	size_t n_disks;
	struct volume vols[MAX_VOLUMES];
	size_t n_vols;
	long start_ms;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static struct volume *find_volume(struct boot *b, const char *uuid)
{
	for (size_t i = 0; i < b->n_vols; i++)
		if (strcmp(b->vols[i].plan.uuid, uuid) == 0)
			return &b->vols[i];
	return NULL;
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

static void add_disk(struct boot *b, const char *node, dev_t devnum, const char *fstype, const char *label)
{
	for (size_t i = 0; i < b->n_disks; i++)
		if (b->disks[i].devnum == devnum)
			return;
	if (b->n_disks == MAX_DISKS) {
		bek_log(LOG_WARNING, "ignoring labelled filesystem %s: more than %d candidates", node, MAX_DISKS);
		return;
	}
	struct disk *d = &b->disks[b->n_disks++];
	d->devnum = devnum;
	snprintf(d->node, sizeof(d->node), "%s", node);
	snprintf(d->fstype, sizeof(d->fstype), "%s", fstype);
	snprintf(d->label, sizeof(d->label), "%s", label);
	if (label_wanted(b, label))
		bek_log(LOG_NOTICE, "found BEK disk %s (%s, label \"%s\") after %ld ms", node, fstype, label,
			now_ms() - b->start_ms);
}

static void remove_disk(struct boot *b, dev_t devnum)
{
	for (size_t i = 0; i < b->n_disks; i++)
		if (b->disks[i].devnum == devnum) {
			b->disks[i] = b->disks[--b->n_disks];
			return;
		}
}

static void add_volume(struct boot *b, const char *node, dev_t devnum)
{
	struct bek_luks_info info;
	struct bek_plan plan;
	int r = bek_luks_read(node, &info);
	if (r < 0) {
		bek_log_errno(LOG_WARNING, r, "Failed to read the LUKS header on %s: %m", node);
		return;
	}
	bek_plan_volume(b->cfg, &info, &plan);
	if (!plan.use) {
		bek_log(LOG_INFO, "leaving LUKS volume %s (%s) alone: %s%s%s", node, info.uuid, plan.skip,
			info.token_problem[0] ? "; " : "", info.token_problem);
		return;
	}
	struct volume *v = find_volume(b, plan.uuid);
	if (v && v->seen)
		return;    /* already known: a "change" event or a second path to it */
	if (!v) {
		if (b->n_vols == MAX_VOLUMES) {
			bek_log(LOG_WARNING, "leaving LUKS volume %s alone: more than %d volumes", node, MAX_VOLUMES);
			return;
		}
		v = &b->vols[b->n_vols++];
	}
	v->seen = true;
	v->devnum = devnum;
	snprintf(v->node, sizeof(v->node), "%s", node);
	v->plan = plan;
	if (info.token_problem[0])
		bek_log(LOG_WARNING, "%s: %s; falling back to key file \"%s\" (%s)", plan.name,
			info.token_problem, plan.key_file, plan.key_source);
	if (crypt_status(NULL, plan.name) == CRYPT_ACTIVE) {
		v->open = true;
		bek_log(LOG_NOTICE, "%s is already open; nothing to do for %s", plan.name, node);
		return;
	}
	if (plan.keyslot >= 0)
		bek_log(LOG_NOTICE, "%s: LUKS%d volume on %s wants key file \"%s\" (from %s) for keyslot %d on \"%s\"",
			plan.name, info.version, node, plan.key_file, plan.key_source, plan.keyslot, plan.label);
	else
		bek_log(LOG_NOTICE, "%s: LUKS%d volume on %s wants key file \"%s\" (from %s) on \"%s\"",
			plan.name, info.version, node, plan.key_file, plan.key_source, plan.label);
}

static void on_device(void *ud, const char *action, const char *node, dev_t devnum)
{
	struct boot *b = ud;
	struct bek_probe pr;

	if (strcmp(action, "remove") == 0) {
		remove_disk(b, devnum);
		return;
	}
	if (bek_probe_device(node, &pr) < 0)
		return;
	if (strcmp(pr.type, "crypto_LUKS") == 0)
		add_volume(b, node, devnum);
	else if (pr.label[0] && bek_mount_options(pr.type))
		add_disk(b, node, devnum, pr.type, pr.label);
	else if (pr.label[0] && label_wanted(b, pr.label))
		bek_log(LOG_WARNING, "ignoring %s: labelled \"%s\" but %s, not VFAT or ext2/3/4", node, pr.label,
			pr.type[0] ? pr.type : "unknown");
}

static bool tried(const struct volume *v, dev_t disk)
{
	for (size_t i = 0; i < v->n_tried; i++)
		if (v->tried[i] == disk)
			return true;
	return false;
}

static void try_disk(struct volume *v, const struct disk *d)
{
	struct bek_secret key = { 0 };
	const char *why = NULL;
	char reason[BEK_REASON_MAX];

	v->tried[v->n_tried++] = d->devnum;
	int r = bek_read_key(d->node, d->fstype, v->plan.key_file, &key, &why);
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", why, v->plan.key_file, d->node);
		bek_log_errno(LOG_ERR, r, "%s: %s: %m", v->plan.name, v->reason);
		return;
	}
	long t0 = now_ms();
	r = bek_luks_unlock(v->node, v->plan.name, v->plan.keyslot, &key, reason);
	bek_secret_free(&key);
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", reason, v->plan.key_file, d->node);
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		return;
	}
	v->open = true;
	bek_log(LOG_NOTICE, "unlocked %s as %s in %ld ms (keyslot %d, key file \"%s\" on %s)",
		v->node, v->plan.name, now_ms() - t0, r, v->plan.key_file, d->node);
}

static void try_pending(struct boot *b)
{
	for (size_t i = 0; i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		for (size_t j = 0; j < b->n_disks && v->seen && !v->open; j++)
			if (strcmp(b->disks[j].label, v->plan.label) == 0 && !tried(v, b->disks[j].devnum))
				try_disk(v, &b->disks[j]);
	}
}

/* True once a volume has been tried on every BEK disk present with its label. */
static bool exhausted(const struct boot *b, const struct volume *v)
{
	size_t candidates = 0;
	for (size_t j = 0; j < b->n_disks; j++)
		if (strcmp(b->disks[j].label, v->plan.label) == 0) {
			candidates++;
			if (!tried(v, b->disks[j].devnum))
				return false;
		}
	return candidates > 0;
}

static bool on_batch(void *ud, bool settled)
{
	struct boot *b = ud;
	bool all_open = true, hopeless = true;

	try_pending(b);
	for (size_t i = 0; i < b->n_vols; i++) {
		const struct volume *v = &b->vols[i];
		all_open &= v->open;
		hopeless &= v->open || (v->seen && exhausted(b, v));
	}
	if (b->n_vols > 0 && all_open)
		return true;
	/* Named volumes are known up front; otherwise the set is complete only once
	 * udev has settled. Give up early only when nothing new can help. */
	return settled && (b->n_vols == 0 || hopeless);
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
		bool has_disk = false;
		for (size_t j = 0; j < b->n_disks; j++)
			has_disk |= strcmp(b->disks[j].label, v->plan.label) == 0;
		if (v->open)
			continue;
		if (!v->seen) {
			bek_log(LOG_ERR, "%s: LUKS device UUID=%s did not appear within %u s; leaving it to the passphrase prompt",
				v->plan.name, v->plan.uuid, s);
			rc = rc ? rc : BEK_EXIT_NOT_UNLOCKED;
		} else if (!has_disk) {
			bek_log(LOG_ERR, "no BEK disk labelled \"%s\" appeared within %u s; leaving %s to the passphrase prompt",
				v->plan.label, s, v->plan.name);
			rc = BEK_EXIT_NO_BEK;
		} else {
			bek_log(LOG_ERR, "%s not unlocked%s: %s; leaving it to the passphrase prompt",
				v->plan.name, timed_out ? "" : " (no other BEK disk)", v->reason);
			rc = rc ? rc : BEK_EXIT_NOT_UNLOCKED;
		}
	}
	return rc;
}

int bek_boot(const struct bek_config *cfg)
{
	static struct boot b;    /* static: large, and there is only one boot */
	const struct bek_wait_ops ops = { .device = on_device, .done = on_batch };

	if (!cfg->enabled) {
		bek_log(LOG_NOTICE, "disabled on the kernel command line");
		return BEK_EXIT_OK;
	}
	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.start_ms = now_ms();
	for (size_t i = 0; i < cfg->n_targets; i++) {
		struct volume *v = &b.vols[b.n_vols++];
		snprintf(v->plan.uuid, sizeof(v->plan.uuid), "%s", cfg->targets[i].uuid);
		snprintf(v->plan.name, sizeof(v->plan.name), "%s", cfg->targets[i].name);
		snprintf(v->plan.label, sizeof(v->plan.label), "%s", cfg->label);
	}
	int r = bek_private_mounts();
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to make mounts private: %m"), BEK_EXIT_ERROR;
	bek_luks_quiet();
	r = bek_wait_run(cfg->timeout_s * 1000u, &ops, &b);
	if (r < 0 && r != -ETIMEDOUT)
		return BEK_EXIT_ERROR;
	return report_outcome(&b, r == -ETIMEDOUT);
}
