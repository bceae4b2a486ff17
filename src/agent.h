// SPDX-License-Identifier: GPL-2.0-or-later
/* Answering systemd-cryptsetup's passphrase prompt with a key from the BEK disk, as a
 * systemd password agent (askfile.h), instead of holding the prompt back. */
#ifndef BEK_AGENT_H
#define BEK_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "secret.h"
#include "why.h"

/* Waits until until_us (CLOCK_MONOTONIC) for systemd-cryptsetup's question about the
 * block device dev and answers it with key, once. Returns 1 when answered, 0 when there
 * was none to answer (the volume was opened meanwhile, or none came in time), or a
 * negative errno with why set. */
int bek_agent_answer(dev_t dev, const struct bek_secret *key, uint64_t until_us, char why[BEK_WHY_MAX]);

/* Whether something holds the block device dev (its volume was opened: nothing to answer). */
bool bek_agent_device_taken(dev_t dev);

#endif
