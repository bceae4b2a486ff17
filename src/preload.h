// SPDX-License-Identifier: GPL-2.0-or-later
/* The unlock path's kernel modules (VFAT and its charsets, dm-crypt, the XTS template,
 * crypto_user), loaded in the background by the distribution's modprobe once the boot
 * turns out to be a BEK boot: a volume that is bek-unlock's own, or a BEK disk. A host
 * without either loads none of them (the stock unlocker loads dm-crypt when it opens
 * the volume). The list is the image's BEK_PRELOAD_LIST, written by the dracut module;
 * without it nothing is loaded ahead and the kernel loads each module on demand. */
#ifndef BEK_PRELOAD_H
#define BEK_PRELOAD_H

#include "deadline.h"

#define BEK_PRELOAD_LIST "/etc/bek-unlock/preload"
#define BEK_PRELOAD_FILE_MAX 4096

/* Starts `modprobe -a -q -b -- NAME...` once per process (later calls do nothing); why
 * is said in the debug line. Never fails: a problem is logged, the kernel's on-demand
 * loading remains. */
void bek_preload_start(const char *why);

/* Waits for that modprobe to end, if one runs (before the cipher is prepared: the
 * build ahead needs crypto_user). The worker's deadline bounds the wait; act says what
 * is waited for, so that a modprobe hung in a module's init is what the deadline's
 * message names. */
void bek_preload_wait(struct bek_activity *act);

#endif
