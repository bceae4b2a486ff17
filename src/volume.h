// SPDX-License-Identifier: GPL-2.0-or-later
/* The state "bek-unlock boot" keeps: one explicit state per volume, the filesystems
 * that matter. Shared by boot.c (udev events -> volumes), unlock.c (mount -> read key ->
 * unlock) and outcome.c (when to stop, what to say). */
#ifndef BEK_VOLUME_H
#define BEK_VOLUME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmdline.h"
#include "crypttab.h"
#include "deadline.h"
#include "disks.h"
#include "header.h"
#include "plan.h"

#define MAX_VOLUMES (2 * BEK_MAX_TARGETS)
_Static_assert(MAX_VOLUMES <= 32, "struct bek_fs.tried has a bit per volume");

/* A volume's life: each event moves it forward; the last five are final. */
enum vol_state {
	VOL_ABSENT,        /* named (crypttab, rd.luks.*), its device not seen yet */
	VOL_NEEDS_HEADER,  /* device seen, its detached header not read yet */
	VOL_READY,         /* header read, plan made: tried on each BEK disk with its label */
	VOL_OPEN,          /* unlocked here, or found open with the same LUKS UUID */
	VOL_FAILED,        /* nothing can be done here (no usable header, name taken) */
	VOL_LEFT,          /* not bek-unlock's own, no BEK disk when udev settled: left alone */
	VOL_MERGED,        /* an rd.luks.* name for a crypttab volume: the entry does the work */
	VOL_HANDED,        /* as VOL_LEFT, before udev settled (--answer-prompts): the agent answers
			    * systemd-cryptsetup's prompt if a BEK disk comes before it settles */
};

enum vol_origin { FROM_CRYPTTAB, FROM_CMDLINE, FROM_TOKEN };

struct volume {
	enum vol_state state;
	enum vol_origin origin;
	const struct bek_crypttab_entry *entry;  /* FROM_CRYPTTAB */
	dev_t devnum;                            /* 0 while VOL_ABSENT */
	char node[64];
	char header[BEK_HEADER_PATH_MAX];        /* "" when on the device */
	bool headers_differ;       /* the header read at boot is not the copy's volume: the key decides */
	struct crypt_device *cd;   /* its header as read for the plan, until it is open */
	struct bek_plan plan;
	uint64_t planned_us;
	char reason[4 * BEK_WHY_MAX];
};

struct boot {
	const struct bek_config *cfg;
	const struct bek_crypttab_entry *entries;
	size_t n_entries;
	struct bek_disks disks;
	struct volume vols[MAX_VOLUMES];
	size_t n_vols;
	bool rescan;               /* a token named a BEK label: look at every device again */
	uint64_t start_us;
	struct bek_activity *act;  /* the deadline's record (bek_boot() owns it) */
	bool settled;              /* udev had settled at the last batch */
	bool agent;                /* this process is the agent (--answer-prompts) */
};

/* The end of the run: rd.bek.timeout from bek-unlock's start (CLOCK_MONOTONIC). */
static inline uint64_t bek_run_end_us(const struct boot *b)
{
	return b->start_us + (uint64_t)b->cfg->timeout_s * 1000000u;
}

static inline bool bek_final(const struct volume *v)
{
	return v->state >= VOL_OPEN;
}

/* Waiting the full rd.bek.timeout is only for volumes that say they are bek-unlock's. */
static inline bool bek_own(const struct boot *b, const struct volume *v)
{
	if (v->state >= VOL_READY)
		return v->plan.own;
	return v->origin != FROM_CMDLINE || b->cfg->asked;
}

/* Who takes over: systemd-cryptsetup asks only for the volumes it was told about. */
static inline const char *bek_fallback(const struct volume *v)
{
	return v->origin == FROM_TOKEN ? "the system (no rd.luks.uuid= or crypttab names it: there may be no prompt)"
				       : "the passphrase prompt";
}

/* unlock.c: tries every READY volume on every usable BEK disk it was not tried with. */
void bek_try_pending(struct boot *b);
/* unlock.c, in the agent: reads the key of every VOL_HANDED volume from each usable BEK
 * disk and answers its prompt with it, once (agent.h). */
void bek_answer_pending(struct boot *b);
/* unlock.c: BEK disks present for v (VFAT, its label); *untried: not tried with v yet. */
unsigned bek_disks_for(const struct boot *b, const struct volume *v, unsigned *untried);

/* outcome.c: once udev has settled, leaves alone the volumes that are not bek-unlock's
 * own when no BEK disk is there. */
void bek_leave_strangers(struct boot *b);
/* outcome.c, with --answer-prompts before udev has settled: when every volume not final
 * is one that is not bek-unlock's own, its device and header known, with no BEK disk,
 * hands them all to the prompt (VOL_HANDED), so that the worker ends now. */
void bek_hand_off(struct boot *b);
/* outcome.c: whether a volume is VOL_HANDED. */
bool bek_handed(const struct boot *b);
/* outcome.c: whether every volume but v is open (v opening would mean all are). */
bool bek_others_open(const struct boot *b, const struct volume *v);
/* outcome.c: whether nothing more can happen (udev settled says whether the set of
 * devices may still grow). */
bool bek_done(const struct boot *b, bool settled);
/* outcome.c: one line per volume not open; returns the exit code. */
int bek_report_outcome(const struct boot *b, bool timed_out);

#endif
