#include "recover.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libcryptsetup.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "exitcode.h"
#include "cmdline.h"
#include "keyname.h"
#include "kvpassphrase.h"
#include "kvsecret.h"
#include "log.h"
#include "secret.h"

struct recover_opts {
	const char *secret_file;   /* NULL or "-": standard input */
	const char *check, *open, *name, *header, *key_out, *describe;
	bool show_wrapped;
};

/* A path as it may appear in a message: not when it looks like a base64 value, as
 * when a secret was typed where a file name belongs. */
static const char *shown(const char *path)
{
	bool upper = false, lower = false, digit = false;
	size_t len = strlen(path);
	if (len < 40)
		return path;
	for (const char *p = path; *p; p++) {
		upper |= *p >= 'A' && *p <= 'Z';
		lower |= *p >= 'a' && *p <= 'z';
		digit |= *p >= '0' && *p <= '9';
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=", *p))
			return path;
	}
	return upper && lower && digit ? "(a name that looks like a base64 value: not shown)" : path;
}

static int usage_error(const char *what)
{
	bek_log(LOG_ERR, "recover: %s", what);
	fputs("Usage:\n" BEK_RECOVER_SYNOPSIS, stderr);
	return BEK_EXIT_ERROR;
}

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

/* Reads path ("-" or NULL: standard input) into buf. Logs and returns a negative errno. */
static int read_file(const char *path, const char *what, const char *prompt, struct bek_secret *buf, size_t *len)
{
	bool std_in = !path || strcmp(path, "-") == 0;
	int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return bek_log_errno(LOG_ERR, errno, "Failed to open the %s file %s: %m", what, shown(path));
	int r = read_input(fd, prompt, buf, len);
	if (!std_in)
		close(fd);
	if (r == -EFBIG)
		return bek_log_errno(LOG_ERR, r, "Refusing the %s from %s: larger than %u bytes", what,
				     std_in ? "standard input" : shown(path), BEK_KV_INPUT_MAX);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to read the %s from %s: %m", what,
				     std_in ? "standard input" : shown(path));
	return 0;
}

/* Reads and decodes the passphrase into key. Logs and returns a negative errno. */
static int get_passphrase(const char *path, struct bek_secret *key)
{
	struct bek_secret in = { 0 };
	enum bek_kv_source source;
	char why[BEK_WHY_MAX];
	const char *from = !path || strcmp(path, "-") == 0 ? "standard input" : shown(path);
	size_t len, n;
	int r = read_file(path, "secret", "Paste the unwrapKey result", &in, &len);
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
	printf("passphrase: %zu bytes, from the %s on %s\n", n, bek_kv_source_name(source), from);
	fflush(stdout);   /* before any error about it */
out:
	bek_secret_free(&in);
	if (r < 0)
		bek_secret_free(key);
	return r;
}

static bool printable(const struct bek_secret *key)
{
	for (size_t i = 0; i < key->size; i++)
		if ((unsigned char)key->data[i] < 0x20 || (unsigned char)key->data[i] > 0x7e)
			return false;
	return true;
}

static void discard_log(int level, const char *msg, void *usrptr)
{
	(void)level, (void)msg, (void)usrptr;
}

/* Checks (name NULL) or opens the volume. Returns an exit code. */
static int use_volume(const struct recover_opts *o, const struct bek_secret *key)
{
	const char *device = o->open ? o->open : o->check;
	const char *meta = o->header ? o->header : device;
	struct crypt_device *cd = NULL;
	int r = o->header ? crypt_init_data_device(&cd, o->header, device) : crypt_init(&cd, device);
	if (r < 0) {
		char names[2 * 4096 + 16];
		snprintf(names, sizeof(names), "%s%s%s", o->header ? shown(o->header) : "", o->header ? " or " : "",
			 shown(device));
		if (r == -ENOTBLK || r == -ENOENT)   /* what libcryptsetup says of a missing path */
			return bek_log(LOG_ERR, "Failed to open %s: no such block device or image file", names), BEK_EXIT_ERROR;
		return bek_log_errno(LOG_ERR, r, "Failed to open %s: %m", names), BEK_EXIT_ERROR;
	}
	r = crypt_load(cd, CRYPT_LUKS, NULL);
	if (r < 0) {
		crypt_free(cd);
		if (o->header)
			return bek_log_errno(LOG_ERR, r, "Failed to read a LUKS header on %s: %m", shown(meta)), BEK_EXIT_ERROR;
		return bek_log_errno(LOG_ERR, r, "Failed to read a LUKS header on %s: %m (with a detached header, "
				     "such as ADE's /boot/luks/osluksheader, add --header FILE)", shown(meta)), BEK_EXIT_ERROR;
	}
	const char *type = crypt_get_type(cd), *uuid = crypt_get_uuid(cd);
	char what[80];
	snprintf(what, sizeof(what), "%s, UUID %s", strcmp(type, CRYPT_LUKS2) == 0 ? "LUKS2" : "LUKS1", uuid ? uuid : "?");

	/* With a NULL name this only verifies the passphrase: no device-mapper needed. */
	r = crypt_activate_by_passphrase(cd, o->open ? o->name : NULL, CRYPT_ANY_SLOT, key->data, key->size, 0);
	crypt_free(cd);
	if (r >= 0) {
		if (o->open)
			printf("opened %s (%s) as /dev/mapper/%s with keyslot %d\n", shown(device), what, o->name, r);
		else
			printf("keyslot %d of %s (%s) accepts the passphrase\n", r, shown(meta), what);
		return BEK_EXIT_OK;
	}
	if (r == -EPERM) {
		bek_log(LOG_ERR, "The passphrase is rejected by every keyslot of %s (%s)%s", shown(meta), what,
			printable(key) ? "" : ": it is binary, while ADE's passphrases are base64 text "
			"(172 characters); was the value unwrapped, or is it a key file, which needs no decoding?");
		return BEK_EXIT_NOT_UNLOCKED;
	}
	if (r == -EEXIST)
		return bek_log(LOG_ERR, "Failed to open %s: a mapping named %s already exists", shown(device), o->name),
		       BEK_EXIT_ERROR;
	if (r == -EBUSY)
		return bek_log(LOG_ERR, "Failed to open %s: it is in use (already open or mounted?)", shown(device)),
		       BEK_EXIT_ERROR;
	if (r == -ENOTSUP && o->open)
		return bek_log(LOG_ERR, "Failed to open %s: device-mapper is not available (dm_mod not loaded, or not "
			       "root?); --check needs none", shown(device)), BEK_EXIT_ERROR;
	if (r == -ENOMEM)
		return bek_log(LOG_ERR, "Failed to check the passphrase: not enough memory for the key derivation"),
		       BEK_EXIT_ERROR;
	return bek_log_errno(LOG_ERR, r, "Failed to %s %s: %m", o->open ? "open" : "check the passphrase on",
			     shown(meta)), BEK_EXIT_ERROR;
}

/* Makes a write to path durable: the file was fsync()ed, now its directory. */
static int sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, n ? path : ".", n ? n : 1);
	dir[n ? n : 1] = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Writes key to a new file, mode 0600. Returns an exit code. */
static int write_key_file(const char *path, const struct bek_secret *key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno == EEXIST)
		return bek_log(LOG_ERR, "Refusing to write the key file %s: it exists (never overwritten)", shown(path)),
		       BEK_EXIT_ERROR;
	if (fd < 0)
		return bek_log_errno(LOG_ERR, errno, "Failed to create the key file %s: %m", shown(path)), BEK_EXIT_ERROR;

	int r = fchmod(fd, 0600) < 0 ? -errno : 0;   /* whatever the umask */
	for (size_t done = 0; r == 0 && done < key->size;) {
		ssize_t k = write(fd, key->data + done, key->size - done);
		if (k < 0 && errno != EINTR)
			r = -errno;
		else if (k == 0)
			r = -EIO;
		else if (k > 0)
			done += (size_t)k;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(path);
		return bek_log_errno(LOG_ERR, r, "Failed to write the key file %s: %m", shown(path)), BEK_EXIT_ERROR;
	}
	r = sync_parent(path);
	if (r < 0)
		bek_log_errno(LOG_WARNING, r, "Failed to sync the directory of %s: %m", shown(path));
	printf("wrote %zu bytes to %s (mode 0600)\n", key->size, shown(path));
	return BEK_EXIT_OK;
}

static int describe(const struct recover_opts *o)
{
	struct bek_secret in = { 0 };
	struct bek_kv_secret s;
	char why[BEK_WHY_MAX], url[BEK_KV_URL_MAX + 64], resource[BEK_KV_URL_MAX + 16];
	size_t len;
	int r = read_file(o->describe, "secret", NULL, &in, &len);
	if (r < 0)
		return BEK_EXIT_ERROR;
	r = bek_kv_secret_parse(in.data, len, &s, why);
	bek_secret_free(&in);
	if (r < 0)
		return bek_log(LOG_ERR, "Refusing the secret from %s: %s",
			       strcmp(o->describe, "-") == 0 ? "standard input" : shown(o->describe), why),
		       BEK_EXIT_ERROR;

	printf("secret:       %s\n", s.id[0] ? s.id : "(no \"id\")");
	printf("machine:      %s\n", s.machine[0] ? s.machine : "(no MachineName tag)");
	printf("key file:     %s\n", s.key_file[0] ? s.key_file : "(no DiskEncryptionKeyFileName tag)");
	if (s.content_type[0])
		printf("content type: %s\n", s.content_type);
	size_t kl = strlen(s.key_file);
	if (kl > 4 && strcasecmp(s.key_file + kl - 4, ".BEK") == 0)
		printf("note:         a .BEK file is a BitLocker key of a Windows VM, not a LUKS passphrase\n");

	if (!s.wrapped) {
		printf("wrapped:      no (no DiskEncryptionKeyEncryptionKeyURL tag): the value, base64-decoded,\n"
		       "              is the passphrase itself\n"
		       "value:        %zu characters, never printed\n"
		       "then:         bek-unlock recover --secret-file FILE --check DEVICE [--header HEADER]\n"
		       "              with this secret's JSON (or its value alone) in FILE\n", s.value_chars);
		return BEK_EXIT_OK;
	}
	if (bek_kv_unwrap_url(&s, url, sizeof(url)) < 0 || bek_kv_resource(s.kek_url, resource, sizeof(resource)) < 0)
		return bek_log(LOG_ERR, "Refusing the secret: its key URL is too long"), BEK_EXIT_ERROR;
	printf("wrapped:      yes, by the key %s (tag %s)\n", s.kek_url, s.kek_tag);
	printf("algorithm:    %s%s\n", s.algorithm,
	       s.algorithm_assumed ? " (no DiskEncryptionKeyEncryptionAlgorithm tag: ADE's default)" : "");
	if (o->show_wrapped)
		printf("value:        %zu characters, %zu bytes wrapped: %s\n", s.value_chars, s.wrapped_bytes, s.wrapped_value);
	else
		printf("value:        %zu characters, %zu bytes wrapped (--show-wrapped prints it)\n",
		       s.value_chars, s.wrapped_bytes);
	printf("unwrapKey:    POST %s\n"
	       "              with the body {\"alg\":\"%s\",\"value\":\"%s\"}\n"
	       "              (needs the unwrapKey permission on that key)\n"
	       "then:         bek-unlock recover --secret-file RESPONSE --check DEVICE [--header HEADER]\n"
	       "              with the JSON response (or its \"value\") in RESPONSE\n",
	       url, s.algorithm, o->show_wrapped ? s.wrapped_value : "<the secret's value>");
	printf("with az:      az rest --method post --resource %s \\\n"
	       "                --url '%s' \\\n", resource, url);
	if (o->show_wrapped)
		printf("                --body '{\"alg\":\"%s\",\"value\":\"%s\"}' \\\n", s.algorithm, s.wrapped_value);
	else
		printf("                --body \"{\\\"alg\\\":\\\"%s\\\",\\\"value\\\":\\\"$(az keyvault secret show "
		       "--id '%s' --query value -o tsv)\\\"}\" \\\n", s.algorithm, s.id[0] ? s.id : "SECRET-ID");
	printf("                | bek-unlock recover --check DEVICE [--header HEADER]\n");
	return BEK_EXIT_OK;
}

int bek_recover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, 's' },
		{ "check", required_argument, NULL, 'c' },
		{ "open", required_argument, NULL, 'o' },
		{ "header", required_argument, NULL, 'H' },
		{ "write-key-file", required_argument, NULL, 'w' },
		{ "describe", required_argument, NULL, 'd' },
		{ "show-wrapped", no_argument, NULL, 'W' },
		{ 0 }
	};
	struct recover_opts o = { 0 };
	int c;

	/* Never let the passphrase reach a core dump, nor a file we create be readable by others. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	umask(0077);
	opterr = 0;   /* getopt would echo a mistyped argument, which may be the secret */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': o.secret_file = optarg; break;
		case 'c': o.check = optarg; break;
		case 'o': o.open = optarg; break;
		case 'H': o.header = optarg; break;
		case 'w': o.key_out = optarg; break;
		case 'd': o.describe = optarg; break;
		case 'W': o.show_wrapped = true; break;
		default:
			return usage_error("unknown option or missing argument (the secret is never taken from the "
					   "command line: use --secret-file FILE or standard input)");
		}
	}
	int extra = argc - optind;
	if (o.describe) {
		if (o.secret_file || o.check || o.open || o.header || o.key_out || extra)
			return usage_error("--describe takes no other option than --show-wrapped");
		return describe(&o);
	}
	if (o.show_wrapped)
		return usage_error("--show-wrapped goes with --describe");
	if (o.check && o.open)
		return usage_error("--check and --open exclude each other (--open checks too)");
	if (!o.check && !o.open && !o.key_out)
		return usage_error("nothing to do: give --check, --open or --write-key-file");
	if (o.header && !o.check && !o.open)
		return usage_error("--header goes with --check or --open");
	if (extra != (o.open ? 1 : 0))
		return usage_error(o.open && extra == 0 ? "--open needs DEVICE and NAME"
				   : "unexpected argument (the secret is never taken from the command line: "
				     "use --secret-file FILE or standard input)");
	if (o.open) {
		o.name = argv[optind];
		char why[BEK_WHY_MAX];
		if (bek_mapname_check(o.name, why) < 0)
			return bek_log(LOG_ERR, "Refusing the mapping name: %s", why), BEK_EXIT_ERROR;
	}
	if (o.key_out && strcmp(o.key_out, "-") == 0)
		return usage_error("--write-key-file needs a file name: the passphrase never goes to standard output");

	struct bek_secret key = { 0 };
	if (get_passphrase(o.secret_file, &key) < 0)
		return BEK_EXIT_ERROR;
	int r = BEK_EXIT_OK;
	if (o.check || o.open) {
		/* Its messages may name what was typed (a secret, by mistake), and ours say it all. */
		crypt_set_log_callback(NULL, discard_log, NULL);
		r = use_volume(&o, &key);
	}
	if (r == BEK_EXIT_OK && o.key_out)
		r = write_key_file(o.key_out, &key);
	bek_secret_free(&key);
	return r;
}
