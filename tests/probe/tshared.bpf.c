/* SPDX-License-Identifier: MIT */
/*
 * tshared.bpf.c - fixture of the "userbpf trace --shared" tests
 * (test_trace_shared.c): every image exec'd (sched_process_exec) counts
 * in counts[0] and sends a ring-buffer record (pid, 1); an openat of "/tdom-set-D" (D a
 * digit) stores D in shared_val[1], one of "/tdom-get" prints what
 * shared_val[1] holds, so a process's probe shows what another process's
 * probe wrote.
 */
#include "../../examples/probe_regs.h"

struct trace_event_raw_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct tdom_event {
	__u32 pid;
	__u32 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} shared_val SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 65536);
} events SEC(".maps");

/* a global of the event's type: "trace" prints records as its fields */
struct tdom_event last_event;

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	struct tdom_event *e;
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);

	(void)ctx;
	if (v)
		__sync_fetch_and_add(v, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->kind = 1;
		last_event = *e;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(struct trace_event_raw_sys_enter *ctx)
{
	char n[16] = {};
	__u32 k = 1;
	__u64 val, *v;

	bpf_probe_read_user_str(n, sizeof(n), (const void *)ctx->args[1]);
	if (n[0] != '/' || n[1] != 't' || n[2] != 'd' || n[3] != 'o' || n[4] != 'm' || n[5] != '-')
		return 0;
	if (n[6] == 's' && n[7] == 'e' && n[8] == 't' && n[9] == '-' && n[10] >= '0' &&
	    n[10] <= '9') {
		val = (__u64)(n[10] - '0');
		bpf_map_update_elem(&shared_val, &k, &val, BPF_ANY);
	} else if (n[6] == 'g' && n[7] == 'e' && n[8] == 't' && n[9] == '\0') {
		v = bpf_map_lookup_elem(&shared_val, &k);
		bpf_printk("tdom get %llu", v ? *v : 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
