// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock: unlock LUKS volumes at boot from a key file on the Azure BEK disk.
 * Entry point: subcommand dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "config.h"
#include "decrypt.h"
#include "keyname.h"
#include "log.h"
#include "luks.h"
#include "plan.h"
#include "recover.h"
#include "timing.h"

#ifndef BEK_VERSION
#define BEK_VERSION "unknown"
#endif

static const char usage[] =
	"Usage: bek-unlock boot [--settled-after FILE] [--lock FILE] | --answer-prompts\n"
	"       bek-unlock inspect DEVICE [--header FILE] [--cmdline TEXT]\n"
	"       bek-unlock enroll DEVICE --key-file NAME [--keyslot N] [--label LABEL]\n"
	BEK_RECOVER_SYNOPSIS
	BEK_DECRYPT_SYNOPSIS
	"       bek-unlock --help | --version\n"
	"\n"
	"  boot     run in the initramfs: wait for the BEK disk, unlock the volumes named by\n"
	"           rd.luks.uuid=/rd.luks.name= (or every LUKS2 volume with a bek token);\n"
	"           --settled-after: started before udev's coldplug, which the initramfs\n"
	"           says by creating FILE (an absolute path); --lock: holds an exclusive\n"
	"           flock(2) on FILE (created) from its start to its exit; --answer-prompts\n"
	"           (systemd's initramfs): a volume nothing marks as bek-unlock's is left to\n"
	"           systemd-cryptsetup's prompt before udev settles, answered if a BEK disk comes\n"
	"  inspect  print what boot would do for DEVICE (a block device or an image file,\n"
	"           its LUKS header detached in FILE), with this system's kernel command\n"
	"           line or TEXT\n"
	"  enroll   write or replace DEVICE's bek token: the key file NAME on the BEK disk,\n"
	"           for keyslot N (which must exist), on a VFAT disk labelled LABEL\n"
	BEK_RECOVER_HELP
	BEK_DECRYPT_HELP
	"\n"
	"Kernel command line: rd.bek=0|1, rd.bek.timeout=SECONDS (30), rd.bek.label=LABEL\n"
	"(\"BEK VOLUME\"), rd.bek.keyfile=NAME (LinuxPassPhraseFileName), rd.bek.debug,\n"
	"rd.luks.uuid=UUID, rd.luks.name=UUID=NAME, rd.luks.crypttab=0, rd.luks=0.\n"
	"Exit codes: 0 done, 1 error, 2 no BEK disk appeared in time, 3 a volume was not\n"
	"unlocked, 4 stopped at the deadline (rd.bek.timeout + 5 s); recover: 0 done,\n"
	"1 error, 3 the passphrase is rejected by every keyslot; decrypt: 0 done, 1 error,\n"
	"5 refused before any write, 6 planned (not started), 7 started and unfinished.\n";

static int inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cmdline", required_argument, NULL, 'c' },
		{ "header", required_argument, NULL, 'H' },
		{ 0 }
	};
	const char *text = NULL, *header = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			text = optarg;
		else if (c == 'H')
			header = optarg;
		else
			return fputs(usage, stderr), BEK_EXIT_ERROR;
	}
	if (optind != argc - 1)
		return fputs(usage, stderr), BEK_EXIT_ERROR;

	const char *device = argv[optind];
	struct bek_config cfg;
	struct bek_luks_info info;
	struct bek_plan plan;
	int r = bek_config_load(&cfg, text);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to read the kernel command line: %m"), BEK_EXIT_ERROR;
	bek_luks_quiet();
	r = bek_luks_read(header ? header : device, &info, NULL);
	if (r < 0)
		return bek_log_errno(LOG_ERR, r, "Failed to read a LUKS header on %s: %m", header ? header : device),
		       BEK_EXIT_ERROR;
	bek_plan_volume(&cfg, NULL, &info, &plan);

	printf("device:   %s\nvolume:   LUKS%d, UUID %s%s%s\n", device, info.version, info.uuid,
	       header ? ", detached header " : "", header ? header : "");
	if (info.token_id >= 0)
		printf("token:    %d (key_file \"%s\", keyslot %d, label \"%s\")\n", info.token_id,
		       info.token.key_file, info.token.keyslot, info.token.label);
	else
		printf("token:    none%s%s\n", info.token_problem[0] ? "; " : "", info.token_problem);
	if (!cfg.enabled)
		printf("boot:     nothing (disabled by rd.bek=0 or rd.luks=0)\n");
	else if (!plan.use)
		printf("boot:     leaves it alone: %s\n", plan.skip);
	else {
		char slot[24] = "any keyslot";
		if (plan.keyslot >= 0)
			snprintf(slot, sizeof(slot), "keyslot %d", plan.keyslot);
		if (plan.own)
			printf("boot:     waits up to %u s for a VFAT disk labelled \"%s\", ", cfg.timeout_s, plan.label);
		else
			printf("boot:     if a VFAT disk labelled \"%s\" is there when udev settles (nothing marks the\n"
			       "          volume as bek-unlock's: no bek token, crypttab entry or rd.bek.* option), ", plan.label);
		char flags[128];
		bek_crypttab_flags_str(plan.flags, flags, sizeof(flags));
		printf("reads key file \"%s\" (from %s),\n          opens it as /dev/mapper/%s (name from %s) with %s%s%s\n",
		       plan.key_file, plan.key_source, plan.name, plan.name_source, slot, flags[0] ? ", options " : "", flags);
	}
	return BEK_EXIT_OK;
}

static int parse_keyslot_arg(const char *s, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0 || n > BEK_KEYSLOT_MAX)
		return -EINVAL;
	*out = (int)n;
	return 0;
}

static int enroll(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-file", required_argument, NULL, 'k' },
		{ "keyslot", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ 0 }
	};
	struct bek_token tok = { .keyslot = -1 };
	char why[BEK_WHY_MAX];
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (bek_keyname_check(optarg, why) < 0)
				return bek_log(LOG_ERR, "Refusing --key-file: %s", why), BEK_EXIT_ERROR;
			snprintf(tok.key_file, sizeof(tok.key_file), "%s", optarg);
			break;
		case 's':
			if (parse_keyslot_arg(optarg, &tok.keyslot) < 0)
				return bek_log(LOG_ERR, "Refusing --keyslot: expected 0 to 31"), BEK_EXIT_ERROR;
			break;
		case 'l':
			if (!optarg[0] || strlen(optarg) >= sizeof(tok.label))
				return bek_log(LOG_ERR, "Refusing --label: expected 1-255 bytes"), BEK_EXIT_ERROR;
			snprintf(tok.label, sizeof(tok.label), "%s", optarg);
			break;
		default:
			return fputs(usage, stderr), BEK_EXIT_ERROR;
		}
	}
	if (optind != argc - 1 || !tok.key_file[0])
		return fputs(usage, stderr), BEK_EXIT_ERROR;

	/* The token must read back as valid, or boot would ignore it. */
	char *json = bek_token_format(&tok);
	struct bek_token check;
	if (!json || bek_token_parse(json, strlen(json), &check, why) < 0) {
		free(json);
		return bek_log(LOG_ERR, "Refusing the token: %s", json ? why : "out of memory"), BEK_EXIT_ERROR;
	}
	char reason[BEK_WHY_MAX];
	bek_luks_quiet();
	int id = bek_luks_enroll(argv[optind], &tok, reason);
	if (id < 0) {
		free(json);
		return bek_log(LOG_ERR, "Failed to enroll %s: %s", argv[optind], reason), BEK_EXIT_ERROR;
	}
	printf("token %d on %s: %s\n", id, argv[optind], json);
	free(json);
	return BEK_EXIT_OK;
}

/* --lock FILE: the glue's way to wait for the end of boot without polling (flock -s -w).
 * FILE is created empty and locked (under FILE.new, renamed), so that it exists only while
 * held or after its holder has ended; boot's exit code is written into it last, and the
 * lock goes with the last of bek-unlock's processes (the worker inherits it). Returns the
 * fd, or -1: failing to hold it only costs the glue its polling (said, not fatal). */
static int hold_lock(const char *path)
{
	char tmp[PATH_MAX];
	int fd = -1;
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		errno = ENAMETOOLONG;
	else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600)) >= 0 &&
		 flock(fd, LOCK_EX | LOCK_NB) == 0 && rename(tmp, path) == 0)
		return fd;   /* stays open, and locked, until exit */
	int r = -errno;
	if (fd >= 0)
		(void)unlink(tmp), close(fd);
	bek_log_errno(LOG_WARNING, r, "Failed to hold the lock %s, the glue will look for the end of bek-unlock instead: %m",
		      path);
	return -1;
}

static int boot(const char *settled_after, const char *lock, bool answer_prompts)
{
	struct bek_config cfg;
	bek_timing_start();
	/* Never let key material reach a core dump or a file we create. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	umask(0077);
	/* Started in the background by the glue of an initramfs without systemd (the only
	 * caller of --settled-after): a session of its own, out of the init shell's (as
	 * setsid(1) did); a systemd service is in one already. */
	if (settled_after)
		(void)setsid();
	bek_log_to_kmsg();
	int lock_fd = lock ? hold_lock(lock) : -1;
	static struct bek_crypttab_entry entries[BEK_MAX_TARGETS + 1];
	int r = bek_config_load(&cfg, NULL);
	if (r < 0) {
		bek_log_errno(LOG_ERR, r, "Failed to read the kernel command line: %m");
		r = BEK_EXIT_ERROR;
	} else {
		cfg.settled_after = settled_after;
		cfg.answer_prompts = answer_prompts;
		size_t n = bek_crypttab_load(BEK_CRYPTTAB, entries, BEK_MAX_TARGETS + 1);
		r = bek_boot(&cfg, entries, n);
	}
	/* Its end, for the glue: the exit code in the lock file, one write, before the lock goes. */
	if (lock_fd >= 0)
		(void)dprintf(lock_fd, "%d\n", r);
	return r;
}

/* boot's options: --settled-after FILE and --lock FILE, each at most once, each an
 * absolute path of a file (dracut without systemd, initramfs-tools); or --answer-prompts
 * alone (systemd: its agent process must not hold a lock the glue waits on). */
static int boot_main(int argc, char **argv)
{
	const char *settled_after = NULL, *lock = NULL;
	if (argc == 3 && strcmp(argv[2], "--answer-prompts") == 0)
		return boot(NULL, NULL, true);
	for (int i = 2; i < argc; i += 2) {
		const char **slot = strcmp(argv[i], "--settled-after") == 0 ? &settled_after
				    : strcmp(argv[i], "--lock") == 0	   ? &lock
									   : NULL;
		if (!slot || *slot || i + 1 >= argc)
			return fputs(usage, stderr), BEK_EXIT_ERROR;
		const char *f = argv[i + 1];
		size_t len = strlen(f);
		if (f[0] != '/' || len < 2 || len >= PATH_MAX - 4 || f[len - 1] == '/')
			return bek_log(LOG_ERR, "Refusing %s \"%s\": expected the absolute path of a file", argv[i], f),
			       BEK_EXIT_ERROR;
		*slot = f;
	}
	return boot(settled_after, lock, false);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "boot") == 0)
		return boot_main(argc, argv);
	if (strcmp(cmd, "inspect") == 0)
		return inspect(argc - 1, argv + 1);
	if (strcmp(cmd, "enroll") == 0)
		return enroll(argc - 1, argv + 1);
	if (strcmp(cmd, "decrypt") == 0)
		return bek_decrypt_main(argc - 1, argv + 1);
	if (strcmp(cmd, "recover") == 0)
		return bek_recover(argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0)
		return puts("bek-unlock " BEK_VERSION) < 0;
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return fputs(usage, stdout) < 0;
	fputs(usage, stderr);
	return BEK_EXIT_ERROR;
}
