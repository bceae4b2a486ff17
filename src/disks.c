// SPDX-License-Identifier: GPL-2.0-or-later
#include "disks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for one more element of size bytes in *v (n used, *cap allocated). */
static bool grow(void **v, size_t n, size_t *cap, size_t size, size_t max)
{
	if (n < *cap)
		return true;
	size_t want = *cap ? *cap * 2 : 16;
	if (want > max)
		want = max;
	if (n >= want)
		return false;
	void *p = realloc(*v, want * size);
	if (!p)
		return false;
	*v = p;
	*cap = want;
	return true;
}

struct bek_fs *bek_disks_add(struct bek_disks *d, const char *node, dev_t devnum, const struct bek_probe *pr,
			     uint64_t event_us)
{
	for (size_t i = 0; i < d->n_fs; i++)
		if (d->fs[i].devnum == devnum)
			return &d->fs[i];
	if (!grow((void **)&d->fs, d->n_fs, &d->cap_fs, sizeof(*d->fs), BEK_FS_MAX)) {
		d->dropped++;
		return NULL;
	}
	struct bek_fs *f = &d->fs[d->n_fs++];
	memset(f, 0, sizeof(*f));
	f->devnum = devnum;
	f->event_us = event_us;
	snprintf(f->node, sizeof(f->node), "%s", node);
	snprintf(f->fstype, sizeof(f->fstype), "%s", pr->type);
	snprintf(f->label, sizeof(f->label), "%s", pr->label);
	snprintf(f->uuid, sizeof(f->uuid), "%s", pr->uuid);
	return f;
}

void bek_disks_remove(struct bek_disks *d, dev_t devnum)
{
	for (size_t i = 0; i < d->n_fs; i++)
		if (d->fs[i].devnum == devnum) {
			d->fs[i] = d->fs[--d->n_fs];
			return;
		}
}

bool bek_disks_noted(const struct bek_disks *d, dev_t devnum)
{
	for (size_t i = 0; i < d->n_notes; i++)
		if (d->notes[i].devnum == devnum)
			return true;
	return false;
}

bool bek_disks_note(struct bek_disks *d, dev_t devnum, const char *not_vfat_label)
{
	if (bek_disks_noted(d, devnum))
		return false;
	/* Past BEK_NOTES_MAX devices a decision may be said again on a "change" event:
	 * repeated, never lost. */
	if (!grow((void **)&d->notes, d->n_notes, &d->cap_notes, sizeof(*d->notes), BEK_NOTES_MAX))
		return true;
	struct bek_note *n = &d->notes[d->n_notes++];
	n->devnum = devnum;
	n->not_vfat = not_vfat_label != NULL;
	snprintf(n->label, sizeof(n->label), "%s", not_vfat_label ? not_vfat_label : "");
	return true;
}

unsigned bek_disks_with_label(const struct bek_disks *d, const char *label)
{
	unsigned n = 0;
	for (size_t i = 0; i < d->n_fs; i++)
		n += strcmp(d->fs[i].label, label) == 0;
	return n;
}

unsigned bek_disks_not_vfat(const struct bek_disks *d, const char *label)
{
	unsigned n = 0;
	for (size_t i = 0; i < d->n_notes; i++)
		n += d->notes[i].not_vfat && strcmp(d->notes[i].label, label) == 0;
	return n;
}

void bek_disks_free(struct bek_disks *d)
{
	free(d->fs);
	free(d->notes);
	memset(d, 0, sizeof(*d));
}
