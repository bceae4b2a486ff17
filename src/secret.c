// SPDX-License-Identifier: GPL-2.0-or-later
#include "secret.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int bek_secret_alloc(struct bek_secret *s, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t mapped = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *p;

	s->data = NULL;
	s->size = s->mapped = 0;
	if (size == 0)
		return -EINVAL;
	p = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* Locking can fail under a small RLIMIT_MEMLOCK; the key is then still wiped. */
	(void)mlock(p, mapped);
	(void)madvise(p, mapped, MADV_DONTDUMP);
	(void)madvise(p, mapped, MADV_WIPEONFORK);
	s->data = p;
	s->size = size;
	s->mapped = mapped;
	return 0;
}

void bek_secret_free(struct bek_secret *s)
{
	if (!s->data)
		return;
	explicit_bzero(s->data, s->mapped);
	(void)munlock(s->data, s->mapped);
	(void)munmap(s->data, s->mapped);
	s->data = NULL;
	s->size = s->mapped = 0;
}
