// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the command line of "bek-unlock recover" (src/recover_args.c), checked
 * before anything is read or opened, and how a path may appear in a message. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "recover_args.h"

static struct bek_recover_opts opts;
static char why[BEK_WHY_MAX];

/* Parses "recover" and the arguments up to NULL, as a fresh process would. */
static enum bek_recover_verdict parse(const char *arg, ...)
{
	char *argv[16] = { "recover" };
	int argc = 1;
	va_list ap;
	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		assert_true(argc < 15);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	optind = 0;   /* getopt_long() starts over */
	why[0] = '\0';
	return bek_recover_args(argc, argv, &opts, why);
}

static void usage_is(enum bek_recover_verdict v, const char *reason)
{
	assert_int_equal(v, BEK_RECOVER_USAGE);
	if (!strstr(why, reason))
		fail_msg("got \"%s\", want \"%s\"", why, reason);
}

static void runs(void **state)
{
	(void)state;
	assert_int_equal(parse("--secret-file", "resp.json", "--check", "/dev/sdc2", "--header", "hdr",
			       "--write-key-file", "key", NULL), BEK_RECOVER_RUN);
	assert_string_equal(opts.secret_file, "resp.json");
	assert_string_equal(opts.check, "/dev/sdc2");
	assert_string_equal(opts.header, "hdr");
	assert_string_equal(opts.key_out, "key");
	assert_null(opts.open);
	assert_null(opts.describe);

	assert_int_equal(parse("--open", "/dev/sdc2", "osencrypt", NULL), BEK_RECOVER_RUN);
	assert_string_equal(opts.open, "/dev/sdc2");
	assert_string_equal(opts.name, "osencrypt");
	assert_null(opts.secret_file);   /* standard input */

	assert_int_equal(parse("--write-key-file", "key", NULL), BEK_RECOVER_RUN);
	assert_int_equal(parse("--describe", "-", "--show-wrapped", NULL), BEK_RECOVER_RUN);
	assert_string_equal(opts.describe, "-");
	assert_true(opts.show_wrapped);
}

static void usage_errors(void **state)
{
	(void)state;
	usage_is(parse(NULL), "nothing to do");
	usage_is(parse("--check", "a", "--open", "b", "n", NULL), "exclude each other");
	usage_is(parse("--open", "b", NULL), "--open needs DEVICE and NAME");
	usage_is(parse("--check", "a", "extra", NULL), "unexpected argument");
	usage_is(parse("--header", "h", "--write-key-file", "k", NULL), "--header goes with --check or --open");
	usage_is(parse("--check", "a", "--show-wrapped", NULL), "--show-wrapped goes with --describe");
	usage_is(parse("--describe", "s.json", "--check", "a", NULL), "--describe takes no other option");
	usage_is(parse("--describe", "s.json", "extra", NULL), "--describe takes no other option");
	usage_is(parse("--check", "a", "--write-key-file", "-", NULL), "never goes to standard output");
	usage_is(parse("--check", NULL), "unknown option or missing argument");
}

/* The secret typed where an option or an argument belongs is never quoted back. */
static void secret_not_echoed(void **state)
{
	(void)state;
	static const char value[] = "aGVsbG8td29ybGQtdGhpcy1pcy1ub3QtYS1yZWFsLWtleQ";
	usage_is(parse("--check", "a", "--passphrase", value, NULL), "unknown option");
	assert_null(strstr(why, value));
	usage_is(parse("--check", "a", value, NULL), "unexpected argument");
	assert_null(strstr(why, value));
}

static void mapping_name(void **state)
{
	(void)state;
	assert_int_equal(parse("--open", "/dev/sdc2", "a/b", NULL), BEK_RECOVER_BAD_NAME);
	assert_non_null(strstr(why, "'/'"));
	assert_int_equal(parse("--open", "/dev/sdc2", "..", NULL), BEK_RECOVER_BAD_NAME);
}

static void shown(void **state)
{
	(void)state;
	static const char b64[] = "aGVsbG8td29ybGQtdGhpcy1pcy1ub3QtYS1yZWFsLWtleQ";
	assert_string_equal(bek_recover_shown("/dev/sdc2"), "/dev/sdc2");
	assert_string_equal(bek_recover_shown(b64), "(a name that looks like a base64 value: not shown)");
	/* Long, but a path: a '.' is no base64 character; one letter case only is no value. */
	assert_string_equal(bek_recover_shown("/mnt/boot/luks/osluksheader.backup-2024-aa"),
			    "/mnt/boot/luks/osluksheader.backup-2024-aa");
	assert_string_equal(bek_recover_shown("/mnt/azure_bek_disk/linuxpassphrasefilename_1_0"),
			    "/mnt/azure_bek_disk/linuxpassphrasefilename_1_0");
	assert_string_equal(bek_recover_source(NULL), "standard input");
	assert_string_equal(bek_recover_source("-"), "standard input");
	assert_string_equal(bek_recover_source(b64), "(a name that looks like a base64 value: not shown)");
	assert_string_equal(bek_recover_source("resp.json"), "resp.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runs),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(secret_not_echoed),
		cmocka_unit_test(mapping_name),
		cmocka_unit_test(shown),
	};
	return cmocka_run_group_tests_name("recover_args", tests, NULL, NULL);
}
