/* TEMPORARY stand-in, replaced by the real beneath.c/.h from branch csides. */
#ifndef BEK_BENEATH_H
#define BEK_BENEATH_H
#include "why.h"
int bek_open_beneath(int dirfd, const char *path, int flags, char why[BEK_WHY_MAX]);
#endif
