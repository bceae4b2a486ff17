// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the header copy the boot recovered (src/recovered.c) replaces the header on
 * disk only when both are LUKS2 headers of the same volume, the one on disk records a cut
 * chunk and the copy is newer and records none; its binary header is read defensively. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libcryptsetup.h>

#include "recovered.h"

static char dir[] = "/tmp/bek-test-recovered.XXXXXX";

static void path(char *out, const char *name)
{
	snprintf(out, 256, "%s/%s", dir, name);
}

/* A detached LUKS2 header file (uuid given) for a 4 MiB data file. */
static void make_header(const char *name, const char *uuid)
{
	char h[256], d[256];
	path(h, name);
	path(d, "data");
	FILE *f = fopen(d, "a");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
	fclose(f);
	f = fopen(h, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 16 << 20), 0);
	fclose(f);
	struct crypt_device *cd;
	assert_int_equal(crypt_init(&cd, h), 0);
	struct crypt_pbkdf_type pb = { .type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000,
				       .flags = CRYPT_PBKDF_NO_BENCHMARK };
	assert_int_equal(crypt_set_pbkdf_type(cd, &pb), 0);
	struct crypt_params_luks2 p = { .data_device = d, .sector_size = 512 };
	assert_int_equal(crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", uuid, NULL, 64, &p), 0);
	assert_true(crypt_keyslot_add_by_volume_key(cd, 0, NULL, 64, "pass", 4) >= 0);
	crypt_free(cd);
}

static void seqid(void **state)
{
	(void)state;
	unsigned char b[4096] = { 'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 2 };
	uint64_t s;
	char u[40];
	b[16 + 7] = 9, b[16 + 6] = 1;
	memcpy(b + 168, "0123abcd-0000-4000-8000-00000000000f", 36);
	assert_int_equal(bek_luks2_seqid(b, sizeof(b), &s, u), 0);
	assert_int_equal(s, 0x109);
	assert_string_equal(u, "0123abcd-0000-4000-8000-00000000000f");
	memset(b + 168, 'x', 40);   /* no terminator in the field: still a bounded string */
	assert_int_equal(bek_luks2_seqid(b, sizeof(b), &s, u), 0);
	assert_int_equal(strlen(u), 39);
	assert_int_equal(bek_luks2_seqid(b, 200, &s, u), -EINVAL);   /* short read */
	b[7] = 1;                                                    /* LUKS1 */
	assert_int_equal(bek_luks2_seqid(b, sizeof(b), &s, u), -EINVAL);
	b[7] = 2, b[0] = 'X';
	assert_int_equal(bek_luks2_seqid(b, sizeof(b), &s, u), -EINVAL);
}

static void paths(void **state)
{
	(void)state;
	char p[256];
	bek_recovered_path("0123abcd-0000-4000-8000-00000000000f", p, sizeof(p));
	assert_string_equal(p, BEK_RECOVERED_DIR "/0123abcd-0000-4000-8000-00000000000f.luksheader");
	bek_recovered_path("../../etc/passwd", p, sizeof(p));   /* a UUID from hostile metadata */
	assert_string_equal(p, "");
	bek_recovered_path("", p, sizeof(p));
	assert_string_equal(p, "");
}

static void check(void **state)
{
	(void)state;
	char a[256], b[256], c[256], why[BEK_WHY_MAX];
	make_header("a", "11111111-1111-4111-8111-111111111111");
	make_header("b", "22222222-2222-4222-8222-222222222222");
	path(a, "a"), path(b, "b"), path(c, "none");
	assert_int_equal(bek_recovered_check(b, a, why), -ESTALE);        /* another volume's */
	assert_non_null(strstr(why, "another volume"));
	assert_int_equal(bek_recovered_check(a, a, why), -EINVAL);        /* no cut recorded */
	assert_non_null(strstr(why, "records no chunk cut"));
	assert_true(bek_recovered_check(c, a, why) < 0);                  /* no copy */
	assert_non_null(strstr(why, "not a readable LUKS2 header"));
}

static int read_all(const char *p, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(p, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	*buf = malloc(*len);
	size_t n = fread(*buf, 1, *len, f);
	fclose(f);
	return n == *len ? 0 : -1;
}

static void adopt(void **state)
{
	(void)state;
	char a[256], a2[256], b[256], keep[256], why[BEK_WHY_MAX], cmd[600];
	unsigned char *x, *y, *z;
	size_t nx, ny, nz;
	make_header("a", "33333333-3333-4333-8333-333333333333");
	make_header("b", "44444444-4444-4444-8444-444444444444");
	path(a, "a"), path(a2, "a2"), path(b, "b"), path(keep, "kept");
	/* a2: a with its metadata rewritten by libcryptsetup (a label: a higher sequence
	 * number, the same keyslot areas), as the boot's recovery rewrites its copy's */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", a, a2);
	assert_int_equal(system(cmd), 0);
	struct crypt_device *cd;
	assert_int_equal(crypt_init(&cd, a2), 0);
	assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
	assert_int_equal(crypt_set_label(cd, "recovered", NULL), 0);
	crypt_free(cd);
	/* Another volume's header differs in its keyslot areas: nothing written. */
	assert_int_equal(read_all(a, &x, &nx), 0);
	assert_int_equal(bek_recovered_adopt(b, a, keep, why), -EINVAL);
	assert_non_null(strstr(why, "differ beyond their metadata"));
	assert_int_equal(read_all(a, &y, &ny), 0);
	assert_true(nx == ny && memcmp(x, y, nx) == 0);
	free(y);
	/* The swap: a's metadata becomes a2's; what it was is kept (the first 2 x hdr_size). */
	assert_int_equal(bek_recovered_adopt(a2, a, keep, why), 0);
	assert_int_equal(read_all(a, &y, &ny), 0);
	assert_int_equal(read_all(a2, &z, &nz), 0);
	assert_true(ny == nz && memcmp(y, z, ny) == 0);
	free(y), free(z);
	assert_int_equal(read_all(keep, &z, &nz), 0);
	assert_int_equal(nz, 2 * 16384);
	assert_memory_equal(z, x, nz);
	free(x), free(z);
	assert_int_equal(crypt_init(&cd, a), 0);
	assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
	assert_string_equal(crypt_get_label(cd), "recovered");
	crypt_free(cd);
}

static void quiet(int level, const char *msg, void *usr)
{
	(void)level, (void)msg, (void)usr;
}

int main(void)
{
	crypt_set_log_callback(NULL, quiet, NULL);
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seqid),
		cmocka_unit_test(paths),
		cmocka_unit_test(check),
		cmocka_unit_test(adopt),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? r : 1;
}
