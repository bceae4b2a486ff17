#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "timing.h"

#define LINE_MAX_BYTES 480   /* well below the kernel's 1024-byte record limit */

static int kmsg_fd = -1;

void bek_log_to_kmsg(void)
{
	if (kmsg_fd < 0)
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
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

	if (kmsg_fd >= 0) {
		/* LOG_DAEMON keeps the record out of the kernel facility. */
		int n = snprintf(line, sizeof(line), "<%d>bek-unlock: %s\n", LOG_DAEMON | (prio & 7), msg);
		uint64_t t = bek_clock_us();
		ssize_t w = write(kmsg_fd, line, (size_t)n);
		bek_timing_add(BEK_T_LOG, t);
		if (w == n)
			goto out;
	}
	fprintf(stderr, "bek-unlock: %s\n", msg);
out:
	errno = saved;
	return err > 0 ? -err : err;
}
