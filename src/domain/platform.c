/* SPDX-License-Identifier: MIT */
/*
 * platform.c - the parts of the library's platform (userbpf_set_platform)
 * that every member of a domain takes from the arena, whoever joins it
 * (the launch interposer, the trace agent): JIT code in the code area
 * (the same image at the same address in every member, as the program
 * objects that point to it), page runs for map storage, and ring-buffer
 * memory whose data is mapped twice in every member (a memfd's would be
 * closed by number in whichever process frees the ring).  The allocator
 * and wake-ups stay the joiner's.
 */
#ifdef USERBPF_LAUNCH
#include "domain.h"
#include "userbpf/platform.h"

static void *dom_exec_alloc(size_t size, void *cookie)
{
	(void)cookie;
	return domain_code_alloc(size);
}

static int dom_exec_seal(void *p, size_t size, void *cookie)
{
	(void)cookie;
	return domain_code_seal(p, size) ? -1 : 0;
}

static void dom_exec_free(void *p, size_t size, void *cookie)
{
	(void)cookie;
	domain_code_free(p, size);
}

static void *dom_pages_alloc(size_t size, void *cookie)
{
	(void)cookie;
	return domain_pages(size);
}

static void dom_pages_free(void *p, size_t size, void *cookie)
{
	(void)size;
	(void)cookie;
	domain_pages_free(p);
}

static void *dom_ring_alloc(size_t head, size_t data, void **handle, void *cookie)
{
	(void)cookie;
	*handle = NULL;
	return domain_ring_alloc(head, data);
}

static void dom_ring_free(void *region, size_t head, size_t data, void *handle, void *cookie)
{
	(void)handle;
	(void)cookie;
	domain_ring_free(region, head, data);
}

void domain_platform(struct userbpf_platform *plat, bool pages)
{
	plat->exec_alloc = dom_exec_alloc;
	plat->exec_seal = dom_exec_seal;
	plat->exec_free = dom_exec_free;
	if (pages) {
		plat->pages_alloc = dom_pages_alloc;
		plat->pages_free = dom_pages_free;
	}
	plat->ring_alloc = dom_ring_alloc;
	plat->ring_free = dom_ring_free;
}
#endif /* USERBPF_LAUNCH */
