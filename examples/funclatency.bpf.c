/* SPDX-License-Identifier: MIT */
/*
 * funclatency - the latency of a function of the traced program as a
 * log2 histogram in microseconds (bcc's funclatency): a uprobe stores
 * the entry time per thread, the uretprobe adds now - then to the
 * histogram.  Here the function is uprobe_target's nap(); any other is a
 * bare "uprobe" + "uretprobe" pair away.
 *
 *   userbpf trace build/examples/funclatency.bpf.o -- build/examples/uprobe_target nap 5
 */
#include "probe_regs.h"
#include "log2.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);   /* tid */
	__type(value, __u64); /* entry time, ns */
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} hist_usecs SEC(".maps");

SEC("uprobe//proc/self/exe:nap")
int BPF_UPROBE(nap_entry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&starts, &tid, &now, BPF_ANY);
	return 0;
}

SEC("uretprobe//proc/self/exe:nap")
int BPF_URETPROBE(nap_return)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), slot;
	__u64 *start = bpf_map_lookup_elem(&starts, &tid), *v;

	if (!start)
		return 0;
	slot = log2_u64((bpf_ktime_get_ns() - *start) / 1000);
	bpf_map_delete_elem(&starts, &tid);
	v = bpf_map_lookup_elem(&hist_usecs, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
