// SPDX-License-Identifier: GPL-2.0-or-later
/* Test driver of the boot-configuration change (src/adeconfig.h), calling what
 * bek-unlock decrypt calls:
 *   adeconfig_drv plan|json|apply ROOT BACKUP_DIR NAME:FS_UUID:FS_TYPE...
 * (an empty FS_UUID stands for an unknown one). plan prints the plan, json its JSON,
 * apply prints it and carries it out. Exit status: 0, 1 on a refusal or failure,
 * 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "adeconfig.h"

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s plan|json|apply ROOT BACKUP_DIR NAME:FS_UUID:FS_TYPE...\n", argv[0]);
		return 2;
	}
	size_t n = (size_t)argc - 4;
	struct bek_plain_volume *v = calloc(n, sizeof(*v));
	if (!v)
		return 1;
	for (size_t i = 0; i < n; i++) {
		char *s = argv[i + 4], *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b) {
			fprintf(stderr, "%s: NAME:FS_UUID:FS_TYPE, not %s\n", argv[0], s);
			free(v);
			return 2;
		}
		*a = *b = '\0';
		v[i] = (struct bek_plain_volume){ s, a[1] ? a + 1 : NULL, b + 1 };
	}
	struct bek_config_plan *p;
	int r = bek_config_plan(argv[2], v, n, &p);
	if (r == 0) {
		if (strcmp(argv[1], "json") == 0) {
			struct json_object *o = bek_config_json(p);
			puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
			json_object_put(o);
		} else {
			bek_config_print(p, stdout);
		}
		if (strcmp(argv[1], "apply") == 0)
			r = bek_config_apply(p, argv[3]);
		bek_config_free(p);
	}
	free(v);
	return r < 0;
}
