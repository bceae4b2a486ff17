// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: the command. Finds the ADE volumes, plans, checks everything that
 * can be checked before the first write (key, backup room, layout), then decrypts each
 * volume and changes the boot configuration. One at a time, under a lock. */
#include "decrypt.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "adeconfig.h"
#include "crypttab.h"
#include "decrypt_key.h"
#include "decrypt_place.h"
#include "decrypt_report.h"
#include "decrypt_volume.h"
#include "log.h"

#define MAX_VOLUMES 32
#define LOCK_PATH "/run/bek-unlock-decrypt.lock"

struct opts {
	bool yes, json, no_config, status, no_header_check;
	const char *root, *backup_dir, *header;
	struct bek_dc_keysrc keys;
	const char *devices[MAX_VOLUMES];
	size_t ndevices;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "yes", no_argument, NULL, 'y' },        { "json", no_argument, NULL, 'j' },
		{ "key-file", required_argument, NULL, 'k' }, { "secret-file", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' }, { "backup-dir", required_argument, NULL, 'b' },
		{ "header", required_argument, NULL, 'H' }, { "no-config", no_argument, NULL, 'n' },
		{ "no-header-check", no_argument, NULL, 'C' },
		{ 0 }
	};
	memset(o, 0, sizeof(*o));
	o->root = "/";
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		o->status = true, argc--, argv++;
	for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		switch (c) {
		case 'y': o->yes = true; break;
		case 'j': o->json = true; break;
		case 'k': o->keys.key_file = optarg; break;
		case 's': o->keys.secret_file = optarg; break;
		case 'r': o->root = optarg; break;
		case 'b': o->backup_dir = optarg; break;
		case 'H': o->header = optarg; break;
		case 'n': o->no_config = true; break;
		case 'C': o->no_header_check = true; break;
		default: return -EINVAL;
		}
	}
	for (; optind < argc; optind++) {
		if (o->ndevices == MAX_VOLUMES)
			return bek_log(LOG_ERR, "More than %d devices", MAX_VOLUMES), -E2BIG;
		o->devices[o->ndevices++] = argv[optind];
	}
	if (o->keys.key_file && o->keys.secret_file)
		return bek_log(LOG_ERR, "Give --key-file or --secret-file, not both"), -EINVAL;
	if (o->header && o->ndevices != 1)
		return bek_log(LOG_ERR, "--header goes with exactly one DEVICE"), -EINVAL;
	if (o->root[0] != '/' || (o->backup_dir && o->backup_dir[0] != '/'))
		return bek_log(LOG_ERR, "--root and --backup-dir take absolute paths"), -EINVAL;
	return 0;
}

static void under_root(const char *root, const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s%s", strcmp(root, "/") == 0 ? "" : root, path);
}

/* The ADE volumes of ROOT/etc/crypttab: those whose key is on the BEK disk. */
static int from_crypttab(const struct opts *o, struct bek_dc_volume *v, size_t *n)
{
	char path[PATH_MAX], line[4096];
	under_root(o->root, "/etc/crypttab", path, sizeof(path));
	FILE *f = fopen(path, "re");
	if (!f && errno == ENOENT)
		return 0;   /* no crypttab: no ADE volume */
	if (!f)
		return bek_log_errno(LOG_ERR, errno, "Failed to read %s: %m", path);
	unsigned lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		struct bek_crypttab_entry e;
		char why[BEK_WHY_MAX];
		lineno++;
		int r = bek_crypttab_parse_entry(line, &e, why);
		if (r < 0)
			bek_log(LOG_WARNING, "%s:%u: skipped: %s", path, lineno, why);
		if (r <= 0 || !e.ade)
			continue;
		if (*n == MAX_VOLUMES)
			break;
		struct bek_dc_volume *x = &v[(*n)++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", e.name);
		snprintf(x->device, sizeof(x->device), "%s", e.source);
		if (e.header[0])
			under_root(o->root, e.header, x->header, sizeof(x->header));
		snprintf(x->key_file, sizeof(x->key_file), "%s", e.key_file);
		snprintf(x->key_path, sizeof(x->key_path), "%s%s", BEK_ADE_MOUNT, e.key_file);
	}
	fclose(f);
	return 0;
}

static int collect(const struct opts *o, struct bek_dc_volume *v, size_t *n)
{
	*n = 0;
	if (o->ndevices == 0)
		return from_crypttab(o, v, n);
	for (size_t i = 0; i < o->ndevices; i++) {
		struct bek_dc_volume *x = &v[(*n)++];
		memset(x, 0, sizeof(*x));
		const char *base = strrchr(o->devices[i], '/');
		snprintf(x->name, sizeof(x->name), "%s", base ? base + 1 : o->devices[i]);
		snprintf(x->device, sizeof(x->device), "%s", o->devices[i]);
		if (o->header)
			snprintf(x->header, sizeof(x->header), "%s", o->header);
		snprintf(x->key_file, sizeof(x->key_file), "%s", BEK_DEFAULT_KEYFILE);
	}
	return 0;
}


struct progress {
	enum bek_dc_action action;   /* the step reported: finishing ADE's encryption, or decrypting */
	double t0;
	uint64_t off0;
	int last_tenth;
	double last_print;
	bool tty;
};

static int on_progress(const struct bek_dc_volume *v, uint64_t size, uint64_t offset, void *usr)
{
	struct progress *p = usr;
	double t = bek_dc_now();
	const char *what = v->action == BEK_DC_FINISH_ENCRYPTION ? "of ADE's encryption finished" : "decrypted";
	if (v->action != p->action)   /* a new step: its own count from its own start */
		*p = (struct progress){ .action = v->action, .tty = p->tty };
	if (p->t0 == 0)
		p->t0 = t, p->off0 = offset, p->last_tenth = size ? (int)(offset * 10 / size) : 0;
	int tenth = size ? (int)(offset * 10 / size) : 10;
	double rate = t > p->t0 ? (double)(offset - p->off0) / (t - p->t0) : 0;
	if (p->tty && (t - p->last_print >= 0.5 || offset == size)) {
		char eta[32];
		fprintf(stderr, "\r%s: %5.1f %% %s, %.1f MiB/s, %s left   ", v->name,
			size ? 100.0 * (double)offset / (double)size : 100.0, what, rate / 1048576.0,
			bek_dc_duration(rate > 0 ? (double)(size - offset) / rate : -1, eta, sizeof(eta)));
		p->last_print = t;
	} else if (!p->tty)   /* every tenth passed gets its line, also when a hotzone spans several */
		for (int k = p->last_tenth + 1; k <= tenth && k < 10; k++)
			bek_log(LOG_NOTICE, "%s: %d%% %s", v->name, k * 10, what);
	if (tenth > p->last_tenth)
		p->last_tenth = tenth;
	return stop_requested ? 1 : 0;
}


/* Reads each volume; an in-place header exported by an interrupted run is found in dir. */
static void examine_all(struct bek_dc_volume *v, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		struct bek_dc_volume *x = &v[i];
		char crypttab_uuid[40];
		snprintf(crypttab_uuid, sizeof(crypttab_uuid), "%s", x->uuid);
		if (bek_dc_examine(x) < 0) {
			x->facts.state = BEK_DC_NOT_LUKS;
			x->action = BEK_DC_REFUSE;
			continue;
		}
		char exp[PATH_MAX];
		if (!x->header[0] && x->facts.state != BEK_DC_ENCRYPTED && dir[0] &&
		    bek_dc_find_export(x->name, x->device, dir, exp, sizeof(exp)) == 0) {
			snprintf(x->header, sizeof(x->header), "%s", exp);
			if (bek_dc_examine(x) < 0)
				x->action = BEK_DC_REFUSE;
		}
	}
}

static int exit_for_state(const struct bek_dc_volume *v, size_t n, bool running_elsewhere)
{
	bool refused = false, started = running_elsewhere, pending = false;
	for (size_t i = 0; i < n; i++) {
		refused |= v[i].action == BEK_DC_REFUSE;
		started |= v[i].facts.state == BEK_DC_DECRYPTING;
		pending |= v[i].action != BEK_DC_NOTHING && v[i].action != BEK_DC_REFUSE;
	}
	return started ? BEK_DC_EXIT_IN_PROGRESS : refused ? BEK_DC_EXIT_REFUSED
	       : pending ? BEK_DC_EXIT_PENDING : BEK_DC_EXIT_DONE;
}

static const char *state_word(int code)
{
	return code == BEK_DC_EXIT_DONE ? "done" : code == BEK_DC_EXIT_IN_PROGRESS ? "in-progress"
	       : code == BEK_DC_EXIT_REFUSED ? "refused" : code == BEK_DC_EXIT_PENDING ? "planned" : "error";
}

/* Everything checked before the first write: each volume's key opens it, the backups
 * fit in dir. Returns 0, or BEK_DC_EXIT_REFUSED after saying why. */
static int preflight(const struct opts *o, struct bek_dc_volume *v, size_t n, const char *dir, uint64_t need)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].action == BEK_DC_REFUSE)
			return bek_log(LOG_ERR, "%s: refused: %s", v[i].name, v[i].why), BEK_DC_EXIT_REFUSED;
	int r = bek_dc_make_dirs(dir);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Refused: cannot make the backup directory %s: %m", dir), BEK_DC_EXIT_REFUSED;
	struct statvfs sv;
	if (statvfs(dir, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < need + (1u << 20))
		return bek_log(LOG_ERR, "Refused: the header backups need %llu MiB in %s, which has %llu MiB free",
			       (unsigned long long)(need >> 20) + 1, dir,
			       (unsigned long long)((uint64_t)sv.f_bavail * sv.f_frsize >> 20)), BEK_DC_EXIT_REFUSED;
	for (size_t i = 0; i < n; i++) {
		if (v[i].action == BEK_DC_NOTHING)
			continue;
		struct bek_secret key = { 0 };
		if (bek_dc_key_read(&o->keys, &v[i], &key) < 0)
			return BEK_DC_EXIT_REFUSED;
		char kwhy[BEK_WHY_MAX];
		r = bek_dc_check_key(&v[i], &key, o->no_header_check, kwhy);
		bek_secret_free(&key);
		if (r < 0)
			return bek_log(LOG_ERR, "%s: refused: %s", v[i].name, kwhy), BEK_DC_EXIT_REFUSED;
	}
	return 0;
}

static int decrypt_all(const struct opts *o, struct bek_dc_volume *v, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].action == BEK_DC_NOTHING) {
			bek_log(LOG_NOTICE, "%s: already plain", v[i].name);
			continue;
		}
		struct bek_secret key = { 0 };
		if (bek_dc_key_read(&o->keys, &v[i], &key) < 0)
			return BEK_DC_EXIT_ERROR;
		struct progress p = { .tty = isatty(STDERR_FILENO) };
		int r = bek_dc_run(&v[i], &key, dir, on_progress, &p);
		bek_secret_free(&key);
		if (p.tty)
			fputc('\n', stderr);
		if (r == 1 || stop_requested) {
			(void)bek_dc_examine(&v[i]);   /* how far it got */
			return bek_log(LOG_NOTICE, "%s: stopped at %.1f %%; run the same command again to resume",
				       v[i].name, 100 * v[i].done), BEK_DC_EXIT_IN_PROGRESS;
		}
		if (r == -EBUSY)
			return BEK_DC_EXIT_IN_PROGRESS;
		if (r < 0)
			return bek_log(LOG_ERR, "%s: not finished; run the same command again to resume", v[i].name),
			       BEK_DC_EXIT_ERROR;
		bek_log(LOG_NOTICE, "%s: decrypted%s%s%s", v[i].name, v[i].content[0] ? " (it holds " : "",
			v[i].content, v[i].content[0] ? ")" : "");
	}
	return 0;
}

/* The boot configuration change (adeconfig.h) for the volumes once plain. Only for a
 * system's own crypttab, or one under --root: DEVICE alone names no system to change.
 * apply false: plans (the text or JSON goes into rep). Returns an exit code. */
static int config_step(const struct opts *o, struct bek_dc_volume *v, size_t n, const char *dir, bool apply,
		       struct bek_dc_report *rep)
{
	if (o->no_config)
		return BEK_DC_EXIT_DONE;
	if (o->ndevices > 0 && strcmp(o->root, "/") == 0) {
		if (apply)
			bek_log(LOG_NOTICE, "Boot configuration not changed: DEVICE was given; give --root DIR (that "
				"system's root, mounted) to change it");
		return BEK_DC_EXIT_DONE;
	}
	for (size_t i = 0; i < n && !apply; i++)
		if (!v[i].content[0] || strcmp(v[i].content, "crypto_LUKS") == 0) {
			/* Closed and encrypted: what it holds (its filesystem's UUID) is read once plain. */
			rep->config_text = strdup("boot configuration: planned once every volume is plain (what a closed "
						  "volume holds is read then)\n");
			return BEK_DC_EXIT_DONE;
		}
	struct bek_plain_volume pv[MAX_VOLUMES];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		pv[k++] = (struct bek_plain_volume){ .name = v[i].name,
			.fs_uuid = v[i].content_uuid[0] ? v[i].content_uuid : NULL,
			.fs_type = v[i].content[0] ? v[i].content : NULL };
	struct bek_config_plan *plan = NULL;
	if (bek_config_plan(o->root, pv, k, &plan) < 0)
		return BEK_DC_EXIT_REFUSED;
	int code = BEK_DC_EXIT_DONE;
	if (!apply) {
		if (!bek_config_empty(plan))
			code = BEK_DC_EXIT_PENDING;
		if (o->json)
			rep->config = bek_config_json(plan);
		else if (!bek_config_empty(plan)) {
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);
			if (f) {
				fputs("boot configuration, once every volume is plain:\n", f);
				bek_config_print(plan, f);
				fclose(f);
				rep->config_text = text;   /* freed at exit */
			}
		}
	} else if (bek_config_empty(plan))
		bek_log(LOG_NOTICE, "Boot configuration: nothing to change");
	else if (bek_config_apply(plan, dir) < 0)
		code = BEK_DC_EXIT_ERROR;
	else
		bek_log(LOG_NOTICE, "Boot configuration changed: the system boots without ADE and without the BEK disk");
	bek_config_free(plan);
	return code;
}

int bek_decrypt_main(int argc, char **argv)
{
	struct opts o;
	if (parse(argc, argv, &o) < 0)
		return BEK_DC_EXIT_ERROR;
	struct bek_dc_volume *v = calloc(MAX_VOLUMES, sizeof(*v));
	size_t n = 0;
	int code = BEK_DC_EXIT_ERROR, lock = -1;
	struct bek_dc_report rep = { 0 };
	if (!v || collect(&o, v, &n) < 0)
		goto out;
	if (n == 0)
		bek_log(LOG_NOTICE, "No ADE volume in %s/etc/crypttab (none whose key is on the BEK disk): nothing to decrypt",
			strcmp(o.root, "/") == 0 ? "" : o.root);
	char dir[PATH_MAX], why[BEK_WHY_MAX];
	bek_dc_choose_backup_dir(o.backup_dir, v, n, dir, sizeof(dir), why);   /* before examining: finds exports */
	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s", o.backup_dir ? o.backup_dir : BEK_DC_BACKUP_DIR);
	examine_all(v, n, dir);
	bek_dc_choose_backup_dir(o.backup_dir, v, n, dir, sizeof(dir), why);   /* again, now knowing which are done */
	lock = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	bool busy = lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	uint64_t need = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].action != BEK_DC_NOTHING && v[i].action != BEK_DC_REFUSE)
			need += v[i].header_size * (v[i].action == BEK_DC_DATASHIFT || v[i].action == BEK_DC_CONVERT ? 2 : 1);
	rep.backup_dir = dir, rep.backup_need = need, rep.keys = &o.keys;
	for (size_t i = 0; i < n && !o.status; i++)
		if (v[i].action != BEK_DC_NOTHING && v[i].action != BEK_DC_REFUSE && rep.rate == 0)
			rep.rate = bek_dc_measure_rate(v[i].device, v[i].size);
	code = exit_for_state(v, n, busy);
	if (o.status || !o.yes) {
		int c = config_step(&o, v, n, dir, false, &rep);
		if (code == BEK_DC_EXIT_DONE && c != BEK_DC_EXIT_DONE)   /* plain, configuration unfinished */
			code = o.status && c == BEK_DC_EXIT_PENDING ? BEK_DC_EXIT_IN_PROGRESS : c;
		else if (c == BEK_DC_EXIT_REFUSED)
			code = c;
		rep.state = state_word(code);
		if (!dir[0] && code != BEK_DC_EXIT_DONE)
			bek_log(LOG_WARNING, "No place for the header backups: %s", why);
		o.json ? bek_dc_print_json(stdout, v, n, &rep, rep.config) : bek_dc_print_plan(stdout, v, n, &rep);
		if (busy)
			bek_log(LOG_NOTICE, "Another bek-unlock decrypt is running now");
		goto out;
	}
	if (busy) {
		code = BEK_DC_EXIT_IN_PROGRESS;
		bek_log(LOG_ERR, "Refused: another bek-unlock decrypt is running (lock %s)", LOCK_PATH);
		goto out;
	}
	if (!dir[0]) {
		code = BEK_DC_EXIT_REFUSED;
		bek_log(LOG_ERR, "Refused: no place for the header backups: %s", why);
		goto out;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL), sigaction(SIGTERM, &sa, NULL), sigaction(SIGHUP, &sa, NULL);
	code = config_step(&o, v, n, dir, false, &rep);   /* a refusal comes before any write */
	if (code == BEK_DC_EXIT_PENDING)
		code = 0;
	if (code == 0)
		code = preflight(&o, v, n, dir, need);
	if (code == 0)
		code = decrypt_all(&o, v, n, dir);
	if (code == 0) {
		code = config_step(&o, v, n, dir, true, &rep);
		if (code == BEK_DC_EXIT_REFUSED)   /* after the volumes were decrypted: not "before any write" */
			code = BEK_DC_EXIT_ERROR;
	}
	rep.state = state_word(code);
	if (o.json)
		bek_dc_print_json(stdout, v, n, &rep, rep.config);
out:
	json_object_put(rep.config);
	free((char *)rep.config_text);
	if (lock >= 0)
		close(lock);
	free(v);
	return code;
}
