// SPDX-License-Identifier: GPL-2.0-or-later
/* A boot-configuration plan carried out (adeconfig.h). Order, so that an interruption at
 * any point leaves a system that boots and a plan that finishes the job:
 *   1. /etc/bek-unlock/config-pending written (the commands must run again);
 *   2. each file backed up, then replaced atomically (or ADE's hook moved out);
 *   3. the initramfs and the boot loader's entries rebuilt by the distribution's tools;
 *   4. the pending mark removed.
 * A file that changed since the plan is left alone (plan again) unless it already holds
 * the planned text. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adeconfig_int.h"
#include "log.h"

/* Test hook: BEK_CFG_FAIL_AFTER=N stops (as a crash would) after N steps. */
static void step(void)
{
	static long n = -1;
	if (n == -1) {
		const char *e = getenv("BEK_CFG_FAIL_AFTER");
		n = e && *e ? strtol(e, NULL, 10) : -2;
	}
	if (n >= 0 && n-- == 0) {
		fprintf(stderr, "bek-unlock: BEK_CFG_FAIL_AFTER: stopping here\n");
		_exit(99);
	}
}

static int fail(const struct bek_config_plan *p, const char *path, int r, const char *why)
{
	return bek_log_errno(LOG_ERR, r, "decrypt: boot configuration under %s: %s: %s", p->root, path, why);
}

static int one(const struct bek_config_plan *p, int rootfd, const struct bek_cfg_change *c, const char *backup_dir)
{
	char why[BEK_WHY_MAX] = "", *now = NULL;
	int r = bek_cfg_read(rootfd, c->path, &now, why);
	if (r < 0)
		return fail(p, c->path, r, why);
	bool done = c->kind == BEK_CFG_MOVE_OUT ? !now : now && c->new && strcmp(now, c->new) == 0;
	bool as_planned = (!now && !c->old) || (now && c->old && strcmp(now, c->old) == 0);
	if (done) {
		free(now);
		return 0;
	}
	free(now);
	if (!as_planned)
		return fail(p, c->path, -ESTALE, "changed since the plan was made; make the plan again");
	if (c->old && (r = bek_cfg_backup(rootfd, backup_dir, c->path, c->old, why)) < 0)
		return fail(p, c->path, r, why[0] ? why : strerror(-r));
	step();
	r = c->kind == BEK_CFG_MOVE_OUT ? bek_cfg_remove(rootfd, c->path, why) : bek_cfg_write(rootfd, c->path, c->new, why);
	if (r < 0)
		return fail(p, c->path, r, why[0] ? why : strerror(-r));
	step();
	return 0;
}

int bek_config_apply(const struct bek_config_plan *p, const char *backup_dir)
{
	char why[BEK_WHY_MAX] = "";
	if (bek_config_empty(p))
		return 0;
	if (!backup_dir || backup_dir[0] != '/')
		return fail(p, "/", -EINVAL, "the backup directory must be an absolute path");
	int rootfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	if (rootfd < 0)
		return fail(p, "/", -errno, "cannot open the system's root");
	if ((r = bek_cfg_write(rootfd, BEK_CFG_PENDING,
			       "bek-unlock decrypt: the initramfs and boot entries are still to be rebuilt\n", why)) < 0) {
		close(rootfd);
		return fail(p, BEK_CFG_PENDING, r, why);
	}
	step();
	for (size_t i = 0; i < p->nc && r >= 0; i++)
		if (p->c[i].kind != BEK_CFG_BY_TOOL)
			r = one(p, rootfd, &p->c[i], backup_dir);
	for (size_t i = 0; i < p->ncmd && r >= 0; i++) {
		bek_log(LOG_INFO, "decrypt: running %s in the system under %s", p->cmd[i][0], p->root);
		if ((r = bek_cfg_run(p->root, p->cmd[i], why)) < 0)
			r = fail(p, p->cmd[i][0], r, why);
		else
			step();
	}
	if (r >= 0 && (r = bek_cfg_remove(rootfd, BEK_CFG_PENDING, why)) < 0)
		r = fail(p, BEK_CFG_PENDING, r, why);
	close(rootfd);
	return r;
}
