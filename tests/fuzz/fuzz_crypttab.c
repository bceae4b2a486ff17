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
	const char *why;
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	int r = bek_crypttab_parse_line(line, &e, &why);
	free(line);
	assert(r >= -EINVAL && r <= 1);
	if (r == 1) {
		assert(e.name[0] && !strchr(e.name, '/'));
		assert(strncmp(e.source, "/dev/", 5) == 0 && !strstr(e.source, "/../"));
		assert(bek_keyname_check(e.key_file) == NULL);
		assert(!e.header_path[0] || (e.header_path[0] != '/' && !strstr(e.header_path, "..")));
	} else if (r < 0) {
		assert(why && *why);
	}
	return 0;
}
