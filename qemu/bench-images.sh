#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest disks and instrumentation for the benchmark (qemu/bench.mk, qemu/bench.py).
#
#   qemu/bench-images.sh images SRCDIR OUTDIR MEMORY_KIB ITERATIONS
#     OUTDIR/root-slot2.img  the root of SRCDIR/root-notoken.img (qemu/images.sh: ext4 with
#                            rootinit, same volume key), its keyslots replaced by argon2id
#                            ones, MEMORY_KIB, 1 thread, ITERATIONS passes each:
#                              keyslot 0 = OUTDIR/other0.key, keyslot 1 = OUTDIR/other1.key,
#                              keyslot 2 = SRCDIR/ade.key (the key of SRCDIR/bek-good.img)
#                            and the token {"type":"bek","keyslots":["2"],"key_file":...}.
#                            A key file tried against every keyslot costs three derivations;
#                            bek-unlock, told keyslot 2 by the token, one.
#     OUTDIR/uuid-slot2      its LUKS UUID (that of root-notoken.img: it is a copy)
#   qemu/bench-images.sh calib OUT.cpio MEMORY_KIB ITERATIONS
#     OUT.cpio: an initramfs whose /init (static, Debian's libargon2.a: the library both
#     libcryptsetup builds call) derives argon2id MEMORY_KIB x ITERATIONS, 1 thread, three
#     times, writes "bench: argon2id derivation N: 1234.5 ms" to /dev/kmsg each time and
#     powers off: what one key derivation of the slot2 keyslots costs under TCG, measured
#     by bench.py in a bare guest next to the boots it explains.
#   qemu/bench-images.sh rules FILE
#     FILE: the udev rule every benchmark initramfs gets as /etc/udev/rules.d/99-bench.rules.
#     When a dm-crypt device becomes usable, it writes "bench: dm-crypt active NAME" to
#     /dev/kmsg, i.e. with the kernel's timestamp. The same rule in the three images,
#     whoever activated the device. Observed in all three (systemd-cryptsetup, dracut's
#     cryptsetup, bek-unlock): "add" of dm-0 without DM_UUID (created, suspended), then
#     "change" with DM_UUID=CRYPT-LUKS2-..., DM_SUSPENDED=Active (dmsetup's word, not "0"),
#     DM_ACTIVATION=1 (the resume); later "change" events without DM_ACTIVATION (e.g.
#     after fsck) fire it again: bench.py takes the first.
#   qemu/bench-images.sh itools UUID_FILE OUTDIR
#     What the two initramfs-tools images (qemu/itools-initramfs.sh) get in their build root:
#     OUTDIR/ct-ours     /etc/crypttab of E (bek-unlock): "cryptroot UUID=<U> none
#                        luks,initramfs", as qemu/itools-images.sh's ct-root (the hook names
#                        the volume to bek-unlock: rd.luks.name=<U>=cryptroot)
#     OUTDIR/ct-passdev  /etc/crypttab of F (stock): the same volume, its key read from the
#                        BEK disk by Debian's passdev keyscript:
#                          cryptroot UUID=<U> /dev/disk/by-label/BEK\\x20VOLUME:/KEYFILE
#                          luks,initramfs,keyscript=passdev
#                        The backslash is doubled: cryptsetup-initramfs decodes every field
#                        with printf %b, and the image's busybox printf turns \x20 into a
#                        space (udev's link is literally BEK\x20VOLUME); \\ gives \ in both
#                        busybox's and dash's printf.
#     OUTDIR/bench-hook  an initramfs-tools hook (/etc/initramfs-tools/hooks/bench-rules):
#                        copies /bek-test/99-bench.rules (the rules FILE) to the image's
#                        /etc/udev/rules.d/ (udevd reads that directory; initramfs-tools'
#                        udev hook copies only its own list of rules); with BENCH_VFAT=1 in
#                        its environment it also adds (does not load) vfat and the charsets
#                        a VFAT mount asks for, as B and C get them (--add-drivers):
#                        passdev's own hook (cryptpassdev) adds vfat but no nls_*, and the
#                        mount would fail ("codepage cp437 not found")
set -eu

KEY=LinuxPassPhraseFileName

rules() {
    mkdir -p "$(dirname "$1")"
    cat > "$1.tmp" <<'EOF'
# qemu/bench-images.sh: timestamps the moment dm-crypt devices become usable (bench only).
SUBSYSTEM=="block", ACTION=="change", KERNEL=="dm-*", ENV{DM_UUID}=="CRYPT-*", ENV{DM_SUSPENDED}!="1|Suspended", RUN+="/bin/sh -c 'echo bench: dm-crypt active $env{DM_NAME} > /dev/kmsg'"
EOF
    # Unchanged content keeps the old file (and its time): the images are not rebuilt.
    keep_or_replace "$1"
}

# keep_or_replace FILE: FILE.tmp replaces FILE only when it differs (an unchanged file
# keeps its time, so the images made from it are not rebuilt).
keep_or_replace() {
    if cmp -s "$1.tmp" "$1"; then rm "$1.tmp"; else mv "$1.tmp" "$1"; fi
}

itools() {
    uuid=$(cat "$1") out=$2
    mkdir -p "$out"
    printf 'cryptroot UUID=%s none luks,initramfs\n' "$uuid" > "$out/ct-ours.tmp"
    printf 'cryptroot UUID=%s %s luks,initramfs,keyscript=passdev\n' "$uuid" \
        '/dev/disk/by-label/BEK\\x20VOLUME:/'"$KEY" > "$out/ct-passdev.tmp"
    cat > "$out/bench-hook.tmp" <<'EOF'
#!/bin/sh
# qemu/bench-images.sh itools: the bench's udev rule in an initramfs-tools image (bench only).
PREREQ=""
prereqs() { echo "$PREREQ"; }
case $1 in
prereqs)
    prereqs
    exit 0
    ;;
esac
. /usr/share/initramfs-tools/hook-functions
mkdir -p "$DESTDIR/etc/udev/rules.d"
cp /bek-test/99-bench.rules "$DESTDIR/etc/udev/rules.d/99-bench.rules"
if [ -n "${BENCH_VFAT:-}" ]; then
    manual_add_modules vfat nls_cp437 nls_iso8859-1 nls_utf8 nls_ascii
fi
exit 0
EOF
    chmod 755 "$out/bench-hook.tmp"
    for f in ct-ours ct-passdev bench-hook; do
        keep_or_replace "$out/$f"
    done
}

images() {
    src=$1 dest=$2 mem=$3 iter=$4
    out=$dest/.new
    argon="--pbkdf argon2id --pbkdf-memory $mem --pbkdf-parallel 1 --pbkdf-force-iterations $iter"
    rm -rf "$out"
    mkdir -p "$out"
    printf 'bench-other-passphrase-0' > "$out/other0.key"
    printf 'bench-other-passphrase-1' > "$out/other1.key"
    img=$out/root-slot2.img
    cp "$src/root-notoken.img" "$img"
    # libcryptsetup tries keyslots (any slot: systemd-cryptsetup, cryptsetup open) in the
    # order of the LUKS2 JSON object, i.e. the order they were added in, not by number: a
    # keyslot killed and added again moves to the end. So every keyslot of root-notoken
    # (0 = pass0, 1 = ade.key, pbkdf2) goes, with a temporary keyslot 3 (pass0) to
    # authorize, and 0, 1, 2 are added in that order (killing a keyslot needs the passphrase
    # of another one).
    cryptsetup luksAddKey --disable-locks --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --key-slot 0 --new-key-slot 3 --key-file "$src/pass0" "$img" "$src/pass0"
    cryptsetup luksKillSlot --batch-mode --disable-locks --key-file "$src/pass0" "$img" 0
    cryptsetup luksKillSlot --batch-mode --disable-locks --key-file "$src/pass0" "$img" 1
    for pair in 0="$out/other0.key" 1="$out/other1.key" 2="$src/ade.key"; do
        # shellcheck disable=SC2086   # $argon is a list of arguments
        cryptsetup luksAddKey --disable-locks $argon --key-slot 3 --new-key-slot "${pair%%=*}" \
            --key-file "$src/pass0" "$img" "${pair#*=}"
    done
    cryptsetup luksKillSlot --batch-mode --disable-locks --key-file "$out/other0.key" "$img" 3
    printf '{"type":"bek","keyslots":["2"],"key_file":"%s"}' "$KEY" |
        cryptsetup token import --disable-locks --json-file - "$img"
    # The layout the benchmark claims: three argon2id keyslots, in the JSON in the order
    # 0 1 2, the token naming keyslot 2.
    order=$(cryptsetup luksDump --disable-locks --dump-json-metadata "$img" | tr -d ' \n' |
        grep -o '"[0-9]*":{"type":"luks2"' | cut -d'"' -f2 | tr -d '\n')
    [ "$order" = 012 ] || { echo "keyslot order $order, not 012" >&2; exit 1; }
    dump=$(cryptsetup luksDump --disable-locks "$img")
    [ "$(printf '%s\n' "$dump" | grep -c 'PBKDF:  *argon2id')" = 3 ] || { echo "not 3 argon2id keyslots" >&2; exit 1; }
    echo "$mem KiB, $iter passes" > "$out/kdf-slot2"
    printf '%s\n' "$dump" | grep -q 'Keyslot:  *2' || { echo "token does not name keyslot 2" >&2; exit 1; }
    cryptsetup open --test-passphrase --disable-locks --key-slot 2 --key-file "$src/ade.key" "$img"
    cryptsetup luksUUID "$img" > "$out/uuid-slot2"
    mv -f "$out"/* "$dest"/
    rmdir "$out"
}

calib() {
    out=$1 mem=$2 iter=$3
    dir=$out.d
    rm -rf "$dir"
    mkdir -p "$dir/root/dev"
    cat > "$dir/calib.c" <<'CSRC'
#include <argon2.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	unsigned char out[64];
	char line[128];
	int fd;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/kmsg", O_WRONLY);
	for (int i = 1; i <= 3; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int r = argon2id_hash_raw(ITER, MEM_KIB, 1, "passphrase", 10, "saltsaltsaltsalt", 16,
					  out, sizeof out);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		if (r == ARGON2_OK)
			snprintf(line, sizeof line, "bench: argon2id derivation %d: %.1f ms\n", i, ms);
		else
			snprintf(line, sizeof line, "bench: argon2id failed: %s\n", argon2_error_message(r));
		if (fd < 0 || write(fd, line, strlen(line)) < 0)
			fputs(line, stdout);
	}
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
CSRC
    gcc -static -O2 -Wall -DMEM_KIB="$mem" -DITER="$iter" -o "$dir/root/init" "$dir/calib.c" \
        -l:libargon2.a -lpthread
    (cd "$dir/root" && find . | cpio -o -H newc --quiet) > "$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$dir"
}

case ${1:-} in
    rules) rules "$2" ;;
    calib) calib "$2" "$3" "$4" ;;
    images) images "$2" "$3" "$4" "$5" ;;
    itools) itools "$2" "$3" ;;
    *) echo "usage: $0 images SRCDIR OUTDIR MEMORY_KIB ITERATIONS | calib OUT MEMORY_KIB ITERATIONS" \
            "| rules FILE | itools UUID_FILE OUTDIR" >&2; exit 2 ;;
esac
