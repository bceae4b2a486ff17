// SPDX-License-Identifier: GPL-2.0-or-later
/* Where the configuration comes from: dracut's /etc/cmdline.d/NAME.conf files, then /proc/cmdline. */
#ifndef BEK_CONFIG_H
#define BEK_CONFIG_H

#include "cmdline.h"
#include "crypttab.h"

#define BEK_CRYPTTAB "/etc/bek-unlock/crypttab"
#define BEK_IMAGE_CRYPTTAB "/etc/crypttab"
#define BEK_ITOOLS_CRYPTTAB "/cryptroot/crypttab"
#define BEK_IMAGE_CRYPTTAB_MAX 32

/* Fills cfg from the boot command line, or from text when it is not NULL, and gives it
 * the image's own crypttab (unless rd.luks.crypttab=0): the names and options of the
 * volumes it lists. Returns 0 or a negative errno when /proc/cmdline cannot be read. */
int bek_config_load(struct bek_config *cfg, const char *text);

/* Reads the BEK entries of a crypttab (the one the dracut module carries into the image)
 * into entries[max]. Returns how many, 0 when the file does not exist; bad lines are
 * reported and skipped. */
size_t bek_crypttab_load(const char *path, struct bek_crypttab_entry *entries, size_t max);

#endif
