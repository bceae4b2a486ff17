// SPDX-License-Identifier: GPL-2.0-or-later
/* When "bek-unlock boot" stops, and what it says about each volume it did not open. */
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "volume.h"

/* " (2 ignored: not VFAT)", or "" */
static const char *ignored(const struct boot *b, const char *label, char buf[64])
{
	unsigned n = bek_disks_not_vfat(&b->disks, label);
	buf[0] = '\0';
	if (n)
		snprintf(buf, 64, " (%u ignored: not VFAT)", n);
	return buf;
}

/* Once udev has settled, a volume that is not bek-unlock's own is tried only if a BEK
 * disk is there: hosts without one (TPM2, a passphrase, an image moved out of Azure)
 * get their prompt at once. */
void bek_leave_strangers(struct boot *b)
{
	char ign[64];
	unsigned untried;
	for (size_t i = 0; i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		if (bek_final(v) || bek_own(b, v) || bek_disks_for(b, v, &untried) > 0)
			continue;
		v->state = VOL_LEFT;
		if (v->devnum)
			bek_log(LOG_NOTICE, "%s: no BEK disk labelled \"%s\" present when udev settled%s, and nothing marks "
				"this volume as bek-unlock's (no bek token, crypttab entry or rd.bek.* option); leaving it to %s",
				v->plan.name, v->plan.label, ignored(b, v->plan.label, ign), bek_fallback(v));
		else
			bek_log(LOG_NOTICE, "%s: no BEK disk labelled \"%s\" present when udev settled%s, and its LUKS device "
				"UUID=%s has not appeared; not waiting (no crypttab entry or rd.bek.* option marks it as "
				"bek-unlock's); leaving it to %s", v->plan.name, v->plan.label, ignored(b, v->plan.label, ign),
				v->plan.uuid, bek_fallback(v));
	}
}

void bek_hand_off(struct boot *b)
{
	unsigned untried;
	size_t n = 0;
	for (size_t i = 0; i < b->n_vols; i++) {
		const struct volume *v = &b->vols[i];
		if (bek_final(v))
			continue;
		if (v->state != VOL_READY || bek_own(b, v) || bek_disks_for(b, v, &untried) > 0)
			return;
		n++;
	}
	for (size_t i = 0; n && i < b->n_vols; i++) {
		struct volume *v = &b->vols[i];
		if (bek_final(v))
			continue;
		v->state = VOL_HANDED;
		bek_log(LOG_NOTICE, "%s: no BEK disk labelled \"%s\" present yet, and nothing marks this volume as "
			"bek-unlock's (no bek token, crypttab entry or rd.bek.* option); leaving it to the passphrase "
			"prompt now, which bek-unlock answers if such a disk appears before udev has settled",
			v->plan.name, v->plan.label);
	}
}

bool bek_handed(const struct boot *b)
{
	for (size_t i = 0; i < b->n_vols; i++)
		if (b->vols[i].state == VOL_HANDED)
			return true;
	return false;
}

bool bek_others_open(const struct boot *b, const struct volume *v)
{
	for (size_t i = 0; i < b->n_vols; i++)
		if (&b->vols[i] != v && b->vols[i].state != VOL_OPEN && b->vols[i].state != VOL_MERGED)
			return false;
	return true;
}

bool bek_done(const struct boot *b, bool settled)
{
	bool all_final = true, hopeless = true;
	unsigned untried;
	for (size_t i = 0; i < b->n_vols; i++) {
		const struct volume *v = &b->vols[i];
		all_final &= bek_final(v);
		hopeless &= bek_final(v) || (v->state == VOL_READY && bek_disks_for(b, v, &untried) > 0 && !untried);
	}
	if (b->n_vols > 0 && all_final)
		return true;
	/* Named volumes are known up front; otherwise the set is complete only once
	 * udev has settled. Give up early only when nothing new can help. */
	return settled && (b->n_vols == 0 || hopeless);
}

static int report_volume(const struct boot *b, const struct volume *v, bool timed_out)
{
	unsigned s = b->cfg->timeout_s, untried;
	char ign[64];
	switch (v->state) {
	case VOL_OPEN:
	case VOL_MERGED:
		return BEK_EXIT_OK;
	case VOL_LEFT:
	case VOL_HANDED:   /* said when handed */
		return BEK_EXIT_NO_BEK;
	case VOL_ABSENT:
		bek_log(LOG_ERR, "%s: LUKS device %s%s did not appear within %u s; leaving it to %s", v->plan.name,
			v->entry ? "" : "UUID=", v->entry ? v->entry->source : v->plan.uuid, s, bek_fallback(v));
		return BEK_EXIT_NOT_UNLOCKED;
	case VOL_NEEDS_HEADER:
	case VOL_FAILED:
		bek_log(LOG_ERR, "%s not unlocked: %s; leaving it to %s", v->plan.name,
			v->reason[0] ? v->reason : "its LUKS header could not be read in time", bek_fallback(v));
		return BEK_EXIT_NOT_UNLOCKED;
	case VOL_READY:
		break;
	}
	if (bek_disks_for(b, v, &untried) > 0) {
		bek_log(LOG_ERR, "%s not unlocked%s: %s; leaving it to %s", v->plan.name,
			timed_out ? "" : " (no other BEK disk)", v->reason, bek_fallback(v));
		return BEK_EXIT_NOT_UNLOCKED;
	}
	if (bek_disks_not_vfat(&b->disks, v->plan.label))
		bek_log(LOG_ERR, "no usable BEK disk labelled \"%s\" within %u s%s; leaving %s to %s", v->plan.label, s,
			ignored(b, v->plan.label, ign), v->plan.name, bek_fallback(v));
	else if (b->disks.dropped)
		bek_log(LOG_ERR, "no BEK disk labelled \"%s\" within %u s among the %u filesystems bek-unlock keeps "
			"(its limit; %u more not considered); leaving %s to %s", v->plan.label, s, BEK_FS_MAX,
			b->disks.dropped, v->plan.name, bek_fallback(v));
	else
		bek_log(LOG_ERR, "no BEK disk labelled \"%s\" appeared within %u s; leaving %s to %s",
			v->plan.label, s, v->plan.name, bek_fallback(v));
	return BEK_EXIT_NO_BEK;
}

int bek_report_outcome(const struct boot *b, bool timed_out)
{
	int rc = BEK_EXIT_OK;
	if (b->n_vols == 0) {
		bek_log(LOG_NOTICE, "no LUKS volume to unlock (none is named by rd.luks.uuid= and none carries a bek token)");
		return rc;
	}
	/* The first failure decides the exit code, except that "no BEK disk" wins. */
	for (size_t i = 0; i < b->n_vols; i++) {
		int r = report_volume(b, &b->vols[i], timed_out);
		if (r == BEK_EXIT_NO_BEK || rc == BEK_EXIT_OK)
			rc = r ? r : rc;
	}
	return rc;
}

