// SPDX-License-Identifier: GPL-2.0-or-later
/* Guest root filesystem's /sbin/init for the QEMU harness.
 * Reports what the initramfs left behind, then powers the VM off:
 *   BEK-TEST: root init started      first, to /dev/kmsg (as PID 1 only), so that the
 *                                    console shows it with the kernel's timestamp (bench)
 *   BEK-TEST: ROOT REACHED
 *   BEK-TEST: bek-mounted=yes|no     a vfat/ext2/3/4 mount other than /, or a mount under /run/bek*
 *   BEK-TEST: dm=NAME,...|none       device-mapper devices (/sys/block/dm-N/dm/name)
 *   BEK-TEST: dm-by-uuid=N           /dev/disk/by-uuid links to device-mapper devices: udev
 *                                    made them in the initramfs (no udev runs here), which
 *                                    needs libdevmapper's udev cookies to have worked
 *   BEK-TEST: dm-table-flags=NAME:OPT,...;...|none   each dm-crypt device's optional table
 *                                    parameters as the kernel has them (DM_TABLE_STATUS with
 *                                    DM_STATUS_TABLE_FLAG): allow_discards, same_cpu_crypt,
 *                                    submit_from_crypt_cpus, no_read_workqueue, ...; NAME:none
 *                                    when it has none; read-only mappings get NAME:...,ro
 *   BEK-TEST: key-material=none|PATH...|unchecked (REASON)
 *   BEK-TEST: xts-aes=DRIVER:REFCNT,...|none   every kernel algorithm named xts(aes) in
 *                                    /proc/crypto, its driver and reference count: the one
 *                                    dm-crypt holds for the root counts more than 1
 *   BEK-TEST: modules=NAME,...|none  the loaded kernel modules (/proc/modules), in its order
 * /run is not fresh: systemd moves the initramfs' /run into the new root, so anything the
 * initramfs left there is still visible.  Key material is a regular file below /run or /tmp
 * whose first SCAN_MAX bytes contain one of the keys listed, one a line, in NEEDLE_FILE
 * (written by images.sh).  Not PID 1 (a test on the host): prints, does not power off.
 * After the checks, as PID 1 (qemu/decrypt_scenarios.py: decrypt in the guest), in the
 * order of the kernel command line:
 *   bek.test.mount=DEV:DIR[:ro]  mount DEV (ext4, read-write unless :ro) on DIR, as a VM's
 *                                fstab mounts /boot; unmounted again before the power-off
 *   bek.test.run=PROG,ARG,...    run PROG with ARGs (commas split, no quoting), stdin
 *                                /dev/null, stdout and stderr through a pipe to the console
 *                                (not a terminal), then print
 *   BEK-TEST: run PROG exit=N in MS ms    (or signal=N), MS on the guest's monotonic clock
 * /run gets a tmpfs when it is not a mount point already.
 */
#define _GNU_SOURCE     /* memmem */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NEEDLE_FILE "/etc/bek-test-needle"
#define NEEDLES_MAX 16
#define SCAN_MAX (64L << 20)

static FILE *con;
static char needle_buf[8192];
static const char *needles[NEEDLES_MAX];
static size_t n_needles;

static int bek_mounted(void)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return 0;
	/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SRC SUPEROPTS */
	while (!found && fgets(line, sizeof line, f)) {
		char mnt[1024] = "", fstype[64] = "";
		char *sep = strstr(line, " - ");

		sscanf(line, "%*s %*s %*s %*s %1023s", mnt);
		if (sep)
			sscanf(sep + 3, "%63s", fstype);
		found = strncmp(mnt, "/run/bek", 8) == 0 ||
			(strcmp(mnt, "/") != 0 && (!strcmp(fstype, "vfat") || !strncmp(fstype, "ext", 3)));
	}
	fclose(f);
	return found;
}

/* The device-mapper name of /sys/block entry e (without its newline), or 0 when e is
 * not a dm device or has no readable name. */
static int dm_name(const struct dirent *e, char *name, int size)
{
	char path[300];
	FILE *f;
	int ok;
	if (strncmp(e->d_name, "dm-", 3) != 0)
		return 0;
	snprintf(path, sizeof path, "/sys/block/%s/dm/name", e->d_name);
	if (!(f = fopen(path, "r")))
		return 0;
	ok = fgets(name, size, f) != NULL;
	fclose(f);
	if (ok)
		name[strcspn(name, "\n")] = '\0';
	return ok;
}

static void list_dm(void)
{
	char name[128];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/sys/block");

	fprintf(con, "BEK-TEST: dm=");
	while (d && (e = readdir(d)))
		if (dm_name(e, name, sizeof name))
			fprintf(con, "%s%s", n++ ? "," : "", name);
	if (d)
		closedir(d);
	fprintf(con, "%s\n", n ? "" : "none");
}

/* One dm-crypt device's optional table parameters, after "cipher key iv_offset device
 * offset [count]" (the key is never printed), and ",ro" for a read-only mapping. */
static int crypt_flags(int ctl, const char *name, char *out, size_t size)
{
	static union { struct dm_ioctl io; char buf[16384]; } req;
	struct dm_target_spec *spec;
	char *params, *tok, *save = NULL;
	int field = 0;
	size_t n = 0;

	memset(&req, 0, sizeof(req));
	req.io.version[0] = DM_VERSION_MAJOR;
	req.io.data_size = sizeof(req);
	req.io.data_start = sizeof(struct dm_ioctl);
	req.io.flags = DM_STATUS_TABLE_FLAG;
	snprintf(req.io.name, sizeof(req.io.name), "%s", name);
	if (ioctl(ctl, DM_TABLE_STATUS, &req) < 0 || req.io.target_count < 1)
		return -1;
	spec = (struct dm_target_spec *)(req.buf + req.io.data_start);
	if (strcmp(spec->target_type, "crypt") != 0)
		return -1;
	params = (char *)(spec + 1);
	out[0] = '\0';
	for (tok = strtok_r(params, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++)
		if (field > 5 && n < size)     /* 0 cipher, 1 key, 2 iv_offset, 3 device, 4 offset, 5 count */
			n += snprintf(out + n, size - n, "%s%s", n ? "," : "", tok);
	if (req.io.flags & DM_READONLY_FLAG && n < size)
		n += snprintf(out + n, size - n, "%sro", n ? "," : "");
	if (!n)
		snprintf(out, size, "none");
	return 0;
}

static void list_dm_table_flags(void)
{
	char name[128], flags[512];
	struct dirent *e;
	int n = 0, ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	DIR *d = opendir("/sys/block");

	fprintf(con, "BEK-TEST: dm-table-flags=");
	while (ctl >= 0 && d && (e = readdir(d)))
		if (dm_name(e, name, sizeof name) && crypt_flags(ctl, name, flags, sizeof flags) == 0)
			fprintf(con, "%s%s:%s", n++ ? ";" : "", name, flags);
	if (d)
		closedir(d);
	if (ctl >= 0)
		close(ctl);
	fprintf(con, "%s\n", n ? "" : ctl < 0 ? "unchecked (no /dev/mapper/control)" : "none");
}

static void count_dm_by_uuid(void)
{
	char target[300];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/dev/disk/by-uuid");

	while (d && (e = readdir(d))) {
		char path[300];
		ssize_t len;
		snprintf(path, sizeof path, "/dev/disk/by-uuid/%s", e->d_name);
		len = readlink(path, target, sizeof target - 1);
		if (len > 0) {
			target[len] = '\0';
			n += strstr(target, "/dm-") != NULL;
		}
	}
	if (d)
		closedir(d);
	fprintf(con, "BEK-TEST: dm-by-uuid=%d\n", n);
}

/* The keys to look for: NEEDLE_FILE split at newlines. */
static const char *load_needles(void)
{
	int fd = open(NEEDLE_FILE, O_RDONLY);
	ssize_t len = fd < 0 ? -1 : read(fd, needle_buf, sizeof needle_buf - 1);

	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return "unchecked (no " NEEDLE_FILE ")";
	needle_buf[len] = '\0';
	for (char *s = strtok(needle_buf, "\n"); s && n_needles < NEEDLES_MAX; s = strtok(NULL, "\n"))
		needles[n_needles++] = s;
	return n_needles ? NULL : "unchecked (empty " NEEDLE_FILE ")";
}

static int holds_key(const char *path, off_t size)
{
	size_t len = size > SCAN_MAX ? SCAN_MAX : (size_t)size;
	int fd, found = 0;
	void *map;

	if (len == 0 || (fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0)
		return 0;
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return 0;
	for (size_t i = 0; i < n_needles && !found; i++)
		found = memmem(map, len, needles[i], strlen(needles[i])) != NULL;
	munmap(map, len);
	return found;
}

/* Print every regular file below dir that holds a key; returns how many. */
static int list_keys(const char *dir)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += list_keys(path);
		} else if (S_ISREG(st.st_mode) && holds_key(path, st.st_size)) {
			fprintf(con, " %s", path);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* /proc/crypto: blocks of "key : value" lines, one block per algorithm, a blank line
 * between; "name" comes before "driver" and "refcnt" in each. */
static void list_xts_aes(void)
{
	char line[256], driver[128] = "", key[64], val[128];
	int named = 0, n = 0;
	FILE *f = fopen("/proc/crypto", "r");

	fprintf(con, "BEK-TEST: xts-aes=");
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%63s : %127s", key, val) != 2) {
			named = 0;      /* the blank line between two algorithms */
			continue;
		}
		if (!strcmp(key, "name"))
			named = !strcmp(val, "xts(aes)");
		else if (named && !strcmp(key, "driver"))
			snprintf(driver, sizeof driver, "%s", val);
		else if (named && !strcmp(key, "refcnt"))
			fprintf(con, "%s%s:%s", n++ ? "," : "", driver, val);
	}
	if (f)
		fclose(f);
	fprintf(con, "%s\n", n ? "" : "none");
}

/* /proc/modules: the name is each line's first field. */
static void list_modules(void)
{
	char line[512], name[64];
	int n = 0;
	FILE *f = fopen("/proc/modules", "r");

	fprintf(con, "BEK-TEST: modules=");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%63s", name) == 1)
			fprintf(con, "%s%s", n++ ? "," : "", name);
	if (f)
		fclose(f);
	fprintf(con, "%s\n", n ? "" : "none");
}

/* The switch_root moment, timestamped by the kernel: qemu/bench.py reads it. */
static void kmsg_started(void)
{
	static const char msg[] = "BEK-TEST: root init started\n";
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, msg, sizeof msg - 1) < 0) {
			/* nothing to do: the benchmark reports the figure as missing */
		}
		close(fd);
	}
}

static int mounted_n;
static char mounted[8][256];

static void test_mount(char *arg)
{
	char *dir = strchr(arg, ':'), *ro;

	if (!dir)
		return;
	*dir++ = '\0';
	if ((ro = strchr(dir, ':')))
		*ro++ = '\0';
	mkdir(dir, 0755);
	if (mount(arg, dir, "ext4", ro && !strcmp(ro, "ro") ? MS_RDONLY : 0, NULL) < 0)
		fprintf(con, "BEK-TEST: mount %s on %s failed: %m\n", arg, dir);
	else if (mounted_n < 8)
		snprintf(mounted[mounted_n++], sizeof mounted[0], "%s", dir);
}

static void test_run(char *arg)
{
	char *argv[64], buf[4096];
	struct timespec t0, t1;
	int n = 0, fds[2], status;
	ssize_t len;
	pid_t pid;

	for (char *s = strtok(arg, ","); s && n < 63; s = strtok(NULL, ","))
		argv[n++] = s;
	argv[n] = NULL;
	if (!n || pipe(fds) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execv(argv[0], argv);
		fprintf(stderr, "BEK-TEST: cannot run %s: %m\n", argv[0]);
		_exit(127);
	}
	close(fds[1]);
	while ((len = read(fds[0], buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)len, con);
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(con, "BEK-TEST: run %s %s=%d in %ld ms\n", argv[0],
		WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		(t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L);
}

/* bek.test.mount= and bek.test.run= in command-line order (see the top of the file). */
static void test_actions(void)
{
	static char cmdline[4096];
	struct stat root, run;
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t len = fd < 0 ? -1 : read(fd, cmdline, sizeof cmdline - 1);

	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return;
	cmdline[len] = '\0';
	if (!strstr(cmdline, "bek.test."))
		return;
	if (stat("/", &root) == 0 && stat("/run", &run) == 0 && root.st_dev == run.st_dev)
		mount("tmpfs", "/run", "tmpfs", 0, "mode=0755");
	for (char *save = NULL, *w = strtok_r(cmdline, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		if (!strncmp(w, "bek.test.mount=", 15))
			test_mount(w + 15);
		else if (!strncmp(w, "bek.test.run=", 13))
			test_run(w + 13);
	}
	sync();
	while (mounted_n > 0)
		if (umount(mounted[--mounted_n]) < 0)
			fprintf(con, "BEK-TEST: umount %s failed: %m\n", mounted[mounted_n]);
}

int main(void)
{
	const char *unchecked;

	if (getpid() == 1)
		kmsg_started();
	mount("proc", "/proc", "proc", 0, NULL);      /* both usually moved over by systemd */
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	con = fopen("/dev/console", "w");
	if (!con)
		con = stdout;
	setvbuf(con, NULL, _IONBF, 0);

	fprintf(con, "\nBEK-TEST: ROOT REACHED\n");
	fprintf(con, "BEK-TEST: bek-mounted=%s\n", bek_mounted() ? "yes" : "no");
	list_dm();
	list_dm_table_flags();
	count_dm_by_uuid();
	list_xts_aes();
	list_modules();
	fprintf(con, "BEK-TEST: key-material=");
	if ((unchecked = load_needles()))
		fprintf(con, "%s\n", unchecked);
	else
		fprintf(con, "%s\n", list_keys("/run") + list_keys("/tmp") ? "" : "none");

	if (getpid() != 1)
		return 0;
	test_actions();
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
