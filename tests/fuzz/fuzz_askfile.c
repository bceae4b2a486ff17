// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: a password-agent question file (src/askfile.c), any bytes: a question
 * accepted names a socket inside systemd's question directory, as a plain name there, that
 * fits sun_path, and a device path kept is a /dev path. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "askfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bek_ask a;
	int r = bek_ask_parse((const char *)data, size, &a);
	assert(r == 1 || r == 0 || r < 0);
	if (r < 0)
		return 0;
	static const char dir[] = BEK_ASK_DIR "/";
	size_t len = strlen(a.socket);
	assert(len < sizeof(a.socket) && strncmp(a.socket, dir, sizeof(dir) - 1) == 0);
	assert(len > sizeof(dir) - 1 && !strchr(a.socket + sizeof(dir) - 1, '/'));
	assert(strcmp(a.socket + sizeof(dir) - 1, "..") != 0 && strcmp(a.socket + sizeof(dir) - 1, ".") != 0);
	assert(!a.device[0] || (strncmp(a.device, "/dev/", 5) == 0 && strlen(a.device) < sizeof(a.device)));
	return 0;
}
