// SPDX-License-Identifier: GPL-2.0-or-later
/* One line per decision: to /dev/kmsg at boot (prefixed "bek-unlock:"), to stderr otherwise. */
#ifndef BEK_LOG_H
#define BEK_LOG_H

#include <syslog.h>

/* Send messages to the kernel log from now on (falls back to stderr). */
void bek_log_to_kmsg(void);

/* printf-style, %m allowed. Control characters are replaced by '?', so a hostile
 * label or file name cannot forge extra lines. Returns -abs(err) for "return log_...". */
int bek_log_errno(int prio, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define bek_log(prio, ...) ((void)bek_log_errno((prio), 0, __VA_ARGS__))

#endif
