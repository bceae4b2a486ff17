// SPDX-License-Identifier: GPL-2.0-or-later
#include "recover_input.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kvpassphrase.h"
#include "log.h"
#include "recover_args.h"

/* Terminal state to restore if a signal ends the process while echo is off. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_fd = -1;

static void restore_tty(int sig)
{
	if (tty_fd >= 0)
		(void)tcsetattr(tty_fd, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Reads fd to its end into a locked buffer; from a terminal, with a prompt and without
 * echo when prompt is not NULL. Returns 0 with *len set, -EFBIG when larger than
 * BEK_KV_INPUT_MAX, or a negative errno. */
static int read_input(int fd, const char *prompt, struct bek_secret *buf, size_t *len)
{
	struct sigaction old_sa[sizeof(tty_signals) / sizeof(tty_signals[0])];
	bool tty = prompt && isatty(fd) && tcgetattr(fd, &saved_tty) == 0;
	size_t n = 0;
	int r = bek_secret_alloc(buf, BEK_KV_INPUT_MAX + 1);
	if (r < 0)
		return r;
	if (tty) {
		struct sigaction sa = { .sa_handler = restore_tty };
		struct termios quiet = saved_tty;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
			sigaction(tty_signals[i], &sa, &old_sa[i]);
		tty_fd = fd;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
		fprintf(stderr, "%s (not echoed), then Enter and Ctrl-D: ", prompt);
	}
	for (;;) {
		ssize_t k = read(fd, buf->data + n, buf->size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		n += (size_t)k;
		if (n == buf->size) {
			r = -EFBIG;
			break;
		}
		if (k == 0)
			break;
	}
	if (tty) {
		(void)tcsetattr(fd, TCSAFLUSH, &saved_tty);
		tty_fd = -1;
		for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
			sigaction(tty_signals[i], &old_sa[i], NULL);
		fputc('\n', stderr);
	}
	*len = n;
	return r;
}

int bek_recover_read(const char *path, const char *what, const char *prompt, struct bek_secret *buf, size_t *len)
{
	bool std_in = !path || strcmp(path, "-") == 0;
	int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return bek_log_errno(LOG_ERR, errno, "Failed to open the %s file %s: %m", what, bek_recover_shown(path));
	int r = read_input(fd, prompt, buf, len);
	if (!std_in)
		close(fd);
	if (r == -EFBIG)
		return bek_log_errno(LOG_ERR, r, "Refusing the %s from %s: larger than %u bytes", what,
				     bek_recover_source(path), BEK_KV_INPUT_MAX);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to read the %s from %s: %m", what, bek_recover_source(path));
	return 0;
}

int bek_recover_passphrase(const char *path, struct bek_secret *key, FILE *say)
{
	struct bek_secret in = { 0 };
	enum bek_kv_source source;
	char why[BEK_WHY_MAX];
	const char *from = bek_recover_source(path);
	size_t len, n;
	int r = bek_recover_read(path, "secret", "Paste the unwrapKey result", &in, &len);
	if (r < 0)
		goto out;
	r = bek_secret_alloc(key, bek_kv_passphrase_max(len));
	if (r < 0) {
		bek_log_errno(LOG_ERR, r, "Failed to allocate locked memory: %m");
		goto out;
	}
	r = bek_kv_passphrase(in.data, len, (unsigned char *)key->data, key->size, &n, &source, why);
	if (r < 0) {
		bek_log(LOG_ERR, "Refusing the secret from %s: %s", from, why);
		goto out;
	}
	key->size = n;
	fprintf(say, "passphrase: %zu bytes, from the %s on %s\n", n, bek_kv_source_name(source), from);
	fflush(say);   /* before any error about it */
out:
	bek_secret_free(&in);
	if (r < 0)
		bek_secret_free(key);
	return r;
}
