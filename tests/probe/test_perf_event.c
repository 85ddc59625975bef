/* SPDX-License-Identifier: MIT */
/*
 * test_perf_event.c - SEC("perf_event") on the kernel's cpu-clock
 * event and on the CPU-time timer fallback (tests/probe/perfev.bpf.c):
 * samples land while a function burns CPU, with its registers (ip inside
 * it), sample_period = 1e9 / freq ns, a user stack starting at the
 * interrupted ip; a thread created after the attach is sampled on
 * itself; a thread-only link samples that thread only; a one-CPU link
 * keeps only its CPU's samples; no sample after detach; bad options fail
 * with EINVAL.  The event path gives the rate asked for where the timer
 * is bounded by the tick (measured side by side in one test), and works
 * without privilege (the test drops to nobody).
 *
 * Sample counts depend on CPU time, which each test burns until its own
 * CPU clock says so; the bounds are loose.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

/* Burn ms of this thread's CPU time inside this function. */
__attribute__((noinline)) static void perf_burn(long ms)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (int k = 0; k < 20000; k++)
			x += (unsigned long)k;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static uint64_t seen(struct userbpf_object *obj, uint32_t key)
{
	return probe_fixture_value(obj, "seen", key);
}

static bool set_range(struct userbpf_object *obj)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, ".bss");
	uint64_t v[2] = { (uint64_t)(uintptr_t)perf_burn,
			  (uint64_t)(uintptr_t)perf_burn + 512 /* its size, roughly */ };
	void *p;
	size_t sz = 0;

	if (!m) /* named after the object */
		m = userbpf_object__find_map_by_name(obj, "perfev.bss");
	p = m ? userbpf_map__mmap_ptr(userbpf_object_map__map(m), &sz) : NULL;
	if (!p || sz < sizeof(v))
		return false;
	memcpy(p, v, sizeof(v));
	return true;
}

static struct userbpf_prog *sample_prog(struct userbpf_object *obj)
{
	return userbpf_program__prog(userbpf_object__find_program_by_name(obj, "sample"));
}

/* Attach on the timer fallback (timer) or the kernel's event. */
static struct userbpf_link *attach(struct userbpf_object *obj,
				   const struct userbpf_perf_event_opts *o, bool timer)
{
	struct userbpf_link *l;

	probe_perf_force_timer = timer;
	l = userbpf_probe__attach_perf_event(sample_prog(obj), o);
	probe_perf_force_timer = false;
	return l;
}

/* The events path is open to this process (perf_event_paranoid <= 2). */
static bool events_allowed(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = 3;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 3;
		fclose(f);
	}
	return v <= 2 || geteuid() == 0;
}

static void samples_process(bool timer)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	uint64_t n, after;
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 100);

	if (!obj)
		return;
	ASSERT_TRUE(set_range(obj));
	l = attach(obj, &o, timer);
	ASSERT_TRUE(l);
	if (timer || !events_allowed())
		ASSERT_EQ(probe_perf_link_events(l), 0);
	else
		ASSERT_TRUE(probe_perf_link_events(l) >= 1);
	perf_burn(300);
	after = userbpf_link__hits(l); /* counted after each run's map update */
	ASSERT_TRUE(seen(obj, 0) >= after && after > 0);
	userbpf_link__destroy(l);
	n = seen(obj, 0);
	/* 30 expected; the tick and a loaded machine blur it */
	ASSERT_TRUE(n >= 5 && n <= 60);
	ASSERT_EQ(seen(obj, 2), 10000000);
	ASSERT_EQ(seen(obj, 3), syscall(SYS_gettid));
	ASSERT_TRUE(seen(obj, 4) * 2 >= n); /* most samples inside perf_burn */
	ASSERT_TRUE(seen(obj, 5) >= 2);	    /* perf_burn, then its caller */
	perf_burn(100);
	after = seen(obj, 0);
	ASSERT_EQ(after, n); /* detached: no more samples */
	userbpf_object__close(obj);
}

TEST(perf_event_samples_process)
{
	samples_process(false);
}

TEST(perf_event_timer_fallback_samples_process)
{
	samples_process(true);
}

/*
 * The rate asked for: 4 kHz for 300 ms of CPU is 1200 samples on the
 * kernel's hrtimer-driven cpu-clock event; the CPU-time timer measured
 * here too gets at most HZ per second (75 at HZ=250, 300 at HZ=1000):
 * the event path must get clearly more than twice that.  At 1 kHz it
 * gets close to 300 (the timer: 75 at HZ=250).
 */
TEST(perf_event_rate_beats_the_tick)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	uint64_t n_timer, n_event, n_1k;
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 4000);

	if (!obj)
		return;
	if (!events_allowed()) {
		test_skip("perf_event_paranoid > 2: the timer path only");
		userbpf_object__close(obj);
		return;
	}
	l = attach(obj, &o, true);
	ASSERT_TRUE(l);
	perf_burn(300);
	n_timer = userbpf_link__hits(l);
	userbpf_link__destroy(l);

	l = attach(obj, &o, false);
	ASSERT_TRUE(l);
	ASSERT_TRUE(probe_perf_link_events(l) >= 1);
	perf_burn(300);
	n_event = userbpf_link__hits(l);
	userbpf_link__destroy(l);

	o.sample_freq = 1000;
	l = attach(obj, &o, false);
	ASSERT_TRUE(l);
	perf_burn(300);
	n_1k = userbpf_link__hits(l);
	userbpf_link__destroy(l);
	if (test_verbose())
		printf("    300 ms of CPU: 4 kHz timer %lu, event %lu; 1 kHz event %lu\n",
		       (unsigned long)n_timer, (unsigned long)n_event, (unsigned long)n_1k);
	ASSERT_TRUE(n_timer > 0);
	ASSERT_TRUE(n_event > 2 * n_timer && n_event >= 600 && n_event <= 1300);
	ASSERT_TRUE(n_1k > 200 && n_1k <= 330);
	userbpf_object__close(obj);
}

struct late_thread {
	struct userbpf_object *obj;
	long tid;
	uint64_t last_tid;
};

static void *late_burner(void *arg)
{
	struct late_thread *t = arg;

	t->tid = syscall(SYS_gettid);
	perf_burn(200);
	t->last_tid = seen(t->obj, 3); /* the last sample's tid: this thread's */
	return NULL;
}

/* A thread created after the attach inherits its creator's event: its
 * CPU time is sampled, on itself, on both paths. */
static void new_thread(bool timer)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct late_thread lt = { 0 };
	struct userbpf_link *l;
	pthread_t t;
	uint64_t before;
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 1000);

	if (!obj)
		return;
	lt.obj = obj;
	l = attach(obj, &o, timer);
	ASSERT_TRUE(l);
	before = seen(obj, 0);
	ASSERT_OK(pthread_create(&t, NULL, late_burner, &lt));
	pthread_join(t, NULL);
	userbpf_link__destroy(l);
	ASSERT_TRUE(seen(obj, 0) - before >= (timer ? 10 : 100)); /* 200 asked */
	ASSERT_EQ(lt.last_tid, lt.tid);
	userbpf_object__close(obj);
}

TEST(perf_event_new_thread)
{
	new_thread(false);
}

TEST(perf_event_timer_fallback_new_thread)
{
	new_thread(true);
}

/* Dropped to nobody: { events, samples } of a 1 kHz link over 300 ms. */
static void unprivileged_child(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	uint64_t out[2] = { 0, 0 };
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 1000);

	if (obj && !setgroups(0, NULL) && !setresgid(65534, 65534, 65534) &&
	    !setresuid(65534, 65534, 65534) && geteuid() == 65534) {
		l = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
		if (l) {
			out[0] = (uint64_t)probe_perf_link_events(l);
			perf_burn(300);
			out[1] = userbpf_link__hits(l);
			userbpf_link__destroy(l);
		}
	}
	probe_fixture_report(fd, out, sizeof(out));
}

static char refused_log[512];

static int refused_print(enum userbpf_print_level level, const char *fmt, va_list args)
{
	size_t n = strlen(refused_log);

	(void)level;
	vsnprintf(refused_log + n, sizeof(refused_log) - n, fmt, args);
	return 0;
}

/* perf_event_open refused by a seccomp filter (EACCES): { events,
 * samples, times the refusal was logged for two links }. */
static void refused_child(int fd)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l, *l2;
	uint64_t out[3] = { 0, 0, 0 };
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 1000);

	userbpf_set_print(refused_print);
	if (obj && !prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) &&
	    !prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		l = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
		l2 = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
		if (l && l2) {
			out[0] = (uint64_t)(probe_perf_link_events(l) + probe_perf_link_events(l2));
			perf_burn(200);
			out[1] = userbpf_link__hits(l);
			userbpf_link__destroy(l);
			userbpf_link__destroy(l2);
		}
		for (const char *p = refused_log;
		     (p = strstr(p, "cpu-clock event is refused (Permission denied)")); p++)
			out[2]++;
	}
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(perf_event_refused_falls_back)
{
	uint64_t out[3];

	ASSERT_OK(probe_fixture_child(refused_child, out, sizeof(out)));
	ASSERT_EQ(out[0], 0); /* both on timers */
	ASSERT_TRUE(out[1] > 0);
	ASSERT_EQ(out[2], 1); /* reported, once */
}

TEST(perf_event_unprivileged)
{
	uint64_t out[2];
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int paranoid = 3;

	if (geteuid() != 0) {
		test_skip("needs root to drop privileges");
		return;
	}
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = 3;
		fclose(f);
	}
	ASSERT_OK(probe_fixture_child(unprivileged_child, out, sizeof(out)));
	if (paranoid <= 2) { /* own threads, user space: allowed */
		ASSERT_EQ(out[0], 1);
		ASSERT_TRUE(out[1] > 200 && out[1] <= 330);
	} else { /* refused: the timers */
		ASSERT_EQ(out[0], 0);
		ASSERT_TRUE(out[1] > 0);
	}
}

static void *burner(void *arg)
{
	*(long *)arg = syscall(SYS_gettid);
	perf_burn(200);
	return NULL;
}

static void one_thread_and_cpu(bool timer)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	pthread_t t;
	long tid = 0;
	cpu_set_t set, old;
	int cpu;
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 100);

	if (!obj)
		return;
	/* a link on this thread's clock: another thread's CPU time is not sampled */
	o.tid = (int)syscall(SYS_gettid);
	l = attach(obj, &o, timer);
	ASSERT_TRUE(l);
	ASSERT_OK(pthread_create(&t, NULL, burner, &tid));
	pthread_join(t, NULL);
	ASSERT_TRUE(seen(obj, 0) <= 2);
	perf_burn(200);
	userbpf_link__destroy(l);
	ASSERT_TRUE(seen(obj, 0) >= 3);
	ASSERT_EQ(seen(obj, 3), o.tid);

	/* one-CPU links: pinned to one CPU, the other CPU's link sees nothing */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || sched_getaffinity(0, sizeof(old), &old)) {
		userbpf_object__close(obj);
		return;
	}
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_OK(sched_setaffinity(0, sizeof(set), &set));
	{
		struct userbpf_link *other;
		uint32_t k = 0;
		uint64_t zero = 0;
		struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, "seen");

		userbpf_map__update_elem(userbpf_object_map__map(m), &k, &zero, 0);
		o.tid = 0;
		o.flags = USERBPF_PERF_ONE_CPU;
		o.cpu = cpu == 0 ? 1 : 0;
		other = attach(obj, &o, timer);
		perf_burn(150);
		ASSERT_TRUE(other);
		ASSERT_EQ(userbpf_link__hits(other), 0);
		userbpf_link__destroy(other);
		sched_setaffinity(0, sizeof(old), &old);
		ASSERT_EQ(seen(obj, 0), 0);
	}
	userbpf_object__close(obj);
}

TEST(perf_event_one_thread_and_cpu)
{
	one_thread_and_cpu(false);
}

TEST(perf_event_timer_fallback_one_thread_and_cpu)
{
	one_thread_and_cpu(true);
}

TEST(perf_event_bad_opts)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	char err[128] = "";
	USERBPF_OPTS(userbpf_perf_event_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	if (!obj)
		return;
	ASSERT_TRUE(!userbpf_probe__attach_perf_event(sample_prog(obj), &o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_CONTAINS(err, "sample_freq");
	userbpf_object__close(obj);
}

/*
 * A function whose first instruction is one byte (push %rbp): a
 * breakpoint probe's int3 replaces it, and the code resumes at +1, a
 * rep stosb of len bytes at buf (len in rcx, the fourth argument): an
 * interruptible instruction where most samples land, their ip at +1.
 * Returns 0 (rcx after the rep).
 */
long pe_bp_fn(void *buf, long unused1, long unused2, long len);
__asm__(".text\n"
	".globl pe_bp_fn\n"
	".type pe_bp_fn, @function\n"
	"pe_bp_fn:\n"
	"	push %rbp\n"
	"	rep stosb\n"
	"	pop %rbp\n"
	"	mov %rcx, %rax\n"
	"	ret\n"
	".size pe_bp_fn, .-pe_bp_fn\n");

/*
 * Samples (SIGTRAP, TRAP_PERF) at 10 kHz while a breakpoint probe
 * (int3, SIGTRAP too) fires in a loop: the breakpoint handler leaves the
 * samples alone, so a sample whose ip is just past the int3 (the
 * function's second instruction) is not taken for a hit of the probe
 * (which ran the push again: the process crashed without the check):
 * every call returns right and is counted once.
 */
TEST(perf_event_with_breakpoint_probe)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_insn ret0[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_KPROBE, .name = "ret0");
	USERBPF_OPTS(userbpf_uprobe_opts, uo, .mode = USERBPF_PROBE_BREAKPOINT);
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 10000);
	struct userbpf_prog *p;
	struct userbpf_link *u, *l;
	long (*volatile fn)(void *, long, long, long) = pe_bp_fn, calls = 0, bad = 0;
	static char buf[65536];
	struct timespec t0, t;

	if (!obj)
		return;
	p = userbpf_prog__new(ret0, 2, &po);
	ASSERT_TRUE(p);
	/* samples first: in a process where no probe was placed before (this
	 * test run alone), the breakpoint handler comes second and sees
	 * every SIGTRAP first */
	l = attach(obj, &o, false);
	ASSERT_TRUE(l);
	u = userbpf_probe__attach_uprobe(p, NULL, NULL, (uintptr_t)pe_bp_fn, false, &uo);
	ASSERT_TRUE(u);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (int k = 0; k < 20; k++, calls++)
			bad += fn(buf, 0, 0, sizeof(buf)) != 0;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 300);
	userbpf_link__destroy(l);
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(userbpf_link__hits(u) + userbpf_link__misses(u), (uint64_t)calls);
	ASSERT_TRUE(seen(obj, 0) > 0);
	userbpf_link__destroy(u);
	userbpf_prog__put(p);
	userbpf_object__close(obj);
}

/*
 * Kernel-mode CPU time is sampled where the kernel allows it (root,
 * CAP_PERFMON, perf_event_paranoid <= 1): a thread reading /dev/zero in
 * 1 MiB blocks spends nearly all its CPU time in the kernel (clearing the
 * buffer), so user-mode sampling (exclude_kernel, the only mode before)
 * saw a few of its samples.  { kernel mode, samples, ms of CPU, short
 * reads } for 300 ms of this thread's CPU time at 1 kHz.
 */
static void read_loop_sampled(bool user_only, uint64_t out[4])
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	struct timespec t0, t;
	static char buf[1 << 20];
	long ms = 0;
	int fd = open("/dev/zero", O_RDONLY);
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 1000);

	memset(out, 0, 4 * sizeof(*out));
	if (!obj || fd < 0)
		goto out;
	o.tid = (int)syscall(SYS_gettid);
	probe_perf_user_only = user_only;
	l = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
	probe_perf_user_only = false;
	if (!l)
		goto out;
	out[0] = probe_perf_link_kernel(l);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			out[3]++;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	} while (ms < 300);
	out[1] = userbpf_link__hits(l);
	out[2] = (uint64_t)ms;
	userbpf_link__destroy(l);
out:
	if (fd >= 0)
		close(fd);
	if (obj)
		userbpf_object__close(obj);
}

static bool kernel_time_allowed(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = 3;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 3;
		fclose(f);
	}
	return v <= 1 || geteuid() == 0;
}

/* Dropped to nobody: read_loop_sampled's figures, kernel time asked. */
static void unprivileged_read_child(int fd)
{
	uint64_t out[4] = { 0, 0, 0, 0 };

	if (!setgroups(0, NULL) && !setresgid(65534, 65534, 65534) &&
	    !setresuid(65534, 65534, 65534) && geteuid() == 65534)
		read_loop_sampled(false, out);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(perf_event_samples_kernel_time)
{
	uint64_t k[4], u[4], n[4];
	int paranoid = 3;
	FILE *f;

	if (!events_allowed()) {
		test_skip("perf_event_paranoid > 2: the timer path only");
		return;
	}
	read_loop_sampled(false, k);
	read_loop_sampled(true, u);
	fprintf(stderr,
		"  kernel+user: kernel=%llu %llu samples in %llu ms (%llu short reads); "
		"user only: %llu samples in %llu ms\n",
		(unsigned long long)k[0], (unsigned long long)k[1], (unsigned long long)k[2],
		(unsigned long long)k[3], (unsigned long long)u[1], (unsigned long long)u[2]);
	ASSERT_EQ(u[0], 0);
	ASSERT_EQ(k[3], 0); /* a sample in the kernel interrupts no read */
	if (kernel_time_allowed()) {
		ASSERT_EQ(k[0], 1);
		/* about one sample per ms of CPU; the user-only link sees the
		 * user-mode share only: about a tenth here, nearer two fifths
		 * in an ASan build (its user-mode checks), never most of it */
		ASSERT_TRUE(k[1] * 10 >= k[2] * 6 && k[1] <= k[2] * 11 / 10 + 5);
		ASSERT_TRUE(u[1] * 4 < k[1] * 3);
	} else {
		ASSERT_EQ(k[0], 0);
	}
	if (geteuid() != 0)
		return;
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = 3;
		fclose(f);
	}
	ASSERT_OK(probe_fixture_child(unprivileged_read_child, n, sizeof(n)));
	fprintf(stderr, "  as nobody (paranoid %d): kernel=%llu %llu samples in %llu ms\n",
		paranoid, (unsigned long long)n[0], (unsigned long long)n[1],
		(unsigned long long)n[2]);
	if (paranoid == 2) { /* kernel time refused: the user-mode fallback */
		ASSERT_EQ(n[0], 0);
		ASSERT_TRUE(n[1] * 3 < k[1] || !k[0]);
	} else if (paranoid > 2) { /* events refused: the timers */
		ASSERT_EQ(n[0], 0);
	} else {
		ASSERT_EQ(n[0], 1);
	}
	ASSERT_TRUE(n[2] >= 300);
}
