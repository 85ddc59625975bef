/* SPDX-License-Identifier: MIT */
/*
 * perf.c - perf_event_open() of a launched application and what attaches
 * programs to its events: uprobes and uretprobes (the PMU type served in
 * /sys/bus/event_source/devices/uprobe/type; binary path and file offset
 * as libbpf passes them in config1/config2), syscall tracepoints (the ids
 * served under events/syscalls/), PERF_EVENT_IOC_SET_BPF / _ENABLE /
 * _DISABLE, BPF_LINK_CREATE with BPF_PERF_EVENT, BPF_RAW_TRACEPOINT_OPEN
 * for sys_enter / sys_exit; all through the probe layer's public API.
 * bpf_printk lines go to the launch's trace_pipe file in the kernel's
 * trace_pipe line format.
 *
 * CPU-clock sampling (pid 0, or pid -1 with one event per CPU: every
 * process of the domain, each sample kept by its CPU's event) and BPF
 * output events (perfbuf.c) are served too.  Refused the way a kernel
 * without the feature refuses, with a message: kprobes (a process has no
 * kernel functions) except on __x64_sys_NAME (libbpf's ksyscall: the probe
 * layer's kprobe-context syscall points), other hardware and software
 * events.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "util/alloc.h"
#include "userbpf/probe.h"
#include "userbpf/syscall.h"

/* The probe layer's syscall gate: our own trace writes never trap into
 * the syscall tracepoints (the agent does the same). */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* src/probe/kfunc.c: kernel functions syscalls reach */
bool probe_kfunc_known(const char *name);
const char *probe_kfunc_avail(void);

/* Tracepoints beyond syscalls/sys_{enter,exit}_NAME (ids in launch_int.h) */
const char *const launch_tp_extra[LAUNCH_TP_EXTRA_CNT] = {
	"sched/sched_process_exec", "sched/sched_process_exit", "sched/sched_process_fork",
	"raw_syscalls/sys_enter",   "raw_syscalls/sys_exit",
};

static uint32_t link_ids;

uint32_t launch_next_link_id(void)
{
	return __atomic_add_fetch(&link_ids, 1, __ATOMIC_RELAXED);
}

/* ==== bpf_printk -> trace_pipe ==== */

static int trace_fd = -1;
static __thread char last_err[256];

static void on_printk(void *cookie, const char *line, size_t len)
{
	char buf[640], comm[17] = "";
	struct timespec ts;
	int n;
	long tid = probe_sc_gate(SYS_gettid, 0, 0, 0, 0, 0, 0);

	(void)cookie;
	if (trace_fd < 0)
		return;
	probe_sc_gate(SYS_prctl, 16 /* PR_GET_NAME */, (long)(uintptr_t)comm, 0, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	while (len && line[len - 1] == '\n')
		len--;
	if (len > 500)
		len = 500;
	n = snprintf(buf, sizeof(buf),
		     "%16s-%-7ld [%03d] ..... %5ld.%06ld: bpf_trace_printk: %.*s\n", comm, tid, 0,
		     (long)ts.tv_sec, ts.tv_nsec / 1000, (int)len, line);
	if (n > (int)sizeof(buf))
		n = sizeof(buf);
	probe_sc_gate(SYS_write, trace_fd, (long)(uintptr_t)buf, n, 0, 0, 0);
}

static void trace_open(void)
{
	const char *p = launch_trace_path();

	if (trace_fd < 0 && p)
		trace_fd = launch_real.open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

/* ==== uprobe reference counters (USDT semaphores) ==== */

/*
 * The kernel's ref_ctr_offset (perf_event_attr.config bits 32-63 of a
 * uprobe): while the probe is attached, the 16-bit counter at that file
 * offset of the probed file is raised by one in every mapping of the
 * file, so code guarded by a USDT semaphore runs its probe.  Here: the
 * mappings of this process (the kernel does it in the probed processes;
 * a domain's other members do it when they attach).
 */
void launch_ref_ctr(const char *path, uint64_t off, int delta)
{
	char line[640];
	struct stat st;
	FILE *f;

	if (!off || !path || stat(path, &st))
		return;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, foff, ino;
		unsigned maj, mnr;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &foff, &maj, &mnr,
			   &ino) != 7)
			continue;
		if (ino != st.st_ino || maj != major(st.st_dev) || mnr != minor(st.st_dev) ||
		    perms[1] != 'w' || off < foff || off + 2 > foff + (hi - lo))
			continue;
		__atomic_add_fetch((uint16_t *)(uintptr_t)(lo + (off - foff)), (uint16_t)delta,
				   __ATOMIC_RELAXED);
	}
	fclose(f);
}

/* ==== attaching ==== */

struct userbpf_link *launch_attach_local(void *prog, int kind, const char *target, uint64_t offset,
					 bool retprobe, uint64_t cookie)
{
	char err[256] = "";
	USERBPF_OPTS(userbpf_uprobe_opts, o, .cookie = cookie, .trace_fn = on_printk,
		     .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_link *l;

	int exec_nr;
	bool exec_exit;

	trace_open();
	/* the link objects (and probe sites) are this process's alone: its
	 * own memory, which a forked child gets a copy of */
	launch_alloc_local++;
	if (kind != LPERF_UPROBE && launch_exec_tp_target(target, &exec_nr, &exec_exit))
		l = launch_exec_tp_attach(prog, exec_nr, exec_exit, cookie, on_printk);
	else if (kind == LPERF_UPROBE)
		l = userbpf_probe__attach_uprobe(prog, target, NULL, offset, retprobe, &o);
	else if (!strncmp(target, "sched/", 6))
		l = userbpf_probe__attach_tracepoint(prog, "sched", target + 6, &o);
	else
		l = userbpf_probe__attach_syscall(prog, target, &o);
	launch_alloc_local--;
	if (!l) {
		int e = errno;

		snprintf(last_err, sizeof(last_err), "%s", err[0] ? err : strerror(e));
		errno = e;
	}
	return l;
}

struct userbpf_link *launch_attach_sample(void *prog, uint64_t freq, uint64_t period, int cpu,
					  uint64_t cookie)
{
	char err[256] = "";
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = freq,
		     .sample_period = freq ? 0 : period, .cpu = cpu < 0 ? 0 : cpu,
		     .flags = cpu >= 0 ? USERBPF_PERF_ONE_CPU : 0, .cookie = cookie,
		     .trace_fn = on_printk, .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_link *l;

	trace_open();
	launch_alloc_local++;
	l = userbpf_probe__attach_perf_event(prog, &o);
	launch_alloc_local--;
	if (!l) {
		int e = errno;

		snprintf(last_err, sizeof(last_err), "%s", err[0] ? err : strerror(e));
		errno = e;
	}
	return l;
}

/* Whether this process maps the file at path (same device and inode). */
static bool maps_file(const char *path)
{
	char line[512];
	struct stat st;
	bool found = false;
	FILE *f;

	if (stat(path, &st))
		return false;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return true; /* cannot tell: keep the local attach's error */
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long ino;

		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %lu", &maj, &min, &ino) == 3 && ino &&
		    ino == (unsigned long)st.st_ino && makedev(maj, min) == st.st_dev)
			found = true;
	}
	fclose(f);
	return found;
}

/*
 * A uprobe with pid -1 in a domain on a binary this process does not map
 * (bcc's bashreadline on /bin/bash): nothing to patch here, the domain-wide
 * record attaches it in every member that maps the file, as the kernel's
 * uprobe fires in every process.  The file must exist (ENOENT otherwise).
 */
static bool wide_only(const struct lobj *pe)
{
	return domain_active() && pe->pe_kind == LPERF_UPROBE && pe->pid == -1 && pe->path &&
	       !access(pe->path, F_OK) && !maps_file(pe->path);
}

/* An event of another process of the domain (perf_event_open's pid):
 * recorded for that process only, which attaches it at its next sync. */
static bool remote(const struct lobj *pe)
{
	return domain_active() && pe->pid > 0 && pe->pid != getpid();
}

/*
 * Whether process pid belongs to this domain: its environment names this
 * domain's arena (a member, or a child forked here that has not yet
 * exec'd: memleak -c, which attaches to its child before letting it exec).
 * Reading it needs the rights ptrace would (same user), as on Linux.
 */
static bool pid_in_domain(pid_t pid)
{
	const char *mine = getenv("USERBPF_DOMAIN_ARENA");
	size_t wl, off, len = 0, cap = 16384;
	char path[64], want[600], *buf;
	bool found = false;
	ssize_t n;
	int fd;

	if (!mine || !domain_active())
		return false;
	wl = (size_t)snprintf(want, sizeof(want), "USERBPF_DOMAIN_ARENA=%s", mine) + 1;
	if (wl > sizeof(want))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* the whole environment (launch's variable may come last) */
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *more = cap < (8u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return false;
	buf[len] = '\0';
	/* each entry ends with a NUL: compare them whole, NUL included */
	for (off = 0; off < len && !found; off += strlen(buf + off) + 1)
		found = strlen(buf + off) + 1 == wl && !memcmp(buf + off, want, wl);
	free(buf);
	return found;
}

/* Attach prog (handle prog_h, owned by pe afterwards) to perf event pe:
 * here, and in a domain in every process the event covers. */
static int pe_attach(struct lobj *pe, int prog_h, uint64_t cookie)
{
	struct userbpf_prog *prog = userbpf_prog_by_fd(prog_h);
	const char *target = pe->pe_kind == LPERF_UPROBE ? pe->path :
			     pe->pe_kind == LPERF_SAMPLE ? "cpu-clock" :
							   pe->tp;

	if (!prog)
		return -EINVAL;
	if (pe->ul || pe->wide_only)
		return -EEXIST;
	if (remote(pe) || wide_only(pe))
		pe->wide_only = true;
	else if (pe->pe_kind == LPERF_SAMPLE)
		pe->ul = launch_attach_sample(prog, pe->freq, pe->period, pe->cpu, cookie);
	else
		pe->ul = launch_attach_local(prog, pe->pe_kind, target, pe->offset, pe->retprobe,
					     cookie);
	if (!pe->ul && !pe->wide_only) {
		int e = errno;

		launch_log("attach %s: %s%s", target, last_err,
			   pe->pe_kind == LPERF_UPROBE && pe->pid == -1 && !domain_active() ?
				   " (a uprobe with pid -1 reaches other processes in a domain "
				   "only: userbpf launch --domain NAME)" :
				   "");
		return -e;
	}
	pe->prog_h = prog_h;
	/* both references in the ledger: given back if this process is
	 * killed (domain_reap) */
	if (domain_active()) {
		if (pe->ul) {
			pe->ul_prog = prog;
			domain_obj_ref(DOM_PROG, prog, 1);
		}
		domain_obj_ref(DOM_PROG, prog, 1);
		pe->prog_h_noted = true;
	}
	if (pe->pe_kind == LPERF_UPROBE && pe->ref_ctr && pe->ul) {
		launch_ref_ctr(pe->path, pe->ref_ctr, 1);
		pe->ref_ctr_raised = true;
	}
	{
		union bpf_attr a;
		struct bpf_prog_info info;

		memset(&a, 0, sizeof(a));
		memset(&info, 0, sizeof(info));
		a.info.bpf_fd = (uint32_t)prog_h;
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		if (!userbpf_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
			pe->prog_id = domain_active() ? domain_obj_id(DOM_PROG, prog) : info.id;
	}
	/* tracepoints are system-wide; uprobes with pid -1 cover every
	 * process, those with another member's pid that process */
	if (domain_active() && (pe->pe_kind == LPERF_TRACEPOINT || pe->pid == -1 || remote(pe))) {
		/* sampling with pid -1 covers every process too */
		struct dom_attach da;

		memset(&da, 0, sizeof(da));
		da.kind = pe->pe_kind == LPERF_UPROBE ? DOM_ATT_UPROBE :
			  pe->pe_kind == LPERF_SAMPLE ? DOM_ATT_SAMPLE :
							DOM_ATT_TP;
		da.freq = pe->freq;
		da.period = pe->period;
		da.cpu = pe->cpu;
		da.retprobe = pe->retprobe;
		da.pid = remote(pe) ? pe->pid : -1;
		da.owner = getpid();
		da.offset = pe->offset;
		da.ref_ctr = pe->ref_ctr;
		da.cookie = cookie;
		da.prog = userbpf_prog__get(prog);
		snprintf(da.target, sizeof(da.target), "%s", target);
		pe->att_slot = domain_attach_add(&da);
		if (pe->att_slot < 0) {
			int e = pe->att_slot;

			userbpf_prog__put(prog);
			pe->att_slot = -1;
			if (pe->wide_only) { /* attached nowhere: undo */
				launch_log("attach %s: the domain's attachment table is full",
					   target);
				pe->wide_only = false;
				domain_obj_ref(DOM_PROG, prog, -1);
				pe->prog_h_noted = false;
				pe->prog_h = -1; /* the caller closes it */
				return e;
			}
		}
	}
	return 0;
}

static void pe_detach(struct lobj *pe)
{
	struct dom_attach da;

	if (pe->att_slot >= 0) {
		if (domain_attach_get(pe->att_slot, &da))
			userbpf_prog__put(da.prog);
		domain_attach_del(pe->att_slot);
		pe->att_slot = -1;
	}
	if (pe->ul && pe->ul_prog)
		domain_obj_ref(DOM_PROG, pe->ul_prog, -1);
	pe->ul_prog = NULL;
	launch_link_destroy(pe->ul);
	pe->ul = NULL;
	pe->wide_only = false;
	if (pe->ref_ctr_raised) {
		launch_ref_ctr(pe->path, pe->ref_ctr, -1);
		pe->ref_ctr_raised = false;
	}
}

/* A new handle on the program behind descriptor fd. */
static int prog_ref(int fd)
{
	int h = lobj_handle(fd, LOBJ_PROG);

	if (h < 0)
		return h;
	h = userbpf_prog_fd(userbpf_prog_by_fd(h));
	return h;
}

/* Close obj's program handle (its reference un-noted first). */
static void prog_h_close(struct lobj *obj)
{
	if (obj->prog_h < 0)
		return;
	if (obj->prog_h_noted)
		domain_obj_ref(DOM_PROG, userbpf_prog_by_fd(obj->prog_h), -1);
	obj->prog_h_noted = false;
	userbpf_close(obj->prog_h);
	obj->prog_h = -1;
}

void launch_lobj_release(struct lobj *obj)
{
	if (obj->kind == LOBJ_LINK && obj->pe) {
		struct lobj *pe = obj->pe;

		/* closing the link detaches the program from the event */
		pe_detach(pe);
		prog_h_close(pe);
		lobj_put(pe);
		obj->pe = NULL;
	}
	pe_detach(obj);
	if (obj->prog_h_noted)
		prog_h_close(obj);
}

/* ==== perf_event_open ==== */

static bool tp_name_of(uint64_t id, char *out, size_t sz)
{
	uint64_t i;
	bool traceable;
	const char *name;

	if (id >= LAUNCH_TP_SCHED_BASE && id < LAUNCH_TP_SCHED_BASE + LAUNCH_TP_EXTRA_CNT) {
		snprintf(out, sz, "%s", launch_tp_extra[id - LAUNCH_TP_SCHED_BASE]);
		return true;
	}
	if (id < LAUNCH_TP_ID_BASE)
		return false;
	i = (id - LAUNCH_TP_ID_BASE) / 2;
	name = userbpf_probe__syscall_name((int)i, &traceable);
	if (!name || i > 4096)
		return false;
	snprintf(out, sz, "syscalls/sys_%s_%s", (id - LAUNCH_TP_ID_BASE) % 2 ? "exit" : "enter",
		 name);
	return true;
}

/*
 * The application's perf_event_attr, copied without faulting as the
 * kernel's perf_copy_attr does: its size field first (0: the first
 * version's 64 bytes), then that many bytes (at most ours, the rest
 * zero).  0, or -EFAULT.
 */
static int copy_perf_attr(struct perf_event_attr *attr, const void *uattr)
{
	uint32_t size;

	memset(attr, 0, sizeof(*attr));
	if (!uattr ||
	    ub_safe_read(&size, (const char *)uattr + offsetof(struct perf_event_attr, size),
			 sizeof(size)))
		return -EFAULT;
	if (!size)
		size = PERF_ATTR_SIZE_VER0;
	return ub_safe_read(attr, uattr, size < sizeof(*attr) ? size : sizeof(*attr));
}

long launch_perf_event_open(void *attr_p, pid_t pid, int cpu, int group_fd, unsigned long flags)
{
	struct perf_event_attr attr_copy, *attr = &attr_copy;
	struct lobj *pe;

	(void)group_fd;
	(void)flags;
	if (copy_perf_attr(attr, attr_p))
		return -EFAULT;
	if (pid > 0 && pid != getpid() && !pid_in_domain(pid)) {
		launch_log("perf_event_open: pid %d: only the launched process itself or, "
			   "with --domain, a process of the domain can be probed",
			   (int)pid);
		return -ESRCH;
	}
	(void)cpu;
	if (attr->type == LAUNCH_UPROBE_TYPE) {
		/* the kernel's strndup_user of PATH_MAX bytes */
		char *path, *fit;
		long n;

		if (!attr->config1)
			return -EINVAL;
		path = malloc(4096);
		if (!path)
			return -ENOMEM;
		n = ub_safe_read_str(path, (const void *)(uintptr_t)attr->config1, 4096);
		if (n < 0) {
			free(path);
			return -EFAULT;
		}
		fit = realloc(path, (size_t)n); /* held while the event lives */
		if (fit)
			path = fit;
		pe = lobj_new(LOBJ_PERF);
		if (!pe) {
			free(path);
			return -ENOMEM;
		}
		pe->pe_kind = LPERF_UPROBE;
		pe->pid = pid;
		pe->retprobe = attr->config & 1;
		pe->ref_ctr = attr->config >> 32; /* PERF_UPROBE_REF_CTR_OFFSET_SHIFT */
		pe->path = path;
		pe->offset = attr->config2;
		return lobj_install(pe, "perf_event");
	}
	if (attr->type == PERF_TYPE_TRACEPOINT) {
		char name[96];

		if (!tp_name_of(attr->config, name, sizeof(name)))
			return -EINVAL;
		pe = lobj_new(LOBJ_PERF);
		if (!pe)
			return -ENOMEM;
		pe->pe_kind = LPERF_TRACEPOINT;
		snprintf(pe->tp, sizeof(pe->tp), "%s", name);
		return lobj_install(pe, "perf_event");
	}
	if (attr->type == LAUNCH_KPROBE_TYPE) {
		char str[512]; /* the kernel's strndup_user of KSYM_NAME_LEN */
		const char *fn = attr->config1 ? str : NULL;
		bool tr;

		if (fn &&
		    ub_safe_read_str(str, (const void *)(uintptr_t)attr->config1, sizeof(str)) < 0)
			return -EFAULT;

		/* __x64_sys_NAME: the probe layer's ksyscall points (libbpf's
		 * ksyscall and its syscall-wrapper probe come this way) */
		for (int i = 0;
		     fn && !strncmp(fn, "__x64_sys_", 10) && userbpf_probe__syscall_name(i, &tr);
		     i++) {
			if (strcmp(userbpf_probe__syscall_name(i, &tr), fn + 10))
				continue;
			pe = lobj_new(LOBJ_PERF);
			if (!pe)
				return -ENOMEM;
			pe->pe_kind = LPERF_TRACEPOINT;
			/* fn + 10 is one of the probe layer's syscall names */
			snprintf(pe->tp, sizeof(pe->tp), "%s/%.64s",
				 attr->config & 1 ? "kretsyscall" : "ksyscall", fn + 10);
			return lobj_install(pe, "perf_event");
		}

		/* a kernel function syscalls reach (src/probe/kfunc.c) */
		if (fn && probe_kfunc_known(fn) && !attr->config2) {
			pe = lobj_new(LOBJ_PERF);
			if (!pe)
				return -ENOMEM;
			pe->pe_kind = LPERF_TRACEPOINT;
			snprintf(pe->tp, sizeof(pe->tp), "%s/%.64s",
				 attr->config & 1 ? "kretprobe" : "kprobe", fn);
			return lobj_install(pe, "perf_event");
		}

		launch_log("kprobe on '%s': this kernel function cannot be probed in a process "
			   "(those syscalls reach can: %s; or use a uprobe or a syscall "
			   "tracepoint)",
			   fn ? fn : "?", probe_kfunc_avail());
		return -ENOENT;
	}
	if (attr->type == PERF_TYPE_SOFTWARE && attr->config == PERF_COUNT_SW_BPF_OUTPUT)
		return launch_perfbuf_open(cpu);
	if ((attr->type == PERF_TYPE_SOFTWARE && (attr->config == PERF_COUNT_SW_CPU_CLOCK ||
						  attr->config == PERF_COUNT_SW_TASK_CLOCK)) ||
	    (attr->type == PERF_TYPE_HARDWARE && attr->config == PERF_COUNT_HW_CPU_CYCLES)) {
		/* CPU time of this process stands for the clock (and cycles) */
		if (!attr->sample_period) {
			launch_log("perf_event_open: counting events (no sampling) are not "
				   "available under launch");
			return -EOPNOTSUPP;
		}
		pe = lobj_new(LOBJ_PERF);
		if (!pe)
			return -ENOMEM;
		pe->pe_kind = LPERF_SAMPLE;
		pe->pid = pid;
		pe->cpu = cpu;
		if (attr->freq)
			pe->freq = attr->sample_freq;
		else
			pe->period = attr->sample_period;
		return lobj_install(pe, "perf_event");
	}
	if (attr->type == PERF_TYPE_SOFTWARE || attr->type == PERF_TYPE_HARDWARE) {
		launch_log("perf_event_open type %u config %llu: this event is not "
			   "available under launch",
			   attr->type, (unsigned long long)attr->config);
		return -EOPNOTSUPP;
	}
	launch_log("perf_event_open type %u: not available under launch", attr->type);
	return -ENOENT;
}

int launch_perf_ioctl(int fd, unsigned long req, unsigned long arg, int *ret)
{
	struct lobj *pe = lobj_get(fd);
	int h;

	if (!pe)
		return 0;
	if (pe->kind != LOBJ_PERF) {
		lobj_put(pe);
		if (pe->kind == LOBJ_MAP || pe->kind == LOBJ_PROG || pe->kind == LOBJ_BTF ||
		    pe->kind == LOBJ_LINK) {
			*ret = -ENOTTY;
			return 1;
		}
		return 0;
	}
	switch (req) {
	case PERF_EVENT_IOC_SET_BPF:
		h = prog_ref((int)arg);
		if (h < 0) {
			*ret = h == -EINVAL ? -EINVAL : -EBADF;
			break;
		}
		*ret = pe_attach(pe, h, 0);
		if (*ret)
			userbpf_close(h);
		break;
	case PERF_EVENT_IOC_ENABLE:
	case PERF_EVENT_IOC_DISABLE:
	case PERF_EVENT_IOC_RESET:
		*ret = 0;
		break;
	default:
		*ret = -ENOTTY;
	}
	lobj_put(pe);
	return 1;
}

/* ==== links ==== */

/*
 * fentry, fexit, tp_btf (BPF_LINK_CREATE with their attach types, or
 * BPF_RAW_TRACEPOINT_OPEN without a name, libbpf's fallback): the target
 * recorded at load (bpf.c: kfunc_target), attached through the probe
 * layer as its syscall points are; system-wide, as the kernel's.
 */
static int kfunc_link(int prog_fd, uint32_t attach_type)
{
	struct userbpf_prog *prog;
	struct launch_meta m;
	struct lobj *link;
	int h = prog_ref(prog_fd), err;

	if (h < 0)
		return h;
	prog = userbpf_prog_by_fd(h);
	if (!prog || !launch_meta_get(LOBJ_PROG, prog, &m) || !m.kfunc_target[0]) {
		launch_log("attach type %u: the program has no kernel function target a "
			   "process provides",
			   attach_type);
		userbpf_close(h);
		return -EINVAL;
	}
	link = lobj_new(LOBJ_PERF);
	if (!link) {
		userbpf_close(h);
		return -ENOMEM;
	}
	link->pe_kind = LPERF_TRACEPOINT;
	snprintf(link->tp, sizeof(link->tp), "%s", m.kfunc_target);
	err = pe_attach(link, h, 0);
	if (err) {
		userbpf_close(h);
		lobj_put(link);
		return err;
	}
	link->kind = LOBJ_LINK;
	if (!strncmp(m.kfunc_target, "tp_btf/", 7)) {
		link->link_type = BPF_LINK_TYPE_RAW_TRACEPOINT;
		link->attach_type = attach_type ? attach_type : BPF_TRACE_RAW_TP;
	} else if (!strncmp(m.kfunc_target, "lsm/", 4)) { /* src/probe/lsm.c */
		link->link_type = BPF_LINK_TYPE_TRACING;
		link->attach_type = BPF_LSM_MAC;
	} else {
		link->link_type = BPF_LINK_TYPE_TRACING;
		link->attach_type = attach_type		     ? attach_type :
				    m.kfunc_target[1] == 'e' ? BPF_TRACE_FENTRY :
							       BPF_TRACE_FEXIT;
	}
	link->id = launch_next_link_id();
	return launch_link_install(link);
}

int launch_link_create(void *attr_p)
{
	union bpf_attr *a = attr_p;
	struct lobj *pe, *link;
	int h, err;

	h = lobj_handle((int)a->link_create.prog_fd, LOBJ_PROG);
	if (h < 0)
		return h;
	if (a->link_create.attach_type == BPF_TRACE_FENTRY ||
	    a->link_create.attach_type == BPF_TRACE_FEXIT ||
	    a->link_create.attach_type == BPF_TRACE_RAW_TP ||
	    a->link_create.attach_type == BPF_LSM_MAC)
		return kfunc_link((int)a->link_create.prog_fd, a->link_create.attach_type);
	if (a->link_create.attach_type != BPF_PERF_EVENT) {
		launch_log("BPF_LINK_CREATE attach type %u: not available in a process",
			   a->link_create.attach_type);
		return -EINVAL;
	}
	pe = lobj_get_kind((int)a->link_create.target_fd, LOBJ_PERF, &err);
	if (!pe)
		return err == -EINVAL ? -EINVAL : -EBADF;
	h = prog_ref((int)a->link_create.prog_fd);
	if (h < 0) {
		lobj_put(pe);
		return h;
	}
	err = pe_attach(pe, h, a->link_create.perf_event.bpf_cookie);
	if (err) {
		userbpf_close(h);
		lobj_put(pe);
		return err;
	}
	link = lobj_new(LOBJ_LINK);
	if (!link) {
		lobj_put(pe);
		return -ENOMEM;
	}
	link->pe = pe; /* the walk's reference */
	link->link_type = BPF_LINK_TYPE_PERF_EVENT;
	link->attach_type = BPF_PERF_EVENT;
	link->prog_id = pe->prog_id;
	link->id = launch_next_link_id();
	return launch_link_install(link);
}

int launch_raw_tp_open(void *attr_p)
{
	union bpf_attr *a = attr_p;
	char buf[128];
	const char *name = a->raw_tracepoint.name ? buf : NULL;
	struct lobj *link;
	int h, err;

	if (!name) /* a BTF target: tp_btf, fentry, fexit (bpf.c recorded it) */
		return kfunc_link((int)a->raw_tracepoint.prog_fd, 0);
	h = prog_ref((int)a->raw_tracepoint.prog_fd);
	if (h < 0)
		return h;
	/* the kernel's strncpy_from_user into its 128-byte buffer */
	if (name && ub_safe_read_str(buf, (const void *)(uintptr_t)a->raw_tracepoint.name,
				     sizeof(buf)) < 0) {
		userbpf_close(h);
		return -EFAULT;
	}
	if (!name || (strcmp(name, "sys_enter") && strcmp(name, "sys_exit"))) {
		launch_log("raw tracepoint '%s': only sys_enter and sys_exit exist in a process",
			   name ? name : "(BTF target)");
		userbpf_close(h);
		return -ENOENT;
	}
	link = lobj_new(LOBJ_PERF);
	if (!link) {
		userbpf_close(h);
		return -ENOMEM;
	}
	link->pe_kind = LPERF_TRACEPOINT;
	snprintf(link->tp, sizeof(link->tp), "%.16s", name); /* sys_enter, sys_exit */
	err = pe_attach(link, h, 0);
	if (err) {
		userbpf_close(h);
		lobj_put(link);
		return err;
	}
	link->kind = LOBJ_LINK;
	link->link_type = BPF_LINK_TYPE_RAW_TRACEPOINT;
	link->id = launch_next_link_id();
	return launch_link_install(link);
}
#endif /* USERBPF_LAUNCH */
