// SPDX-License-Identifier: GPL-2.0-or-later
/* "bek-unlock recover": offline recovery of an ADE volume from another machine, with
 * what Azure Key Vault gives the operator: the unwrapKey result (read from a file or
 * standard input, never from the command line), checked against the LUKS header,
 * used to open the volume or written to a new key file; or a description of a Key
 * Vault secret and of the unwrapKey request to make for it. Never prints the passphrase. */
#ifndef BEK_RECOVER_H
#define BEK_RECOVER_H

#define BEK_RECOVER_SYNOPSIS \
	"       bek-unlock recover [--secret-file FILE|-] --check DEVICE [--header HDR] [--write-key-file PATH]\n" \
	"       bek-unlock recover [--secret-file FILE|-] --open DEVICE NAME [--header HDR] [--write-key-file PATH]\n" \
	"       bek-unlock recover [--secret-file FILE|-] --write-key-file PATH\n" \
	"       bek-unlock recover --describe FILE|- [--show-wrapped]\n"

#define BEK_RECOVER_HELP \
	"  recover  from another machine, with the result of Key Vault's unwrapKey (the JSON\n" \
	"           response or its value, base64url, padding optional) in FILE or on standard\n" \
	"           input: --check tells which keyslot of DEVICE (or of the detached header HDR)\n" \
	"           accepts it, --open opens DEVICE as /dev/mapper/NAME, --write-key-file writes\n" \
	"           it to a new file (mode 0600, never overwritten). --describe reads a secret\n" \
	"           as \"az keyvault secret show\" prints it and tells the unwrapKey request to make\n"

/* argv[0] is "recover". Returns the process exit code: 0 done, 1 error, 3 the
 * volume rejects the passphrase. */
int bek_recover(int argc, char **argv);

#endif
