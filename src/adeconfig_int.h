// SPDX-License-Identifier: GPL-2.0-or-later
/* What a bek_config_plan holds, shared by the plan (adeconfig_plan.c), its display
 * (adeconfig_show.c), its application (adeconfig_apply.c) and their file I/O
 * (adeconfig_io.c). */
#ifndef BEK_ADECONFIG_INT_H
#define BEK_ADECONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "adeconfig.h"
#include "why.h"

enum bek_cfg_initrd { BEK_CFG_ITOOLS, BEK_CFG_DRACUT };
enum bek_cfg_loader { BEK_CFG_UPDATE_GRUB, BEK_CFG_GRUBBY };

enum bek_cfg_kind {
	BEK_CFG_EDIT,      /* the file is rewritten with new */
	BEK_CFG_CREATE,    /* the file is created with new */
	BEK_CFG_MOVE_OUT,  /* the file (ADE's hook) is moved into the backup directory */
	BEK_CFG_BY_TOOL,   /* the file changes as shown, made by the boot loader's tool */
};

struct bek_cfg_change {
	enum bek_cfg_kind kind;
	char *path;   /* absolute in the system changed: "/etc/fstab" */
	char *old;    /* its text now (NULL for CREATE) */
	char *new;    /* its text after (NULL for MOVE_OUT) */
	const char *what; /* for the reader: "ADE's init-premount script" */
};

#define BEK_CFG_MAX_CHANGES 64
#define BEK_CFG_MAX_CMDS 4
/* On the root filesystem (/var may be another one, not mounted in a rescue). */
#define BEK_CFG_PENDING "/etc/bek-unlock/config-pending"

struct bek_config_plan {
	char *root;
	enum bek_cfg_initrd initrd;
	enum bek_cfg_loader loader;
	bool pending;  /* an earlier apply stopped before its commands finished */
	struct bek_cfg_change c[BEK_CFG_MAX_CHANGES];
	size_t nc;
	char **cmd[BEK_CFG_MAX_CMDS]; /* argv, NULL-terminated, each string malloc'd */
	size_t ncmd;
};

/* File I/O beneath a system's root (adeconfig_io.c). */
#define BEK_CFG_FILE_MAX (1 << 20)
/* Reads the whole text of root/path (path absolute in the system): 0 with *text (NULL when
 * the file does not exist), -errno with why. Refuses a symbolic link, a NUL byte, more
 * than BEK_CFG_FILE_MAX. */
int bek_cfg_read(int rootfd, const char *path, char **text, char why[BEK_WHY_MAX]);
/* The same for a file only a tool changes (shown, never written): a relative symbolic link
 * is followed (RHEL's /boot/grub2/grubenv -> ../efi/EFI/redhat/grubenv), an absolute one
 * refused (under a rescue root it would name the rescue VM's file). */
int bek_cfg_read_tool(int dirfd, const char *path, char **text, char why[BEK_WHY_MAX]);
/* Whether root/path exists (not following a final symbolic link). */
bool bek_cfg_exists(int rootfd, const char *path);
/* Writes data to root/path atomically, owner, mode and SELinux label of the file it
 * replaces (0644 root for a new one); missing parent directories are created 0755. */
int bek_cfg_write(int rootfd, const char *path, const char *data, char why[BEK_WHY_MAX]);
/* Removes root/path and syncs its directory. */
int bek_cfg_remove(int rootfd, const char *path, char why[BEK_WHY_MAX]);
/* Saves data (the text of root/path) as backup_dir/path, with root/path's owner
 * permissions and none for others; the first version is kept, a different one gets
 * .1 ... .9. */
int bek_cfg_backup(int rootfd, const char *backup_dir, const char *path, const char *data, char why[BEK_WHY_MAX]);
/* Runs argv in the system under root (a chroot in a private mount namespace with /dev,
 * /proc, /sys bound when root is not "/"). 0, or -EIO/-errno with why. */
int bek_cfg_run(const char *root, char *const argv[], char why[BEK_WHY_MAX]);

#endif
