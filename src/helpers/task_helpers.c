/* SPDX-License-Identifier: MIT */
/*
 * task_helpers.c - helpers about the current process and its memory:
 * probe_read family (never faults: reads go through ub_safe_read, the
 * fault-handling copy or process_vm_readv, util/alloc.h), current pid/tgid,
 * uid/gid, comm, the attach point's function IP and cookie, user stacks,
 * signals.  In userbpf "kernel" and "user" memory are both this
 * process's memory, so the _kernel and _user variants behave alike; which
 * addresses they may read is the run's policy (USERBPF_RUN_HOST_READ).
 */
#include "util/ubc.h"
#if __STDC_HOSTED__
#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "helpers.h"
#include "maps/map.h"
#include "util/platform_int.h"

#define BPF_F_SKIP_FIELD_MASK 0xffull
#define BPF_F_USER_STACK (1ull << 8)
#define BPF_F_FAST_STACK_CMP (1ull << 9)
#define BPF_F_REUSE_STACKID (1ull << 10)
#define BPF_F_USER_BUILD_ID (1ull << 11)
#define BPF_MAP_TYPE_STACK_TRACE 7
#define MAX_STACK_DEPTH 127

/*
 * bpf_probe_read{,_user,_kernel}(dst, size, unsafe_ptr): what it may read
 * is the run's policy (userbpf_run__read, USERBPF_RUN_HOST_READ).
 */
UB_HELPER(probe_read)
{
	void *dst = (void *)(uintptr_t)r1;

	if (!userbpf_run__mem_ok(run, dst, r2, 1))
		return UB_ERR(-EFAULT);
	if (userbpf_run__read(run, dst, (const void *)(uintptr_t)r3, r2)) {
		memset(dst, 0, r2);
		return UB_ERR(-EFAULT);
	}
	return 0;
}

/* bpf_probe_read{,_kernel}_str(dst, size, unsafe_ptr): bytes incl. NUL */
UB_HELPER(probe_read_str)
{
	char *dst = (char *)(uintptr_t)r1;
	long n;

	if (!userbpf_run__mem_ok(run, dst, r2, 1))
		return UB_ERR(-EFAULT);
	n = userbpf_run__read_str(run, dst, (const void *)(uintptr_t)r3, r2);
	if (n < 0 && r2)
		memset(dst, 0, r2);
	return UB_ERR(n);
}

UB_HELPER(probe_read_user_str)
{
	return ub_helper_probe_read_str(r1, r2, r3, r4, r5, run);
}

UB_HELPER(get_current_pid_tgid)
{
	return (uint64_t)ub_current_pid_tgid();
}

UB_HELPER(get_current_uid_gid)
{
	return (uint64_t)ub_current_uid_gid();
}

/* bpf_get_current_comm(buf, size): the thread name, NUL-terminated */
UB_HELPER(get_current_comm)
{
	char comm[17] = "";
	char *buf = (char *)(uintptr_t)r1;
	size_t n;

	if (r2 == 0)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, buf, r2, 1))
		return UB_ERR(-EFAULT);
	if (ub_current_comm(comm, sizeof(comm))) {
		memset(buf, 0, r2);
		return UB_ERR(-EINVAL);
	}
	n = strnlen(comm, 16);
	if (n >= r2)
		n = r2 - 1;
	memset(buf, 0, r2);
	memcpy(buf, comm, n);
	return 0;
}

UB_HELPER(get_func_ip)
{
	return run->opts->func_ip;
}

UB_HELPER(get_attach_cookie)
{
	return run->opts->attach_cookie;
}

/*
 * The user stack as the code that started the run sees it: unwind this
 * thread (unwind tables, no frame pointers needed), drop the frames of
 * the run itself up to the return into userbpf_prog__run's caller, then
 * skip more as asked.  Returns the number of addresses stored.
 */
/*
 * A sampled stack (perf_event programs): the probe module unwinds the
 * interrupted thread before the run (the unwinder cannot cross the JIT's
 * frames) and leaves the frames from the interrupted instruction on here.
 */
#ifdef USERBPF_TLS_DYNAMIC
__thread struct ub_sample_stack ub_sample_stack;
#else
__thread __attribute__((tls_model("initial-exec"))) struct ub_sample_stack ub_sample_stack;
#endif

/*
 * A user stack from the probed thread's registers (pt_regs layout), as
 * the kernel's perf_callchain_user walks it: ip, then, at a function's
 * entry (rbp not yet pushed), the return address at sp, then the
 * frame-pointer chain from bp.
 */
static unsigned regs_stack(struct userbpf_run *run, const uint64_t *regs, bool at_entry,
			   uint64_t *ips, unsigned max, unsigned skip)
{
	uint64_t fp = regs[4], next[2]; /* pt_regs bp */
	unsigned out = 0, k = 0, steps;

	if (k++ >= skip && out < max)
		ips[out++] = regs[16]; /* ip */
	/* the run's reads: one signal-mask check for the whole walk */
	if (at_entry &&
	    !ub_safe_read_cached(next, (const void *)(uintptr_t)regs[19], 8, &run->fault_mask) &&
	    next[0] && k++ >= skip && out < max)
		ips[out++] = next[0];
	for (steps = 0; out < max && steps < 128 && fp && !(fp & 7); steps++) {
		if (ub_safe_read_cached(next, (const void *)(uintptr_t)fp, sizeof(next),
					&run->fault_mask) ||
		    !next[1])
			break;
		if (k++ >= skip)
			ips[out++] = next[1];
		if (next[0] <= fp)
			break;
		fp = next[0];
	}
	return out;
}

/*
 * A perf_event program runs in a signal handler: its stack starts at the
 * interrupted instruction (regs->ip, the context's first struct pt_regs):
 * the frames the probe module unwound, or else the frame-pointer chain
 * from regs->bp.
 */
static unsigned sampled_stack(struct userbpf_run *run, uint64_t *ips, unsigned max, unsigned skip)
{
	const uint64_t *regs = userbpf_run__ctx(run);
	unsigned out = 0, k;

	if (ub_sample_stack.n && ub_sample_stack.ips[0] == regs[16]) {
		for (k = skip; k < ub_sample_stack.n && out < max; k++)
			ips[out++] = ub_sample_stack.ips[k];
		return out;
	}
	return regs_stack(run, regs, false, ips, max, skip);
}

static unsigned user_stack(struct userbpf_run *run, uint64_t *ips, unsigned max, unsigned skip)
{
	void *frames[MAX_STACK_DEPTH + 64];
	const struct userbpf_prog *prog = userbpf_run__prog(run);
	int n, i = 0;
	unsigned out = 0;

	if (prog && userbpf_prog__type(prog) == 7 /* BPF_PROG_TYPE_PERF_EVENT */ &&
	    userbpf_run__ctx(run))
		return sampled_stack(run, ips, max, skip);
	/* a uprobe's run: the probed thread's stack, not userbpf's own */
	if (ub_sample_stack.regs)
		return regs_stack(run, ub_sample_stack.regs, ub_sample_stack.at_entry, ips, max,
				  skip);
#if __STDC_HOSTED__
	n = backtrace(frames, (int)(sizeof(frames) / sizeof(frames[0])));
#else
	n = 0; /* the freestanding core has no unwinder: no user stack */
#endif
	while (i < n && frames[i] != run->caller_ra)
		i++;
	if (i == n && run->caller_ra) {
		/* the unwinder stopped in code without unwind tables (a JIT
		 * image): the frame that called the run is what is known */
		if (skip == 0 && max)
			ips[out++] = (uint64_t)(uintptr_t)run->caller_ra;
		return out;
	}
	if (i == n)
		i = 0; /* caller not known: the whole stack */
	for (i += (int)skip; i < n && out < max; i++)
		ips[out++] = (uint64_t)(uintptr_t)frames[i];
	return out;
}

/* bpf_get_stack(ctx, buf, size, flags): bytes written or -errno */
UB_HELPER(get_stack)
{
	uint64_t ips[MAX_STACK_DEPTH];
	unsigned n, max = (unsigned)(r3 / 8);

	if (r4 & ~(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID))
		return UB_ERR(-EINVAL);
	if ((r4 & BPF_F_USER_BUILD_ID) || r3 % 8)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r2, r3, 1))
		return UB_ERR(-EFAULT);
	if (!(r4 & BPF_F_USER_STACK))
		return 0; /* no kernel stack in user space */
	if (max > MAX_STACK_DEPTH)
		max = MAX_STACK_DEPTH;
	n = user_stack(run, ips, max, (unsigned)(r4 & BPF_F_SKIP_FIELD_MASK));
	memcpy((void *)(uintptr_t)r2, ips, n * 8ull);
	if (r3 > n * 8ull)
		memset((uint8_t *)(uintptr_t)r2 + n * 8, 0, r3 - n * 8);
	return n * 8ull;
}

/*
 * bpf_get_stackid(ctx, stack_map, flags): id of the user stack in a
 * STACK_TRACE map (hash of the IPs modulo max_entries, like the kernel);
 * -EEXIST when another stack owns the bucket unless REUSE_STACKID.
 */
UB_HELPER(get_stackid)
{
	struct ub_map *map = (struct ub_map *)(uintptr_t)r2;
	uint64_t ips[MAX_STACK_DEPTH] = { 0 };
	uint64_t buf[MAX_STACK_DEPTH];
	unsigned n, max;
	uint32_t id;
	void *old;

	if (!userbpf_run__map_ok(run, map) || map->map_type != BPF_MAP_TYPE_STACK_TRACE)
		return UB_ERR(-EINVAL);
	if (r3 & ~(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP |
		   BPF_F_REUSE_STACKID))
		return UB_ERR(-EINVAL);
	if (!(r3 & BPF_F_USER_STACK))
		return UB_ERR(-EFAULT); /* no kernel stack: as if unavailable */
	max = map->value_size / 8;
	if (max > MAX_STACK_DEPTH)
		max = MAX_STACK_DEPTH;
	n = user_stack(run, ips, max, (unsigned)(r3 & BPF_F_SKIP_FIELD_MASK));
	if (!n)
		return UB_ERR(-EFAULT);
	id = ub_jhash2((const uint32_t *)ips, n * 2, 0) % map->max_entries;
	old = ub_map_lookup_elem(map, &id);
	if (old && !(r3 & BPF_F_REUSE_STACKID)) {
		memcpy(buf, old, max * 8);
		return memcmp(buf, ips, max * 8) ? UB_ERR(-EEXIST) : id;
	}
	if (ub_map_update_elem(map, &id, ips, 0))
		return UB_ERR(-ENOMEM);
	return id;
}

/*
 * The kernel signals the task the program runs for (bpf_send_signal_common:
 * the thread group, or the thread alone): signal 0 only checks, 1-64 are
 * sent, a larger one is -EINVAL.  A program run from a probe runs on the
 * traced thread itself, which is that task: the probe layer passes
 * USERBPF_RUN_ALLOW_SIGNAL.  A run inside a host has none (the host is
 * not the traced program), so the signal is refused with -EPERM, as the
 * kernel refuses a kernel thread.
 */
static int64_t send_signal(struct userbpf_run *run, uint64_t sig, bool thread)
{
	if (sig > 64)
		return UB_ERR(-EINVAL);
	if (!(userbpf_run__flags(run) & USERBPF_RUN_ALLOW_SIGNAL))
		return UB_ERR(-EPERM);
#if __STDC_HOSTED__
	if (thread)
		return syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), (int)sig) ?
			       UB_ERR(-errno) :
			       0;
	return kill(getpid(), (int)sig) ? UB_ERR(-errno) : 0;
#else
	(void)thread;
	return UB_ERR(-EOPNOTSUPP); /* no signals in the freestanding core */
#endif
}

UB_HELPER(send_signal)
{
	return send_signal(run, r1, false);
}

UB_HELPER(send_signal_thread)
{
	return send_signal(run, r1, true);
}
