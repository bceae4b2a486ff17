// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the kernel command line (and dracut's cmdline.d files). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "keyname.h"

static void ignore(void *userdata, const char *param, const char *why)
{
	(void)userdata;
	assert(param && why && *why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct bek_config cfg;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	bek_config_init(&cfg);
	bek_cmdline_apply(&cfg, text, ignore, NULL);
	free(text);

	assert(cfg.timeout_s <= BEK_MAX_TIMEOUT_S);
	assert(cfg.label[0] && strlen(cfg.label) <= BEK_LABEL_MAX);
	char why[BEK_WHY_MAX];
	assert(!cfg.keyfile[0] || bek_keyname_check(cfg.keyfile, why) == 0);
	assert(cfg.n_targets <= BEK_MAX_TARGETS);
	for (size_t i = 0; i < cfg.n_targets; i++) {
		char canon[BEK_UUID_LEN + 1];
		const struct bek_target *t = &cfg.targets[i];
		assert(bek_uuid_canonical(t->uuid, strlen(t->uuid), canon) == 0 && strcmp(canon, t->uuid) == 0);
		assert(t->name[0] && !strchr(t->name, '/') && strlen(t->name) <= BEK_NAME_MAX);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(cfg.targets[j].uuid, t->uuid) != 0);
	}
	return 0;
}
