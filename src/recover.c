// SPDX-License-Identifier: GPL-2.0-or-later
#include "recover.h"

#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "exitcode.h"
#include "kvsecret.h"
#include "log.h"
#include "recover_args.h"
#include "recover_input.h"
#include "recover_output.h"
#include "recover_volume.h"

/* Logs a usage error, then the synopsis. Returns the exit code. */
static int print_usage_error(const char *what)
{
	bek_log(LOG_ERR, "recover: %s", what);
	fputs("Usage:\n" BEK_RECOVER_SYNOPSIS, stderr);
	return BEK_EXIT_ERROR;
}

/* --describe: reads and parses the secret at path, then describes it. */
static int describe(const char *path, bool show_wrapped)
{
	struct bek_secret in = { 0 };
	struct bek_kv_secret s;
	char why[BEK_WHY_MAX];
	size_t len;
	int r = bek_recover_read(path, "secret", NULL, &in, &len);
	if (r < 0)
		return BEK_EXIT_ERROR;
	r = bek_kv_secret_parse(in.data, len, &s, why);
	bek_secret_free(&in);
	if (r < 0)
		return bek_log(LOG_ERR, "Refusing the secret from %s: %s", bek_recover_source(path), why), BEK_EXIT_ERROR;
	return bek_recover_describe(&s, show_wrapped);
}

int bek_recover(int argc, char **argv)
{
	struct bek_recover_opts o;
	char why[BEK_WHY_MAX];

	/* Never let the passphrase reach a core dump, nor a file we create be readable by others. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	umask(0077);
	switch (bek_recover_args(argc, argv, &o, why)) {
	case BEK_RECOVER_USAGE:
		return print_usage_error(why);
	case BEK_RECOVER_BAD_NAME:
		return bek_log(LOG_ERR, "Refusing the mapping name: %s", why), BEK_EXIT_ERROR;
	case BEK_RECOVER_RUN:
		break;
	}
	if (o.describe)
		return describe(o.describe, o.show_wrapped);

	/* The passphrase, then the volume checked or opened, then the key file: each
	 * step only when the one before succeeded. */
	struct bek_secret key = { 0 };
	if (bek_recover_passphrase(o.secret_file, &key, stdout) < 0)
		return BEK_EXIT_ERROR;
	int r = BEK_EXIT_OK;
	if (o.check || o.open)
		r = bek_recover_volume(&o, &key);
	if (r == BEK_EXIT_OK && o.key_out)
		r = bek_recover_write_key(o.key_out, &key);
	bek_secret_free(&key);
	return r;
}
