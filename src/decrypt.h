// SPDX-License-Identifier: GPL-2.0-or-later
/* bek-unlock decrypt: leave Azure Disk Encryption by decrypting each ADE volume in place
 * (libcryptsetup's reencryption), then changing the boot configuration so that the
 * system boots without ADE or the BEK disk. Plans first; acts only with --yes. */
#ifndef BEK_DECRYPT_H
#define BEK_DECRYPT_H

#define BEK_DECRYPT_SYNOPSIS \
	"       bek-unlock decrypt [--yes] [--json] [--key-file FILE|--secret-file FILE] [--root DIR]\n" \
	"                          [--backup-dir DIR] [--no-config] [--no-header-check]\n" \
	"                          [DEVICE [--header HDR]]\n" \
	"       bek-unlock decrypt status [--json] [--root DIR] [--backup-dir DIR] [DEVICE [--header HDR]]\n"

#define BEK_DECRYPT_HELP \
	"  decrypt  decrypt in place every ADE volume of DIR/etc/crypttab (or DEVICE), online when\n" \
	"           it is open, then make the boot need neither ADE nor the BEK disk; without --yes\n" \
	"           only prints the plan; the key comes from the BEK disk, FILE (the passphrase as\n" \
	"           is) or --secret-file (recover's Key Vault result); headers are backed up in DIR\n" \
	"           (/var/lib/bek-unlock/decrypt, else /boot/bek-unlock); status reads progress\n"

/* Exit codes of decrypt (also in exitcode.h's spirit: documented in README and man page). */
enum {
	BEK_DC_EXIT_DONE = 0,       /* every volume plain, configuration changed (or nothing to do) */
	BEK_DC_EXIT_ERROR = 1,      /* failed while at work: running it again resumes */
	BEK_DC_EXIT_REFUSED = 5,    /* refused before any write (the message says why) */
	BEK_DC_EXIT_PENDING = 6,    /* plan only (no --yes), or status: not started */
	BEK_DC_EXIT_IN_PROGRESS = 7 /* started and unfinished: interrupted, or running elsewhere */
};

/* argv[0] is "decrypt". Returns the exit code. */
int bek_decrypt_main(int argc, char **argv);
#endif
