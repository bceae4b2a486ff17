/* The boot-time job: config -> wait -> mount -> read key -> unlock -> clean up. */
#ifndef BEK_BOOT_H
#define BEK_BOOT_H

#include "cmdline.h"
#include "crypttab.h"

/* Exit codes of "bek-unlock boot" (documented in the README). */
enum {
	BEK_EXIT_OK = 0,          /* every volume open, nothing to do, or disabled */
	BEK_EXIT_ERROR = 1,       /* usage error or internal failure (udev, memory) */
	BEK_EXIT_NO_BEK = 2,      /* no BEK disk with the label appeared in time */
	BEK_EXIT_NOT_UNLOCKED = 3 /* a BEK disk came, but a volume could not be unlocked */
};

/* Unlocks the volumes named in cfg and entries (the image's crypttab), or carrying
 * a bek token. Returns one of the exit codes above. */
int bek_boot(const struct bek_config *cfg, const struct bek_crypttab_entry *entries, size_t n_entries);

#endif
