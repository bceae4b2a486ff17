// SPDX-License-Identifier: GPL-2.0-or-later
#include "deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <libdevmapper.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bekfs.h"
#include "exitcode.h"
#include "log.h"
#include "recovered.h"
#include "mapcheck.h"
#include "timing.h"

_Static_assert(sizeof(struct bek_activity_record) <= 4096, "a record is written whole (PIPE_BUF)");

void bek_activity_init(struct bek_activity *a)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}

static void send_record(const struct bek_activity *a)
{
	const struct bek_activity_record rec = a->now;
	while (write(a->fd, &rec, sizeof(rec)) < 0 && errno == EINTR)
		;
}

void bek_activity_for(struct bek_activity *a, const char *name, const char *fallback, bool others_open)
{
	if (!a)
		return;
	snprintf(a->now.name, sizeof(a->now.name), "%s", name ? name : "");
	snprintf(a->now.fallback, sizeof(a->now.fallback), "%s", fallback ? fallback : "");
	a->now.others_open = others_open;
}

int bek_dm_info(const char *name, struct dm_info *info)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_INFO);
	if (!t)
		return -ENOMEM;
	int r = dm_task_set_name(t, name) && dm_task_run(t) && dm_task_get_info(t, info) ? 0 : -EIO;
	dm_task_destroy(t);
	return r;
}

/* Whether device-mapper has a device of that name (false when it cannot be asked:
 * then nothing is ever removed on the strength of it). */
struct dm_state {
	bool asked, exists, live_table;
};

static struct dm_state dm_state(const char *name)
{
	struct dm_state s = { false, false, false };
	struct dm_info info;
	if (bek_dm_info(name, &info) == 0) {
		s.asked = true;
		s.exists = info.exists;
		s.live_table = info.exists && info.live_table;
	}
	return s;
}

static bool name_free(const char *name)
{
	char dif[BEK_MAPNAME_MAX + 8];
	snprintf(dif, sizeof(dif), "%s_dif", name);
	struct dm_state s = dm_state(name), d = dm_state(dif);
	return s.asked && !s.exists && d.asked && !d.exists;
}

void bek_activity(struct bek_activity *a, bool activating, const char *fmt, ...)
{
	va_list ap;
	if (!a || a->fd < 0)
		return;
	/* Asked before each activation: a device it finds half made after the deadline is
	 * this run's only if the name was free now. */
	if (activating && (!a->now.activating || !a->now.name_was_free))
		a->now.name_was_free = a->now.name[0] && name_free(a->now.name);
	a->now.activating = activating;
	va_start(ap, fmt);
	vsnprintf(a->now.what, sizeof(a->now.what), fmt, ap);
	va_end(ap);
	send_record(a);
}

void bek_activity_idle(struct bek_activity *a)
{
	if (!a || a->fd < 0 || (!a->now.what[0] && !a->now.activating))
		return;   /* idle already */
	a->now.what[0] = '\0';
	a->now.activating = false;
	send_record(a);
}

void bek_activity_made(struct bek_activity *a, enum bek_made kind, const char *path)
{
	if (!a || a->fd < 0)
		return;
	char *slot = kind == BEK_MADE_DIR ? a->now.dir : a->now.file;
	size_t size = kind == BEK_MADE_DIR ? sizeof(a->now.dir) : sizeof(a->now.file);
	/* A path that does not fit is not recorded (a cut one would name something else). */
	if (path && strlen(path) >= size)
		return;
	snprintf(slot, size, "%s", path ? path : "");
	send_record(a);
}

/* Reads one record the worker wrote; returns 0 at end of file (the worker is gone), 1
 * while it may write more, or a negative errno. */
static int read_record(int fd, struct bek_activity_record *last)
{
	struct bek_activity_record rec;
	ssize_t n = read(fd, &rec, sizeof(rec));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	if (n == (ssize_t)sizeof(rec)) {
		rec.name[sizeof(rec.name) - 1] = rec.fallback[sizeof(rec.fallback) - 1] = '\0';
		rec.what[sizeof(rec.what) - 1] = rec.dir[sizeof(rec.dir) - 1] = rec.file[sizeof(rec.file) - 1] = '\0';
		*last = rec;
	}
	return 1;
}

enum bek_settle bek_settle_decide(bool exists, bool live_table, bool name_was_free, bool worker_gone)
{
	if (!exists)
		return BEK_SETTLE_NONE;
	if (live_table)
		return BEK_SETTLE_OPEN;
	if (!name_was_free)
		return BEK_SETTLE_NOT_OURS;
	return worker_gone ? BEK_SETTLE_REMOVE : BEK_SETTLE_BUSY;
}

int bek_deadline_exit(enum bek_settle s, bool others_open)
{
	return s == BEK_SETTLE_OPEN && others_open ? BEK_EXIT_OK : BEK_EXIT_DEADLINE;
}

/* libcryptsetup's crypt_deactivate_by_name() cannot remove a device without a table (it
 * first reads the table back: crypt_init_by_name() fails with ENODEV), so device-mapper
 * is asked directly, waiting for udev as libcryptsetup does. */
static int dm_remove(const char *name)
{
	uint32_t cookie = 0;
	int r = -ENOMEM;
	struct dm_task *t = dm_task_create(DM_DEVICE_REMOVE);
	if (t && dm_task_set_name(t, name) && dm_task_retry_remove(t) &&
	    dm_task_set_cookie(t, &cookie, DM_UDEV_DISABLE_LIBRARY_FALLBACK)) {
		r = dm_task_run(t) ? 0 : -EBUSY;
		(void)dm_udev_wait(cookie);
	}
	if (t)
		dm_task_destroy(t);
	return r;
}

static void remove_half_made(const char *name)
{
	int r = dm_remove(name);
	if (r < 0)
		bek_log_errno(LOG_ERR, r, "Failed to remove the half-made mapping %s: %m", name);
	else
		bek_log(LOG_NOTICE, "removed the half-made mapping %s", name);
}

/* The worker was stopped in the middle of an activation: the mapping may have been made
 * after all (then the volume is open), or be half made by this run (then it would block
 * the prompt's own attempt: remove it, and a LUKS2-integrity <name>_dif made with it). */
static enum bek_settle settle_mapping(const struct bek_activity_record *last, bool worker_gone)
{
	char dif[BEK_MAPNAME_MAX + 8];
	struct dm_state s = dm_state(last->name);
	enum bek_settle what = bek_settle_decide(s.exists, s.live_table, last->name_was_free, worker_gone);
	crypt_status_info st = what == BEK_SETTLE_OPEN ? crypt_status(NULL, last->name) : CRYPT_INACTIVE;

	if (what == BEK_SETTLE_OPEN && st != CRYPT_ACTIVE && st != CRYPT_BUSY)
		what = BEK_SETTLE_NOT_OURS;   /* a table, but not a usable crypt mapping */
	if (what == BEK_SETTLE_OPEN)
		bek_log(LOG_NOTICE, "%s is open after all (its activation ended at the deadline)", last->name);
	else if (what == BEK_SETTLE_REMOVE)
		remove_half_made(last->name);
	else if (what == BEK_SETTLE_NOT_OURS || what == BEK_SETTLE_BUSY)
		bek_log(LOG_WARNING, "leaving the mapping %s alone: %s", last->name,
			what == BEK_SETTLE_BUSY ? "the stopped worker has not ended yet" :
			"it is not one this run made");
	snprintf(dif, sizeof(dif), "%s_dif", last->name);
	struct dm_state d = dm_state(dif);
	if (what != BEK_SETTLE_OPEN && d.exists && last->name_was_free && worker_gone)
		remove_half_made(dif);
	return what;
}

/* What the stopped worker made and had not removed: its mount directory (the mount
 * itself was in its own mount namespace, gone with it; detached here in case) and a
 * header copy half written. Only paths of the shapes bek-unlock makes. */
static void remove_leftovers(const struct bek_activity_record *last)
{
	static const char dir_prefix[] = BEK_MOUNT_PARENT "/bek-unlock.";
	size_t len = strlen(last->file);
	if (strncmp(last->dir, dir_prefix, sizeof(dir_prefix) - 1) == 0 && !strstr(last->dir, "/..")) {
		(void)umount2(last->dir, MNT_DETACH | UMOUNT_NOFOLLOW);
		if (rmdir(last->dir) < 0 && errno != ENOENT)
			bek_log_errno(LOG_ERR, -errno, "Failed to remove %s: %m", last->dir);
	}
	static const char kept_prefix[] = BEK_RECOVERED_DIR "/";
	const size_t tlen = sizeof(BEK_RECOVERED_TMP) - 1;
	bool copy = strncmp(last->file, BEK_HEADER_COPY_DIR, sizeof(BEK_HEADER_COPY_DIR) - 1) == 0 && len > 4 &&
		    strcmp(last->file + len - 4, ".new") == 0;
	bool kept = strncmp(last->file, kept_prefix, sizeof(kept_prefix) - 1) == 0 && len > tlen &&
		    strcmp(last->file + len - tlen, BEK_RECOVERED_TMP) == 0;
	if ((copy || kept) && !strstr(last->file, "/..") && unlink(last->file) < 0 && errno != ENOENT)
		bek_log_errno(LOG_ERR, -errno, "Failed to remove %s: %m", last->file);
}

/* The private read-only mapping of mapcheck.h, named after the worker: only it makes
 * that name, so whatever state it is in, it is removed once the worker is gone (it would
 * hold the volume's device, and the prompt's activation would find it in use). */
static void remove_check_mapping(pid_t worker)
{
	char name[BEK_CHECK_NAME_MAX];
	snprintf(name, sizeof(name), BEK_CHECK_NAME_FMT, (long)worker);
	if (!dm_state(name).exists)
		return;
	int r = dm_remove(name);
	if (r < 0)
		bek_log_errno(LOG_ERR, r, "Failed to remove the check mapping %s: %m", name);
	else
		bek_log(LOG_NOTICE, "removed the check mapping %s the stopped worker left", name);
}

static int stop_worker(pid_t child, const struct bek_activity_record *last, unsigned timeout_s)
{
	unsigned after = timeout_s + BEK_GRACE_S;
	bool gone = false;
	(void)kill(child, SIGKILL);
	if (last->what[0] && last->name[0])
		bek_log(LOG_ERR, "%s: stopped after %u s (rd.bek.timeout=%u plus %u s grace) while %s; leaving it to %s",
			last->name, after, timeout_s, BEK_GRACE_S, last->what, last->fallback);
	else if (last->what[0])
		bek_log(LOG_ERR, "stopped after %u s (rd.bek.timeout=%u plus %u s grace) while %s; "
			"volumes not unlocked are left to the passphrase prompt", after, timeout_s, BEK_GRACE_S, last->what);
	else
		bek_log(LOG_ERR, "stopped after %u s (rd.bek.timeout=%u plus %u s grace); "
			"volumes not unlocked are left to the passphrase prompt", after, timeout_s, BEK_GRACE_S);
	/* A process blocked in the kernel (a hung mount) dies only when the call returns:
	 * reap it if it is gone within a second, never wait for it longer. */
	for (int i = 0; i < 10 && !gone; i++) {
		gone = waitpid(child, NULL, WNOHANG) == child;
		if (!gone)
			nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	remove_leftovers(last);
	if (gone)
		remove_check_mapping(child);
	enum bek_settle s = last->activating && last->name[0] ? settle_mapping(last, gone) : BEK_SETTLE_NONE;
	if (s == BEK_SETTLE_OPEN && !last->others_open)
		bek_log(LOG_ERR, "volumes other than %s were not all unlocked when the deadline came; "
			"they are left to the passphrase prompt", last->name);
	return bek_deadline_exit(s, last->others_open);
}

int bek_deadline_run(unsigned timeout_s, struct bek_activity *a, int (*work)(void *ud), void *ud)
{
	struct bek_activity_record last = { .activating = false };
	int fds[2], status = 0, r;
	int timer = bek_timerfd((timeout_s + BEK_GRACE_S) * 1000u);

	if (timer < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		r = timer < 0 ? timer : -errno;
		if (timer >= 0)
			close(timer);
		return bek_log_errno(LOG_ERR, r, "Failed to set up the deadline: %m"), BEK_EXIT_ERROR;
	}
	pid_t parent = getpid();
	pid_t child = fork();
	if (child < 0) {
		r = -errno;
		close(fds[0]), close(fds[1]), close(timer);
		return bek_log_errno(LOG_ERR, r, "Failed to start the worker: %m"), BEK_EXIT_ERROR;
	}
	if (child == 0) {
		/* The parent may have died before the signal was asked for. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(BEK_EXIT_ERROR);
		close(fds[0]);
		close(timer);
		a->fd = fds[1];
		_exit(work(ud));
	}
	close(fds[1]);
	struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = timer, .events = POLLIN } };
	for (r = 1; r > 0;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (p[0].revents)
			r = read_record(fds[0], &last);
		else if (p[1].revents)
			break;
	}
	if (r > 0 || r < 0) {   /* the deadline, or the pipe failed: stop the worker */
		int rc = stop_worker(child, &last, timeout_s);
		close(fds[0]), close(timer);
		return rc;
	}
	close(fds[0]), close(timer);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return bek_log_errno(LOG_ERR, errno, "Failed to wait for the worker: %m"), BEK_EXIT_ERROR;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	bek_log(LOG_ERR, "the worker died of signal %d; volumes not unlocked are left to the passphrase prompt",
		WTERMSIG(status));
	remove_leftovers(&last);
	return BEK_EXIT_ERROR;
}
