// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: the plan and the status as text for people and JSON for fleets. */
#ifndef BEK_DECRYPT_REPORT_H
#define BEK_DECRYPT_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "decrypt_key.h"
#include "decrypt_volume.h"

struct json_object;

struct bek_dc_report {
	const char *state;          /* "planned", "done", "in-progress", "refused", "error", "not-started" */
	const char *backup_dir;     /* "" when none usable */
	uint64_t backup_need;       /* bytes the header backups take */
	double rate;                /* measured bytes/s for the estimate, 0 unknown */
	const struct bek_dc_keysrc *keys;
	const char *config_text;    /* the boot configuration change, as printed, or NULL */
	struct json_object *config; /* the same as JSON, or NULL */
};

void bek_dc_print_plan(FILE *f, const struct bek_dc_volume *v, size_t n, const struct bek_dc_report *r);
void bek_dc_print_json(FILE *f, const struct bek_dc_volume *v, size_t n, const struct bek_dc_report *r,
		       struct json_object *config);
/* "1 h 05 min", "3 min", "40 s" */
const char *bek_dc_duration(double seconds, char *buf, size_t size);
#endif
