/* SPDX-License-Identifier: MIT */
/*
 * loadtime.bpf.c - what a tool's loader sets before load, in the style of
 * bcc's libbpf-tools: `const volatile` filters in .rodata (a pid, a
 * bool, an enum, a command name, integers of every width), a .data
 * counter and .bss output, a stack-trace map whose value size and
 * max_entries are left to user space (0 here, as those tools do), a
 * tail-call pair, and a program calling a helper userbpf lacks, which
 * must not stop the others from loading when it is not chosen.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>
#include "fixture.h"

enum lt_mode { LT_OFF = 0, LT_COUNT = 5, LT_TRACE = 9 };

const volatile int targ_pid = 0;
const volatile __u8 targ_u8 = 0;
const volatile __s16 targ_s16 = 0;
const volatile __u64 targ_u64 = 0;
const volatile bool targ_verbose = false;
const volatile enum lt_mode targ_mode = LT_OFF;
const volatile char targ_comm[16] = "";
int data_counter = 7;
__u64 lt_out[LT_NR];

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
} stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tc")
int lt_read(struct __sk_buff *skb)
{
	lt_out[LT_PID] = targ_pid;
	lt_out[LT_U8] = targ_u8;
	lt_out[LT_S16] = (__u64)(__s64)targ_s16;
	lt_out[LT_U64] = targ_u64;
	lt_out[LT_VERBOSE] = targ_verbose;
	lt_out[LT_MODE] = targ_mode;
	lt_out[LT_COMM0] = targ_comm[0];
	lt_out[LT_COMM15] = targ_comm[15];
	lt_out[LT_COUNTER] = data_counter;
	return 0;
}

SEC("tc")
int lt_tail_target(struct __sk_buff *skb)
{
	return LT_TAIL_RET;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} lt_jmp SEC(".maps") = {
	.values = { [1] = (void *)&lt_tail_target },
};

SEC("tc")
int lt_caller(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &lt_jmp, 1);
	return 1;
}

/* bpf_sk_select_reuseport (82): a kernel helper userbpf lacks */
static long (*const lt_missing)(void *, void *, void *, __u64) = (void *)82;

SEC("?tc") /* autoload off: the tests turn it on */
int lt_needs_missing(struct __sk_buff *skb)
{
	return lt_missing(skb, 0, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
