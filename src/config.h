/* Where the configuration comes from: dracut's /etc/cmdline.d/NAME.conf files, then /proc/cmdline. */
#ifndef BEK_CONFIG_H
#define BEK_CONFIG_H

#include "cmdline.h"

/* Fills cfg from the boot command line, or from text when it is not NULL.
 * Returns 0 or a negative errno when /proc/cmdline cannot be read. */
int bek_config_load(struct bek_config *cfg, const char *text);

#endif
