// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "timing.h"

#define LINE_MAX_BYTES 480   /* well below the kernel's 1024-byte record limit */

static bool to_kmsg;

void bek_log_to_kmsg(void)
{
	to_kmsg = access("/dev/kmsg", W_OK) == 0;
}

/* Under printk.devkmsg=ratelimit (the kernel's default), a write past 10 lines in 5 s
 * on one open file of /dev/kmsg returns success and prints nothing. The limit belongs
 * to the open file: a fresh open per line is never limited. bek-unlock bounds its own
 * output instead (one line per decision per device), so no line is ever dropped. */
static bool write_kmsg(const char *line, size_t n)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t w = write(fd, line, n);
	close(fd);
	return w == (ssize_t)n;
}

int bek_log_errno(int prio, int err, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES + 32];
	char msg[LINE_MAX_BYTES];
	int saved = errno;
	va_list ap;

	errno = err < 0 ? -err : err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';

	if (to_kmsg) {
		/* LOG_DAEMON keeps the record out of the kernel facility. */
		int n = snprintf(line, sizeof(line), "<%d>bek-unlock: %s\n", LOG_DAEMON | (prio & 7), msg);
		uint64_t t = bek_clock_us();
		bool ok = write_kmsg(line, (size_t)n);
		bek_timing_add(BEK_T_LOG, t);
		if (ok)
			goto out;
	}
	fprintf(stderr, "bek-unlock: %s\n", msg);
out:
	errno = saved;
	return err > 0 ? -err : err;
}
