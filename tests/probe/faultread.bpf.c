// SPDX-License-Identifier: GPL-2.0
/*
 * faultread.bpf.c - fixture of test_trace_fault.c: a uprobe on
 * faultee_point(bad, good) of the traced program (tests/probe/apps/
 * faultee.c) reading a PROT_NONE address and a good one, with
 * bpf_probe_read_user and bpf_probe_read_user_str, and counting the
 * answers that are right: [0] the bad read failed with -EFAULT and a
 * zeroed value, [1] the good one read 0x5a5a..., [2] the bad string read
 * failed with -EFAULT and a zeroed buffer, [3] the good string read "ok".
 */
#include "../../examples/probe_regs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} reads SEC(".maps");

static __always_inline void count(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&reads, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("uprobe//proc/self/exe:faultee_point")
int BPF_UPROBE(point, const char *bad, const char *good)
{
	char buf[8];
	__u64 v = 1;

	if (bpf_probe_read_user(&v, sizeof(v), bad) == -14 && v == 0)
		count(0);
	if (bpf_probe_read_user(&v, sizeof(v), good) == 0 && v == 0x5a5a5a5a5a5a5a5aull)
		count(1);
	__builtin_memset(buf, 1, sizeof(buf));
	if (bpf_probe_read_user_str(buf, sizeof(buf), bad) == -14 && buf[0] == 0 && buf[7] == 0)
		count(2);
	if (bpf_probe_read_user_str(buf, sizeof(buf), good + 8) == 3 && buf[0] == 'o' &&
	    buf[1] == 'k')
		count(3);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
