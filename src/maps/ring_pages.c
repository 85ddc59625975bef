/* SPDX-License-Identifier: MIT */
/*
 * maps/ring_pages.c - the memory of the ring buffer map types
 * (ring_pages.h).
 */
#include "util/ubc.h"

#include "ring_pages.h"
#include "util/platform_int.h"

int ub_ring_pages_check(const struct ub_map_attr *attr)
{
	uint64_t size = attr->max_entries;

	if (attr->map_flags & ~USERBPF_F_NUMA_NODE)
		return -EINVAL;
	if (attr->key_size || attr->value_size || !size || (size & (size - 1)) ||
	    (size % UB_PAGE_SIZE))
		return -EINVAL;
	return 0;
}

int ub_ring_pages_init(struct ub_ring_pages *p, size_t hdr, uint64_t size, const void *owner)
{
	unsigned char *region;

	memset(p, 0, sizeof(*p));
	p->efd = -1;
	if (!ub_ring_supported())
		return -UB_ENOTSUPP; /* the platform cannot map memory twice */
	region = ub_ring_alloc(hdr, (size_t)size, &p->ring_handle);
	if (!region)
		return -ENOMEM;
	memcpy(region, &owner, sizeof(owner));
	p->region = region;
	p->region_size = hdr + 2 * (size_t)size;
	p->consumer_pos = (unsigned long *)(region + UB_PAGE_SIZE);
	p->producer_pos = (unsigned long *)(region + 2 * UB_PAGE_SIZE);
	p->data = region + hdr;
	p->mask = (unsigned long)size - 1;
	p->efd = ub_event_open();
	return 0;
}

void ub_ring_pages_fini(struct ub_ring_pages *p, size_t hdr)
{
	if (p->region)
		ub_ring_free(p->region, hdr, p->mask + 1, p->ring_handle);
	ub_event_close(p->efd);
	p->region = NULL;
	p->efd = -1;
}
