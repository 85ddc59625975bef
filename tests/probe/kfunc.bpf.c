/* SPDX-License-Identifier: MIT */
/*
 * kfunc.bpf.c - fixture of test_kfunc.c: kprobe, kretprobe, fentry and
 * fexit on do_unlinkat written as libbpf-bootstrap's kprobe.bpf.c and
 * fentry.bpf.c are (BPF_KPROBE with struct filename *name read through
 * BPF_CORE_READ; BPF_PROG with name->name read directly), plus fentry on
 * do_rmdir, do_sys_openat2 (struct open_how) and __x64_sys_getppid, and
 * tp_btf/sys_enter.  Only paths starting "/tmp/kfunc_t" are recorded, so
 * the same object can run on the kernel (the test's oracle) while the
 * rest of the system unlinks files.  One record per program in "rec"
 * (the last call's fields and a count).
 */
#include "../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

struct filename {
	const char *name;
	const char *uptr;
} __attribute__((preserve_access_index));

struct open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
} __attribute__((preserve_access_index));

struct kfunc_rec {
	__u64 count;
	__s64 dfd;
	__s64 ret;
	__u64 uptr_ok; /* filename->uptr is the user's pointer to the same string */
	__u64 x;       /* per program: open flags, orig_ax ... */
	char name[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 10);
	__type(key, __u32);
	__type(value, struct kfunc_rec);
} rec SEC(".maps");

/* threads inside a recorded do_unlinkat (kprobe -> kretprobe) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} pending SEC(".maps");

static __always_inline int ours(const char *s)
{
	static const char want[] = "/tmp/kfunc_t";
	char buf[13] = {};
	int i;

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), s) < 0)
		return 0;
	for (i = 0; i < 12; i++)
		if (buf[i] != want[i])
			return 0;
	return 1;
}

static __always_inline void put(__u32 key, __s64 dfd, __s64 ret, const char *name, const char *uptr,
				__u64 x)
{
	struct kfunc_rec *r = bpf_map_lookup_elem(&rec, &key);
	char u[64] = {};

	if (!r)
		return;
	__sync_fetch_and_add(&r->count, 1);
	r->dfd = dfd;
	r->ret = ret;
	r->x = x;
	if (name)
		bpf_probe_read_kernel_str(r->name, sizeof(r->name), name);
	if (uptr) {
		bpf_probe_read_user_str(u, sizeof(u), uptr);
		r->uptr_ok = 1;
		for (int i = 0; i < 12; i++)
			if (u[i] != r->name[i])
				r->uptr_ok = 0;
	}
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(kp_unlinkat, int dfd, struct filename *name)
{
	const char *s = BPF_CORE_READ(name, name);
	__u64 id = bpf_get_current_pid_tgid(), one = 1;

	if (!ours(s))
		return 0;
	bpf_map_update_elem(&pending, &id, &one, BPF_ANY);
	put(0, dfd, 0, s, BPF_CORE_READ(name, uptr), 0);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(kretp_unlinkat, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!bpf_map_lookup_elem(&pending, &id))
		return 0;
	bpf_map_delete_elem(&pending, &id);
	put(1, 0, ret, 0, 0, 0);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(fe_unlinkat, int dfd, struct filename *name)
{
	if (!ours(name->name))
		return 0;
	put(2, dfd, 0, name->name, name->uptr, 0);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(fx_unlinkat, int dfd, struct filename *name, long ret)
{
	if (!ours(name->name))
		return 0;
	put(3, dfd, ret, name->name, 0, 0);
	return 0;
}

SEC("fentry/do_rmdir")
int BPF_PROG(fe_rmdir, int dfd, struct filename *name)
{
	if (!ours(name->name))
		return 0;
	put(4, dfd, 0, name->name, name->uptr, 0);
	return 0;
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(fx_openat2, int dfd, const char *filename, struct open_how *how, long ret)
{
	char buf[64] = {};

	bpf_probe_read_user_str(buf, sizeof(buf), filename);
	if (!ours(buf))
		return 0;
	put(5, dfd, ret, buf, 0, how->flags << 16 | how->mode);
	return 0;
}

/* the user registers' first argument: the test calls getppid(), so
 * di is whatever the caller left there; orig_ax is the number */
SEC("fentry/__x64_sys_getppid")
int BPF_PROG(fe_getppid, struct pt_regs *regs)
{
	__u64 pid = bpf_get_current_pid_tgid() >> 32;
	struct kfunc_rec *r;
	__u32 key = 6;

	r = bpf_map_lookup_elem(&rec, &key);
	if (!r || r->dfd != pid) /* dfd: the tgid the test wants */
		return 0;
	__sync_fetch_and_add(&r->count, 1);
	r->x = BPF_CORE_READ(regs, orig_ax);
	return 0;
}

SEC("fexit/__x64_sys_getppid")
int BPF_PROG(fx_getppid, struct pt_regs *regs, long ret)
{
	__u64 pid = bpf_get_current_pid_tgid() >> 32;
	struct kfunc_rec *r;
	__u32 key = 7;

	r = bpf_map_lookup_elem(&rec, &key);
	if (!r || r->dfd != pid)
		return 0;
	__sync_fetch_and_add(&r->count, 1);
	r->ret = ret;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tb_enter, struct pt_regs *regs, long id)
{
	__u64 pid = bpf_get_current_pid_tgid() >> 32;
	struct kfunc_rec *r;
	__u32 key = 8;

	if (id != 110) /* getppid */
		return 0;
	r = bpf_map_lookup_elem(&rec, &key);
	if (!r || r->dfd != pid)
		return 0;
	__sync_fetch_and_add(&r->count, 1);
	r->x = BPF_CORE_READ(regs, orig_ax);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
