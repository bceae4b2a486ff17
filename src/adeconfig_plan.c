// SPDX-License-Identifier: GPL-2.0-or-later
/* The plan of the boot-configuration change (adeconfig.h): which family the system is
 * (initramfs-tools or dracut; update-grub or grubby), each file's new text, ADE's hooks to
 * take out, the commands to run. Reads the system under its root; writes nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adeconfig_edit.h"
#include "adeconfig_int.h"
#include "log.h"

/* The snippet that leaves ADE's dracut modules (91ade, 91adeOnline) out of every image. */
#define OMIT_CONF "/etc/dracut.conf.d/91-bek-unlock-omit-ade.conf"
#define OMIT_TEXT                                                                              \
	"# Written by bek-unlock decrypt: this system's Azure Disk Encryption volumes are plain,\n" \
	"# so ADE's own boot modules (91ade, 91adeOnline) are left out of the initramfs.\n"        \
	"omit_dracutmodules+=\" ade adeOnline \"\n"

/* ADE's dracut modules, where its RHEL/CentOS code copies them (/lib is /usr/lib there). */
static const char *const ade_dracut[] = {
	"/usr/lib/dracut/modules.d/91ade", "/usr/lib/dracut/modules.d/91adeOnline",
	"/lib/dracut/modules.d/91ade",     "/lib/dracut/modules.d/91adeOnline",
};

/* ADE's Ubuntu files: moved out whole (initramfs-tools has no switch to leave a hook out).
 * A file with a generic name is ADE's only when it mentions ADE's header path. */
static const struct {
	const char *path, *what, *needs;
} ade_itools[] = {
	{ "/usr/share/initramfs-tools/scripts/init-premount/crypt-ade-boot", "ADE's boot script (Ubuntu 20.04+)", NULL },
	{ "/usr/share/initramfs-tools/hooks/crypt-ade-hook", "ADE's initramfs hook (Ubuntu 20.04+)", NULL },
	{ "/usr/share/initramfs-tools/hooks/luksheader", "ADE's header hook (Ubuntu 16.04/18.04)", "osluksheader" },
	{ "/usr/share/initramfs-tools/hooks/inject_luks_header", "ADE's header hook", "osluksheader" },
	{ "/usr/sbin/azure_crypt_key.sh", "ADE's keyscript (Ubuntu 16.04/18.04)", NULL },
};

static int refuse(const char *root, int err, const char *why)
{
	return bek_log_errno(LOG_ERR, err, "decrypt: boot configuration under %s left unchanged: %s", root, why);
}

static int refuse_file(const char *root, const char *path, int err, const char *why)
{
	char msg[BEK_WHY_MAX + 200];
	snprintf(msg, sizeof(msg), "%s: %s", path, why[0] ? why : strerror(-err));
	return refuse(root, err, msg);
}

static int add(struct bek_config_plan *p, enum bek_cfg_kind kind, const char *path, char *old, char *new,
	       const char *what)
{
	if (p->nc == BEK_CFG_MAX_CHANGES) {
		free(old), free(new);
		return -E2BIG;
	}
	struct bek_cfg_change *c = &p->c[p->nc];
	c->path = strdup(path);
	if (!c->path) {
		free(old), free(new);
		return -ENOMEM;
	}
	c->kind = kind, c->old = old, c->new = new, c->what = what;
	p->nc++;
	return 0;
}

typedef int (*edit_fn)(const char *, const struct bek_plain_volume *, size_t, char **, struct bek_edit_words *,
		       char[BEK_WHY_MAX]);

static int grub_default(const char *t, const struct bek_plain_volume *v, size_t n, char **o, struct bek_edit_words *w,
			char why[BEK_WHY_MAX])
{
	(void)w;
	return bek_edit_grub_default(t, v, n, o, why);
}
static int crypttab(const char *t, const struct bek_plain_volume *v, size_t n, char **o, struct bek_edit_words *w,
		    char why[BEK_WHY_MAX])
{
	(void)w;
	return bek_edit_crypttab(t, v, n, o, why);
}
static int fstab(const char *t, const struct bek_plain_volume *v, size_t n, char **o, struct bek_edit_words *w,
		 char why[BEK_WHY_MAX])
{
	(void)w;
	return bek_edit_fstab(t, v, n, o, why);
}

static int lvmconf(const char *t, const struct bek_plain_volume *v, size_t n, char **o, struct bek_edit_words *w,
		   char why[BEK_WHY_MAX])
{
	(void)w;
	return bek_edit_lvmconf(t, v, n, o, why);
}
static int lvmdevices(const char *t, const struct bek_plain_volume *v, size_t n, char **o, struct bek_edit_words *w,
		      char why[BEK_WHY_MAX])
{
	(void)w;
	*o = NULL;
	return bek_check_lvm_devices(t, v, n, why);
}

/* One file read beneath dirfd (at path, shown as shown) and edited; a change is added. */
static int edit_file(struct bek_config_plan *p, int dirfd, const char *path, const char *shown, edit_fn fn,
		     enum bek_cfg_kind kind, const struct bek_plain_volume *v, size_t n, struct bek_edit_words *w)
{
	char why[BEK_WHY_MAX] = "", *text, *new;
	int r = kind == BEK_CFG_BY_TOOL ? bek_cfg_read_tool(dirfd, path, &text, why) : bek_cfg_read(dirfd, path, &text, why);
	if (r == 0 && text) {
		r = fn(text, v, n, &new, w, why);
		if (r > 0)
			return add(p, kind, shown, text, new, NULL);
		free(text);
	}
	return r >= 0 ? 0 : refuse_file(p->root, shown, r, why);
}

/* Every *.conf / *.cfg in dir (beneath dirfd), edited by fn. */
static int edit_dir(struct bek_config_plan *p, int dirfd, const char *dir, const char *shown_dir, const char *suffix,
		    edit_fn fn, enum bek_cfg_kind kind, const struct bek_plain_volume *v, size_t n,
		    struct bek_edit_words *w)
{
	int fd = openat(dirfd, dir + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		char msg[300];
		int e = errno;
		if (e == ENOENT)
			return 0;
		snprintf(msg, sizeof(msg), "%s cannot be read: %s", shown_dir, strerror(e));
		return refuse(p->root, -e, msg);
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	struct dirent **names;
	int k = scandirat(fd, ".", &names, NULL, alphasort), r = 0;
	for (int i = 0; i < k; i++) {
		const char *nm = names[i]->d_name;
		size_t l = strlen(nm), sl = strlen(suffix);
		char path[600], shown[600];
		if (r == 0 && nm[0] != '.' && l > sl && strcmp(nm + l - sl, suffix) == 0 && l < 256) {
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			snprintf(shown, sizeof(shown), "%s/%s", shown_dir, nm);
			r = edit_file(p, dirfd, path, shown, fn, kind, v, n, w);
		}
		free(names[i]);
	}
	if (k >= 0)
		free(names);
	closedir(d);
	return r;
}

static int cmd(struct bek_config_plan *p, const char *const *argv)
{
	size_t k = 0;
	while (argv[k])
		k++;
	char **a = calloc(k + 1, sizeof(*a));
	if (!a || p->ncmd == BEK_CFG_MAX_CMDS) {
		free(a);
		return -ENOMEM;
	}
	p->cmd[p->ncmd++] = a;
	for (size_t i = 0; i < k; i++)
		if (!(a[i] = strdup(argv[i])))
			return -ENOMEM;
	return 0;
}

static bool valid_volume(const struct bek_plain_volume *v)
{
	size_t l = v->name ? strlen(v->name) : 0;
	return l > 0 && l < 128 && v->name[0] != '.' &&
	       strspn(v->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-") == l && v->fs_type &&
	       strcmp(v->fs_type, "crypto_LUKS") != 0;
}

/* The family, from the tools under root; a refusal says which is missing. */
static int family(struct bek_config_plan *p, int rootfd)
{
	bool itools = bek_cfg_exists(rootfd, "/usr/sbin/update-initramfs") || bek_cfg_exists(rootfd, "/sbin/update-initramfs");
	bool dracut = bek_cfg_exists(rootfd, "/usr/bin/dracut") || bek_cfg_exists(rootfd, "/usr/sbin/dracut") ||
		      bek_cfg_exists(rootfd, "/sbin/dracut");
	if (itools == dracut)
		return refuse(p->root, -EOPNOTSUPP, itools ? "both initramfs-tools and dracut are installed: which one builds the initramfs is unknown"
							   : "neither initramfs-tools (update-initramfs) nor dracut is installed: unknown distribution family");
	p->initrd = itools ? BEK_CFG_ITOOLS : BEK_CFG_DRACUT;
	if (bek_cfg_exists(rootfd, "/usr/sbin/grubby") || bek_cfg_exists(rootfd, "/sbin/grubby"))
		p->loader = BEK_CFG_GRUBBY;
	else if (bek_cfg_exists(rootfd, "/usr/sbin/update-grub") || bek_cfg_exists(rootfd, "/sbin/update-grub"))
		p->loader = BEK_CFG_UPDATE_GRUB;
	else
		return refuse(p->root, -EOPNOTSUPP, "neither grubby nor update-grub is installed: unknown boot loader");
	/* The kernels (and BLS entries) are on /boot: offline, it must be mounted there too. */
	int bfd = openat(rootfd, "boot", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool kernel = false;
	DIR *d = bfd >= 0 ? fdopendir(bfd) : NULL;
	for (struct dirent *e; d && !kernel && (e = readdir(d));)
		kernel = strncmp(e->d_name, "vmlinuz-", 8) == 0 || strncmp(e->d_name, "vmlinux-", 8) == 0;
	if (d)
		closedir(d);
	else if (bfd >= 0)
		close(bfd);
	if (!kernel)
		return refuse(p->root, -ENOENT, "no kernel (vmlinuz-*) in its /boot: is the system's /boot mounted there?");
	return 0;
}

static int plan_files(struct bek_config_plan *p, int rootfd, const struct bek_plain_volume *v, size_t n,
		      struct bek_edit_words *w)
{
	int r;
	if ((r = edit_file(p, rootfd, "/etc/crypttab", "/etc/crypttab", crypttab, BEK_CFG_EDIT, v, n, NULL)) < 0 ||
	    (r = edit_file(p, rootfd, "/etc/fstab", "/etc/fstab", fstab, BEK_CFG_EDIT, v, n, NULL)) < 0 ||
	    (r = edit_file(p, rootfd, "/etc/default/grub", "/etc/default/grub", grub_default, BEK_CFG_EDIT, v, n, NULL)) < 0 ||
	    (r = edit_dir(p, rootfd, "/etc/default/grub.d", "/etc/default/grub.d", ".cfg", grub_default, BEK_CFG_EDIT, v, n,
			  NULL)) < 0 ||
	    (r = edit_file(p, rootfd, "/etc/lvm/lvm.conf", "/etc/lvm/lvm.conf", lvmconf, BEK_CFG_EDIT, v, n, NULL)) < 0 ||
	    (r = edit_file(p, rootfd, "/etc/lvm/devices/system.devices", "/etc/lvm/devices/system.devices", lvmdevices,
			   BEK_CFG_EDIT, v, n, NULL)) < 0 ||
	    (r = edit_file(p, rootfd, "/etc/kernel/cmdline", "/etc/kernel/cmdline", bek_edit_cmdline_file, BEK_CFG_EDIT, v,
			   n, NULL)) < 0)
		return r;
	if (p->loader == BEK_CFG_GRUBBY) {
		/* BLS entries and RHEL 8's kernelopts: grubby changes them; shown here. */
		int bfd = openat(rootfd, "boot", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (bfd < 0)
			return refuse(p->root, -errno, "cannot open /boot");
		static const char *const cfgs[] = { "/grub2/grub.cfg", "/efi/EFI/redhat/grub.cfg", "/efi/EFI/centos/grub.cfg" };
		char shown[64];
		if (bek_cfg_exists(bfd, "/loader/entries")) {
			r = edit_dir(p, bfd, "/loader/entries", "/boot/loader/entries", ".conf", bek_edit_bls, BEK_CFG_BY_TOOL, v, n, w);
			if (r >= 0)
				r = edit_file(p, bfd, "/grub2/grubenv", "/boot/grub2/grubenv", bek_edit_grubenv, BEK_CFG_BY_TOOL,
					      v, n, w);
		} else {   /* RHEL 7: grubby edits grub.cfg itself */
			for (size_t i = 0; r >= 0 && i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
				snprintf(shown, sizeof(shown), "/boot%s", cfgs[i]);
				r = edit_file(p, bfd, cfgs[i], shown, bek_edit_grubcfg, BEK_CFG_BY_TOOL, v, n, w);
			}
		}
		close(bfd);
		if (r < 0)
			return r;
	}
	if (p->initrd == BEK_CFG_DRACUT) {
		bool ade = false;
		for (size_t i = 0; i < sizeof(ade_dracut) / sizeof(ade_dracut[0]); i++)
			ade |= bek_cfg_exists(rootfd, ade_dracut[i]);
		char why[BEK_WHY_MAX] = "", *have = NULL;
		if ((r = bek_cfg_read(rootfd, OMIT_CONF, &have, why)) < 0)
			return refuse_file(p->root, OMIT_CONF, r, why);
		bool done = have && strcmp(have, OMIT_TEXT) == 0;
		if (ade && !done) {
			char *t = strdup(OMIT_TEXT);
			if (!t || (r = add(p, have ? BEK_CFG_EDIT : BEK_CFG_CREATE, OMIT_CONF, have, t,
					   "leaves ADE's dracut modules out")) < 0)
				return t ? r : (free(have), -ENOMEM);
			have = NULL;
		}
		free(have);
	}
	for (size_t i = 0; i < sizeof(ade_itools) / sizeof(ade_itools[0]); i++) {
		char why[BEK_WHY_MAX] = "", *have = NULL;
		if ((r = bek_cfg_read(rootfd, ade_itools[i].path, &have, why)) < 0)
			return refuse_file(p->root, ade_itools[i].path, r, why);
		if (have && (!ade_itools[i].needs || strstr(have, ade_itools[i].needs))) {
			if ((r = add(p, BEK_CFG_MOVE_OUT, ade_itools[i].path, have, NULL, ade_itools[i].what)) < 0)
				return r;
		} else {
			free(have);
		}
	}
	return 0;
}

int bek_config_plan(const char *root, const struct bek_plain_volume *v, size_t n, struct bek_config_plan **out)
{
	*out = NULL;
	if (!root || root[0] != '/')
		return refuse(root ? root : "(none)", -EINVAL, "the system's root must be an absolute path");
	for (size_t i = 0; i < n; i++)
		if (!valid_volume(&v[i]))
			return refuse(root, -EINVAL, "a volume has no usable name or is still LUKS");
	if (n == 0)
		return refuse(root, -EINVAL, "no volume given");
	struct bek_config_plan *p = calloc(1, sizeof(*p));
	if (!p || !(p->root = strdup(root))) {
		free(p);
		return -ENOMEM;
	}
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;
	if (rootfd < 0) {
		r = refuse(root, -errno, "cannot open it");
		bek_config_free(p);
		return r;
	}
	struct bek_edit_words w = { 0 };
	r = family(p, rootfd);
	if (r >= 0)
		r = plan_files(p, rootfd, v, n, &w);
	p->pending = bek_cfg_exists(rootfd, BEK_CFG_PENDING);
	close(rootfd);
	if (r >= 0 && (p->nc || p->pending)) {
		static const char *const itools[] = { "update-initramfs", "-u", "-k", "all", NULL };
		static const char *const dracut[] = { "dracut", "-f", "--regenerate-all", NULL };
		static const char *const grub[] = { "update-grub", NULL };
		r = cmd(p, p->initrd == BEK_CFG_ITOOLS ? itools : dracut);
		if (r >= 0 && p->loader == BEK_CFG_UPDATE_GRUB)
			r = cmd(p, grub);
		if (r >= 0 && p->loader == BEK_CFG_GRUBBY && (w.removed || w.added)) {
			char *ra = NULL, *aa = NULL;
			if ((w.removed && asprintf(&ra, "--remove-args=%s", w.removed) < 0) ||
			    (w.added && asprintf(&aa, "--args=%s", w.added) < 0))
				ra = aa = NULL, r = -ENOMEM;
			const char *const grubby[] = { "grubby", "--update-kernel=ALL", ra ? ra : aa, ra ? aa : NULL, NULL };
			if (r >= 0)
				r = cmd(p, grubby);
			free(ra), free(aa);
		}
	}
	bek_edit_words_free(&w);
	if (r < 0) {
		if (r == -ENOMEM || r == -E2BIG)
			bek_log_errno(LOG_ERR, r, "decrypt: boot configuration plan under %s: %m", root);
		bek_config_free(p);
		return r;
	}
	*out = p;
	return 0;
}

bool bek_config_empty(const struct bek_config_plan *p)
{
	return !p || (p->nc == 0 && !p->pending);
}

void bek_config_free(struct bek_config_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nc; i++)
		free(p->c[i].path), free(p->c[i].old), free(p->c[i].new);
	for (size_t i = 0; i < p->ncmd; i++) {
		for (char **a = p->cmd[i]; a && *a; a++)
			free(*a);
		free(p->cmd[i]);
	}
	free(p->root);
	free(p);
}
