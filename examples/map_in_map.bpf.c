// SPDX-License-Identifier: MIT
/*
 * map_in_map - per-tenant counters through maps of maps: an
 * ARRAY_OF_MAPS and a HASH_OF_MAPS whose inner ARRAY maps are declared
 * and wired at load time.  A syscall program; context { u32 tenant; u32
 * slot; }; returns the new count from the array-of-maps path times 1000
 * plus the one from the hash-of-maps path.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args {
	__u32 tenant;
	__u32 slot;
};

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner tenant_a SEC(".maps"), tenant_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} by_index SEC(".maps") = {
	.values = { &tenant_a, &tenant_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} by_id SEC(".maps") = {
	.values = { [0] = &tenant_a, [1] = &tenant_b },
};

static __always_inline __u64 bump(void *outer, __u32 tenant, __u32 slot)
{
	void *inner = bpf_map_lookup_elem(outer, &tenant);
	__u64 *v;

	if (!inner)
		return 0;
	v = bpf_map_lookup_elem(inner, &slot);
	if (!v)
		return 0;
	return __sync_add_and_fetch(v, 1);
}

SEC("syscall")
int bump_counters(struct args *a)
{
	__u64 x = bump(&by_index, a->tenant, a->slot);
	__u64 y = bump(&by_id, a->tenant, a->slot);

	return x * 1000 + y;
}

char LICENSE[] SEC("license") = "GPL";
