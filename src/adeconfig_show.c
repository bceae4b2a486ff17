// SPDX-License-Identifier: GPL-2.0-or-later
/* A boot-configuration plan shown to the operator (each change as a diff -u of the
 * system's diff, each command) and as JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#include "adeconfig_int.h"

static const char *const kinds[] = {
	[BEK_CFG_EDIT] = "edit", [BEK_CFG_CREATE] = "create", [BEK_CFG_MOVE_OUT] = "move-out", [BEK_CFG_BY_TOOL] = "by-tool",
};

/* A temporary file holding text, or -1. */
static int tmpfile_with(const char *text, char name[64])
{
	const char *dir = getenv("TMPDIR");
	snprintf(name, 64, "%.40s/bek-cfg-XXXXXX", dir && dir[0] == '/' && strlen(dir) < 40 ? dir : "/tmp");
	int fd = mkstemp(name);
	if (fd < 0)
		return -1;
	for (size_t len = strlen(text), off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w <= 0) {
			close(fd);
			unlink(name);
			return -1;
		}
		off += (size_t)w;
	}
	close(fd);
	return 0;
}

/* diff -u --label a/PATH --label b/PATH old new, its output on f. */
static void diff(const char *path, const char *old, const char *new, FILE *f)
{
	char a[64], b[64], la[600], lb[600];
	if (tmpfile_with(old ? old : "", a) < 0)
		return (void)fprintf(f, "(cannot show the diff of %s: %m)\n", path);
	if (tmpfile_with(new ? new : "", b) < 0) {
		unlink(a);
		return (void)fprintf(f, "(cannot show the diff of %s: %m)\n", path);
	}
	snprintf(la, sizeof(la), "a%s", old ? path : "/dev/null");
	snprintf(lb, sizeof(lb), "b%s", new ? path : "/dev/null");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(fileno(f), 1) < 0)
			_exit(127);
		execlp("diff", "diff", "-u", "--label", la, "--label", lb, a, b, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		fprintf(f, "(cannot show the diff of %s: diff failed)\n", path);
	unlink(a);
	unlink(b);
}

/* "grubby --update-kernel=ALL '--remove-args=a b'" */
static void put_cmd(char *const *argv, FILE *f)
{
	for (size_t i = 0; argv[i]; i++)
		fprintf(f, strpbrk(argv[i], " \t'\"$") ? "%s'%s'" : "%s%s", i ? " " : "", argv[i]);
}

void bek_config_print(const struct bek_config_plan *p, FILE *f)
{
	if (bek_config_empty(p)) {
		fprintf(f, "Boot configuration under %s: nothing to change (no ADE entry, option or hook left).\n",
			p ? p->root : "?");
		return;
	}
	fprintf(f, "Boot configuration under %s (%s, %s):\n", p->root,
		p->initrd == BEK_CFG_ITOOLS ? "initramfs-tools" : "dracut",
		p->loader == BEK_CFG_GRUBBY ? "grubby" : "update-grub");
	if (p->pending)
		fprintf(f, "An earlier run stopped before its commands finished (%s): they run again.\n", BEK_CFG_PENDING);
	for (size_t i = 0; i < p->nc; i++) {
		const struct bek_cfg_change *c = &p->c[i];
		switch (c->kind) {
		case BEK_CFG_MOVE_OUT:
			fprintf(f, "Disable %s: move %s into the backup directory\n", c->what, c->path);
			break;
		case BEK_CFG_BY_TOOL:
			fprintf(f, "%s, as grubby will change it:\n", c->path);
			diff(c->path, c->old, c->new, f);
			break;
		default:
			if (c->what)
				fprintf(f, "%s (%s):\n", c->path, c->what);
			diff(c->path, c->old, c->new, f);
		}
	}
	for (size_t i = 0; i < p->ncmd; i++) {
		fprintf(f, strcmp(p->root, "/") ? "Run (chroot %s): " : "Run%.0s: ", p->root);
		put_cmd(p->cmd[i], f);
		fputc('\n', f);
	}
}

struct json_object *bek_config_json(const struct bek_config_plan *p)
{
	if (!p)
		return NULL;
	struct json_object *o = json_object_new_object(), *ch = json_object_new_array(), *cm = json_object_new_array();
	if (!o || !ch || !cm) {
		json_object_put(o), json_object_put(ch), json_object_put(cm);
		return NULL;
	}
	json_object_object_add(o, "root", json_object_new_string(p->root));
	json_object_object_add(o, "initramfs", json_object_new_string(p->initrd == BEK_CFG_ITOOLS ? "initramfs-tools" : "dracut"));
	json_object_object_add(o, "boot_loader", json_object_new_string(p->loader == BEK_CFG_GRUBBY ? "grubby" : "update-grub"));
	json_object_object_add(o, "empty", json_object_new_boolean(bek_config_empty(p)));
	json_object_object_add(o, "rebuild_pending", json_object_new_boolean(p->pending));
	for (size_t i = 0; i < p->nc; i++) {
		struct json_object *c = json_object_new_object();
		if (!c)
			continue;
		json_object_object_add(c, "path", json_object_new_string(p->c[i].path));
		json_object_object_add(c, "action", json_object_new_string(kinds[p->c[i].kind]));
		if (p->c[i].new)
			json_object_object_add(c, "new", json_object_new_string(p->c[i].new));
		json_object_array_add(ch, c);
	}
	for (size_t i = 0; i < p->ncmd; i++) {
		struct json_object *a = json_object_new_array();
		for (char **s = p->cmd[i]; a && *s; s++)
			json_object_array_add(a, json_object_new_string(*s));
		if (a)
			json_object_array_add(cm, a);
	}
	json_object_object_add(o, "changes", ch);
	json_object_object_add(o, "commands", cm);
	return o;
}
