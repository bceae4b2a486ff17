/* Guest root filesystem's /sbin/init for the QEMU harness.
 * Reports what the initramfs left behind, then powers the VM off:
 *   BEK-TEST: ROOT REACHED
 *   BEK-TEST: bek-mounted=yes|no   (a vfat mount, or any mount under /run/bek*)
 *   BEK-TEST: key-material=none|PATH...
 * /run is not fresh: systemd moves the initramfs' /run into the new root, so key material
 * left there by the initramfs would still be visible.  Key material is a regular file below
 * /run or /tmp that is named like an ADE key (LinuxPassPhraseFileName*, *.BEK), lies under a
 * directory named bek*, or looks like an ADE key (172 bytes ending in "==").
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#define ADE_KEY_LEN 172

static FILE *con;

static int bek_mounted(void)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/self/mountinfo", "r");

    if (!f)
        return 0;
    /* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SRC SUPEROPTS */
    while (!found && fgets(line, sizeof line, f)) {
        char mnt[1024] = "", fstype[64] = "";
        char *sep = strstr(line, " - ");

        sscanf(line, "%*s %*s %*s %*s %1023s", mnt);
        if (sep)
            sscanf(sep + 3, "%63s", fstype);
        found = strcmp(fstype, "vfat") == 0 || strncmp(mnt, "/run/bek", 8) == 0;
    }
    fclose(f);
    return found;
}

static int looks_like_key(const char *path, const char *name, const struct stat *st)
{
    char tail[2];
    size_t len = strlen(name);
    int fd, ok = 0;

    if (strncmp(name, "LinuxPassPhrase", 15) == 0 || (len > 4 && !strcmp(name + len - 4, ".BEK")))
        return 1;
    if (strstr(path, "/bek"))
        return 1;
    if (st->st_size != ADE_KEY_LEN || (fd = open(path, O_RDONLY)) < 0)
        return 0;
    ok = pread(fd, tail, 2, ADE_KEY_LEN - 2) == 2 && tail[0] == '=' && tail[1] == '=';
    close(fd);
    return ok;
}

/* Print every key-like file below dir; returns how many. */
static int list_keys(const char *dir)
{
    char path[4096];
    struct dirent *e;
    struct stat st;
    int n = 0;
    DIR *d = opendir(dir);

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            n += list_keys(path);
        } else if (S_ISREG(st.st_mode) && looks_like_key(path, e->d_name, &st)) {
            fprintf(con, " %s", path);
            n++;
        }
    }
    closedir(d);
    return n;
}

int main(void)
{
    int n;

    mount("proc", "/proc", "proc", 0, NULL);
    con = fopen("/dev/console", "w");
    if (!con)
        con = stdout;
    setvbuf(con, NULL, _IONBF, 0);

    fprintf(con, "\nBEK-TEST: ROOT REACHED\n");
    fprintf(con, "BEK-TEST: bek-mounted=%s\n", bek_mounted() ? "yes" : "no");
    fprintf(con, "BEK-TEST: key-material=");
    n = list_keys("/run") + list_keys("/tmp");
    fprintf(con, "%s\n", n ? "" : "none");

    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
