// SPDX-License-Identifier: GPL-2.0-or-later
#include "decrypt_report.h"

#include <json-c/json.h>
#include <string.h>

const char *bek_dc_duration(double s, char *buf, size_t size)
{
	if (s < 0 || s != s)
		snprintf(buf, size, "unknown");
	else if (s < 90)
		snprintf(buf, size, "%.0f s", s);
	else if (s < 5400)
		snprintf(buf, size, "%.0f min", s / 60);
	else
		snprintf(buf, size, "%.0f h %02.0f min", s / 3600, (double)((long long)s % 3600 / 60));
	return buf;
}

static double mib(uint64_t b)
{
	return (double)b / (1024.0 * 1024.0);
}

void bek_dc_print_plan(FILE *f, const struct bek_dc_volume *v, size_t n, const struct bek_dc_report *r)
{
	uint64_t todo = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bek_dc_volume *x = &v[i];
		char key[PATH_MAX + 64], t[32];
		bek_dc_key_describe(r->keys, x, key, sizeof(key));
		fprintf(f, "%s: %s%s%s\n", x->name, x->device, x->header[0] ? ", header " : "", x->header);
		if (x->facts.state == BEK_DC_NOT_LUKS || x->action == BEK_DC_NOTHING) {
			fprintf(f, "  state:   plain%s%s%s\n", x->content[0] ? " (holds " : "", x->content,
				x->content[0] ? ")" : "");
			continue;
		}
		fprintf(f, "  state:   LUKS%d, %s%s, %.0f MiB of data%s\n", x->facts.luks_version,
			bek_dc_state_name(x->facts.state), x->facts.state == BEK_DC_ENCRYPTED ? "" : " (in progress)",
			mib(x->size), x->active[0] ? ", open" : ", closed");
		if (x->facts.state == BEK_DC_DECRYPTING || x->facts.state == BEK_DC_ENCRYPTING)
			fprintf(f, "  done:    %.1f %%\n", 100 * x->done);
		if (x->action == BEK_DC_REFUSE) {
			fprintf(f, "  refused: %s\n", x->why);
			continue;
		}
		uint64_t left = (uint64_t)((double)x->size * (1 - x->done));
		if (x->action == BEK_DC_FINISH_ENCRYPTION)
			left += x->size;   /* the rest of the encryption, then all of the decryption */
		todo += left;
		fprintf(f, "  action:  %s, %s (as /dev/mapper/%s)\n", bek_dc_action_name(x->action),
			x->active[0] ? "online" : "offline", x->active[0] ? x->active : x->name);
		if (x->action == BEK_DC_ADOPT_RECOVERED)
			fprintf(f, "  header:  %s records a chunk cut by a crash; the boot recovered it in its copy %s, "
				"which takes its place (its metadata as it is now kept with the backups)\n", x->header, x->recovered);
		fprintf(f, "  key:     %s\n", key);
		if (r->rate > 0)
			fprintf(f, "  time:    about %s (%.0f MiB to read and write at the measured %.0f MiB/s)\n",
				bek_dc_duration((double)left / r->rate, t, sizeof(t)), mib(left), mib((uint64_t)r->rate));
	}
	if (r->backup_dir && r->backup_dir[0] && r->backup_need > 0)
		fprintf(f, "header backups: %.0f MiB in %s\n", mib(r->backup_need), r->backup_dir);
	if (r->config_text)
		fprintf(f, "%s", r->config_text);
	(void)todo;
}

void bek_dc_print_json(FILE *f, const struct bek_dc_volume *v, size_t n, const struct bek_dc_report *r,
		       struct json_object *config)
{
	json_object *root = json_object_new_object(), *vols = json_object_new_array();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "state", json_object_new_string(r->state));
	for (size_t i = 0; i < n; i++) {
		const struct bek_dc_volume *x = &v[i];
		json_object *o = json_object_new_object();
		char key[PATH_MAX + 64];
		bek_dc_key_describe(r->keys, x, key, sizeof(key));
		json_object_object_add(o, "name", json_object_new_string(x->name));
		json_object_object_add(o, "device", json_object_new_string(x->device));
		json_object_object_add(o, "header", x->header[0] ? json_object_new_string(x->header) : NULL);
		json_object_object_add(o, "recovered_header", x->recovered[0] ? json_object_new_string(x->recovered) : NULL);
		json_object_object_add(o, "uuid", x->uuid[0] ? json_object_new_string(x->uuid) : NULL);
		json_object_object_add(o, "luks", json_object_new_int(x->facts.luks_version));
		json_object_object_add(o, "state", json_object_new_string(bek_dc_state_name(x->facts.state)));
		json_object_object_add(o, "done", json_object_new_double(x->done));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)x->size));
		json_object_object_add(o, "open", json_object_new_boolean(x->active[0] != '\0'));
		json_object_object_add(o, "action", json_object_new_string(bek_dc_action_name(x->action)));
		json_object_object_add(o, "refused", x->why[0] ? json_object_new_string(x->why) : NULL);
		json_object_object_add(o, "key", json_object_new_string(key));
		json_object_object_add(o, "content", x->content[0] ? json_object_new_string(x->content) : NULL);
		json_object_array_add(vols, o);
	}
	json_object_object_add(root, "volumes", vols);
	json_object_object_add(root, "backup_dir", r->backup_dir && r->backup_dir[0] ? json_object_new_string(r->backup_dir) : NULL);
	json_object_object_add(root, "backup_bytes", json_object_new_int64((int64_t)r->backup_need));
	json_object_object_add(root, "rate_bytes_per_s", json_object_new_double(r->rate));
	json_object_object_add(root, "config", config ? json_object_get(config) : NULL);
	fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}
