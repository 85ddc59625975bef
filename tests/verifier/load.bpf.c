// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * load.bpf.c - programs for the verifier's load-time tests: one safe, two
 * that Linux and userbpf reject (a map value used without a NULL check,
 * an unchecked index), selected with autoload.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64[4]);
} vals SEC(".maps");

SEC("kprobe/safe")
int safe(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &k);

	if (!v)
		return 0;
	return (int)v[3];
}

SEC("kprobe/const_key")
int const_key(void *ctx)
{
	__u32 k = 0; /* constant, in range: the lookup cannot fail */
	__u64 *v = bpf_map_lookup_elem(&vals, &k);

	return (int)*v;
}

SEC("kprobe/no_null_check")
int no_null_check(void *ctx)
{
	__u32 k = bpf_get_prandom_u32();
	__u64 *v = bpf_map_lookup_elem(&vals, &k);

	return (int)*v;
}

SEC("kprobe/unchecked_index")
int unchecked_index(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 k = 0, i = (__u32)ctx->args[0];
	__u64 *v = bpf_map_lookup_elem(&vals, &k);

	if (!v)
		return 0;
	return (int)v[i];
}

char LICENSE[] SEC("license") = "GPL";
