// SPDX-License-Identifier: GPL-2.0-or-later
#include "timing.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>


static uint64_t total[BEK_T_PHASES], last[BEK_T_PHASES];
static uint64_t start_us;

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t bek_clock_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

uint64_t bek_cpu_us(void)
{
	/* All threads: libcryptsetup's Argon2 may derive with several. */
	return clock_us(CLOCK_PROCESS_CPUTIME_ID);
}

int bek_timerfd(unsigned timeout_ms)
{
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = timeout_ms / 1000;
	its.it_value.tv_nsec = (long)(timeout_ms % 1000) * 1000000L + 1;  /* 0 would disarm */
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

void bek_timing_start(void)
{
	start_us = bek_clock_us();
}

uint64_t bek_timing_started(void)
{
	return start_us;
}

uint64_t bek_timing_add(enum bek_phase p, uint64_t since)
{
	uint64_t now = p == BEK_T_ACTIVATE_CPU ? bek_cpu_us() : bek_clock_us();
	last[p] = now > since ? now - since : 0;
	total[p] += last[p];
	return last[p];
}

uint64_t bek_timing_last(enum bek_phase p)
{
	return last[p];
}

uint64_t bek_timing_total(enum bek_phase p)
{
	return total[p];
}

const char *bek_ms(uint64_t us, char buf[24])
{
	snprintf(buf, 24, "%" PRIu64 ".%" PRIu64, us / 1000u, us % 1000u / 100u);
	return buf;
}

long bek_proc_kb(const char *path, const char *field)
{
	char line[128];
	long kb = -1;
	size_t len = strlen(field);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (kb < 0 && fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':' && sscanf(line + len + 1, "%ld kB", &kb) != 1)
			kb = -1;
	fclose(f);
	return kb;
}

void bek_timing_summary(int exit_code, char *buf, size_t size)
{
	char a[24], o[24], c[24], s[24], p[24], h[24], m[24], l[24], w[24], k[24];
	uint64_t after = bek_clock_us() - start_us;
	uint64_t cpu = bek_cpu_us();   /* since exec: the static binary's start-up too */
	uint64_t excluded = total[BEK_T_UDEV_WAIT] + total[BEK_T_ACTIVATE];
	uint64_t own = after > excluded ? after - excluded : 0;
	uint64_t own_cpu = cpu > total[BEK_T_ACTIVATE_CPU] ? cpu - total[BEK_T_ACTIVATE_CPU] : 0;

	snprintf(buf, size, "debug: exit %d after %s ms: own time %s ms outside key derivation and udev waits "
		"(CPU %s ms; startup %s ms, probing %s ms, LUKS header reads %s ms, mounts %s ms, console %s ms), "
		"udev wait %s ms, key derivation + activation %s ms, peak memory VmHWM %ld kB",
		exit_code, bek_ms(after, a), bek_ms(own, o), bek_ms(own_cpu, c), bek_ms(total[BEK_T_STARTUP], s),
		bek_ms(total[BEK_T_PROBE], p), bek_ms(total[BEK_T_LUKS_READ] + total[BEK_T_HEADER_LOAD], h),
		bek_ms(total[BEK_T_MOUNT], m), bek_ms(total[BEK_T_LOG], l), bek_ms(total[BEK_T_UDEV_WAIT], w),
		bek_ms(total[BEK_T_ACTIVATE], k), bek_proc_kb("/proc/self/status", "VmHWM"));
}
