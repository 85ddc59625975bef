// SPDX-License-Identifier: MIT
/*
 * loops - three ways to iterate: a bounded loop the compiler keeps, a
 * bpf_loop() callback, and bpf_for_each_map_elem() over a hash.  A
 * syscall program; returns sum(0..n) + 2*sum(0..m) + sum of hash values,
 * with n and m from the context.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args {
	__u32 n;
	__u32 m;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

struct loop_ctx {
	__u64 sum;
};

static long add_twice(__u32 i, struct loop_ctx *c)
{
	c->sum += 2 * i;
	return 0;
}

static long add_value(void *map, __u32 *key, __u64 *value, struct loop_ctx *c)
{
	c->sum += *value;
	return 0;
}

SEC("syscall")
int iterate(struct args *a)
{
	struct loop_ctx c = { 0 };
	__u64 sum = 0;
	__u32 i, n = a->n;

	for (i = 0; i < 100; i++) {
		if (i > n)
			break;
		sum += i;
	}
	for (i = 1; i <= 5; i++) {
		__u32 key = i; /* the loop variable itself stays in a register */
		__u64 v = i * 100;

		bpf_map_update_elem(&values, &key, &v, BPF_ANY);
	}
	bpf_loop(a->m + 1, add_twice, &c, 0);
	bpf_for_each_map_elem(&values, add_value, &c, 0);
	return sum + c.sum;
}

char LICENSE[] SEC("license") = "GPL";
