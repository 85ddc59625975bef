/* SPDX-License-Identifier: MIT */
/*
 * malloc - uprobe and uretprobe on libc's malloc: a log2 histogram of the
 * requested sizes (bcc-style at exit), calls and non-NULL returns.
 *
 *   userbpf trace build/examples/malloc.bpf.o -- ls
 */
#include "probe_regs.h"
#include "log2.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} size_hist SEC(".maps");

/* 0: calls, 1: non-NULL returns, 2: bytes requested */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void add(void *map, __u32 key, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("uprobe//lib/x86_64-linux-gnu/libc.so.6:malloc")
int BPF_UPROBE(malloc_entry, __u64 size)
{
	add(&size_hist, log2_u64(size), 1);
	add(&stats, 0, 1);
	add(&stats, 2, size);
	return 0;
}

SEC("uretprobe//lib/x86_64-linux-gnu/libc.so.6:malloc")
int BPF_URETPROBE(malloc_exit, void *ret)
{
	if (ret)
		add(&stats, 1, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
