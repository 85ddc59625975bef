/* SPDX-License-Identifier: MIT */
/*
 * sendsig.bpf.c - bpf_send_signal and bpf_send_signal_thread from a
 * syscall tracepoint of the traced command (test_send_signal.c): at a
 * `kill -0` the helpers' answers for signal 0, 65 and a SIGUSR1 to the
 * thread are kept in `rets`; at a `kill -CONT` the process is sent
 * SIGKILL.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __s64);
} rets SEC(".maps");

struct sys_enter {
	__u64 pad;
	__s64 nr;
	__u64 args[6];
};

static void keep(__u32 i, __s64 v)
{
	bpf_map_update_elem(&rets, &i, &v, BPF_ANY);
}

SEC("tp/syscalls/sys_enter_kill")
int on_kill(struct sys_enter *ctx)
{
	if (ctx->args[1] == 0) {
		keep(0, bpf_send_signal(0));
		keep(1, bpf_send_signal(65));
		keep(2, bpf_send_signal_thread(10 /* SIGUSR1 */));
	} else if (ctx->args[1] == 18 /* SIGCONT */) {
		bpf_send_signal(9);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
