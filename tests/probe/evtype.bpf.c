/* SPDX-License-Identifier: MIT */
/*
 * evtype.bpf.c - fixture of trace_event_type: each write(2) of the traced
 * command pushes a struct event to a perf buffer (bcc's way) and to a
 * ring buffer; "userbpf trace --event-type event" prints its fields by
 * name (integers signed and unsigned, a char array, an enum, a nested
 * struct, bitfields, an int array, a pointer).
 */
#include "../../examples/probe_regs.h"

enum ev_kind { EV_NONE, EV_WRITE = 7 };

struct event {
	__u32 pid;
	int neg;
	char comm[16];
	__u64 count;
	enum ev_kind kind;
	struct {
		__u8 a;
		__u16 b;
	} inner;
	unsigned int lo : 3, hi : 5;
	int arr[3];
	const void *buf;
};

struct trace_event_raw_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

/* the last event: a global, so that struct event is in the object's BTF
 * (a local variable's type is not) */
struct event last;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_write")
int on_write(struct trace_event_raw_sys_enter *ctx)
{
	struct event e = {};
	struct event *r;

	e.pid = 42;
	e.neg = -5;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	e.count = ctx->args[2];
	e.kind = EV_WRITE;
	e.inner.a = 1;
	e.inner.b = 65535;
	e.lo = 5;
	e.hi = 17;
	e.arr[0] = 1;
	e.arr[1] = -2;
	e.arr[2] = 3;
	e.buf = (const void *)0x1000;
	last = e;
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (r) {
		__builtin_memcpy(r, &e, sizeof(e));
		bpf_ringbuf_submit(r, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
