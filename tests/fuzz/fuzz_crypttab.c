// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: crypttab lines (the image's /etc/bek-unlock/crypttab, and any
 * crypttab: /etc/crypttab, /cryptroot/crypttab). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypttab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bek_crypttab_entry e;
	char why[BEK_WHY_MAX];
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	memset(why, 'x', sizeof(why));   /* every return sets it: "" or a reason */
	int r = bek_crypttab_parse_line(line, &e, why);
	struct bek_crypttab_entry any;
	char awhy[BEK_WHY_MAX];
	memset(awhy, 'x', sizeof(awhy));
	int ra = bek_crypttab_parse_entry(line, &any, awhy);
	free(line);
	assert(ra >= -EINVAL && ra <= 1);
	assert(memchr(awhy, '\0', sizeof(awhy)) && !strchr(awhy, '\n'));
	assert(r != 1 || ra == 1);    /* an ADE entry is an entry */
	if (ra == 1) {
		char uuid[BEK_UUID_LEN + 1], flags[256];
		assert(any.name[0] && !strchr(any.name, '/'));
		assert(strncmp(any.source, "/dev/", 5) == 0 && !strstr(any.source, "/../"));
		assert(memchr(any.refuse, '\0', sizeof(any.refuse)) && !strchr(any.refuse, '\n'));
		/* The UUID it names is canonical, and finds the entry. */
		assert(!any.uuid[0] || (bek_uuid_canonical(any.uuid, strlen(any.uuid), uuid) == 0 &&
					strcmp(uuid, any.uuid) == 0 &&
					bek_crypttab_find(&any, 1, uuid, NULL) == &any));
		bek_crypttab_flags_str(any.flags, flags, sizeof(flags));
		assert(strlen(flags) < sizeof(flags));
		bek_crypttab_flags_str(any.flags, flags, 5);
		assert(strlen(flags) < 5);
	} else if (ra < 0) {
		assert(awhy[0]);
	}
	assert(r >= -EINVAL && r <= 1);
	assert(memchr(why, '\0', sizeof(why)) && !strchr(why, '\n'));
	if (r == 1) {
		assert(e.name[0] && !strchr(e.name, '/'));
		assert(strncmp(e.source, "/dev/", 5) == 0 && !strstr(e.source, "/../"));
		char kwhy[BEK_WHY_MAX] = "";
		assert(bek_keyname_check(e.key_file, kwhy) == 0 && !kwhy[0]);
		/* Relative, and no component is "." or ".." (a name like "..x" is fine). */
		assert(e.header_path[0] != '/');
		for (const char *c = e.header_path; *c; c += strcspn(c, "/"), c += *c == '/') {
			size_t n = strcspn(c, "/");
			assert(n > 0 && !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
		}
	} else if (r < 0) {
		assert(why[0]);
	}
	return 0;
}
