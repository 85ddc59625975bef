/* SPDX-License-Identifier: MIT */
/*
 * map_in_map.bpf.c - map-in-map with __array() inner definitions and
 * `values` initialisers (array of maps and hash of maps), and a prog
 * array initialised with programs of the object, used by a tail call.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fixture.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
	.values = { &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [5] = &inner_b },
};

SEC("xdp")
int tail_1(struct xdp_md *ctx)
{
	return 101;
}

SEC("xdp")
int tail_3(struct xdp_md *ctx)
{
	return 103;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, 4);
	__array(values, int(void *));
} jmp_table SEC(".maps") = {
	.values = { [1] = (void *)&tail_1, [3] = (void *)&tail_3 },
};

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 3);
	return 7; /* only when the slot is empty */
}

char LICENSE[] SEC("license") = "GPL";
