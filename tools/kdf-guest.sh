#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/kdf-guest.sh KDFBENCH_A KDFBENCH_B [ROUNDS]: the key derivations of two static
# kdfbench builds (tools/kdfbench.c, e.g. one against the static libraries before a change
# and `make kdfbench` after) timed in the same QEMU guest (the harness's kernel, TCG, one
# vCPU), interleaved A B A B ..., each run a fresh process: PBKDF2-SHA256 at 50,000
# iterations and Argon2id at 4 passes, 32 MiB, 1 thread. Prints each run and the medians.
# Needs the harness's kernel (make qemu-kernel). Not part of make test.
set -eu
a=$(realpath "$1") b=$(realpath "$2") rounds=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/root/dev"
cp "$a" "$dir/root/kdf-a"
cp "$b" "$dir/root/kdf-b"
cat > "$dir/init.c" <<CSRC
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>
static void run(char *const argv[])
{
	pid_t p = fork();
	if (p == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}
int main(void)
{
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (!freopen("/dev/console", "w", stdout))
		return 1;
	for (int i = 0; i < $rounds; i++)
		for (int k = 0; k < 2; k++) {
			char *bin = k ? "/kdf-b" : "/kdf-a";
			char *p[] = { bin, "pbkdf2", "sha256", "50000", "1", NULL };
			char *g[] = { bin, "argon2id", "4", "32768", "1", "1", NULL };
			printf("kdf-guest: %s pbkdf2\n", bin + 1); fflush(stdout); run(p);
			printf("kdf-guest: %s argon2id\n", bin + 1); fflush(stdout); run(g);
		}
	printf("kdf-guest: end\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
CSRC
gcc -static -O2 -o "$dir/root/init" "$dir/init.c"
(cd "$dir/root" && find . | cpio -o -H newc --quiet) > "$dir/kdf.cpio"
python3 "$here/qemu/boot.py" --initrd "$dir/kdf.cpio" --deadline 300 --log "$dir/console.log" > /dev/null 2>&1 || true
awk '
	/kdf-guest: kdf-[ab] / { who = $2; what = $3; next }
	/^median / && who != "" { v = $2; key = who " " what; n[key]++; val[key, n[key]] = v;
		printf "%s %s: %s ms\n", who, what, v; who = "" }
	END {
		for (key in n) {
			m = n[key]; for (i = 1; i <= m; i++) s[i] = val[key, i]
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
			printf "median %s: %s ms (%d runs)\n", key, s[int((m + 1) / 2)], m
		}
	}' "$dir/console.log"
grep -q "kdf-guest: end" "$dir/console.log" || { echo "kdf-guest: the guest did not finish" >&2; exit 1; }
