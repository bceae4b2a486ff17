#!/bin/sh
# Build the guest disks for the QEMU scenarios into OUTDIR (default build/qemu/images):
#   pass0, ade.key, wrong.key         keyslot-0 passphrase, the ADE key (keyslot 1), a wrong key
#   uuid                              LUKS UUID shared by all root images
#   root-notoken.img                  LUKS2 root, keyslot 0 = pass0, keyslot 1 = ade.key, no token
#   root-token.img                    + token {"type":"bek","keyslots":["1"],"key_file":"LinuxPassPhraseFileName"}
#   root-token-multi.img              + token naming key_file LinuxPassPhraseFileName_1_0
#   bek-good.img, bek-wrong.img, bek-multi.img   VFAT "BEK VOLUME" disks
# Usage: qemu/images.sh ROOTINIT [OUTDIR]
set -eu
rootinit=$1
out=${2:-build/qemu/images}
tmp=$out/tmp

# Cheap KDF: the guest is TCG-emulated, argon2id at default memory does not fit in it.
PBKDF=pbkdf2
ITER=1000
FS_MB=16      # ext4 size; the image is 16 MiB larger for reencrypt --reduce-device-size

new_key() {   # 127 random bytes as base64: 172 chars ending "==", no newline
    head -c 127 /dev/urandom | base64 -w0 > "$1"
}

build_root() {
    dir=$tmp/rootfs
    mkdir -p "$dir/sbin" "$dir/etc" "$dir/proc" "$dir/dev" "$dir/sys" "$dir/run" "$dir/tmp"
    install -m 755 "$rootinit" "$dir/sbin/init"
    # systemd's initrd refuses to switch into a root without os-release.
    printf 'NAME="bek-test"\nID=bektest\nPRETTY_NAME="bek-unlock test root"\n' > "$dir/etc/os-release"

    img=$out/root-notoken.img
    rm -f "$img"
    truncate -s $((FS_MB + 16))M "$img"
    mkfs.ext4 -q -L bekroot -d "$dir" "$img" ${FS_MB}M
    # Offline encryption in place: no device-mapper needed on the host.
    cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --disable-locks \
        --batch-mode --pbkdf $PBKDF --pbkdf-force-iterations $ITER --key-file "$out/pass0" "$img"
    cryptsetup luksAddKey --disable-locks --pbkdf $PBKDF --pbkdf-force-iterations $ITER \
        --new-key-slot 1 --key-file "$out/pass0" "$img" "$out/ade.key"
    cryptsetup luksUUID "$img" > "$out/uuid"
}

with_token() {   # SRC DST KEY_FILE_NAME
    cp "$1" "$2"
    printf '{"type":"bek","keyslots":["1"],"key_file":"%s"}' "$3" |
        cryptsetup token import --disable-locks --json-file - "$2"
}

bek_disk() {     # IMG NAME=SRC...
    img=$1; shift
    rm -f "$img"
    mkfs.vfat -C -n "BEK VOLUME" "$img" 2048 >/dev/null
    for pair in "$@"; do
        mcopy -i "$img" "${pair#*=}" "::${pair%%=*}"
    done
}

rm -rf "$out"
mkdir -p "$tmp"
printf 'typed-passphrase-0' > "$out/pass0"
new_key "$out/ade.key"
new_key "$out/wrong.key"
printf 'Do not delete: this volume holds the encryption keys.\n' > "$tmp/README"

build_root
with_token "$out/root-notoken.img" "$out/root-token.img" LinuxPassPhraseFileName
with_token "$out/root-notoken.img" "$out/root-token-multi.img" LinuxPassPhraseFileName_1_0

bek_disk "$out/bek-good.img"  LinuxPassPhraseFileName="$out/ade.key"
bek_disk "$out/bek-wrong.img" LinuxPassPhraseFileName="$out/wrong.key"
bek_disk "$out/bek-multi.img" LinuxPassPhraseFileName="$out/wrong.key" \
    LinuxPassPhraseFileName_1_0="$out/ade.key" CRITICAL_DATA_WARNING_README.txt="$tmp/README"
rm -rf "$tmp"
