/* SPDX-License-Identifier: MIT */
/*
 * badptr.bpf.c - an empty socket filter: badptr.c issues raw bpf()
 * commands and needs no object; the build rule wants one per app.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "badptr.h"

SEC("socket")
int nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
