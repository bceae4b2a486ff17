// SPDX-License-Identifier: GPL-2.0-or-later
#include "recover_args.h"

#include <getopt.h>
#include <string.h>

#include "keyname.h"

static enum bek_recover_verdict wrong_usage(char why[BEK_WHY_MAX], const char *what)
{
	bek_why(why, "%s", what);
	return BEK_RECOVER_USAGE;
}

enum bek_recover_verdict bek_recover_args(int argc, char **argv, struct bek_recover_opts *o,
					  char why[BEK_WHY_MAX])
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
	int c;

	*o = (struct bek_recover_opts){ 0 };
	opterr = 0;   /* getopt would echo a mistyped argument, which may be the secret */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->secret_file = optarg; break;
		case 'c': o->check = optarg; break;
		case 'o': o->open = optarg; break;
		case 'H': o->header = optarg; break;
		case 'w': o->key_out = optarg; break;
		case 'd': o->describe = optarg; break;
		case 'W': o->show_wrapped = true; break;
		default:
			return wrong_usage(why, "unknown option or missing argument (the secret is never taken from the "
					   "command line: use --secret-file FILE or standard input)");
		}
	}
	int extra = argc - optind;
	if (o->describe) {
		if (o->secret_file || o->check || o->open || o->header || o->key_out || extra)
			return wrong_usage(why, "--describe takes no other option than --show-wrapped");
		return BEK_RECOVER_RUN;
	}
	if (o->show_wrapped)
		return wrong_usage(why, "--show-wrapped goes with --describe");
	if (o->check && o->open)
		return wrong_usage(why, "--check and --open exclude each other (--open checks too)");
	if (!o->check && !o->open && !o->key_out)
		return wrong_usage(why, "nothing to do: give --check, --open or --write-key-file");
	if (o->header && !o->check && !o->open)
		return wrong_usage(why, "--header goes with --check or --open");
	if (extra != (o->open ? 1 : 0))
		return wrong_usage(why, o->open && extra == 0 ? "--open needs DEVICE and NAME"
				   : "unexpected argument (the secret is never taken from the command line: "
				     "use --secret-file FILE or standard input)");
	if (o->open) {
		o->name = argv[optind];
		if (bek_mapname_check(o->name, why) < 0)
			return BEK_RECOVER_BAD_NAME;
	}
	if (o->key_out && strcmp(o->key_out, "-") == 0)
		return wrong_usage(why, "--write-key-file needs a file name: the passphrase never goes to standard output");
	return BEK_RECOVER_RUN;
}

const char *bek_recover_shown(const char *path)
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

const char *bek_recover_source(const char *path)
{
	return !path || strcmp(path, "-") == 0 ? "standard input" : bek_recover_shown(path);
}
