// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: which kernel ciphers bek-unlock builds ahead of dm-crypt's table load
 * (src/kcipher.c): XTS modes only, plain kernel cipher names only, nothing too long; and
 * which CPU-specific module provides a cipher (modules.alias against the CPU's modalias). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kcipher.h"

static void xts_modes(void **state)
{
	(void)state;
	struct bek_kcipher k;
	assert_int_equal(bek_kcipher_plan("aes", "xts-plain64", &k), 0);
	assert_string_equal(k.wanted, "xts(aes)");
	assert_string_equal(k.inner, "ecb(aes)");
	assert_string_equal(k.outer, "xts");
	assert_int_equal(bek_kcipher_plan("serpent", "xts-plain", &k), 0);
	assert_string_equal(k.wanted, "xts(serpent)");
	assert_string_equal(k.inner, "ecb(serpent)");
	assert_int_equal(bek_kcipher_plan("twofish", "xts", &k), 0);
	assert_string_equal(k.wanted, "xts(twofish)");
}

/* Modes whose template takes the plain cipher (or that dm-crypt builds otherwise). */
static void other_modes(void **state)
{
	(void)state;
	struct bek_kcipher k;
	const char *modes[] = { "cbc-essiv:sha256", "cbc-plain64", "ecb", "xtsx-plain64", "xt-plain64",
				"lrw-benbi", "", "-xts", "XTS-plain64" };
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		memset(&k, 'x', sizeof(k));
		assert_int_equal(bek_kcipher_plan("aes", modes[i], &k), -EOPNOTSUPP);
		assert_string_equal(k.wanted, "");
	}
}

/* The header is outside input: template syntax, a "capi:" spec, control characters
 * and overlong names are not passed to the kernel. */
static void hostile_names(void **state)
{
	(void)state;
	struct bek_kcipher k;
	char longest[BEK_KCIPHER_NAME_MAX];
	const char *bad[] = { "", "ecb(aes)", "capi:xts(aes)", "aes)", "a es", "aes\n", "aes,sha256", "aes/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(bek_kcipher_plan(bad[i], "xts-plain64", &k), -EINVAL);
	assert_int_equal(bek_kcipher_plan(NULL, "xts-plain64", &k), -EINVAL);
	assert_int_equal(bek_kcipher_plan("aes", NULL, &k), -EINVAL);
	/* "xts(ecb(NAME))" with its NUL must fit the kernel's 64 bytes */
	memset(longest, 'a', sizeof(longest));
	longest[BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())")] = '\0';
	assert_int_equal(bek_kcipher_plan(longest, "xts-plain64", &k), 0);
	assert_int_equal(strlen(k.wanted), strlen(longest) + 5);
	longest[BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())")] = 'a';
	longest[BEK_KCIPHER_NAME_MAX - sizeof("xts(ecb())") + 1] = '\0';
	assert_int_equal(bek_kcipher_plan(longest, "xts-plain64", &k), -EINVAL);
}

/* Lines as depmod writes them for the 6.1 cloud kernel (modules.alias of the test image). */
static const char ALIASES[] =
	"# Aliases extracted from modules themselves.\n"
	"alias crypto-aes-fixed-time aes_ti\n"
	"alias crypto-aes aes_ti\n"
	"alias aes aes_ti\n"
	"alias crypto-camellia camellia_aesni_avx_x86_64\n"
	"alias cpu:type:x86,ven*fam*mod*:feature:*0099* camellia_aesni_avx_x86_64\n"
	"alias cpu:type:x86,ven*fam*mod*:feature:*0094* crc32c_intel\n"
	"alias crypto-aes aesni_intel\n"
	"alias aes aesni_intel\n"
	"alias cpu:type:x86,ven*fam*mod*:feature:*0099* aesni_intel\n"
	"alias virtio:d00000002v* virtio_blk\n";
/* A CPU with the aes flag (0099), as /sys/devices/system/cpu/modalias shows it. */
static const char CPU_AES[] = "cpu:type:x86,ven0002fam0019mod0011:feature:,0000,0001,0094,0099,00E8";
static const char CPU_NO_AES[] = "cpu:type:x86,ven0002fam0019mod0011:feature:,0000,0001,0094,0098,0990";

static int cpu_module(const char *aliases, const char *cpu, const char *cipher, char *module)
{
	return bek_kcipher_cpu_module(aliases, strlen(aliases), cpu, cipher, module);
}

static void cpu_modules(void **state)
{
	(void)state;
	char m[BEK_KCIPHER_NAME_MAX];
	assert_int_equal(cpu_module(ALIASES, CPU_AES, "aes", m), 1);
	assert_string_equal(m, "aesni_intel");
	/* no aes flag: aes_ti provides "aes" but has no cpu alias; feature 0990 is not 0099 */
	assert_int_equal(cpu_module(ALIASES, CPU_NO_AES, "aes", m), 0);
	assert_string_equal(m, "");
	/* crc32c_intel matches the CPU but provides no "aes"; camellia_aesni_avx_x86_64 is not
	 * an aes provider though its name says aesni */
	assert_int_equal(cpu_module(ALIASES, CPU_AES, "camellia", m), 1);
	assert_string_equal(m, "camellia_aesni_avx_x86_64");
	assert_int_equal(cpu_module(ALIASES, CPU_AES, "serpent", m), 0);
	/* an XTS-only provider (arm64's aes-ce-blk declares "xts(aes)"), tabs, no final newline */
	const char arm[] = "alias\tcrypto-xts(aes)\taes_ce_blk \nalias cpu:type:aarch64:feature:*0003* aes_ce_blk";
	assert_int_equal(cpu_module(arm, "cpu:type:aarch64:feature:,0000,0001,0003", "aes", m), 1);
	assert_string_equal(m, "aes_ce_blk");
	assert_int_equal(cpu_module(arm, "cpu:type:aarch64:feature:,0000,0001,0030", "aes", m), 0);
	/* no modalias, no aliases, a cipher name that is no plain name */
	assert_int_equal(cpu_module(ALIASES, "", "aes", m), 0);
	assert_int_equal(bek_kcipher_cpu_module(NULL, 0, CPU_AES, "aes", m), 0);
	assert_int_equal(cpu_module(ALIASES, CPU_AES, "aes)", m), -EINVAL);
	assert_int_equal(cpu_module(ALIASES, CPU_AES, NULL, m), -EINVAL);
}

/* Malformed or hostile lines are skipped, never matched loosely; the length is obeyed. */
static void hostile_aliases(void **state)
{
	(void)state;
	char m[BEK_KCIPHER_NAME_MAX];
	const char *bad[] = {
		"alias crypto-aes aesni_intel extra\nalias cpu:* aesni_intel\n",     /* 4 fields */
		"alias crypto-aesx aesni_intel\nalias cpu:* aesni_intel\n",          /* not the name */
		"alias crypto-aes\nalias cpu:* aesni_intel\n",                       /* 2 fields */
		"aliasx crypto-aes aesni_intel\nalias cpu:* aesni_intel\n",
		"alias crypto-aes aesni_intel\nalias cpux* aesni_intel\n",           /* not "cpu:" */
		"alias crypto-aes aesni_intel\nalias cpu:*0099 aesni_intel\n",       /* anchored end */
		"alias crypto-aes aesni_intel\nalias cpu:* aesni_intelx\n",          /* other module */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(cpu_module(bad[i], CPU_AES, "aes", m), 0);
		assert_string_equal(m, "");
	}
	/* a module name as long as the kernel's MODULE_NAME_LEN allows is fine, longer is not */
	char line[512], name[BEK_KCIPHER_NAME_MAX + 1];
	memset(name, 'm', sizeof(name));
	name[BEK_KCIPHER_NAME_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "alias crypto-aes %s\nalias cpu:* %s\n", name, name);
	assert_int_equal(cpu_module(line, CPU_AES, "aes", m), 1);
	assert_string_equal(m, name);
	name[BEK_KCIPHER_NAME_MAX - 1] = 'm';
	name[BEK_KCIPHER_NAME_MAX] = '\0';
	snprintf(line, sizeof(line), "alias crypto-aes %s\nalias cpu:* %s\n", name, name);
	assert_int_equal(cpu_module(line, CPU_AES, "aes", m), 0);
	/* a NUL in the middle ends nothing: the line holding it is skipped, the length counts */
	const char nul[] = "alias crypto-aes aes\0ni\nalias crypto-aes aesni_intel\nalias cpu:* aesni_intel\n";
	assert_int_equal(bek_kcipher_cpu_module(nul, sizeof(nul) - 1, CPU_AES, "aes", m), 1);
	assert_string_equal(m, "aesni_intel");
	assert_int_equal(bek_kcipher_cpu_module(nul, 40, CPU_AES, "aes", m), 0);
	/* patterns with many stars against a long modalias: a match in bounded time */
	char stars[300], cpu[4096];
	memset(stars, 0, sizeof(stars));
	strcpy(stars, "alias crypto-aes aesni_intel\nalias cpu:");
	for (size_t i = strlen(stars); i < 200; i += 2)
		memcpy(stars + i, "*a", 2);
	strcat(stars, "b aesni_intel\n");
	memset(cpu, 'a', sizeof(cpu) - 1);
	cpu[sizeof(cpu) - 1] = '\0';
	memcpy(cpu, "cpu:", 4);
	assert_int_equal(cpu_module(stars, cpu, "aes", m), 0);
	cpu[sizeof(cpu) - 2] = 'b';
	assert_int_equal(cpu_module(stars, cpu, "aes", m), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xts_modes),
		cmocka_unit_test(other_modes),
		cmocka_unit_test(hostile_names),
		cmocka_unit_test(cpu_modules),
		cmocka_unit_test(hostile_aliases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
