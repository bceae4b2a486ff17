// SPDX-License-Identifier: GPL-2.0-or-later
/* A volume that "bek-unlock decrypt" has finished decrypting still has its LUKS2 header
 * (every segment plain, no keyslot left) until the boot configuration stops naming it.
 * libcryptsetup cannot open such a header; the boot maps the now-plain data linearly
 * under the volume's name instead, so that a boot between the end of the decryption and
 * the end of the configuration change (a power cut, a failed initramfs rebuild) still
 * reaches its root. */
#ifndef BEK_PLAINMAP_H
#define BEK_PLAINMAP_H
#include <stdbool.h>
#include <stdint.h>
#include "why.h"

struct crypt_device;

/* Whether cd's header says its data is all plain: no reencryption in progress and every
 * live segment linear; *offset is where the data starts (bytes). */
bool bek_header_decrypted(struct crypt_device *cd, uint64_t *offset);

/* Maps device (the data device) from offset linearly as /dev/mapper/name, with the
 * device-mapper UUID libcryptsetup gives it (CRYPT-LUKS2-<uuid>-<name>), and waits for
 * udev. 0 or a negative errno with why set. */
int bek_map_plain(const char *device, const char *uuid, const char *name, uint64_t offset, uint32_t flags,
		  char why[BEK_WHY_MAX]);
#endif
