// SPDX-License-Identifier: GPL-2.0-or-later
/* systemd's password agent protocol (systemd's docs/PASSWORD_AGENTS.md), the part that is
 * pure text: a question file systemd-cryptsetup writes as /run/systemd/ask-password/ask.*
 * (an .ini file, section [Ask]), and what may be sent back. agent.c does the I/O. */
#ifndef BEK_ASKFILE_H
#define BEK_ASKFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BEK_ASK_DIR "/run/systemd/ask-password"
#define BEK_ASK_FILE_MAX 4096      /* a question is a few hundred bytes; larger is not one */
#define BEK_ASK_SOCKET_MAX 108     /* sizeof(sockaddr_un.sun_path) */
#define BEK_ASK_PATH_MAX 256
/* systemd 252 receives an answer ("+" and the passphrase) into LINE_MAX + 1 bytes, and
 * reads it as NUL-separated passphrases: a longer key would be cut, a NUL would split it. */
#define BEK_ASK_ANSWER_MAX 2047

struct bek_ask {
	char socket[BEK_ASK_SOCKET_MAX];  /* Socket=: under BEK_ASK_DIR */
	bool by_devnum;                   /* Id=cryptsetup:/dev/block/MAJOR:MINOR */
	unsigned major, minor;
	char device[BEK_ASK_PATH_MAX];    /* else Id=cryptsetup:PATH, a /dev path ("" if none) */
	uint64_t not_after_us;            /* NotAfter=, CLOCK_MONOTONIC; 0: none */
	long pid;                         /* PID=; 0 when absent */
};

/* Parses a question file's text (len bytes, not necessarily NUL-terminated). Returns 1
 * for a question of systemd-cryptsetup's (Id=cryptsetup:...) with a usable Socket=, 0
 * for a question about something else, -EINVAL for text that is not a question file
 * (no [Ask] section, a bad value, an unsafe socket path, a NUL byte). */
int bek_ask_parse(const char *text, size_t len, struct bek_ask *out);

/* Whether a key can be sent whole as an answer (1..BEK_ASK_ANSWER_MAX bytes, no NUL). */
bool bek_ask_key_fits(const char *key, size_t len);

#endif
