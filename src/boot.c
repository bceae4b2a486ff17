// SPDX-License-Identifier: GPL-2.0-or-later
#include "boot.h"

#include <errno.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bekfs.h"
#include "deadline.h"
#include "disks.h"
#include "header.h"
#include "log.h"
#include "plan.h"
#include "preload.h"
#include "timing.h"
#include "volume.h"
#include "wait.h"

static struct volume *find_volume(struct boot *b, const char *uuid, dev_t devnum)
{
	for (size_t i = 0; i < b->n_vols; i++)
		if ((uuid && strcmp(b->vols[i].plan.uuid, uuid) == 0) || (devnum && b->vols[i].devnum == devnum))
			return &b->vols[i];
	return NULL;
}

static struct volume *new_volume(struct boot *b, const char *what, enum vol_origin origin)
{
	if (b->n_vols == MAX_VOLUMES) {
		bek_log(LOG_WARNING, "leaving %s alone: more than %d volumes", what, MAX_VOLUMES);
		return NULL;
	}
	struct volume *v = &b->vols[b->n_vols++];
	v->origin = origin;
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

static void fail_volume(struct volume *v, const char *why)
{
	v->state = VOL_FAILED;
	snprintf(v->reason, sizeof(v->reason), "%s", why);
	bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
}

/* Decides what to do with a volume from its LUKS header. */
static void plan_from(struct boot *b, struct volume *v, const struct bek_luks_info *info)
{
	char why[BEK_WHY_MAX];
	bek_plan_volume(b->cfg, v->entry, info, &v->plan);
	v->planned_us = bek_clock_us();
	v->state = VOL_READY;
	if (v->plan.use && v->plan.own)
		bek_preload_start(v->entry ? "an ADE crypttab entry" : info->token_id >= 0 ? "a bek token" : "rd.bek.*");
	if (strcmp(v->plan.label, b->cfg->label) != 0)
		b->rescan = true;   /* filesystems with that label were not kept so far */
	/* dracut's hostonly images also name a crypttab volume by rd.luks.uuid=; as in
	 * systemd-cryptsetup-generator, the crypttab entry (and its name) wins. */
	for (size_t i = 0; v->entry && i < b->n_vols; i++) {
		struct volume *w = &b->vols[i];
		if (w->origin == FROM_CMDLINE && w->state == VOL_ABSENT && strcmp(w->plan.uuid, v->plan.uuid) == 0) {
			w->state = VOL_MERGED;
			bek_log(LOG_INFO, "%s is crypttab's %s", w->plan.name, v->plan.name);
		}
	}
	const struct bek_plan *p = &v->plan;
	if (info->token_problem[0])
		bek_log(LOG_WARNING, "%s: %s; falling back to key file \"%s\" (%s)", p->name,
			info->token_problem, p->key_file, p->key_source);
	int r = bek_luks_mapping(p->name, p->uuid, false, why);
	if (r > 0) {
		v->state = VOL_OPEN;
		bek_log(LOG_NOTICE, "%s is already open with the same LUKS UUID; nothing to do for %s", p->name, v->node);
		return;
	}
	if (r < 0)
		return fail_volume(v, why);
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
	char why[BEK_WHY_MAX];
	const char *header = v->header[0] ? v->header : v->node;
	crypt_free(v->cd);
	v->cd = NULL;
	int r = bek_luks_read(header, &info, &v->cd);
	if (r < 0) {
		bek_why(why, "cannot read a LUKS header on %s: %s", header, strerror(-r));
		return fail_volume(v, why);
	}
	plan_from(b, v, &info);
}

/* The detached header copied into the image at build time. */
static void use_header_copy(struct boot *b, struct volume *v, const char *why)
{
	bek_header_copy_path(v->entry, v->header);
	if (access(v->header, R_OK) < 0) {
		char reason[sizeof(v->reason)];
		v->header[0] = '\0';
		snprintf(reason, sizeof(reason), "detached LUKS header %s unavailable %s and no copy in the initramfs",
			 v->entry->header, why);
		return fail_volume(v, reason);
	}
	bek_log(LOG_WARNING, "%s: using the LUKS header copied into the initramfs at build time: %s %s",
		v->plan.name, v->entry->header, why);
	plan_volume(b, v);
}

/* Reads the detached header from the filesystem that holds it (/boot), when present. */
static void fetch_header(struct boot *b, struct volume *v)
{
	const struct bek_crypttab_entry *e = v->entry;
	if (v->state != VOL_NEEDS_HEADER)
		return;
	if (!e->header_fs[0] || !e->header_path[0])
		return use_header_copy(b, v, "(its filesystem is not known)");
	for (size_t i = 0; i < b->disks.n_fs; i++) {
		const struct bek_fs *f = &b->disks.fs[i];
		char why[BEK_WHY_MAX], paren[BEK_WHY_MAX + 2];
		if (strcmp(f->uuid, e->header_fs) != 0)
			continue;
		bek_activity_for(b->act, v->plan.name, bek_fallback(v), bek_others_open(b, v));
		bek_activity(b->act, false, "reading its LUKS header from %s", f->node);
		int r = bek_header_refresh(e, f->node, f->devnum, f->fstype, b->act, why);
		bek_activity_idle(b->act);
		if (r < 0) {
			snprintf(paren, sizeof(paren), "(%s)", why);
			return use_header_copy(b, v, paren);
		}
		if (r == 1) {
			/* Planned from the copy; the unlock tries both with the key (header.h). */
			v->headers_differ = true;
			bek_log(LOG_NOTICE, "%s: LUKS header %s read from %s (UUID=%s) at boot is not the copy's volume: %s; "
				"the key decides which is this volume's", v->plan.name, e->header, f->node, f->uuid, why);
			bek_header_copy_path(e, v->header);
			return plan_volume(b, v);
		}
		bek_header_copy_path(e, v->header);
		bek_log(LOG_NOTICE, "%s: read LUKS header %s from %s (UUID=%s) at boot", v->plan.name,
			e->header, f->node, f->uuid);
		return plan_volume(b, v);
	}
}

/* The data device of a crypttab entry is known by its /dev path (udev's links). */
static void match_entries(struct boot *b, const char *node, dev_t devnum)
{
	for (size_t i = 0; i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		struct stat st;
		if (!v->entry || v->state != VOL_ABSENT || stat(v->entry->source, &st) < 0 || !S_ISBLK(st.st_mode) ||
		    st.st_rdev != devnum)
			continue;
		v->devnum = devnum;
		snprintf(v->node, sizeof(v->node), "%s", node);
		if (v->entry->header[0]) {
			v->state = VOL_NEEDS_HEADER;
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
	int r = bek_luks_read(node, &info, &cd);
	if (r < 0) {
		if (bek_disks_note(&b->disks, devnum, NULL))
			bek_log_errno(LOG_WARNING, r, "Failed to read the LUKS header on %s: %m", node);
		return;
	}
	bek_plan_volume(b->cfg, NULL, &info, &plan);
	struct volume *v = plan.use ? find_volume(b, plan.uuid, 0) : NULL;
	struct volume *named = plan.use || !plan.uuid[0] ? NULL : find_volume(b, plan.uuid, 0);
	if (named && named->state == VOL_ABSENT) {
		/* Named by rd.luks.*, but its crypttab entry leaves it to the stock unlocker. */
		named->plan = plan;
		named->devnum = devnum;
		snprintf(named->node, sizeof(named->node), "%s", node);
		snprintf(named->reason, sizeof(named->reason), "%s", plan.skip);
		named->state = VOL_FAILED;   /* said once, by the outcome */
		crypt_free(cd);
		return;
	}
	if (!plan.use || (v && v->state != VOL_ABSENT)) {
		/* Not ours, or a second path to a known volume: said once per device. */
		if (bek_disks_note(&b->disks, devnum, NULL) && !plan.use)
			bek_log(LOG_INFO, "leaving LUKS volume %s (%s) alone: %s%s%s", node, info.uuid, plan.skip,
				info.token_problem[0] ? "; " : "", info.token_problem);
		crypt_free(cd);
		return;
	}
	if (!v && !(v = new_volume(b, node, FROM_TOKEN))) {
		bek_disks_note(&b->disks, devnum, NULL);
		crypt_free(cd);
		return;
	}
	v->cd = cd;
	v->devnum = devnum;
	snprintf(v->node, sizeof(v->node), "%s", node);
	plan_from(b, v, &info);   /* the header on the device: already read */
}

/* A filesystem: kept if it can matter (a VFAT disk with a wanted BEK label, the
 * filesystem holding a detached header); a wanted label on anything but VFAT is said
 * and ignored. */
static void add_filesystem(struct boot *b, const char *node, dev_t devnum, const struct bek_probe *pr,
			   uint64_t event_us)
{
	bool holds_header = false, wanted = pr->label[0] && label_wanted(b, pr->label);
	for (size_t i = 0; i < b->n_entries; i++)
		holds_header |= b->entries[i].header_fs[0] && strcmp(pr->uuid, b->entries[i].header_fs) == 0;
	if (wanted && !bek_key_fs_ok(pr->type) && !holds_header) {
		if (bek_disks_note(&b->disks, devnum, pr->label))
			bek_log(LOG_WARNING, "ignoring %s: labelled \"%s\" but %s, not VFAT", node, pr->label,
				pr->type[0] ? pr->type : "of unknown type");
		return;
	}
	if (!(wanted || (holds_header && bek_header_fs_ok(pr->type))))
		return;
	size_t before = b->disks.n_fs;
	if (!bek_disks_add(&b->disks, node, devnum, pr, event_us)) {
		if (bek_disks_note(&b->disks, devnum, NULL))
			bek_log(LOG_WARNING, "ignoring filesystem on %s: bek-unlock already keeps %u filesystems "
				"labelled for it (its limit)", node, BEK_FS_MAX);
		return;
	}
	if (b->disks.n_fs > before && wanted) {
		bek_log(LOG_NOTICE, "found BEK disk %s (%s, label \"%s\") after %ld ms", node, pr->type, pr->label,
			(long)((bek_clock_us() - b->start_us) / 1000));
		bek_preload_start("a BEK disk");
	}
	for (size_t i = 0; i < b->n_vols; i++)
		fetch_header(b, &b->vols[i]);
}

static void on_device(void *ud, const char *action, const char *node, dev_t devnum, const struct bek_probe *found)
{
	struct boot *b = ud;
	struct bek_probe pr;
	uint64_t event_us = bek_clock_us();

	if (strcmp(action, "remove") == 0)
		return bek_disks_remove(&b->disks, devnum);
	if (!b->agent)     /* the agent serves the volumes handed to the prompt, no others */
		match_entries(b, node, devnum);
	if (find_volume(b, NULL, devnum) || bek_disks_noted(&b->disks, devnum))
		return;    /* known, or decided about already ("change" events) */
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
		if (!b->agent)
			add_volume(b, node, devnum);
	} else
		add_filesystem(b, node, devnum, &pr, event_us);
}

static bool on_batch(void *ud, bool settled, bool quiet)
{
	struct boot *b = ud;
	b->settled = settled;
	if (b->agent) {
		bek_answer_pending(b);
		return settled || !bek_handed(b);
	}
	/* Once udev has settled, a /boot that has not shown up will not: use the copy. */
	for (size_t i = 0; settled && i < b->n_vols; i++)
		if (b->vols[i].state == VOL_NEEDS_HEADER)
			use_header_copy(b, &b->vols[i], "(its filesystem did not appear)");
	bek_try_pending(b);
	if (settled)
		bek_leave_strangers(b);
	else if (b->cfg->answer_prompts && quiet)
		bek_hand_off(b);
	return bek_done(b, settled);
}

static bool want_rescan(void *ud)
{
	struct boot *b = ud;
	bool r = b->rescan;
	b->rescan = false;
	return r;
}

/* A BEK disk is here (not only the filesystem holding a detached header, which the
 * disks also keep): what the unlock waits for now is the volumes, so a disk the kernel
 * has announced is read at once, not after udev's grace. */
static bool bek_disk_present(void *ud)
{
	const struct boot *b = ud;
	for (size_t i = 0; i < b->disks.n_fs; i++)
		if (bek_key_fs_ok(b->disks.fs[i].fstype) && label_wanted(b, b->disks.fs[i].label))
			return true;
	return false;
}

static struct boot the_boot;    /* static: large, and there is only one boot */

/* systemd-cryptsetup asks for the handed volumes once this worker, and so the unit's
 * process, has ended: the agent, a process of its own (out of the deadline's watch:
 * nothing waits for it), watches on until udev settles, bounded by rd.bek.timeout. */
static void start_agent(struct boot *b, const struct bek_wait_ops *ops)
{
	pid_t pid = fork();
	if (pid < 0)
		bek_log_errno(LOG_WARNING, -errno, "Failed to start the agent that would answer the passphrase prompt "
			      "if a BEK disk appeared: %m");
	if (pid != 0)
		return;
	if (b->act->fd >= 0)
		close(b->act->fd);   /* the unit's process ends with the worker, not with the agent */
	b->act->fd = -1;
	b->agent = true;
	uint64_t now = bek_clock_us(), end = bek_run_end_us(b);
	if (now < end)
		(void)bek_wait_run((unsigned)((end - now) / 1000), NULL, ops, b, NULL);
	_exit(BEK_EXIT_OK);
}

/* The worker (deadline.c runs it in a child process). */
static int boot_worker(void *ud)
{
	struct boot *b = ud;
	const struct bek_wait_ops ops = { .device = on_device, .done = on_batch, .rescan = want_rescan,
					  .hurry = bek_disk_present, .wants_quiet = b->cfg->answer_prompts };
	int r = bek_private_mounts();
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to make mounts private: %m"), BEK_EXIT_ERROR;
	bek_luks_quiet();
	if (b->n_entries || b->cfg->asked)
		bek_preload_start(b->n_entries ? "ADE crypttab entries" : "rd.bek.* on the command line");
	bek_timing_add(BEK_T_STARTUP, bek_timing_started());
	r = bek_wait_run(b->cfg->timeout_s * 1000u, b->cfg->settled_after, &ops, b, b->act);
	int rc;
	if (r < 0 && r != -ETIMEDOUT) {
		/* wait.c said why; nothing was waited for. */
		bek_log(LOG_ERR, "not waiting for a BEK disk; volumes not unlocked are left to the passphrase prompt");
		rc = BEK_EXIT_ERROR;
	} else {
		rc = bek_report_outcome(b, r == -ETIMEDOUT);
		if (r == 0 && !b->settled && bek_handed(b))
			start_agent(b, &ops);
	}
	for (size_t i = 0; i < b->n_vols; i++)
		crypt_free(b->vols[i].cd);
	bek_disks_free(&b->disks);
	if (b->cfg->debug) {
		char line[512];
		bek_timing_summary(rc, line, sizeof(line));
		bek_log(LOG_INFO, "%s", line);
	}
	return rc;
}

int bek_boot(const struct bek_config *cfg, const struct bek_crypttab_entry *entries, size_t n_entries)
{
	struct boot *b = &the_boot;
	struct bek_activity act;
	if (!cfg->enabled) {
		bek_log(LOG_NOTICE, "disabled on the kernel command line");
		return BEK_EXIT_OK;
	}
	memset(b, 0, sizeof(*b));
	bek_activity_init(&act);
	b->act = &act;
	b->cfg = cfg;
	b->entries = entries;
	b->n_entries = n_entries;
	b->start_us = bek_clock_us();
	for (size_t i = 0; i < n_entries; i++) {
		struct volume *v = new_volume(b, entries[i].name, FROM_CRYPTTAB);
		v->entry = &entries[i];
		snprintf(v->plan.name, sizeof(v->plan.name), "%s", entries[i].name);
	}
	for (size_t i = 0; i < cfg->n_targets; i++) {
		struct volume *v = new_volume(b, cfg->targets[i].name, FROM_CMDLINE);
		snprintf(v->plan.uuid, sizeof(v->plan.uuid), "%s", cfg->targets[i].uuid);
		snprintf(v->plan.name, sizeof(v->plan.name), "%s", cfg->targets[i].name);
	}
	return bek_deadline_run(cfg->timeout_s, &act, boot_worker, b);
}
