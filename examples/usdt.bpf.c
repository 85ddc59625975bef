/* SPDX-License-Identifier: MIT */
/*
 * usdt - a USDT probe (sys/sdt.h's STAP_PROBE) with its arguments through
 * libbpf's usdt.bpf.h: BPF_USDT names them, bpf_usdt_arg reads them from
 * the locations the probe's note gives (registers, memory, constants).
 *
 *   userbpf trace build/examples/usdt.bpf.o -- build/examples/usdt_target 3
 *   userbpf probes 'userbpf:*' build/examples/usdt_target
 */
#include "probe_regs.h"
#include <stdbool.h> /* usdt.bpf.h uses bool, as vmlinux.h defines it */
#include <bpf/usdt.bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} ticks SEC(".maps"); /* 0: hits, 1: sum of the squares */

SEC("usdt//proc/self/exe:userbpf:tick")
int BPF_USDT(on_tick, int i, long sq, const char *msg, int k)
{
	char buf[16];
	__u32 key = 0;
	__u64 *v;

	bpf_probe_read_user_str(buf, sizeof(buf), msg);
	bpf_printk("tick i=%d sq=%ld msg=%s k=%d", i, sq, buf, k);
	v = bpf_map_lookup_elem(&ticks, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	key = 1;
	v = bpf_map_lookup_elem(&ticks, &key);
	if (v)
		__sync_fetch_and_add(v, sq);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
