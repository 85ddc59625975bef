/* SPDX-License-Identifier: MIT */
/*
 * dprof.bpf.c - per-CPU CPU-clock sampling of every process, as
 * libbpf-bootstrap's and bcc's "profile" do it (dprof.c opens one event
 * per CPU with pid -1): each sample counted per process (hash map pid ->
 * samples) and per CPU (the CPU the sample was taken on); the link's
 * cookie is the CPU of its event, so a sample counted by another CPU's
 * event shows.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dprof.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DPROF_MAX_CPUS);
	__type(key, __u32);
	__type(value, __u64);
} cpus SEC(".maps");

__u64 samples = 0;
__u64 wrong_cpu = 0; /* samples whose link (cookie: its CPU) is another CPU's */

SEC("perf_event")
int on_sample(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, cpu = bpf_get_smp_processor_id();
	__u64 one = 1, *v;

	__sync_fetch_and_add(&samples, 1);
	if (bpf_get_attach_cookie(ctx) != cpu)
		__sync_fetch_and_add(&wrong_cpu, 1);
	v = bpf_map_lookup_elem(&pids, &pid);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&pids, &pid, &one, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&cpus, &cpu);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
