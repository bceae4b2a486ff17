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

/* Whether a LUKS2 segment (JSON) is a backup one (flags "backup-*"): it describes the
 * past, not the data. */
struct json_object;
bool bek_segment_is_backup(struct json_object *seg);

/* Whether cd's header says its data is all plain: every live segment linear, and either no
 * reencryption in progress or a decryption whose keyslots are all gone (cut after its last
 * hotzone, during its final metadata writes); *offset is where the data starts (bytes). */
bool bek_header_decrypted(struct crypt_device *cd, uint64_t *offset);

/* Maps device (the data device) from offset linearly as /dev/mapper/name, with the
 * device-mapper UUID libcryptsetup gives it (CRYPT-LUKS2-<uuid>-<name>), and waits for
 * udev. 0 or a negative errno with why set. */
int bek_map_plain(const char *device, const char *uuid, const char *name, uint64_t offset, uint32_t flags,
		  char why[BEK_WHY_MAX]);
#endif
