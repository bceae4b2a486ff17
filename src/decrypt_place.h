// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: where the header backups go, and the device's measured rate. */
#ifndef BEK_DECRYPT_PLACE_H
#define BEK_DECRYPT_PLACE_H
#include <stddef.h>
#include <stdint.h>
#include "decrypt_volume.h"
#include "why.h"

#define BEK_DC_BACKUP_DIR "/var/lib/bek-unlock/decrypt"
#define BEK_DC_BACKUP_DIR_BOOT "/boot/bek-unlock"

/* given (--backup-dir) or else the first default that lies on no volume being decrypted,
 * into out; "" when none is usable (why says why). */
void bek_dc_choose_backup_dir(const char *given, const struct bek_dc_volume *v, size_t n, char *out, size_t size,
			      char why[BEK_WHY_MAX]);
/* mkdir -p, the last component 0700. 0 or -errno. */
int bek_dc_make_dirs(const char *dir);
/* Monotonic seconds. */
double bek_dc_now(void);
/* Bytes per second the device reads at (up to 64 MiB or half a second from its end),
 * halved: every block is read once and written once. 0 when unknown. */
double bek_dc_measure_rate(const char *device, uint64_t size);
#endif
