// SPDX-License-Identifier: GPL-2.0-or-later
/* The arguments of "bek-unlock recover", checked before anything is read or opened,
 * and how a path the operator gave may appear in a message. Pure logic: no I/O. */
#ifndef BEK_RECOVER_ARGS_H
#define BEK_RECOVER_ARGS_H

#include <stdbool.h>

#include "why.h"

/* What to do, as the command line says; pointers into argv, NULL when not given. */
struct bek_recover_opts {
	const char *secret_file;   /* NULL or "-": standard input */
	const char *check;         /* --check DEVICE */
	const char *open, *name;   /* --open DEVICE NAME */
	const char *header;        /* --header HDR: a detached LUKS header */
	const char *key_out;       /* --write-key-file PATH */
	const char *describe;      /* --describe FILE: a Key Vault secret to describe */
	bool show_wrapped;
};

/* What bek_recover_args() found. */
enum bek_recover_verdict {
	BEK_RECOVER_RUN,        /* the options are in *o */
	BEK_RECOVER_USAGE,      /* why: what is wrong; the synopsis goes after it */
	BEK_RECOVER_BAD_NAME,   /* why: why the mapping NAME of --open is refused */
};

/* Parses argv (argv[0] is "recover") with getopt_long(), which keeps its place in the
 * globals optind and friends; prints nothing, so that a mistyped argument, which may
 * be the secret, is never echoed. */
enum bek_recover_verdict bek_recover_args(int argc, char **argv, struct bek_recover_opts *o,
					  char why[BEK_WHY_MAX]);

/* path as it may appear in a message: not when it looks like a base64 value, as when
 * a secret was typed where a file name belongs. */
const char *bek_recover_shown(const char *path);

/* "standard input" for NULL or "-", otherwise bek_recover_shown(path). */
const char *bek_recover_source(const char *path);

#endif
