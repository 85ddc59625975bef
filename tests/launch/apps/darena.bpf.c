/* SPDX-License-Identifier: MIT */
/*
 * darena.bpf.c - programs (JIT-compiled into the domain's code area, one
 * with a callback) and maps of several kinds that darena.c's victims
 * load, attach and are killed holding.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "darena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} ar_vals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} ar_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} ar_events SEC(".maps");

__u64 ar_hits;

SEC("uprobe")
int ar_probe(void *ctx)
{
	__u32 k = 3;
	__u64 one = 1, *v = bpf_map_lookup_elem(&ar_vals, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	bpf_map_update_elem(&ar_hash, &k, &one, BPF_ANY);
	__sync_fetch_and_add(&ar_hits, 1);
	return 0;
}

static long ar_step(__u64 i, void *ctx)
{
	__u32 k = (__u32)(i & 63);
	__u64 *v = bpf_map_lookup_elem(&ar_vals, &k);

	if (v)
		*v += i;
	return 0;
}

SEC("uprobe")
int ar_loop(void *ctx)
{
	__u64 *e;

	bpf_loop(64, ar_step, NULL, 0);
	e = bpf_ringbuf_reserve(&ar_events, sizeof(*e), 0);
	if (e) {
		*e = ar_hits;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
