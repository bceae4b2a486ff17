// SPDX-License-Identifier: GPL-2.0-or-later
#include "deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "keyname.h"
#include "log.h"
#include "timing.h"

/* One record per change of activity; written whole (smaller than PIPE_BUF). */
struct activity {
	char name[BEK_MAPNAME_MAX + 1];
	char fallback[96];
	char what[192];
	bool activating;
};

static int report_fd = -1;   /* the child's end of the pipe */
static struct activity current;

static void send(const struct activity *a)
{
	if (report_fd >= 0)
		while (write(report_fd, a, sizeof(*a)) < 0 && errno == EINTR)
			;
}

void bek_activity_for(const char *name, const char *fallback)
{
	snprintf(current.name, sizeof(current.name), "%s", name ? name : "");
	snprintf(current.fallback, sizeof(current.fallback), "%s", fallback ? fallback : "");
}

void bek_activity(bool activating, const char *fmt, ...)
{
	va_list ap;
	if (report_fd < 0)
		return;
	current.activating = activating;
	va_start(ap, fmt);
	vsnprintf(current.what, sizeof(current.what), fmt, ap);
	va_end(ap);
	send(&current);
}

void bek_activity_idle(void)
{
	struct activity a = { .activating = false };
	if (report_fd < 0 || !current.what[0])
		return;   /* idle already */
	current.what[0] = '\0';
	send(&a);
}

/* Reads every record the child wrote; returns 0 at end of file (the child is gone), 1
 * while it may write more, or a negative errno. */
static int drain(int fd, struct activity *last)
{
	struct activity a;
	ssize_t n = read(fd, &a, sizeof(a));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	if (n == (ssize_t)sizeof(a))
		*last = a;
	return 1;
}

/* The child was stopped in the middle of an activation: the mapping may have been made
 * after all (then the volume is open), or be half made (then it would block the prompt's
 * own attempt: remove it). */
static int settle_mapping(const char *name)
{
	crypt_status_info st = crypt_status(NULL, name);
	if (st == CRYPT_ACTIVE || st == CRYPT_BUSY) {
		bek_log(LOG_NOTICE, "%s is open after all (its activation ended at the deadline)", name);
		return BEK_EXIT_OK;
	}
	if (st == CRYPT_INVALID) {
		int r = crypt_deactivate_by_name(NULL, name, CRYPT_DEACTIVATE_FORCE);
		if (r < 0)
			bek_log_errno(LOG_ERR, r, "Failed to remove the half-made mapping %s: %m", name);
		else
			bek_log(LOG_NOTICE, "removed the half-made mapping %s", name);
	}
	return BEK_EXIT_DEADLINE;
}

static int stop(pid_t child, const struct activity *last, unsigned timeout_s)
{
	unsigned after = timeout_s + BEK_GRACE_S;
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
	for (int i = 0; i < 10 && waitpid(child, NULL, WNOHANG) == 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	return last->activating && last->name[0] ? settle_mapping(last->name) : BEK_EXIT_DEADLINE;
}

int bek_deadline_run(unsigned timeout_s, int (*work)(void *ud), void *ud)
{
	struct activity last = { .activating = false };
	int fds[2], status = 0, r;
	int timer = bek_timerfd((timeout_s + BEK_GRACE_S) * 1000u);

	if (timer < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		r = timer < 0 ? timer : -errno;
		if (timer >= 0)
			close(timer);
		return bek_log_errno(LOG_ERR, r, "Failed to set up the deadline: %m"), BEK_EXIT_ERROR;
	}
	pid_t child = fork();
	if (child < 0) {
		r = -errno;
		close(fds[0]), close(fds[1]), close(timer);
		return bek_log_errno(LOG_ERR, r, "Failed to start the worker: %m"), BEK_EXIT_ERROR;
	}
	if (child == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		close(timer);
		report_fd = fds[1];
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
			r = drain(fds[0], &last);
		else if (p[1].revents)
			break;
	}
	if (r > 0 || r < 0) {   /* the deadline, or the pipe failed: stop the worker */
		int rc = stop(child, &last, timeout_s);
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
	return BEK_EXIT_ERROR;
}
