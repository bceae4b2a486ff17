// SPDX-License-Identifier: GPL-2.0-or-later
/* A detached header whose reencryption chunk a crash cut, recovered at boot.
 *
 * libcryptsetup recovers a cut chunk when it opens the volume. bek-unlock's boot opens a
 * detached-header volume from the initramfs's copy of the header (header.h), so the
 * recovery is recorded in that copy while the header on /boot still records the chunk
 * as cut. Once the volume is open, libcryptsetup cannot recover it again: its recovery
 * needs the data device exclusively and, when it cannot have it, returns success having
 * done nothing (cryptsetup 2.6.1, LUKS2_reencrypt_locked_recovery_by_passphrase()). So
 * the boot keeps its recovered copy under /run, which outlives switch_root, and
 * `bek-unlock decrypt` puts it in place of the header on /boot before it resumes. */
#ifndef BEK_RECOVERED_H
#define BEK_RECOVERED_H
#include <stddef.h>
#include <stdint.h>
#include "why.h"

#define BEK_RECOVERED_DIR "/run/bek-unlock-recovered"
/* A file being written gets this suffix until it is renamed into place. */
#define BEK_RECOVERED_TMP ".bek-new"

/* BEK_RECOVERED_DIR/<uuid>.luksheader, or "" for an unusable uuid. */
void bek_recovered_path(const char *uuid, char *out, size_t size);

/* Boot: keeps header (a copy libcryptsetup has just recovered) as bek_recovered_path(uuid),
 * mode 0600, written whole or not at all. 0 or a negative errno, why set. */
int bek_recovered_keep(const char *header, const char *uuid, char why[BEK_WHY_MAX]);

/* The LUKS2 binary header's sequence number (bumped on each metadata write) and UUID,
 * from the first 4096 bytes of a header: 0, or -EINVAL when they are not a LUKS2 header. */
int bek_luks2_seqid(const unsigned char *buf, size_t len, uint64_t *seqid, char uuid[40]);

/* decrypt: whether copy may replace header: both LUKS2 headers of the same UUID, copy
 * newer (higher sequence number) and recording no cut chunk, header recording one.
 * 0 when it may, else a negative errno with why saying what is not so. */
int bek_recovered_check(const char *copy, const char *header, char why[BEK_WHY_MAX]);

/* decrypt: header's two metadata copies (all the recovery changed) kept in keep_as, then
 * overwritten by copy's, one at a time, each made durable before the next, as
 * libcryptsetup writes them: a power cut leaves a whole copy, old or new. Refused, with
 * nothing written, unless both files have the same size and the same bytes after the
 * metadata (the keyslot areas). 0 or -errno, why set. */
int bek_recovered_adopt(const char *copy, const char *header, const char *keep_as, char why[BEK_WHY_MAX]);
#endif
