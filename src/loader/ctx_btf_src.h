/* SPDX-License-Identifier: MIT */
/*
 * ctx_btf_src.h - the context types userbpf gives programs, as C, for
 * scripts/gen_ctx_btf.sh: compiled with `clang -g -O2 -target bpf`, its
 * .BTF becomes src/loader/ctx_btf.c, the default target BTF of CO-RE
 * relocations (userbpf_btf__ctx()).  Not compiled into the library.
 *
 * Layouts are the kernel's (x86-64), with the kernel's field names, so
 * programs built against a vmlinux.h relocate onto them: struct pt_regs
 * for kprobes/uprobes, the syscall tracepoint records, the packet
 * contexts and the perf-event and raw-tracepoint contexts of
 * <linux/bpf.h>.  struct task_struct is a minimal stand-in (pid, tgid,
 * comm) for programs that read the current task through CO-RE.
 */
#include <linux/bpf.h>

/* arch/x86/include/asm/ptrace.h, kernel names */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

typedef struct pt_regs bpf_user_pt_regs_t;

/* include/linux/trace_events.h */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* the syscalls:sys_enter_* / sys_exit_* records (raw_syscalls too) */
struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
	char __data[0];
};

struct trace_event_raw_sys_exit {
	struct trace_entry ent;
	long id;
	long ret;
	char __data[0];
};

/* include/uapi/linux/bpf_perf_event.h */
struct bpf_perf_event_data {
	bpf_user_pt_regs_t regs;
	__u64 sample_period;
	__u64 addr;
};

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
};

/*
 * A global function taking a struct that embeds every type keeps them
 * all, complete, in the BTF (a pointer alone would leave a forward
 * declaration).
 */
struct userbpf_ctx_types {
	struct pt_regs pt_regs;
	struct trace_event_raw_sys_enter sys_enter;
	struct trace_event_raw_sys_exit sys_exit;
	struct __sk_buff skb;
	struct xdp_md xdp;
	struct bpf_perf_event_data perf_event;
	struct bpf_raw_tracepoint_args raw_tp;
	struct task_struct task;
	struct bpf_sock_ops sock_ops;
	struct bpf_sock_addr sock_addr;
	struct bpf_sk_lookup sk_lookup;
	struct bpf_sysctl sysctl;
	struct bpf_sockopt sockopt;
	struct sk_msg_md msg;
	struct bpf_cgroup_dev_ctx dev;
	struct bpf_sock sock;
	struct bpf_flow_keys flow_keys;
};

int userbpf_ctx_types(struct userbpf_ctx_types *t);
int userbpf_ctx_types(struct userbpf_ctx_types *t)
{
	return t != 0;
}
