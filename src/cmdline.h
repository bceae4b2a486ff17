// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel command line -> boot configuration. Pure logic: no I/O. */
#ifndef BEK_CMDLINE_H
#define BEK_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "keyname.h"

#define BEK_DEFAULT_LABEL "BEK VOLUME"
#define BEK_DEFAULT_KEYFILE "LinuxPassPhraseFileName"
#define BEK_DEFAULT_TIMEOUT_S 30u
#define BEK_MAX_TIMEOUT_S 600u
#define BEK_MAX_TARGETS 16
#define BEK_UUID_LEN 36
#define BEK_NAME_MAX BEK_MAPNAME_MAX
#define BEK_LABEL_MAX 255

struct bek_target {
	char uuid[BEK_UUID_LEN + 1];  /* lower-case, canonical form */
	char name[BEK_NAME_MAX + 1];  /* mapping name: luks-<uuid> or rd.luks.name= */
};

struct bek_crypttab_entry;

struct bek_config {
	bool enabled;                 /* false on rd.bek=0 or rd.luks=0 */
	bool use_crypttab;            /* false on rd.luks.crypttab=0: the image's crypttab is ignored */
	bool debug;                   /* rd.bek.debug: where the time and memory went */
	bool asked;                   /* rd.bek=1, rd.bek.timeout=, .label= or .keyfile= given: the
	                               * volumes named by rd.luks.* are bek-unlock's own */
	unsigned timeout_s;           /* rd.bek.timeout= */
	char label[BEK_LABEL_MAX + 1];       /* rd.bek.label= */
	char keyfile[BEK_LABEL_MAX + 1];     /* rd.bek.keyfile=, "" when not given */
	const char *settled_after;    /* not from the command line: boot --settled-after FILE */
	bool answer_prompts;          /* not from the command line: boot --answer-prompts */
	size_t n_targets;             /* rd.luks.uuid= / rd.luks.name=; 0: use tokens */
	struct bek_target targets[BEK_MAX_TARGETS];
	/* Not from the command line: the image's own crypttab (config.c), which names volumes
	 * and gives their options, and how a path in it is compared with a LUKS volume (NULL:
	 * entries are matched by UUID only). */
	const struct bek_crypttab_entry *crypttab;
	size_t n_crypttab;
	bool (*same_device)(const char *path, const char *uuid);
};

/* Called once per ignored or invalid parameter, with a complete sentence. */
typedef void (*bek_warn_fn)(void *userdata, const char *param, const char *why);

void bek_config_init(struct bek_config *cfg);

/* Applies every parameter of a kernel command line (or a cmdline.d file) to cfg.
 * Later parameters override earlier ones; targets accumulate. Never fails:
 * bad parameters are reported through warn and otherwise ignored. */
void bek_cmdline_apply(struct bek_config *cfg, const char *text, bek_warn_fn warn, void *userdata);

/* Canonicalises a UUID (36 chars, hex and dashes in 8-4-4-4-12, any case, optional
 * "luks-" prefix) into out[37]. Returns 0 or -EINVAL. */
int bek_uuid_canonical(const char *in, size_t len, char out[BEK_UUID_LEN + 1]);

/* Decodes the \xHH escapes systemd and udev use for labels ("BEK\x20VOLUME", udev's
 * ID_FS_LABEL_ENC) into out. Returns 0, or -EINVAL for a bad escape, a control
 * character, an empty or an overlong label. */
int bek_label_unescape(const char *v, char out[BEK_LABEL_MAX + 1]);

/* Returns the target for a UUID (canonical form), or NULL. */
const struct bek_target *bek_config_find_target(const struct bek_config *cfg, const char *uuid);

#endif
