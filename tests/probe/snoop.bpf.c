/* SPDX-License-Identifier: MIT */
/*
 * snoop.bpf.c - fixture of trace_event_guess and trace_set: an openat
 * snooper in the style of bcc's libbpf-tools (the path saved at
 * sys_enter_openat per thread, an event built at sys_exit_openat in a
 * per-CPU "heap" map and pushed to a perf buffer), so that its record
 * struct is in BTF only as the heap map's value type and "userbpf trace"
 * must guess it.  Read-only globals filter as the tools' options do:
 * targ_failed (only failed opens), targ_tag (copied into each event).
 * struct args_t (the per-thread saved arguments) is a distractor of
 * another size; struct twin has the event's size but nothing uses it.
 */
#include "../../examples/probe_regs.h"

#define NAME_LEN 64

struct trace_event_raw_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct trace_event_raw_sys_exit {
	__u64 common;
	long id;
	long ret;
};

struct event {
	__u32 pid;
	__u32 tag;
	int ret;
	int flags;
	char comm[16];
	char fname[NAME_LEN];
};

struct args_t {
	const char *fname;
	int flags;
};

/* as large as struct event, but no global and no map has it */
struct twin {
	char bytes[sizeof(struct event)];
};

const volatile __u8 targ_failed = 0;
const volatile __u32 targ_tag = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct args_t);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int snoop_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct args_t a = { (const char *)ctx->args[1], (int)ctx->args[2] };

	bpf_map_update_elem(&start, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int snoop_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct args_t *a = bpf_map_lookup_elem(&start, &tid);
	struct event *e;

	if (!a)
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e || (targ_failed && ctx->ret >= 0))
		goto out;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tag = targ_tag;
	e->ret = (int)ctx->ret;
	e->flags = a->flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->fname, sizeof(e->fname), a->fname);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof(*e));
out:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
