/* SPDX-License-Identifier: MIT */
/*
 * gen_vars.bpf.c - the fixture of "userbpf gen skeleton": globals of
 * every kind the skeleton has to lay out from BTF (anonymous and named
 * structs, arrays, pointers, integer typedefs, a named enum, bool, a
 * custom .data.custom section, a static variable that must stay hidden)
 * and one XDP program that reads them, so a test can set them through
 * the skeleton before load, run the program and read the result back.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "gen_vars.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* .rodata */
const volatile struct {
	int a;
	char name[7];
	__u8 small;
	union {
		__u32 word;
		__u8 bytes[4];
	} u;
} cfg = { .a = 1, .name = "cfg" };
const volatile __u64 limit = 10;
const volatile enum mode mode = MODE_ADD;
const volatile _Bool enabled = 1;

/* .data */
int counter = 5;
char msg[16] = "hi";
long arr[4] = { 1, 2, 3, 4 };

/* .bss */
struct pair pairs[3];
void *ptr;
unsigned char flag;
long long result;
static int hidden;

/* .data.custom */
int custom_val SEC(".data.custom") = 7;
short custom_arr[3] SEC(".data.custom") = { 1, 2, 3 };

SEC("xdp")
int compute(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 one = 1;
	long long v;

	if (!enabled)
		return XDP_DROP;
	v = cfg.a + (long long)limit + counter + arr[2] + custom_val + custom_arr[2] + cfg.small;
	if (mode == MODE_MUL)
		v *= 2;
	hidden++;
	result = v;
	pairs[1].x = hidden;
	pairs[1].y = cfg.a;
	flag = cfg.name[0];
	bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
	return XDP_PASS;
}
