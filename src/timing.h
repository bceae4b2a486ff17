// SPDX-License-Identifier: GPL-2.0-or-later
/* Where bek-unlock's time and memory go, for rd.bek.debug: monotonic clocks around
 * each phase, accumulated; printed only when asked. Measuring is always on: it costs
 * a vDSO clock read per phase. */
#ifndef BEK_TIMING_H
#define BEK_TIMING_H

#include <stddef.h>
#include <stdint.h>

enum bek_phase {
	BEK_T_STARTUP,        /* from main() to watching udev: command line, crypttab */
	BEK_T_LOG,            /* writing to /dev/kmsg (the console prints synchronously) */
	BEK_T_UDEV_WAIT,      /* blocked in poll() for udev events */
	BEK_T_PROBE,          /* libblkid probing of block devices */
	BEK_T_LUKS_READ,      /* reading LUKS headers and tokens to plan */
	BEK_T_MOUNT,          /* mount(2) of a BEK disk or /boot */
	BEK_T_KEY_READ,       /* open + read of the key file */
	BEK_T_UNMOUNT,
	BEK_T_HEADER_LOAD,    /* crypt_init + crypt_load before an activation */
	BEK_T_ACTIVATE,       /* crypt_activate_by_passphrase: key derivation + dm-crypt */
	BEK_T_ACTIVATE_CPU,   /* the same, in CPU time of the whole process */
	BEK_T_PHASES
};

/* Microseconds on CLOCK_MONOTONIC (or, for BEK_T_ACTIVATE_CPU's start, use
 * bek_cpu_us()). */
uint64_t bek_clock_us(void);
uint64_t bek_cpu_us(void);

/* A CLOCK_MONOTONIC timerfd (close-on-exec) that fires once, timeout_ms from now (0
 * fires at once). Returns the descriptor, or a negative errno. */
int bek_timerfd(unsigned timeout_ms);

/* Marks the start of the process's own accounting; bek_timing_started() returns it. */
void bek_timing_start(void);
uint64_t bek_timing_started(void);

/* Adds now - since to phase p (CPU clock for BEK_T_ACTIVATE_CPU); returns that time. */
uint64_t bek_timing_add(enum bek_phase p, uint64_t since);

/* The last duration added to p, and the sum of all, in microseconds. */
uint64_t bek_timing_last(enum bek_phase p);
uint64_t bek_timing_total(enum bek_phase p);

/* Formats microseconds as milliseconds with one decimal: "12.3". */
const char *bek_ms(uint64_t us, char buf[24]);

/* The "FIELD:   N kB" line of a /proc file (/proc/meminfo, /proc/self/status) in kB,
 * or -1 when it cannot be read. */
long bek_proc_kb(const char *path, const char *field);

/* Writes the summary line (the caller logs it): exit code; wall time since bek_timing_start() and the part
 * of it outside udev waits and key derivation ("own time"); CPU time since exec outside
 * key derivation; peak memory (VmHWM). */
void bek_timing_summary(int exit_code, char *buf, size_t size);

#endif
