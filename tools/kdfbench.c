// SPDX-License-Identifier: GPL-2.0-or-later
/* tools/kdfbench.c: host timings of the key derivations bek-unlock runs, linked against the
 * same static libraries as the static binary (make kdfbench -> build/static/kdfbench), so
 * that a change to how those libraries are built can be checked for speed.
 *
 *   kdfbench pbkdf2 HASH ITERATIONS RUNS           crypt_pbkdf("pbkdf2", HASH, ...)
 *   kdfbench argon2id ITERATIONS MEMORY_KB PARALLEL RUNS
 *   kdfbench open IMAGE PASSPHRASE RUNS            crypt_activate_by_passphrase(cd, NULL, ...):
 *                                                  verifies the passphrase against a LUKS
 *                                                  image file's keyslots (KDF, keyslot
 *                                                  decryption, digest), no device-mapper
 *
 * Fixed parameters (no benchmark-derived counts): every run does the same work. Prints each
 * run's milliseconds and their median. crypt_pbkdf() and crypt_backend_init() are
 * libcryptsetup's internal crypto backend (not in libcryptsetup.h), reachable in the static
 * archive. */
#include <libcryptsetup.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int crypt_backend_init(bool fips);
int crypt_pbkdf(const char *kdf, const char *hash, const char *password, size_t password_length,
		const char *salt, size_t salt_length, char *key, size_t key_length,
		uint32_t iterations, uint32_t memory, uint32_t parallel);

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int usage(void)
{
	fprintf(stderr, "usage: kdfbench pbkdf2 HASH ITERATIONS RUNS\n"
			"       kdfbench argon2id ITERATIONS MEMORY_KB PARALLEL RUNS\n"
			"       kdfbench open IMAGE PASSPHRASE RUNS\n");
	return 2;
}

/* One timed run; returns 0 on success. */
static int one(char **argv, double *ms)
{
	static const char pass[] = "kdfbench passphrase";
	static const char salt[32] = "0123456789abcdef0123456789abcde";
	char key[64];
	int r;
	double t0 = now_ms();

	if (strcmp(argv[1], "pbkdf2") == 0) {
		r = crypt_pbkdf("pbkdf2", argv[2], pass, sizeof(pass) - 1, salt, sizeof(salt),
				key, sizeof(key), (uint32_t)strtoul(argv[3], NULL, 10), 0, 0);
	} else if (strcmp(argv[1], "argon2id") == 0) {
		r = crypt_pbkdf("argon2id", NULL, pass, sizeof(pass) - 1, salt, sizeof(salt),
				key, 32, (uint32_t)strtoul(argv[2], NULL, 10),
				(uint32_t)strtoul(argv[3], NULL, 10), (uint32_t)strtoul(argv[4], NULL, 10));
	} else {
		struct crypt_device *cd = NULL;
		r = crypt_init(&cd, argv[2]);
		if (r == 0)
			r = crypt_load(cd, CRYPT_LUKS, NULL);
		if (r == 0) {
			t0 = now_ms(); /* the unlock alone, not the header read */
			r = crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, argv[3], strlen(argv[3]), 0);
			r = r < 0 ? r : 0;
		}
		crypt_free(cd);
	}
	*ms = now_ms() - t0;
	return r;
}

int main(int argc, char **argv)
{
	int runs_arg;
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "pbkdf2") == 0 && argc == 5)
		runs_arg = 4;
	else if (strcmp(argv[1], "argon2id") == 0 && argc == 6)
		runs_arg = 5;
	else if (strcmp(argv[1], "open") == 0 && argc == 5)
		runs_arg = 4;
	else
		return usage();
	int runs = atoi(argv[runs_arg]);
	if (runs < 1 || runs > 1000)
		return usage();
	if (crypt_backend_init(false) < 0) {
		fprintf(stderr, "kdfbench: crypto backend init failed\n");
		return 1;
	}
	double *t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < runs; i++) {
		int r = one(argv, &t[i]);
		if (r < 0) {
			fprintf(stderr, "kdfbench: %s failed: %s\n", argv[1], strerror(-r));
			return 1;
		}
		printf("run %d: %.1f ms\n", i + 1, t[i]);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	printf("median %.1f ms (%d runs, min %.1f, max %.1f)\n",
	       runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2, runs, t[0], t[runs - 1]);
	free(t);
	return 0;
}
