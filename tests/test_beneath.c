// SPDX-License-Identifier: GPL-2.0-or-later
/* bek_open_beneath(): openat2() and the walk for kernels before 5.6 refuse the same
 * paths with the same errno and why, and the walk is what runs when openat2() says
 * ENOSYS (checked under a seccomp filter that makes it say so). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "beneath.h"

typedef int (*open_fn)(int, const char *, int, char[BEK_WHY_MAX]);

static char root[64];
static int root_fd = -1;

static void mk(const char *rel, const char *link_to)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (link_to)
		assert_int_equal(symlink(link_to, p), 0);
	else if (rel[strlen(rel) - 1] == '/')
		assert_int_equal(mkdir(p, 0700), 0);
	else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/bek-beneath.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	mk("file", NULL);
	mk("a/", NULL);
	mk("a/b/", NULL);
	mk("a/b/hdr", NULL);
	mk("link", "file");
	mk("dirlink", "a");
	mk("a/b/abs", "/etc/passwd");
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return root_fd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* One case, through fn: an fd of a regular file or directory, or err with a why that
 * contains want_why. Returns 0 when that is what happened. */
static int one(open_fn fn, int dirfd, const char *path, int err, const char *want_why, bool dir)
{
	char why[BEK_WHY_MAX] = "";
	int fd = fn(dirfd, path, O_RDONLY | O_NONBLOCK, why);
	if (err == 0) {
		struct stat st;
		if (fd < 0) {
			fprintf(stderr, "%s: got %d (%s), want an fd\n", path, fd, why);
			return -1;
		}
		int ok = fstat(fd, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) &&
			 (fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
		return ok ? 0 : -1;
	}
	if (fd >= 0)
		close(fd);
	if (fd != err || !strstr(why, want_why)) {
		fprintf(stderr, "%s: got %d \"%s\", want %d \"%s\"\n", path, fd, why, err, want_why);
		return -1;
	}
	return 0;
}

/* Every case; returns how many went wrong. */
static int all_cases(open_fn fn)
{
	int bad = 0, slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	bad += one(fn, root_fd, "file", 0, NULL, false) < 0;
	bad += one(fn, root_fd, "a/b/hdr", 0, NULL, false) < 0;
	bad += one(fn, root_fd, "a/b", 0, NULL, true) < 0;           /* the caller checks S_ISREG */
	bad += one(fn, root_fd, "missing", -ENOENT, "path not found", false) < 0;
	bad += one(fn, root_fd, "a/missing/hdr", -ENOENT, "path not found", false) < 0;
	bad += one(fn, root_fd, "link", -ELOOP, "has a symbolic link", false) < 0;
	bad += one(fn, root_fd, "dirlink/b/hdr", -ELOOP, "has a symbolic link", false) < 0;
	bad += one(fn, root_fd, "a/b/abs", -ELOOP, "has a symbolic link", false) < 0;
	bad += one(fn, root_fd, "file/x", -ENOTDIR, "not a directory", false) < 0;
	bad += one(fn, root_fd, "..", -EINVAL, "has a '..' component", false) < 0;
	bad += one(fn, root_fd, "a/../file", -EINVAL, "has a '..' component", false) < 0;
	bad += one(fn, root_fd, "a/b/../../../etc/passwd", -EINVAL, "has a '..' component", false) < 0;
	bad += one(fn, root_fd, "./file", -EINVAL, "has a '.' component", false) < 0;
	bad += one(fn, root_fd, "a//b/hdr", -EINVAL, "empty component", false) < 0;
	bad += one(fn, root_fd, "a/b/", -EINVAL, "empty component", false) < 0;
	bad += one(fn, root_fd, "/etc/passwd", -EINVAL, "is absolute", false) < 0;
	bad += one(fn, root_fd, "", -EINVAL, "is empty", false) < 0;
	bad += one(fn, slash, "proc/version", -EXDEV, "leaves the filesystem", false) < 0;
	bad += one(fn, slash, "proc", -EXDEV, "leaves the filesystem", true) < 0;
	close(slash);
	return bad;
}

static void with_openat2(void **state)
{
	(void)state;
	char why[BEK_WHY_MAX];
	int fd = bek_open_beneath_openat2(root_fd, "file", O_RDONLY, why);
	if (fd == -ENOSYS)
		skip();   /* a kernel before 5.6: the seccomp case covers the fallback */
	close(fd);
	assert_int_equal(all_cases(bek_open_beneath_openat2), 0);
}

static void with_walk(void **state)
{
	(void)state;
	assert_int_equal(all_cases(bek_open_beneath_walk), 0);
}

static void with_either(void **state)
{
	(void)state;
	assert_int_equal(all_cases(bek_open_beneath), 0);
}

/* Makes openat2() fail with ENOSYS, as on a kernel before 5.6. */
static int deny_openat2(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

static void without_openat2(void **state)
{
	(void)state;
#if !defined(__x86_64__)
	skip();
#endif
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char why[BEK_WHY_MAX];
		if (deny_openat2() < 0)
			_exit(10);
		/* The filter works: openat2() itself now says ENOSYS... */
		if (bek_open_beneath_openat2(root_fd, "file", O_RDONLY, why) != -ENOSYS)
			_exit(11);
		/* ...and bek_open_beneath() still opens and refuses what it should. */
		_exit(all_cases(bek_open_beneath) == 0 ? 0 : 12);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(with_openat2),
		cmocka_unit_test(with_walk),
		cmocka_unit_test(with_either),
		cmocka_unit_test(without_openat2),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
