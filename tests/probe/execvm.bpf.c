/* SPDX-License-Identifier: MIT */
/*
 * execvm.bpf.c - fixture of test_exec_vm_child.c: the execve syscall
 * tracepoints of the execs a program makes in children that share its
 * memory (posix_spawn, posix_spawnp, system, popen, vfork), recorded per
 * action so that the kernel's records and userbpf's can be compared
 * field by field.  An attempt belongs to action N when its argv[1], or
 * argv[2] (sh -c's command), starts with "VMX" and the letter 'a' + N;
 * other execs (of every other process, on the kernel) are left out.  The
 * exit side finds the action by the thread id its enter recorded (a
 * successful exec's exit comes from the new image, with the same id).
 */
#include "../../examples/probe_regs.h"

struct sc_enter {
	__u64 common;
	int nr;
	__u32 pad;
	__u64 args[6];
};

struct sc_exit {
	__u64 common;
	int nr;
	__u32 pad;
	long ret;
};

#define NACT 8
#define NF 16
/* Per action, fields (key action * NF + field):
 * 0 enters, 1 exits with 0, 2 exits with an error, 3 the last error,
 * 4 enters whose tgid and tid are equal (the kernel lets no program read
 * the common fields: common_pid), 5 the last enter's
 * tgid, 6 the length of envp[0] as read (last), 7 enters whose comm is
 * "vmxact", 8 the sum of the filenames' lengths, 9 the sum of argv[0]'s
 * lengths, 10 exits whose tgid is the enter's */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NACT *NF);
	__type(key, __u32);
	__type(value, __s64);
} vm SEC(".maps");

/* thread id -> action, between an enter and its exit */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} pending SEC(".maps");

static __always_inline void put(__u32 act, __u32 f, __s64 v, int set)
{
	__u32 key = act * NF + f;
	__s64 *p = bpf_map_lookup_elem(&vm, &key);

	if (!p)
		return;
	if (set)
		*p = v;
	else
		__sync_fetch_and_add(p, v);
}

/* The action an argv names, or -1. */
static __always_inline int action_of(const char *const *argv)
{
	const char *s = 0;
	char b[5] = {};
	int i;

	for (i = 1; i <= 2; i++) {
		if (bpf_probe_read_user(&s, sizeof(s), &argv[i]) || !s)
			return -1;
		if (bpf_probe_read_user(b, 4, s))
			continue;
		if (b[0] == 'V' && b[1] == 'M' && b[2] == 'X' && b[3] >= 'a' && b[3] < 'a' + NACT)
			return b[3] - 'a';
	}
	return -1;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_enter(struct sc_enter *ctx)
{
	const char *const *argv = (const char *const *)ctx->args[1];
	const char *const *envp = (const char *const *)ctx->args[2];
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32, a;
	const char *s = 0;
	char buf[64], comm[16];
	int act = action_of(argv), n;

	if (act < 0)
		return 0;
	a = (__u32)act;
	put(a, 0, 1, 0);
	if (tgid == tid)
		put(a, 4, 1, 0);
	put(a, 5, tgid, 1);
	if (!bpf_probe_read_user(&s, sizeof(s), envp) && s) {
		n = bpf_probe_read_user_str(buf, sizeof(buf), s);
		put(a, 6, n, 1);
	}
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] == 'v' && comm[1] == 'm' && comm[2] == 'x' && comm[3] == 'a' &&
	    comm[4] == 'c' && comm[5] == 't' && !comm[6])
		put(a, 7, 1, 0);
	n = bpf_probe_read_user_str(buf, sizeof(buf), (const char *)ctx->args[0]);
	put(a, 8, n, 0);
	if (!bpf_probe_read_user(&s, sizeof(s), argv) && s) {
		n = bpf_probe_read_user_str(buf, sizeof(buf), s);
		put(a, 9, n, 0);
	}
	bpf_map_update_elem(&pending, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int on_exit(struct sc_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, *a = bpf_map_lookup_elem(&pending, &tid), act;
	__u32 key;
	__s64 *last;

	if (!a)
		return 0;
	act = *a;
	if (ctx->ret == 0) {
		put(act, 1, 1, 0);
	} else {
		put(act, 2, 1, 0);
		put(act, 3, ctx->ret, 1);
	}
	key = act * NF + 5;
	last = bpf_map_lookup_elem(&vm, &key);
	if (last && *last == (__s64)(id >> 32))
		put(act, 10, 1, 0);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
