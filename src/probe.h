/* What is on a block device, read with libblkid: filesystem type, label, UUID. */
#ifndef BEK_PROBE_H
#define BEK_PROBE_H

struct bek_probe {
	char type[32];      /* "vfat", "crypto_LUKS", ... */
	char version[16];   /* "2" for LUKS2 */
	char label[256];
	char uuid[64];
};

/* Returns 0, or a negative errno when nothing recognisable is on the device. */
int bek_probe_device(const char *devnode, struct bek_probe *out);

#endif
