/* SPDX-License-Identifier: MIT */
/*
 * process_events.c - the scheduler's process tracepoints inside this
 * process: sched/sched_process_exec, sched_process_exit and
 * sched_process_fork, with the kernel's record layouts (Linux 6.18's
 * format files: __data_loc strings as u32 (length << 16 | offset), the
 * string bytes after the fixed fields).
 *
 * When they fire (docs/probes.md, "Process events"):
 *   exec  when the host calls userbpf_probe__process_exec() in a freshly
 *         exec'd image, once its programs are attached (the tracing agent
 *         does it in its constructor);
 *   exit  when the host calls userbpf_probe__process_exit() (the agent:
 *         exit() and _exit());
 *   fork  in the child, right after fork() returns there (pthread_atfork
 *         child handler, registered with the first fork link): the record
 *         is the kernel's (parent_pid = the parent, child_pid = this
 *         process), but the helpers see the child (the kernel runs it in
 *         the parent).  Children made without fork() (posix_spawn,
 *         vfork, raw clone) are not seen.
 * Programs run with USERBPF_RUN_HOST_READ; detach waits for runs in
 * progress (two-counter grace period, as syscall_x86_64.c).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define PE_MAX_LINKS 64
static pthread_mutex_t pe_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct userbpf_link *) pe_links[PE_MAX_LINKS];
static _Atomic unsigned pe_epoch;
static _Atomic long pe_active[2];
static bool atfork_set;

/* The common fields of every tracepoint record. */
struct pe_common {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
};

/* sched_process_exec: filename (__data_loc) at 8, pid 12, old_pid 16. */
struct pe_exec_rec {
	struct pe_common c;
	uint32_t filename_loc;
	int32_t pid, old_pid;
	char data[4096];
};

/* sched_process_exit: comm[16] at 8, pid 24, prio 28, group_dead 32. */
struct pe_exit_rec {
	struct pe_common c;
	char comm[16];
	int32_t pid, prio;
	uint8_t group_dead;
	uint8_t pad[7];
};

/* sched_process_fork: parent_comm (__data_loc) at 8, parent_pid 12,
 * child_comm (__data_loc) at 16, child_pid 20, strings from 24. */
struct pe_fork_rec {
	struct pe_common c;
	uint32_t parent_comm_loc;
	int32_t parent_pid;
	uint32_t child_comm_loc;
	int32_t child_pid;
	char data[40];
};

_Static_assert(offsetof(struct pe_exec_rec, data) == 20, "exec record layout");
_Static_assert(offsetof(struct pe_exit_rec, group_dead) == 32, "exit record layout");
_Static_assert(offsetof(struct pe_fork_rec, data) == 24, "fork record layout");

int probe_pe_kind(const char *tp)
{
	if (!strcmp(tp, "sched/sched_process_exec"))
		return PROBE_PE_EXEC;
	if (!strcmp(tp, "sched/sched_process_exit"))
		return PROBE_PE_EXIT;
	if (!strcmp(tp, "sched/sched_process_fork"))
		return PROBE_PE_FORK;
	return 0;
}

static int32_t gettid_(void)
{
	return (int32_t)syscall(SYS_gettid);
}

static void comm_of_thread(char comm[16])
{
	memset(comm, 0, 16);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	comm[15] = '\0';
}

static void run_kind(int kind, void *rec, size_t size)
{
	unsigned idx = atomic_load(&pe_epoch) & 1;
	int i;

	atomic_fetch_add(&pe_active[idx], 1);
	for (i = 0; i < PE_MAX_LINKS; i++) {
		struct userbpf_link *l = atomic_load_explicit(&pe_links[i], memory_order_acquire);
		uint64_t r0;

		if (!l || l->pe_kind != kind || atomic_load(&l->disabled))
			continue;
		{
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = rec, .ctx_size = size,
				     .flags = USERBPF_RUN_HOST_READ | l->run_flags,
				     .cookie = l->trace_cookie, .trace_fn = l->trace_fn,
				     .attach_cookie = l->cookie);

			if (userbpf_prog__run(l->prog, &ro, &r0)) {
				atomic_store(&l->disabled, true);
				atomic_fetch_add(&l->misses, 1);
				if (!atomic_exchange(&l->fault_reported, true))
					ub_warn("process event: program %s failed and is "
						"detached\n",
						userbpf_prog__name(l->prog));
			} else {
				atomic_fetch_add(&l->hits, 1);
			}
		}
	}
	atomic_fetch_sub(&pe_active[idx], 1);
}

/* Put s in a record's dynamic area: the __data_loc word. */
static uint32_t put_str(char *area, size_t room, size_t area_off, const char *s)
{
	size_t n = strnlen(s, room - 1);

	memcpy(area, s, n);
	area[n] = '\0';
	return (uint32_t)((n + 1) << 16 | area_off);
}

USERBPF_API int userbpf_probe__process_exec(const char *filename, int old_pid)
{
	struct pe_exec_rec rec;
	int32_t pid = (int32_t)getpid();

	if (!filename)
		return -EINVAL;
	memset(&rec, 0, offsetof(struct pe_exec_rec, data));
	rec.c.common_pid = pid;
	rec.pid = pid;
	rec.old_pid = old_pid > 0 ? old_pid : pid;
	rec.filename_loc =
		put_str(rec.data, sizeof(rec.data), offsetof(struct pe_exec_rec, data), filename);
	run_kind(PROBE_PE_EXEC, &rec,
		 offsetof(struct pe_exec_rec, data) + (rec.filename_loc >> 16));
	return 0;
}

USERBPF_API int userbpf_probe__process_exit(bool group_dead)
{
	struct pe_exit_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.c.common_pid = gettid_();
	comm_of_thread(rec.comm);
	rec.pid = rec.c.common_pid;
	rec.prio = 120; /* nice 0, as the kernel reports a normal task */
	rec.group_dead = group_dead;
	run_kind(PROBE_PE_EXIT, &rec, offsetof(struct pe_exit_rec, pad));
	return 0;
}

/* pthread_atfork child handler: the fork event, in the child. */
static void fire_fork(void)
{
	struct pe_fork_rec rec;
	char comm[20];
	size_t off = offsetof(struct pe_fork_rec, data);

	memset(&rec, 0, sizeof(rec));
	comm_of_thread(comm);
	rec.c.common_pid = (int32_t)getppid();
	rec.parent_pid = rec.c.common_pid;
	rec.child_pid = (int32_t)getpid();
	rec.parent_comm_loc = put_str(rec.data, 20, off, comm);
	rec.child_comm_loc = put_str(rec.data + 20, 20, off + 20, comm);
	run_kind(PROBE_PE_FORK, &rec, sizeof(rec));
}

int probe_pe_attach(struct userbpf_link *link, int kind, char *err, size_t err_sz)
{
	int i, ret = 0;

	pthread_mutex_lock(&pe_lock);
	for (i = 0; i < PE_MAX_LINKS; i++)
		if (!atomic_load(&pe_links[i]))
			break;
	if (i == PE_MAX_LINKS) {
		snprintf(err, err_sz, "too many process-event probes");
		ret = -E2BIG;
		goto out;
	}
	if (kind == PROBE_PE_FORK && !atfork_set) {
		ret = -pthread_atfork(NULL, NULL, fire_fork);
		if (ret) {
			snprintf(err, err_sz, "pthread_atfork: %s", strerror(-ret));
			goto out;
		}
		atfork_set = true;
	}
	link->pe_kind = kind;
	link->slot = i;
	atomic_store_explicit(&pe_links[i], link, memory_order_release);
out:
	pthread_mutex_unlock(&pe_lock);
	return ret;
}

void probe_pe_detach(struct userbpf_link *link)
{
	int k;

	pthread_mutex_lock(&pe_lock);
	atomic_store(&pe_links[link->slot], NULL);
	for (k = 0; k < 2; k++) {
		unsigned old = atomic_fetch_add(&pe_epoch, 1) & 1;

		while (atomic_load(&pe_active[old]))
			sched_yield();
	}
	pthread_mutex_unlock(&pe_lock);
}
