/* SPDX-License-Identifier: MIT */
/*
 * test_cancel.c - pthread_cancel of a thread inside probed code
 * (tests/probe/cancel.bpf.c): blocked in a read() whose site is rewritten
 * for syscall tracepoints, cancelled while a sys_enter_read program runs
 * (read's syscall runs with asynchronous cancellation enabled), blocked
 * inside a function with a return probe (its return address is the
 * return trampoline), and with asynchronous cancellation while a uprobe's
 * program runs.  Each thread must end cancelled with its cleanup handler
 * run, the probes must keep counting on the other threads, and detaching
 * must not wait forever for a run the cancellation cut short.  Each case
 * runs in a child with an alarm: a hang fails it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

static struct userbpf_object *cobj;

static struct userbpf_map *ctl_map(void)
{
	return userbpf_object_map__map(userbpf_object__find_map_by_name(cobj, "ctl"));
}

static uint64_t ctl_get(uint32_t k)
{
	uint64_t v = 0;

	userbpf_map__lookup_elem(ctl_map(), &k, &v, 0);
	return v;
}

static void ctl_set(uint32_t k, uint64_t v)
{
	userbpf_map__update_elem(ctl_map(), &k, &v, 0);
}

static struct userbpf_prog *cprog(const char *name)
{
	return userbpf_program__prog(userbpf_object__find_program_by_name(cobj, name));
}

/* Thread tid is asleep (state S in its stat): blocked in its read. */
static void wait_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (i = 0; i < 20000; i++) {
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		usleep(100);
	}
}

static void wait_ctl(uint32_t k, uint64_t at_least)
{
	int i;

	for (i = 0; i < 200000 && ctl_get(k) < at_least; i++)
		usleep(50);
}

struct victim {
	int fd;			/* read from it (nothing comes) */
	_Atomic pid_t tid;	/* set when it starts */
	_Atomic int cleaned;	/* its cleanup handler ran */
	bool spin, async, func; /* spin in the program; async cancel; through the probed function */
	bool declared;		/* async cancel told to the probe module */
};

static void cleanup(void *arg)
{
	atomic_store(&((struct victim *)arg)->cleaned, 1);
}

/* The uprobe's function (on_func spins in it). */
__attribute__((noinline)) static int cancel_probe_spin(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}
static int (*volatile spin_fn)(int) = cancel_probe_spin;

/* The uretprobe's function: blocks in read(fd). */
__attribute__((noinline)) static ssize_t cancel_probe_read(int fd, char *c)
{
	ssize_t n = read(fd, c, 1);

	__asm__ volatile("" ::: "memory");
	return n;
}
static ssize_t (*volatile read_fn)(int, char *) = cancel_probe_read;

static void *victim_main(void *arg)
{
	struct victim *v = arg;
	char c;

	if (v->async)
		pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	if (v->declared)
		userbpf_probe__thread_async_cancel(true);
	pthread_cleanup_push(cleanup, v);
	atomic_store(&v->tid, (pid_t)syscall(SYS_gettid));
	if (v->spin)
		ctl_set(0, (uint64_t)atomic_load(&v->tid));
	if (v->async)
		spin_fn(1); /* the uprobe's program spins */
	else if (v->func)
		read_fn(v->fd, &c);
	else
		(void)!read(v->fd, &c, 1);
	pthread_cleanup_pop(0);
	return NULL;
}

/*
 * Start a victim, cancel it at its point (blocked: asleep in its read;
 * spin: once its program spins, then let the program end 20 ms later),
 * join it.  1 when it ended cancelled with its cleanup run.
 */
static int cancel_victim(struct victim *v)
{
	pthread_t t;
	void *res = NULL;
	uint64_t spins = ctl_get(2);

	atomic_store(&v->tid, 0);
	atomic_store(&v->cleaned, 0);
	ctl_set(1, 0);
	if (pthread_create(&t, NULL, victim_main, v))
		return 0;
	while (!atomic_load(&v->tid))
		usleep(50);
	if (v->spin)
		wait_ctl(2, spins + 1);
	else
		wait_sleeping(atomic_load(&v->tid));
	pthread_cancel(t);
	if (v->spin) {
		usleep(20000);
		ctl_set(1, 1);
	}
	pthread_join(t, &res);
	ctl_set(0, 0);
	return res == PTHREAD_CANCELED && atomic_load(&v->cleaned);
}

/*
 * Child of cancel_syscall_site: sys_enter_read and sys_exit_read attached
 * (read's site rewritten), a thread cancelled while blocked in read, one
 * while sys_enter_read's program runs.  Reports: both cancelled with
 * their cleanup (1, 1), the spinning run ended (ctl[3] - 1 when it ran to
 * its end), reads of the main thread after them seen on both sides (5,
 * 5), and both links destroyed (1).
 */
static void syscall_site_child(int fd)
{
	struct userbpf_link *le, *lx;
	struct victim v = { 0 };
	uint64_t out[6] = { 0 }, e0, x0;
	int p[2], i;
	char c;

	alarm(20);
	cobj = probe_fixture_open("cancel");
	if (!cobj || pipe(p))
		_exit(3);
	le = userbpf_probe__attach_syscall(cprog("on_enter_read"), "syscalls/sys_enter_read", NULL);
	lx = userbpf_probe__attach_syscall(cprog("on_exit_read"), "syscalls/sys_exit_read", NULL);
	if (!le || !lx)
		_exit(4);
	v.fd = p[0];
	out[0] = (uint64_t)cancel_victim(&v);
	v.spin = true;
	out[1] = (uint64_t)cancel_victim(&v);
	out[2] = ctl_get(3);
	e0 = ctl_get(4);
	x0 = ctl_get(5);
	for (i = 0; i < 5; i++)
		if (write(p[1], "x", 1) != 1 || read(p[0], &c, 1) != 1)
			_exit(5);
	out[3] = ctl_get(4) - e0;
	out[4] = ctl_get(5) - x0;
	userbpf_link__destroy(le);
	userbpf_link__destroy(lx);
	out[5] = 1;
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(cancel_syscall_site)
{
	uint64_t v[6];

	ASSERT_EQ(probe_fixture_child(syscall_site_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 1); /* blocked in the rewritten read: cancelled, cleanup run */
	ASSERT_EQ(v[1], 1); /* cancelled while its sys_enter_read program ran */
	ASSERT_EQ(v[2], 1); /* that run ended (cancellation waited for it) */
	ASSERT_EQ(v[3], 5);
	ASSERT_EQ(v[4], 5);
	ASSERT_EQ(v[5], 1); /* detach did not hang */
}

static void *after_main(void *arg)
{
	int *q = arg;
	char c;

	spin_fn(3);
	return read(q[0], &c, 1) == 1 ? NULL : arg;
}

/*
 * Child of cancel_uprobe_uretprobe: a uprobe on cancel_probe_spin and a
 * uretprobe on cancel_probe_read; a thread cancelled while blocked in
 * cancel_probe_read (its return address is the return trampoline), one
 * with asynchronous cancellation while the uprobe's program runs (that
 * run is cut short: the thread asked for it), then a thread that takes
 * over the cancelled one's record and waits outside any run while the
 * links are destroyed.  Reports: both cancelled with their cleanup (1,
 * 1), the main thread's calls after them seen (uprobe 1, uretprobe 1),
 * both links destroyed and the waiting thread joined (1); then the
 * asynchronous case again with the thread's cancel type told to the probe
 * module (userbpf_probe__thread_async_cancel): cancelled with its cleanup
 * (1), its run ended before (1), where the undeclared run was cut (0).
 */
static void uprobe_child(int fd)
{
	struct userbpf_link *lu, *lr;
	struct victim v = { 0 };
	uint64_t out[8] = { 0 }, u0, r0, e0;
	int p[2], q[2];
	pthread_t t;
	char c;

	alarm(20);
	cobj = probe_fixture_open("cancel");
	if (!cobj || pipe(p))
		_exit(3);
	lu = userbpf_probe__attach_uprobe(cprog("on_func"), NULL, "cancel_probe_spin", 0, false,
					  NULL);
	lr = userbpf_probe__attach_uprobe(cprog("on_func_ret"), NULL, "cancel_probe_read", 0, true,
					  NULL);
	if (!lu || !lr)
		_exit(4);
	v.fd = p[0];
	v.func = true;
	out[0] = (uint64_t)cancel_victim(&v);
	v.func = false;
	v.spin = v.async = true;
	e0 = ctl_get(3);
	out[1] = (uint64_t)cancel_victim(&v);
	out[7] = ctl_get(3) - e0;
	/* a new thread takes the cancelled one's record, hits the uprobe and
	 * waits, outside any run, while the links are destroyed below */
	if (pipe(q) || pthread_create(&t, NULL, after_main, q))
		_exit(6);
	wait_ctl(6, ctl_get(6) + 1);
	u0 = ctl_get(6);
	r0 = ctl_get(7);
	spin_fn(2);
	if (write(p[1], "x", 1) != 1 || read_fn(p[0], &c) != 1)
		_exit(5);
	out[2] = ctl_get(6) - u0;
	out[3] = ctl_get(7) - r0;
	userbpf_link__destroy(lu);
	userbpf_link__destroy(lr);
	out[4] = write(q[1], "x", 1) == 1 && !pthread_join(t, NULL);
	/* declared: the run is not cut short */
	lu = userbpf_probe__attach_uprobe(cprog("on_func"), NULL, "cancel_probe_spin", 0, false,
					  NULL);
	if (!lu)
		_exit(7);
	v.declared = true;
	e0 = ctl_get(3);
	out[5] = (uint64_t)cancel_victim(&v);
	out[6] = ctl_get(3) - e0;
	userbpf_link__destroy(lu);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(cancel_uprobe_uretprobe)
{
	uint64_t v[8];

	ASSERT_EQ(probe_fixture_child(uprobe_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 1); /* blocked under a return probe: cancelled, cleanup run */
	ASSERT_EQ(v[1], 1); /* async cancel during the uprobe's program */
	ASSERT_EQ(v[2], 1);
	ASSERT_EQ(v[3], 1);
	ASSERT_EQ(v[4], 1); /* detach did not hang */
	ASSERT_EQ(v[7], 0); /* undeclared: the run was cut short */
	ASSERT_EQ(v[5], 1); /* declared: cancelled, cleanup run */
	ASSERT_EQ(v[6], 1); /* and its run ended first */
}
