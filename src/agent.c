// SPDX-License-Identifier: GPL-2.0-or-later
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "askfile.h"
#include "log.h"
#include "timing.h"

bool bek_agent_device_taken(dev_t dev)
{
	char path[64];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/holders", major(dev), minor(dev));
	DIR *d = opendir(path);
	struct dirent *e;
	bool any = false;
	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

/* Reads a question file: a root-owned regular file of at most BEK_ASK_FILE_MAX bytes. */
static int read_question(int dirfd, const char *name, struct bek_ask *a)
{
	char buf[BEK_ASK_FILE_MAX + 1];
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_size <= BEK_ASK_FILE_MAX)
		n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > BEK_ASK_FILE_MAX)
		return -EINVAL;
	return bek_ask_parse(buf, (size_t)n, a);
}

static bool is_for(const struct bek_ask *a, dev_t dev)
{
	struct stat st;
	if (a->by_devnum)
		return makedev(a->major, a->minor) == dev;
	return a->device[0] && stat(a->device, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == dev;
}

/* One datagram, "+" and the key, to the question's socket (the kernel passes our
 * credentials, uid 0, which systemd checks). The copy is wiped. */
static int send_answer(const char *socket_path, const struct bek_secret *key)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[BEK_ASK_ANSWER_MAX + 1];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path);
	buf[0] = '+';
	memcpy(buf + 1, key->data, key->size);
	ssize_t n = sendto(fd, buf, key->size + 1, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	int r = n == (ssize_t)(key->size + 1) ? 0 : n < 0 ? -errno : -EIO;
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}

/* Looks at every question now in the directory: 1 answered, 0 none for dev, < 0 error. */
static int scan(dev_t dev, const struct bek_secret *key, char why[BEK_WHY_MAX])
{
	DIR *d = opendir(BEK_ASK_DIR);
	struct dirent *e;
	int r = 0;
	if (!d)
		return bek_why(why, "cannot read %s: %s", BEK_ASK_DIR, strerror(errno)), -EIO;
	while (r == 0 && (e = readdir(d))) {
		struct bek_ask a;
		if (strncmp(e->d_name, "ask.", 4) != 0 || read_question(dirfd(d), e->d_name, &a) != 1 || !is_for(&a, dev))
			continue;
		if ((a.not_after_us && a.not_after_us <= bek_clock_us()) || (a.pid && kill(a.pid, 0) < 0 && errno == ESRCH))
			continue;    /* stale: its asker is gone or gave up */
		r = send_answer(a.socket, key);
		if (r < 0)
			bek_why(why, "cannot answer through %s: %s", a.socket, strerror(-r));
		else
			r = 1;
	}
	closedir(d);
	return r;
}

int bek_agent_answer(dev_t dev, const struct bek_secret *key, uint64_t until_us, char why[BEK_WHY_MAX])
{
	why[0] = '\0';
	if (!bek_ask_key_fits(key->data, key->size))
		return bek_why(why, "the prompt takes a passphrase of 1 to %d bytes without a NUL byte; this key file "
			       "has %zu bytes%s", BEK_ASK_ANSWER_MAX, key->size,
			       memchr(key->data, '\0', key->size) ? " and a NUL byte" : ""), -E2BIG;
	/* systemd-cryptsetup makes the directory as it asks; made here (as systemd makes it)
	 * when it has not asked yet, so that its question is seen as it comes. */
	(void)mkdir("/run/systemd", 0755);
	(void)mkdir(BEK_ASK_DIR, 0755);
	int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int r;
	if (ino < 0 || inotify_add_watch(ino, BEK_ASK_DIR, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
		r = -errno;
		bek_why(why, "cannot watch %s: %s", BEK_ASK_DIR, strerror(errno));
	} else {
		/* Questions are looked at as they come, and every 0.5 s for the device being
		 * taken (a question answered by someone else leaves nothing to see). */
		for (r = 0; r == 0 && !bek_agent_device_taken(dev);) {
			r = scan(dev, key, why);
			uint64_t now = bek_clock_us();
			if (r != 0 || now >= until_us)
				break;
			uint64_t left_ms = (until_us - now) / 1000 + 1;
			struct pollfd p = { .fd = ino, .events = POLLIN };
			if (poll(&p, 1, left_ms > 500 ? 500 : (int)left_ms) > 0) {
				char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
				while (read(ino, ev, sizeof(ev)) > 0)
					;
			}
		}
	}
	if (ino >= 0)
		close(ino);
	return r;
}
