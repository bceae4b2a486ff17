// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot configuration once every Azure Disk Encryption volume of a system is plain
 * (bek-unlock decrypt, issue 22): crypttab entries removed, fstab and the kernel command
 * line naming the plain filesystems, ADE's initramfs hooks disabled, the initramfs and the
 * boot loader's entries rebuilt with the distribution's own tools. A plan is read first
 * (nothing written), shown as diffs, then applied. See doc/migration-config.md. */
#ifndef BEK_ADECONFIG_H
#define BEK_ADECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

struct bek_plain_volume {
	const char *name;    /* crypttab name (the mapping), e.g. "osencrypt" */
	const char *fs_uuid; /* blkid UUID of what the now-plain device holds (ext4/xfs UUID, or an LVM PV UUID); NULL if unknown */
	const char *fs_type; /* blkid TYPE: "ext4", "xfs", "LVM2_member", ... */
};
struct bek_config_plan; /* opaque */

/* Reads the system under root ("/" or e.g. "/mnt/rescue"); writes nothing. 0 or -errno; a
 * refusal is logged once (one line, says why). */
int bek_config_plan(const char *root, const struct bek_plain_volume *v, size_t n, struct bek_config_plan **out);
/* Nothing left to change. */
bool bek_config_empty(const struct bek_config_plan *p);
/* Each change as a unified diff (the system's diff -u on temporary files), each command to run. */
void bek_config_print(const struct bek_config_plan *p, FILE *f);
/* The plan as JSON (json-c); NULL on allocation failure. The caller puts it. */
struct json_object *bek_config_json(const struct bek_config_plan *p);
/* Carries the plan out: every file backed up into backup_dir (which exists, mode 0700, not
 * on a decrypted device) before it changes, written atomically (temporary file, fsync,
 * rename, fsync of the directory); ADE's hooks disabled; the initramfs and the boot
 * loader's command line rebuilt with the distribution's tools, in a chroot (with /dev,
 * /proc, /sys bound in a private mount namespace) when root is not "/". Safe to interrupt
 * and to run again (a pending rebuild is remembered in the system's
 * /var/lib/bek-unlock/config-pending). 0 or -errno, logged once. */
int bek_config_apply(const struct bek_config_plan *p, const char *backup_dir);
void bek_config_free(struct bek_config_plan *p);

#endif
