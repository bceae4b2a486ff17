// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the hard deadline (src/deadline.c). What the parent decides about a mapping
 * the stopped worker was making, the exit code it returns (0 only when every volume is
 * open), what it removes after the worker (its mount directory, a half-written header
 * copy), and a worker whose parent died before PR_SET_PDEATHSIG was set.
 * Device-mapper and libcryptsetup are faked (--wrap, tests/tests.mk): the host needs no
 * device-mapper; the mapping "bektest-open" reads as open with a table. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <libcryptsetup.h>
#include <libdevmapper.h>

#include "deadline.h"
#include "exitcode.h"

/* ---- fakes --------------------------------------------------------------------------- */
static bool fake_open;    /* the worker's mapping exists, with a table */

crypt_status_info __wrap_crypt_status(struct crypt_device *cd, const char *name);
crypt_status_info __wrap_crypt_status(struct crypt_device *cd, const char *name)
{
	(void)cd, (void)name;
	return fake_open ? CRYPT_ACTIVE : CRYPT_INACTIVE;
}

static char fake_task;
struct dm_task *__wrap_dm_task_create(int type);
struct dm_task *__wrap_dm_task_create(int type)
{
	(void)type;
	return (struct dm_task *)&fake_task;
}

int __wrap_dm_task_set_name(struct dm_task *t, const char *name);
int __wrap_dm_task_set_name(struct dm_task *t, const char *name)
{
	(void)t, (void)name;
	return 1;
}

void __wrap_dm_task_destroy(struct dm_task *t);
void __wrap_dm_task_destroy(struct dm_task *t)
{
	(void)t;
}

int __wrap_dm_task_run(struct dm_task *t);
int __wrap_dm_task_run(struct dm_task *t)
{
	(void)t;
	return 1;
}

int __wrap_dm_task_get_info(struct dm_task *t, struct dm_info *info);
int __wrap_dm_task_get_info(struct dm_task *t, struct dm_info *info)
{
	(void)t;
	memset(info, 0, sizeof(*info));
	info->exists = info->live_table = fake_open;
	return 1;
}

/* fork() as the worker's parent dying at once: the parent side exits, the child side
 * returns only once it has been reparented (to this test, a subreaper). */
static bool fork_orphans;
pid_t __real_fork(void);
pid_t __wrap_fork(void);
pid_t __wrap_fork(void)
{
	pid_t parent = getpid(), r = __real_fork();
	if (!fork_orphans || r < 0)
		return r;
	if (r > 0)
		_exit(0);
	for (int i = 0; i < 200 && getppid() == parent; i++)
		usleep(10000);
	return 0;
}

/* ---- the pure decisions -------------------------------------------------------------- */
static void settle_decisions(void **state)
{
	(void)state;
	assert_int_equal(bek_settle_decide(false, false, true, true), BEK_SETTLE_NONE);
	assert_int_equal(bek_settle_decide(true, true, true, true), BEK_SETTLE_OPEN);
	assert_int_equal(bek_settle_decide(true, true, false, false), BEK_SETTLE_OPEN);
	assert_int_equal(bek_settle_decide(true, false, true, true), BEK_SETTLE_REMOVE);
	/* another unlocker's mapping (the name was taken before this run's activation) */
	assert_int_equal(bek_settle_decide(true, false, false, true), BEK_SETTLE_NOT_OURS);
	/* the worker may still be making it */
	assert_int_equal(bek_settle_decide(true, false, true, false), BEK_SETTLE_BUSY);
	assert_int_equal(bek_deadline_exit(BEK_SETTLE_OPEN, true), BEK_EXIT_OK);
	assert_int_equal(bek_deadline_exit(BEK_SETTLE_OPEN, false), BEK_EXIT_DEADLINE);
	assert_int_equal(bek_deadline_exit(BEK_SETTLE_REMOVE, true), BEK_EXIT_DEADLINE);
	assert_int_equal(bek_deadline_exit(BEK_SETTLE_NONE, true), BEK_EXIT_DEADLINE);
}

/* ---- a worker stopped at the deadline (timeout 0: stopped after BEK_GRACE_S) ---------- */
static char dir[64], file[BEK_HEADER_PATH_MAX + 8];

struct job {
	struct bek_activity *act;
	bool others_open;
};

/* Opens "bektest-open" (one of two volumes), with a mount directory and a header copy
 * being written, and never ends. */
static int slow_worker(void *ud)
{
	struct job *j = ud;
	if (mkdir(dir, 0700) < 0)
		return 99;
	bek_activity_made(j->act, BEK_MADE_DIR, dir);
	FILE *f = fopen(file, "w");
	if (!f)
		return 98;
	fclose(f);
	bek_activity_made(j->act, BEK_MADE_FILE, file);
	bek_activity_for(j->act, "bektest-open", "the passphrase prompt", j->others_open);
	bek_activity(j->act, true, "deriving the key for keyslot 1 (argon2id)");
	for (;;)
		pause();
}

static int run_slow(bool others_open)
{
	struct bek_activity act;
	struct job j = { &act, others_open };
	bek_activity_init(&act);
	snprintf(dir, sizeof(dir), "/run/bek-unlock.test%d", (int)getpid());
	snprintf(file, sizeof(file), "%sbektest-%d.new", BEK_HEADER_COPY_DIR, (int)getpid());
	bool made_etc = mkdir("/etc/bek-unlock", 0700) == 0, made_dir = mkdir(BEK_HEADER_COPY_DIR, 0700) == 0;
	fake_open = true;
	int rc = bek_deadline_run(0, &act, slow_worker, &j);
	fake_open = false;
	if (made_dir)   /* fails (and stays, for the check) when the file was left */
		(void)rmdir(BEK_HEADER_COPY_DIR);
	if (made_etc)
		(void)rmdir("/etc/bek-unlock");
	return rc;
}

#define NEED_ROOT() do { if (geteuid() != 0) { fprintf(stderr, "skipped: needs root (/run, /etc)\n"); skip(); } } while (0)

/* The volume being opened turned out open, but the other one was never tried: not 0. */
static void open_after_all_with_others_untried(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(run_slow(false), BEK_EXIT_DEADLINE);
	assert_int_equal(run_slow(true), BEK_EXIT_OK);
}

/* What the stopped worker made is gone once bek_deadline_run() returns. */
static void leftovers_removed(void **state)
{
	(void)state;
	NEED_ROOT();
	struct stat st;
	run_slow(false);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(stat(file, &st), -1);
}

static int marks_ran(void *ud)
{
	(void)ud;
	return 42;
}

/* The parent is gone before the worker set PR_SET_PDEATHSIG: the worker must not run on. */
static void orphan_worker_does_not_run(void **state)
{
	(void)state;
	int status = 0;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t middle = __real_fork();
	assert_true(middle >= 0);
	if (middle == 0) {
		struct bek_activity act;
		bek_activity_init(&act);
		fork_orphans = true;
		bek_deadline_run(30, &act, marks_ran, NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(middle, &status, 0), middle);
	/* the worker, reparented to this process */
	pid_t worker = waitpid(-1, &status, 0);
	assert_true(worker > 0);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 42);
	assert_int_equal(WEXITSTATUS(status), BEK_EXIT_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settle_decisions),
		cmocka_unit_test(open_after_all_with_others_untried),
		cmocka_unit_test(leftovers_removed),
		cmocka_unit_test(orphan_worker_does_not_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
