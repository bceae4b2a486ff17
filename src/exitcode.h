// SPDX-License-Identifier: GPL-2.0-or-later
/* Exit codes of bek-unlock (documented in the README and the man page). */
#ifndef BEK_EXITCODE_H
#define BEK_EXITCODE_H

enum {
	BEK_EXIT_OK = 0,           /* every volume open, nothing to do, or disabled */
	BEK_EXIT_ERROR = 1,        /* usage error or internal failure (udev or its queue, memory) */
	BEK_EXIT_NO_BEK = 2,       /* no usable BEK disk: none appeared in time, or none by the
	                            * time udev settled for a volume that is not bek-unlock's own */
	BEK_EXIT_NOT_UNLOCKED = 3, /* a BEK disk came, but a volume could not be unlocked */
	BEK_EXIT_DEADLINE = 4      /* stopped at the hard deadline (rd.bek.timeout + grace) while
	                            * still at work (a key derivation, a mount); also when the
	                            * volume being opened turns out open but another one is not */
};

#endif
