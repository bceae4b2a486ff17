// SPDX-License-Identifier: GPL-2.0-or-later
#include "preload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "modlist.h"
#include "timing.h"

extern char **environ;

static bool started;
static pid_t loader = -1;
static char loading[BEK_MODLIST_MAX * (BEK_MODNAME_MAX + 1)];   /* "vfat nls_cp437 ..." */

/* The list, or n == 0 when there is none to load (said when it is unusable). */
static void read_list(struct bek_modlist *list)
{
	size_t len;
	list->n = 0;
	char *text = bek_read_small(BEK_PRELOAD_LIST, O_NOFOLLOW, BEK_PRELOAD_FILE_MAX + 1, &len);
	if (!text) {
		if (errno == EFBIG)
			bek_log(LOG_WARNING, "ignoring %s: over %d bytes; the kernel loads the unlock path's modules "
				"on demand", BEK_PRELOAD_LIST, BEK_PRELOAD_FILE_MAX);
		else if (errno != ENOENT)
			bek_log_errno(LOG_WARNING, errno, "Failed to read %s: %m; the kernel loads the unlock "
				      "path's modules on demand", BEK_PRELOAD_LIST);
		return;
	}
	bek_modlist_parse(text, len, list);
	free(text);
	if (list->rejected)
		bek_log(LOG_WARNING, "%s: ignoring %zu line(s) that are not a kernel module name (or over %d names)",
			BEK_PRELOAD_LIST, list->rejected, BEK_MODLIST_MAX);
}

void bek_preload_start(const char *why)
{
	struct bek_modlist list;
	if (started)
		return;
	started = true;
	read_list(&list);
	if (!list.n)
		return;
	/* -b: blacklists apply to the names too, as in systemd-modules-load. */
	char *argv[5 + BEK_MODLIST_MAX + 1] = { "modprobe", "-a", "-q", "-b", "--" };
	size_t argc = 5, used = 0;
	for (size_t i = 0; i < list.n; i++) {
		argv[argc++] = list.names[i];
		if (used < sizeof(loading))   /* always, by the sizes; never past the end */
			used += (size_t)snprintf(loading + used, sizeof(loading) - used, "%s%s", i ? " " : "",
						 list.names[i]);
	}
	argv[argc] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd <= 2; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int r = posix_spawnp(&pid, "modprobe", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		bek_log_errno(LOG_WARNING, r, "Failed to run modprobe for the unlock path's kernel modules (%s): %m; "
			      "the kernel loads them on demand", loading);
		return;
	}
	loader = pid;
	bek_log(LOG_DEBUG, "loading the unlock path's kernel modules (%s) in the background: %s", loading, why);
}

void bek_preload_wait(struct bek_activity *act)
{
	if (loader < 0)
		return;
	bek_activity(act, false, "waiting for modprobe to load the unlock path's kernel modules (%s)", loading);
	uint64_t t = bek_clock_us();
	int status = 0;
	pid_t r;
	while ((r = waitpid(loader, &status, 0)) < 0 && errno == EINTR)
		;
	loader = -1;
	char ms[24];
	bek_ms(bek_clock_us() - t, ms);
	if (r < 0)
		bek_log_errno(LOG_DEBUG, errno, "Failed to wait for modprobe (%s): %m", loading);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		bek_log(LOG_DEBUG, "the unlock path's kernel modules are loaded (waited %s ms)", ms);
	else
		bek_log(LOG_INFO, "modprobe of the unlock path's kernel modules (%s) ended with %s %d; the kernel "
			"loads what it needs on demand", loading, WIFEXITED(status) ? "status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}
