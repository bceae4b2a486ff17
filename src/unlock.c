// SPDX-License-Identifier: GPL-2.0-or-later
/* One attempt: a READY volume and a BEK disk: mount -> read key -> unlock -> wipe; in
 * the agent, a VOL_HANDED volume: mount -> read key -> answer the prompt -> wipe. */
#include <errno.h>
#include <libcryptsetup.h>
#include <string.h>
#include <sys/resource.h>

#include "agent.h"
#include "bekfs.h"
#include "deadline.h"
#include "log.h"
#include "luks.h"
#include "secret.h"
#include "timing.h"
#include "volume.h"

/* rd.bek.debug: where one attempt's time went. */
static void log_split(const struct volume *v, const struct bek_fs *d, uint64_t read_start_us)
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

/* From the first attempt on, bek-unlock is the boot's critical path: it takes the CPU
 * ahead of what else the initramfs still does meanwhile (the rest of udev's coldplug,
 * the initqueue), which on a busy vCPU would otherwise run first (doc/boot-time.md,
 * "Reading each disk once, and the unlock first"). Not before: the disks appearing is on
 * that path too. */
#define BEK_UNLOCK_NICE (-10)
static void on_critical_path(void)
{
	static bool raised;
	if (!raised && setpriority(PRIO_PROCESS, 0, BEK_UNLOCK_NICE) < 0)
		bek_log_errno(LOG_DEBUG, -errno, "Failed to raise the CPU priority for the unlock: %m");
	raised = true;
}

/* The header read at boot and the copy are of different volumes (boot.c): the key and
 * what it maps decide (header.h); the volume is then planned again from the one chosen,
 * on the keyslot that opened. Returns 0, or a negative errno with v->reason set. */
static int choose_header(const struct boot *b, struct volume *v, const struct bek_fs *d,
			 const struct bek_secret *key)
{
	struct bek_luks_info info;
	char why[BEK_WHY_MAX];
	bool from_boot;
	int slot = bek_header_choose(v->entry, v->node, key, b->act, &from_boot, why);
	if (slot < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", why, v->plan.key_file, d->node);
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		return slot;
	}
	v->headers_differ = false;
	bek_log(LOG_NOTICE, "%s: using the LUKS header %s: %s", v->plan.name,
		from_boot ? "read at boot" : "copied into the initramfs at build time", why);
	crypt_free(v->cd);
	v->cd = NULL;
	int r = bek_luks_read(v->header, &info, &v->cd);
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "cannot read the LUKS header chosen: %s", strerror(-r));
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		return r;
	}
	v->plan.keyslot = slot;
	return 0;
}

static void try_disk(const struct boot *b, struct volume *v, struct bek_fs *d, unsigned bit)
{
	struct bek_secret key = { 0 };
	char why[BEK_WHY_MAX];

	d->tried |= 1u << bit;
	on_critical_path();
	bek_activity_for(b->act, v->plan.name, bek_fallback(v), bek_others_open(b, v));
	bek_activity(b->act, false, "reading key file \"%s\" from %s", v->plan.key_file, d->node);
	uint64_t read_start = bek_clock_us();
	int r = bek_read_key(d->node, d->devnum, d->fstype, v->plan.key_file, &key, b->act, why);
	if (r < 0) {
		bek_activity_idle(b->act);
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", why, v->plan.key_file, d->node);
		bek_log_errno(LOG_ERR, r, "%s: %s: %m", v->plan.name, v->reason);
		return;
	}
	if (v->headers_differ && (r = choose_header(b, v, d, &key)) < 0) {
		bek_secret_free(&key);
		bek_activity_idle(b->act);
		return;
	}
	uint64_t t0 = bek_clock_us();
	r = bek_luks_unlock(v->cd, v->node, v->header[0] ? v->header : NULL, v->plan.name, v->plan.keyslot,
			    v->plan.flags, &key, b->act, why);
	bek_secret_free(&key);
	bek_activity_idle(b->act);
	if (b->cfg->debug)
		log_split(v, d, read_start);
	/* Another unlocker may have raced us to the mapping (libcryptsetup then says EEXIST
	 * or EBUSY, depending on how far it got): that is the volume open, not a failure. */
	if (r < 0 && r != -EPERM) {
		char taken[BEK_WHY_MAX];
		int m = bek_luks_mapping(v->plan.name, v->plan.uuid, r == -EEXIST || r == -EBUSY, taken);
		if (m > 0) {
			v->state = VOL_OPEN;
			bek_log(LOG_NOTICE, "%s was opened meanwhile with the same LUKS UUID (another unlocker); "
				"nothing to do", v->plan.name);
			return;
		}
		if (m < 0) {
			memcpy(why, taken, sizeof(taken));
			r = -EEXIST;
		}
	}
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s (key file \"%s\" on %s)", why, v->plan.key_file, d->node);
		bek_log(LOG_ERR, "%s: %s", v->plan.name, v->reason);
		if (r == -EEXIST)
			v->state = VOL_FAILED;   /* the name is another device's: no key will help */
		return;
	}
	v->state = VOL_OPEN;
	if (r == BEK_LUKS_PLAIN) {
		bek_log(LOG_NOTICE, "%s: decrypted by \"bek-unlock decrypt\", whose boot configuration change is "
			"unfinished: mapped plain as %s (run \"bek-unlock decrypt --yes\" to finish)", v->node, v->plan.name);
		return;
	}
	char opts[128];
	bek_crypttab_flags_str(v->plan.flags & ~CRYPT_ACTIVATE_ALLOW_DISCARDS, opts, sizeof(opts));
	bek_log(LOG_NOTICE, "unlocked %s as %s in %ld ms (keyslot %d, key file \"%s\" on %s%s%s%s)",
		v->node, v->plan.name, (long)((bek_clock_us() - t0) / 1000), r, v->plan.key_file, d->node,
		opts[0] ? ", options " : "", opts,
		v->plan.flags & CRYPT_ACTIVATE_ALLOW_DISCARDS ? ", discards allowed" : "");
}

static bool usable(const struct bek_fs *f, const struct volume *v)
{
	return bek_key_fs_ok(f->fstype) && strcmp(f->label, v->plan.label) == 0;
}

/* The agent's attempt: mount -> read key -> answer the prompt -> wipe. A key read is
 * passed on once, whatever comes of it: a key the prompt rejects is not sent again, and
 * the prompt stays for a person. */
static void answer_disk(const struct boot *b, struct volume *v, struct bek_fs *d, unsigned bit)
{
	struct bek_secret key = { 0 };
	char why[BEK_WHY_MAX];
	d->tried |= 1u << bit;
	if (bek_agent_device_taken(v->devnum)) {
		v->state = VOL_LEFT;   /* a person answered the prompt first: nothing to read */
		bek_log(LOG_INFO, "%s: %s was opened meanwhile; the BEK disk %s is not read", v->plan.name, v->node,
			d->node);
		return;
	}
	int r = bek_read_key(d->node, d->devnum, d->fstype, v->plan.key_file, &key, b->act, why);
	if (r < 0) {
		bek_log_errno(LOG_ERR, r, "%s: %s (key file \"%s\" on %s): %m; the passphrase prompt stays", v->plan.name,
			      why, v->plan.key_file, d->node);
		return;
	}
	r = bek_agent_answer(v->devnum, &key, bek_run_end_us(b), why);
	bek_secret_free(&key);
	v->state = VOL_LEFT;
	if (r > 0)
		bek_log(LOG_NOTICE, "%s: answered the passphrase prompt for %s with key file \"%s\" on %s", v->plan.name,
			v->node, v->plan.key_file, d->node);
	else if (r == 0)
		bek_log(LOG_NOTICE, "%s: read key file \"%s\" on %s, but no passphrase prompt for %s was left to answer "
			"within %u s of bek-unlock's start (the volume was opened otherwise, or no prompt came)",
			v->plan.name, v->plan.key_file, d->node, v->node, b->cfg->timeout_s);
	else
		bek_log(LOG_ERR, "%s: key file \"%s\" on %s not passed to the passphrase prompt: %s", v->plan.name,
			v->plan.key_file, d->node, why);
}

/* Each volume in state `in`, with each usable BEK disk it was not tried with, while it
 * stays in that state. */
static void each_pending(struct boot *b, enum vol_state in,
			 void (*attempt)(const struct boot *, struct volume *, struct bek_fs *, unsigned))
{
	for (size_t i = 0; i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		for (size_t j = 0; j < b->disks.n_fs && v->state == in; j++)
			if (usable(&b->disks.fs[j], v) && !(b->disks.fs[j].tried & (1u << i)))
				attempt(b, v, &b->disks.fs[j], (unsigned)i);
	}
}

void bek_answer_pending(struct boot *b)
{
	each_pending(b, VOL_HANDED, answer_disk);
}

void bek_try_pending(struct boot *b)
{
	each_pending(b, VOL_READY, try_disk);
}

/* BEK disks present for v; *untried: how many of them v has not been tried with. */
unsigned bek_disks_for(const struct boot *b, const struct volume *v, unsigned *untried)
{
	unsigned n = 0, bit = (unsigned)(v - b->vols);
	*untried = 0;
	for (size_t j = 0; j < b->disks.n_fs; j++)
		if (usable(&b->disks.fs[j], v)) {
			n++;
			*untried += !(b->disks.fs[j].tried & (1u << bit));
		}
	return n;
}

