// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: systemd's password-agent question files (src/askfile.c), which bek-unlock's
 * agent reads to answer systemd-cryptsetup's prompt: only a question of
 * systemd-cryptsetup's, only a socket in systemd's own directory, and what a key must be
 * to be sent whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "askfile.h"

static int parse(const char *text, struct bek_ask *a)
{
	return bek_ask_parse(text, strlen(text), a);
}

/* What systemd 252's ask_password_agent() writes for systemd-cryptsetup. */
static void systemd_question(void **state)
{
	(void)state;
	struct bek_ask a;
	assert_int_equal(parse("[Ask]\nPID=412\nSocket=/run/systemd/ask-password/sck.7c2b1e0f9a8d3c11\n"
			       "AcceptCached=1\nEcho=0\nNotAfter=0\nSilent=0\n"
			       "Message=Please enter passphrase for disk luks-9eb5 (luks-9eb5):\n"
			       "Icon=drive-harddisk\nId=cryptsetup:/dev/disk/by-uuid/9eb5c76a-7a61-406b-9220-f2fce26a6ce9\n",
			       &a), 1);
	assert_string_equal(a.socket, "/run/systemd/ask-password/sck.7c2b1e0f9a8d3c11");
	assert_false(a.by_devnum);
	assert_string_equal(a.device, "/dev/disk/by-uuid/9eb5c76a-7a61-406b-9220-f2fce26a6ce9");
	assert_int_equal(a.pid, 412);
	assert_true(a.not_after_us == 0);
	/* The form seen from other callers: the device by number; NotAfter set; CRLF. */
	assert_int_equal(parse("[Ask]\r\nSocket=/run/systemd/ask-password/sck.1\r\nNotAfter=123456789\r\n"
			       "Id=cryptsetup:/dev/block/8:3\r\n", &a), 1);
	assert_true(a.by_devnum);
	assert_int_equal(a.major, 8);
	assert_int_equal(a.minor, 3);
	assert_true(a.not_after_us == 123456789);
	/* No final newline; a udev link name with an escaped backslash ("\x20" in by-label). */
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.2\n"
			       "Id=cryptsetup:/dev/disk/by-label/my\\\\x20root", &a), 1);
	assert_string_equal(a.device, "/dev/disk/by-label/my\\x20root");
}

/* Questions about something else are not ours; other sections' keys do not count. */
static void not_cryptsetup(void **state)
{
	(void)state;
	struct bek_ask a;
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.3\nId=vpn:office\n", &a), 0);
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.3\n", &a), 0);
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.3\n[Other]\n"
			       "Id=cryptsetup:/dev/vda\n", &a), 0);
	/* A path with another escape, or outside /dev: a question, matched by nothing. */
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.3\nId=cryptsetup:/dev/a\\x2db\n", &a), 1);
	assert_false(a.by_devnum);
	assert_string_equal(a.device, "");
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.3\nId=cryptsetup:/tmp/x\n", &a), 1);
	assert_string_equal(a.device, "");
	assert_int_equal(parse("[Ask]\nSocket=/run/systemd/ask-password/sck.3\n"
			       "Id=cryptsetup:/dev/block/8:3junk\n", &a), 1);
	assert_false(a.by_devnum);
}

/* Not a question: the answer never goes to a socket outside systemd's directory. */
static void refused(void **state)
{
	(void)state;
	struct bek_ask a;
	const char *const bad[] = {
		"",
		"Socket=/run/systemd/ask-password/sck.4\nId=cryptsetup:/dev/vda\n",          /* no [Ask] */
		"[Ask]\nId=cryptsetup:/dev/vda\n",                                            /* no socket */
		"[Ask]\nSocket=/tmp/sck\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/../../tmp/sck\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/..\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/a/b\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/sck.4\nPID=-1\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/sck.4\nPID=0\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/sck.4\nNotAfter=1e9\nId=cryptsetup:/dev/vda\n",
		"[Ask]\nSocket=/run/systemd/ask-password/sck.4\nNotAfter=99999999999999999999\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 'x', sizeof(a));
		if (parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	/* A socket path longer than sun_path holds. */
	char text[400];
	snprintf(text, sizeof(text), "[Ask]\nSocket=/run/systemd/ask-password/%0100d\nId=cryptsetup:/dev/vda\n", 0);
	assert_int_equal(parse(text, &a), -EINVAL);
	/* A NUL byte inside, and more than BEK_ASK_FILE_MAX bytes. */
	static const char nul[] = "[Ask]\nSocket=/run/systemd/ask-password/sck.4\0\nId=cryptsetup:/dev/vda\n";
	assert_int_equal(bek_ask_parse(nul, sizeof(nul) - 1, &a), -EINVAL);
	static char big[BEK_ASK_FILE_MAX + 2];
	memset(big, '#', sizeof(big) - 1);
	memcpy(big, "[Ask]\n", 6);
	assert_int_equal(bek_ask_parse(big, sizeof(big) - 1, &a), -EINVAL);
	/* Exactly BEK_ASK_FILE_MAX bytes on one line: read, no overflow. */
	static char full[BEK_ASK_FILE_MAX];
	const char head[] = "[Ask]\nSocket=/run/systemd/ask-password/s\nId=cryptsetup:/dev/vda\nMessage=";
	memset(full, 'm', sizeof(full));
	memcpy(full, head, sizeof(head) - 1);
	assert_int_equal(bek_ask_parse(full, sizeof(full), &a), 1);
}

/* What can be sent: ADE's 172 bytes of base64; not an empty key, a NUL, or more than fits. */
static void key_fits(void **state)
{
	(void)state;
	char key[BEK_ASK_ANSWER_MAX + 1];
	memset(key, 'A', sizeof(key));
	assert_true(bek_ask_key_fits(key, 172));
	assert_true(bek_ask_key_fits(key, BEK_ASK_ANSWER_MAX));
	assert_false(bek_ask_key_fits(key, BEK_ASK_ANSWER_MAX + 1));
	assert_false(bek_ask_key_fits(key, 0));
	key[100] = '\0';
	assert_false(bek_ask_key_fits(key, 172));
	assert_true(bek_ask_key_fits(key, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(systemd_question),
		cmocka_unit_test(not_cryptsetup),
		cmocka_unit_test(refused),
		cmocka_unit_test(key_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
