/* SPDX-License-Identifier: MIT */
/*
 * ksym.bpf.c - kernel symbols and the task kfuncs (test_verifier_ksym.c):
 * bpf_ksym_exists on a kfunc the kernel has and on a weak one it does
 * not, bpf_task_from_pid / bpf_task_acquire / bpf_task_release used as
 * the kernel allows, and the uses its verifier refuses (a leaked
 * reference, a release without a null check, a release of a pointer
 * that holds no reference).  Syscall programs: the kernel runs them with
 * BPF_PROG_TEST_RUN on a context of ours, so both give results.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) (!!&(sym))
#endif

/* the fields read, relocated against the kernel's struct task_struct */
struct task_struct {
	int pid;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym __weak;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
/* a kernel variable (per-CPU): Linux has it, userbpf has none */
extern const int bpf_prog_active __ksym;
/* no kernel has it: libbpf leaves its address 0 */
extern void bpf_userbpf_no_such_kfunc(void) __ksym __weak;

/* the test's context: pid in, what the program found out */
struct args {
	int pid;
	int found;
	int tgid;
	int exists;
	char comm[16];
};

SEC("syscall")
int exists_true(struct args *a)
{
	a->exists = bpf_ksym_exists(bpf_task_from_pid) ? 1 : 2;
	return a->exists;
}

SEC("syscall")
int exists_false(struct args *a)
{
	a->exists = bpf_ksym_exists(bpf_userbpf_no_such_kfunc) ? 1 : 2;
	if (a->exists == 1)
		bpf_userbpf_no_such_kfunc(); /* dead: the address is 0 */
	return a->exists;
}

/* bpf_task_from_pid, a second reference through bpf_task_acquire, both
 * released; the task's comm and tgid copied out */
SEC("syscall")
int task_lookup(struct args *a)
{
	struct task_struct *t, *t2;
	char comm[16];

	a->found = 0;
	if (!bpf_ksym_exists(bpf_task_from_pid))
		return -1;
	t = bpf_task_from_pid(a->pid);
	if (!t)
		return 0;
	t2 = bpf_task_acquire(t);
	if (t2) {
		a->found = 2;
		bpf_task_release(t2);
	} else {
		a->found = 1;
	}
	a->tgid = BPF_CORE_READ(t, tgid);
	bpf_probe_read_kernel(comm, sizeof(comm), t->comm);
	bpf_task_release(t);
	__builtin_memcpy(a->comm, comm, sizeof(comm));
	return 1;
}

/* the reference is not released on the found path */
SEC("syscall")
int task_leak(struct args *a)
{
	struct task_struct *t = bpf_task_from_pid(a->pid);

	if (t)
		a->found = 1;
	return 0;
}

/* released without the null check bpf_task_from_pid's result needs */
SEC("syscall")
int task_release_null(struct args *a)
{
	struct task_struct *t = bpf_task_from_pid(a->pid);

	a->found = 1;
	bpf_task_release(t);
	return 0;
}

/* released twice: the second holds no reference any more */
SEC("syscall")
int task_release_twice(struct args *a)
{
	struct task_struct *t = bpf_task_from_pid(a->pid), *t2;

	if (!t)
		return 0;
	t2 = t;
	bpf_task_release(t);
	bpf_task_release(t2);
	return 0;
}

/* a kernel variable's address and value */
SEC("syscall")
int ksym_var(struct args *a)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	a->found = *active;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
