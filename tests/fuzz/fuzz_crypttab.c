// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: crypttab lines (the image's /etc/bek-unlock/crypttab). */
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
	free(line);
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
