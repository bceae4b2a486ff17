// SPDX-License-Identifier: GPL-2.0-or-later
#include "recover_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fileio.h"
#include "log.h"
#include "recover_args.h"


int bek_recover_write_key(const char *path, const struct bek_secret *key)
{
	const char *shown = bek_recover_shown(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno == EEXIST)
		return bek_log(LOG_ERR, "Refusing to write the key file %s: it exists (never overwritten)", shown),
		       BEK_EXIT_ERROR;
	if (fd < 0)
		return bek_log_errno(LOG_ERR, errno, "Failed to create the key file %s: %m", shown), BEK_EXIT_ERROR;

	int r = fchmod(fd, 0600) < 0 ? -errno : 0;   /* whatever the umask */
	for (size_t done = 0; r == 0 && done < key->size;) {
		ssize_t k = write(fd, key->data + done, key->size - done);
		if (k < 0 && errno != EINTR)
			r = -errno;
		else if (k == 0)
			r = -EIO;
		else if (k > 0)
			done += (size_t)k;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(path);
		return bek_log_errno(LOG_ERR, r, "Failed to write the key file %s: %m", shown), BEK_EXIT_ERROR;
	}
	r = bek_sync_parent(path);
	if (r < 0)
		bek_log_errno(LOG_WARNING, r, "Failed to sync the directory of %s: %m", shown);
	printf("wrote %zu bytes to %s (mode 0600)\n", key->size, shown);
	return BEK_EXIT_OK;
}

int bek_recover_describe(const struct bek_kv_secret *s, bool show_wrapped)
{
	char url[BEK_KV_URL_MAX + 64], resource[BEK_KV_URL_MAX + 16];

	printf("secret:       %s\n", s->id[0] ? s->id : "(no \"id\")");
	printf("machine:      %s\n", s->machine[0] ? s->machine : "(no MachineName tag)");
	printf("key file:     %s\n", s->key_file[0] ? s->key_file : "(no DiskEncryptionKeyFileName tag)");
	if (s->content_type[0])
		printf("content type: %s\n", s->content_type);
	size_t kl = strlen(s->key_file);
	if (kl > 4 && strcasecmp(s->key_file + kl - 4, ".BEK") == 0)
		printf("note:         a .BEK file is a BitLocker key of a Windows VM, not a LUKS passphrase\n");

	if (!s->wrapped) {
		printf("wrapped:      no (no DiskEncryptionKeyEncryptionKeyURL tag): the value, base64-decoded,\n"
		       "              is the passphrase itself\n"
		       "value:        %zu characters, never printed\n"
		       "then:         bek-unlock recover --secret-file FILE --check DEVICE [--header HEADER]\n"
		       "              with this secret's JSON (or its value alone) in FILE\n", s->value_chars);
		return BEK_EXIT_OK;
	}
	if (bek_kv_unwrap_url(s, url, sizeof(url)) < 0 || bek_kv_resource(s->kek_url, resource, sizeof(resource)) < 0)
		return bek_log(LOG_ERR, "Refusing the secret: its key URL is too long"), BEK_EXIT_ERROR;
	printf("wrapped:      yes, by the key %s (tag %s)\n", s->kek_url, s->kek_tag);
	printf("algorithm:    %s%s\n", s->algorithm,
	       s->algorithm_assumed ? " (no DiskEncryptionKeyEncryptionAlgorithm tag: ADE's default)" : "");
	if (show_wrapped)
		printf("value:        %zu characters, %zu bytes wrapped: %s\n", s->value_chars, s->wrapped_bytes,
		       s->wrapped_value);
	else
		printf("value:        %zu characters, %zu bytes wrapped (--show-wrapped prints it)\n",
		       s->value_chars, s->wrapped_bytes);
	printf("unwrapKey:    POST %s\n"
	       "              with the body {\"alg\":\"%s\",\"value\":\"%s\"}\n"
	       "              (needs the unwrapKey permission on that key)\n"
	       "then:         bek-unlock recover --secret-file RESPONSE --check DEVICE [--header HEADER]\n"
	       "              with the JSON response (or its \"value\") in RESPONSE\n",
	       url, s->algorithm, show_wrapped ? s->wrapped_value : "<the secret's value>");
	printf("with az:      az rest --method post --resource %s \\\n"
	       "                --url '%s' \\\n", resource, url);
	if (show_wrapped)
		printf("                --body '{\"alg\":\"%s\",\"value\":\"%s\"}' \\\n", s->algorithm, s->wrapped_value);
	else
		printf("                --body \"{\\\"alg\\\":\\\"%s\\\",\\\"value\\\":\\\"$(az keyvault secret show "
		       "--id '%s' --query value -o tsv)\\\"}\" \\\n", s->algorithm, s->id[0] ? s->id : "SECRET-ID");
	printf("                | bek-unlock recover --check DEVICE [--header HEADER]\n");
	return BEK_EXIT_OK;
}
