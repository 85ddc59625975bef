/* SPDX-License-Identifier: MIT */
/* dstack.h - what dstack.bpf.c records of a user stack (dstack.c reads it). */
#ifndef DSTACK_H
#define DSTACK_H

#define DSTACK_DEPTH 16

struct dstack_rec {
	long long n;  /* bpf_get_stack's result: bytes, or -errno */
	long long id; /* bpf_get_stackid's result */
	unsigned long long ips[DSTACK_DEPTH];
};

#endif
