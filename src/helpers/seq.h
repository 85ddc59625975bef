/* SPDX-License-Identifier: MIT */
/*
 * seq.h - the output buffer of an iterator run (the kernel's seq_file as
 * bpf_seq_printf and bpf_seq_write see it), shared by seq_helpers.c and
 * the runner (iter_host.c).
 */
#ifndef USERBPF_HELPERS_SEQ_H
#define USERBPF_HELPERS_SEQ_H

#include <stdbool.h>
#include <stddef.h>

struct ub_seq {
	char *buf;
	size_t size;
	size_t count;
	bool overflow;
};

/*
 * The seq_file of the iterator run on this thread (NULL outside one):
 * the helpers accept only this pointer as their seq_file argument.
 */
void ub_seq_set_current(struct ub_seq *seq);

#endif
