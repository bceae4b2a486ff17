// SPDX-License-Identifier: GPL-2.0-or-later
/* The hard deadline of "bek-unlock boot": the work runs in a child process; the parent
 * only waits. At rd.bek.timeout + BEK_GRACE_S, whatever the child is doing (a key
 * derivation that takes minutes, a mount that hangs in the kernel), the parent stops it,
 * says on the console what it was doing, and exits: the passphrase prompt is never held
 * back longer than that. */
#ifndef BEK_DEADLINE_H
#define BEK_DEADLINE_H

#include <stdbool.h>

/* An activity that started before rd.bek.timeout may run this much longer. */
#define BEK_GRACE_S 5u

/* In the child: the volume being worked on (name; NULL: none) and who takes it over
 * if bek-unlock does not open it ("the passphrase prompt"). */
void bek_activity_for(const char *name, const char *fallback);
/* In the child: what it is doing now for that volume, for the parent's message if the
 * deadline comes ("deriving the key for keyslot 1 (argon2id)"). activating: a
 * device-mapper device may be being made. A no-op outside bek_deadline_run(). */
void bek_activity(bool activating, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* In the child: nothing that could overrun is going on (waiting for udev events). */
void bek_activity_idle(void);

/* Runs work(ud) in a child process and returns its exit code; or, when it has not
 * ended timeout_s + BEK_GRACE_S seconds after this call, stops it and returns
 * BEK_EXIT_DEADLINE (or BEK_EXIT_OK if the volume it was opening turns out open). */
int bek_deadline_run(unsigned timeout_s, int (*work)(void *ud), void *ud);

#endif
