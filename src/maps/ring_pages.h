/* SPDX-License-Identifier: MIT */
/*
 * maps/ring_pages.h - the memory of the two ring buffer map types
 * (ringbuf.c, user_ringbuf.c), laid out as the kernel maps them to user
 * space: a header page, the consumer page, the producer page, then the
 * data area mapped twice in a row, so that a record crossing the end of
 * the ring reads as one piece.  The header page holds the map's address
 * (ub_ring_pages_owner), which the program side finds from a record.
 */
#ifndef USERBPF_MAPS_RING_PAGES_H
#define USERBPF_MAPS_RING_PAGES_H

#include "map.h"

struct ub_ring_pages {
	unsigned long mask; /* data size - 1 */
	unsigned char *region;
	size_t region_size; /* hdr + 2 * data size */
	unsigned char *data;
	unsigned long *consumer_pos;
	unsigned long *producer_pos;
	void *ring_handle; /* platform ring_alloc's */
	int efd;	   /* platform wakeup event, or -1 */
};

/* The kernel's checks of a ring's attributes (max_entries a power of two
 * and a multiple of the page size, no key or value): 0 or -EINVAL. */
int ub_ring_pages_check(const struct ub_map_attr *attr);
/* Map hdr bytes of header pages, then max_entries bytes twice, and write
 * owner's address in the first header page.  0, -ENOMEM, or
 * -UB_ENOTSUPP where the platform cannot map memory twice.  On failure
 * p holds nothing to give back. */
int ub_ring_pages_init(struct ub_ring_pages *p, size_t hdr, uint64_t size, const void *owner);
void ub_ring_pages_fini(struct ub_ring_pages *p, size_t hdr);

#endif
