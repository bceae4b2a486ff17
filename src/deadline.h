// SPDX-License-Identifier: GPL-2.0-or-later
/* The hard deadline of "bek-unlock boot": the work runs in a child process; the parent
 * only waits. At rd.bek.timeout + BEK_GRACE_S, whatever the child is doing (a key
 * derivation that takes minutes, a mount that hangs in the kernel), the parent stops it,
 * says on the console what it was doing, removes what the worker left behind (a mount
 * directory, a header file half written, a device-mapper device half made by this run)
 * and exits: the passphrase prompt is never held back longer than that. */
#ifndef BEK_DEADLINE_H
#define BEK_DEADLINE_H

#include <stdbool.h>
#include <sys/types.h>

#include "header.h"
#include "keyname.h"

/* An activity that started before rd.bek.timeout may run this much longer. */
#define BEK_GRACE_S 5u

/* What the worker is doing, as the parent last heard it: sent whole at each change
 * (smaller than PIPE_BUF, so never torn). */
struct bek_activity_record {
	char name[BEK_MAPNAME_MAX + 1];   /* the volume worked on, or "" */
	char fallback[96];                /* who takes it over: "the passphrase prompt" */
	char what[192];                   /* "" when idle */
	bool activating;                  /* a device-mapper device name may be being made */
	bool name_was_free;               /* activating: neither name nor name_dif existed before */
	bool others_open;                 /* every other volume is open already */
	char dir[64];                     /* a mount directory made and not yet removed */
	char file[BEK_HEADER_PATH_MAX + 8];   /* a file being written, not yet renamed or removed */
};

/* The deadline's activity record: owned by the caller of bek_deadline_run(), passed to
 * whatever reports through it. A NULL pointer, or one outside a worker, is a no-op. */
struct bek_activity {
	int fd;    /* the worker's end of the pipe; -1 outside a worker */
	struct bek_activity_record now;
};

void bek_activity_init(struct bek_activity *a);
/* The volume being worked on (name; NULL: none), who takes it over if bek-unlock does
 * not open it ("the passphrase prompt"), and whether every other volume is open (so that
 * this one opening at the deadline means "every volume is open"). */
void bek_activity_for(struct bek_activity *a, const char *name, const char *fallback, bool others_open);
/* What it is doing now for that volume, for the parent's message if the deadline comes
 * ("deriving the key for keyslot 1 (argon2id)"). activating: a device-mapper device may
 * be being made (whether its name is free is noted now). */
void bek_activity(struct bek_activity *a, bool activating, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Nothing that could overrun is going on (waiting for udev events). */
void bek_activity_idle(struct bek_activity *a);
/* A directory (a private mount point) or a file the worker made and must remove; path
 * NULL: removed (or renamed into place). The parent removes it if the worker is stopped. */
enum bek_made { BEK_MADE_DIR, BEK_MADE_FILE };
void bek_activity_made(struct bek_activity *a, enum bek_made kind, const char *path);

/* Runs work(ud) in a child process, a->fd set there, and returns its exit code; or,
 * when it has not ended timeout_s + BEK_GRACE_S seconds after this call, stops it,
 * cleans up after it and returns BEK_EXIT_DEADLINE (BEK_EXIT_OK only if the volume it
 * was opening turns out open and every other one was open already). */
int bek_deadline_run(unsigned timeout_s, struct bek_activity *a, int (*work)(void *ud), void *ud);

/* device-mapper's view of the device called name (libdevmapper's DM_DEVICE_INFO): 0 with
 * *info filled (info->exists: whether there is one), or a negative errno when it cannot
 * be asked. Here for the parent's clean-up; mapcheck.c's check uses it too. */
struct dm_info;
int bek_dm_info(const char *name, struct dm_info *info);

/* The decision about a mapping the worker was making when it was stopped (pure). */
enum bek_settle {
	BEK_SETTLE_NONE,       /* no such device: nothing was made */
	BEK_SETTLE_OPEN,       /* it has a table: the activation ended after all */
	BEK_SETTLE_REMOVE,     /* no table, made by this run, the worker is gone: remove it */
	BEK_SETTLE_NOT_OURS,   /* no table, but the name was taken before: another's, left alone */
	BEK_SETTLE_BUSY,       /* no table, the worker has not died yet: left alone */
};
enum bek_settle bek_settle_decide(bool exists, bool live_table, bool name_was_free, bool worker_gone);
/* The exit code after the deadline stopped the worker. */
int bek_deadline_exit(enum bek_settle s, bool others_open);

#endif
