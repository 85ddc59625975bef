/* SPDX-License-Identifier: MIT */
/*
 * agent.c - the tracing agent: a shared library (libuserbpf-agent.so,
 * rules in mk/probe.mk) that "userbpf trace" preloads into the command it
 * starts.  At startup it loads the object named in USERBPF_TRACE_OBJ,
 * attaches its probe programs (all with a target in their section, or the
 * ones named in USERBPF_TRACE_PROGS), fires sched_process_exec and sends
 * bpf_printk lines and ring-buffer records to the CLI as they happen
 * (trace_proto.h, over the fd in USERBPF_TRACE_FD); at exit (exit(), or
 * _exit() which it interposes) it fires sched_process_exit, detaches and
 * sends a snapshot of every map; before an execve (interposed too) it
 * sends a snapshot, since the image and its maps are about to go.
 * The interposed execve family fires the execve syscall tracepoints
 * (exec_hook.c: the probe layer cannot trap execve): sys_enter_execve
 * before each attempt, sys_exit_execve with -errno after a failed one,
 * and each image loading the agent fires sys_exit_execve with 0 once its
 * programs are attached.
 *
 * Children: without USERBPF_TRACE_FOLLOW it removes its variables and
 * itself from LD_PRELOAD, marks the fd close-on-exec, and a forked child
 * stops sending (its probes still run on its copy of the maps).  With
 * USERBPF_TRACE_FOLLOW=1 the variables stay (and the interposed execve
 * family puts them back into an environment that lacks them), so every
 * exec'd image loads the agent again; a forked child empties its copies
 * of the object's maps (not the global-variable ones), drops ring-buffer
 * records its parent has yet to read, restarts the poller, and sends
 * events and its own snapshot as a new source.  The CLI adds up the
 * snapshots of all sources (trace_proto.h).
 *
 * Shared mode (USERBPF_TRACE_ARENA, "trace --follow"; trace_domain.c):
 * the agent joins the trace's domain.  As the reader (USERBPF_TRACE_READER
 * = 1, a process of its own the CLI starts first) it loads the object
 * into the arena, consumes the ring and perf buffers and sends the maps
 * when the CLI closes its control descriptor (reader_main); in a traced
 * process it attaches the reader's object and runs no poller: printk
 * lines go out directly, the records into the shared buffers, and at
 * exit only the stack symbols (shared_done).
 *
 * Injected into a running process ("userbpf trace --pid", dlopen through
 * ptrace: inject_x86_64.c) it finds its settings in TRACE_INJECT_CONF,
 * sends over a socket to the CLI, fires no exec event, and detaches when
 * the CLI sends a byte or goes away (Ctrl-C), leaving the process running.
 *
 * Compiled into the agent only (-DUSERBPF_AGENT); in the library this
 * file is empty.  Exports (agent.map): _exit, _Exit, execve, execv,
 * execvp, execvpe, posix_spawn, posix_spawnp, vfork (sched_process_fork
 * in the parent for the children fork()'s atfork handler never sees),
 * sigaction, signal, bsd_signal, sysv_signal, __sysv_signal, sigset,
 * sigignore, siginterrupt and syscall (for SYS_rt_sigaction; the program
 * sees the signal actions it would see without userbpf, not the probe
 * module's handlers; injected, the agent points the program's GOT slots
 * of these at its own),
 * pthread_setcanceltype (program runs on a thread with asynchronous
 * cancellation are not cut short).
 */
#ifdef USERBPF_AGENT
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "trace_proto.h"
#include "util/fault_copy.h"
#include "userbpf/userbpf.h"
#include "userbpf/probe.h"

/* The probe module's syscall gate (syscall_x86_64.c): the agent's own
 * writes go through it, so syscall tracepoints never see them. */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* process_events.c: a hook in the fatal-signal handler. */
void probe_pe_set_fatal_hook(void (*fn)(int sig));
/* syscall_x86_64.c: the SIGSYS handler for a filter inherited across
 * exec, before anything here makes a syscall (true: installed). */
bool probe_sc_inherited_filter(void);
void probe_sc_inherited_rewrite(void);
int probe_sc_filters(void); /* filters the probe module installed */
/* syscall_x86_64.c: whether exec sites fire in a CLONE_VM child; the
 * environment of an exec made while a filter is in force (env_build) */
void probe_exec_vm_children(bool on);
void probe_exec_env_hook(size_t (*fn)(char *const envp[], void *buf, size_t size, char ***out));
static size_t env_build(char *const envp[], void *buf, size_t size, char ***out);
static char self_path[PATH_MAX]; /* the agent's file (agent_early) */
/* It was: SIGSYS was SIG_DFL for the program (views_before). */
static bool sigsys_inherited;

#define MAX_LINKS 64
#define MAX_RINGS 8

static int out_fd = -1;
static bool out_is_sock;
static uint32_t my_pid, my_src;
static bool follow;
static struct userbpf_object *obj;
static struct userbpf_link *links[MAX_LINKS];
static size_t link_cnt;
/* A ring buffer or a perf buffer (PERF_EVENT_ARRAY, bcc's way): their
 * records go to the CLI alike (TRACE_MSG_RINGBUF). */
static struct ring {
	struct userbpf_ringbuf *rb;
	struct userbpf_perf_buffer *pb;
	char name[64];
} rings[MAX_RINGS];
static size_t ring_cnt;
static pthread_t poller;
static bool poller_started;
/* One snapshot at a time (the poller's periodic ones, execve's, the
 * last); held across fork() so that no child starts with it taken. */
static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
/* Periodic snapshots: at least this far apart, and 50 times as far as
 * the last one took (2% of a thread's time at most). */
#define SNAP_PERIOD_MIN_NS 200000000ull
static atomic_bool stopping, dropping, finished;
/* What a followed child needs in its environment. */
/* The images exec'd from here need the agent as a guard (guard_children). */
static bool guarding;
static char env_obj[PATH_MAX + 32], env_fd[48], env_progs[1100], env_preload[PATH_MAX + 32];
static char *env_sets;
static const char env_follow[] = TRACE_ENV_FOLLOW "=1";
/* --shared (trace_domain.c): the process is a member of the trace's
 * domain (reader: the one that loaded the object). */
static bool shared, reader;
static char env_arena[PATH_MAX + 32];

static void new_source(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	my_pid = (uint32_t)getpid();
	my_src = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec << 20 ^ my_pid << 8;
}

/* One message in one write (truncated to TRACE_MSG_MAX). */
static void send_msg(uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	uint8_t buf[TRACE_MSG_MAX];
	/* the reader's records have no sender: pid 0 */
	struct trace_msg_hdr h = { type, 0, reader ? 0 : my_pid, my_src };
	size_t room = sizeof(buf) - sizeof(h);
	ssize_t n;

	if (out_fd < 0)
		return;
	if (alen > room)
		alen = room;
	if (blen > room - alen)
		blen = room - alen;
	h.len = (uint32_t)(alen + blen);
	memcpy(buf, &h, sizeof(h));
	if (alen)
		memcpy(buf + sizeof(h), a, alen);
	if (blen)
		memcpy(buf + sizeof(h) + alen, b, blen);
	do /* a socket (--pid): no SIGPIPE into the traced process */
		n = out_is_sock ? probe_sc_gate(SYS_sendto, out_fd, (long)(uintptr_t)buf,
						(long)(sizeof(h) + h.len), MSG_NOSIGNAL, 0, 0) :
				  probe_sc_gate(SYS_write, out_fd, (long)(uintptr_t)buf,
						(long)(sizeof(h) + h.len), 0, 0, 0);
	while (n == -EINTR);
}

static void on_printk(void *cookie, const char *line, size_t len)
{
	(void)cookie;
	send_msg(TRACE_MSG_PRINTK, line, len, NULL, 0);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct ring *r = ctx;

	if (!atomic_load(&dropping))
		send_msg(TRACE_MSG_RINGBUF, r->name, strlen(r->name) + 1, data, size);
	return 0;
}

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	(void)cpu;
	on_record(ctx, data, size);
}

static void ring_poll(struct ring *r, int timeout_ms)
{
	if (r->rb)
		userbpf_ringbuf__poll(r->rb, timeout_ms);
	else
		userbpf_perf_buffer__poll(r->pb, timeout_ms);
}

static void ring_consume(struct ring *r)
{
	if (r->rb)
		userbpf_ringbuf__consume(r->rb);
	else
		userbpf_perf_buffer__consume(r->pb);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void snapshot(void);

/*
 * The poller: ring-buffer and perf-buffer records to the CLI as they
 * come, and a snapshot of the maps now and then, so that a process
 * SIGKILL ends (where nothing of ours can run) leaves the CLI the maps
 * as they were shortly before.  Its own syscalls go through the gate
 * (no syscall tracepoint sees them) and it fires no exit event.
 */
static void *poll_rings(void *arg)
{
	uint64_t next = now_ns() + SNAP_PERIOD_MIN_NS, t0, took;
	struct timespec nap = { 0, 50000000 };
	size_t i;

	(void)arg;
	while (!atomic_load(&stopping)) {
		for (i = 0; i < ring_cnt; i++)
			ring_poll(&rings[i], ring_cnt == 1 ? 50 : 10);
		if (!ring_cnt)
			probe_sc_gate(SYS_nanosleep, (long)(uintptr_t)&nap, 0, 0, 0, 0, 0);
		if ((t0 = now_ns()) < next || atomic_load(&stopping))
			continue;
		pthread_mutex_lock(&snap_lock);
		snapshot();
		pthread_mutex_unlock(&snap_lock);
		took = now_ns() - t0;
		next = t0 + (took * 50 > SNAP_PERIOD_MIN_NS ? took * 50 : SNAP_PERIOD_MIN_NS);
	}
	/*
	 * The thread ends through the gate: libc's thread exit makes its
	 * exit syscall with every signal blocked, and where syscalls are
	 * trapped (raw_syscalls/sys_enter) and that site could not be
	 * rewritten, the trap's SIGSYS would kill the process.  The kernel
	 * still clears the thread id, which is what pthread_join waits for.
	 */
	for (;;)
		probe_sc_gate(SYS_exit, 0, 0, 0, 0, 0, 0);
	return NULL;
}

static void start_poller(void)
{
	/* quiet: no probe runs on it, it has no exit event */
	poller_started = !userbpf_probe__thread_create_quiet(&poller, NULL, poll_rings, NULL, 0);
}

static void fail(const char *fmt, const char *a, const char *b)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, a, b);
	send_msg(TRACE_MSG_ERROR, msg, strlen(msg), NULL, 0);
	_exit(127);
}

static bool wanted(const char *names, const char *name)
{
	size_t n = strlen(name);
	const char *p = names;

	if (!names || !*names)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == names || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* Drop the agent from LD_PRELOAD (it is the entry naming agent_path). */
static void unpreload(void)
{
	const char *pre = getenv("LD_PRELOAD");

	if (pre && strstr(pre, "libuserbpf-agent"))
		unsetenv("LD_PRELOAD");
}

/* ==== Maps ==== */

/* The symbols of a stack's addresses: the process knows its layout. */
static void send_syms(const uint8_t *ips, size_t n)
{
	char name[256];
	uint64_t ip;
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(&ip, ips + i * 8, 8);
		if (!ip)
			break;
		userbpf_probe__symbolize(ip, name, sizeof(name));
		send_msg(TRACE_MSG_SYM, &ip, sizeof(ip), name, strlen(name));
	}
}

static void send_map(struct userbpf_object_map *m)
{
	struct userbpf_map *map = userbpf_object_map__map(m);
	struct trace_map_info info;
	const char *name = userbpf_object_map__name(m);
	uint8_t key[512], next[512], val[TRACE_MSG_MAX];
	void *prev = NULL;

	if (!map)
		return;
	info.type = userbpf_map__type(map);
	info.key_size = userbpf_map__key_size(map);
	info.value_size = userbpf_map__sys_value_size(map);
	info.max_entries = userbpf_map__max_entries(map);
	if (info.type == USERBPF_MAP_TYPE_RINGBUF ||
	    info.type == USERBPF_MAP_TYPE_PERF_EVENT_ARRAY ||
	    info.type == USERBPF_MAP_TYPE_PROG_ARRAY || strstr(name, ".rodata") ||
	    !strncmp(name, "__bpf_usdt_", 11) || /* usdt.bpf.h's own maps */
	    strstr(name, ".kconfig") || info.key_size > sizeof(key) ||
	    info.value_size + info.key_size > sizeof(val) - 64)
		return;
	send_msg(TRACE_MSG_MAP, &info, sizeof(info), name, strlen(name) + 1);
	while (!userbpf_map__get_next_key(map, prev, next)) {
		uint8_t entry[sizeof(key) + sizeof(val)];

		memcpy(key, next, info.key_size);
		prev = key;
		if (userbpf_map__lookup_elem(map, key, val, 0))
			continue;
		memcpy(entry, key, info.key_size);
		memcpy(entry + info.key_size, val, info.value_size);
		send_msg(TRACE_MSG_ENTRY, entry, info.key_size + info.value_size, NULL, 0);
		/* the reader's layout is not the traced images' (they send
		 * their symbols as they end: shared_done) */
		if (info.type == USERBPF_MAP_TYPE_STACK_TRACE && !shared)
			send_syms(val, info.value_size / 8);
	}
}

/* A forked child starts its maps empty (globals kept): the parent's
 * snapshot already has what happened before the fork. */
static void clear_maps(void)
{
	struct userbpf_object_map *m = NULL;
	uint8_t key[512], zero[TRACE_MSG_MAX];

	memset(zero, 0, sizeof(zero));
	while ((m = userbpf_object__next_map(obj, m))) {
		struct userbpf_map *map = userbpf_object_map__map(m);
		uint32_t t, i;

		if (!map || strchr(userbpf_object_map__name(m), '.') ||
		    userbpf_map__key_size(map) > sizeof(key) ||
		    userbpf_map__sys_value_size(map) > sizeof(zero))
			continue;
		t = userbpf_map__type(map);
		if (t == USERBPF_MAP_TYPE_HASH || t == USERBPF_MAP_TYPE_LRU_HASH ||
		    t == USERBPF_MAP_TYPE_PERCPU_HASH || t == USERBPF_MAP_TYPE_LRU_PERCPU_HASH) {
			while (!userbpf_map__get_next_key(map, NULL, key))
				if (userbpf_map__delete_elem(map, key))
					break;
		} else if (t == USERBPF_MAP_TYPE_ARRAY || t == USERBPF_MAP_TYPE_PERCPU_ARRAY) {
			for (i = 0; i < userbpf_map__max_entries(map); i++)
				userbpf_map__update_elem(map, &i, zero, 0);
		}
	}
}

/* Send ring records still queued and a snapshot of every map. */
static void snapshot(void)
{
	struct userbpf_object_map *m = NULL;
	size_t i;

	for (i = 0; i < ring_cnt; i++)
		ring_consume(&rings[i]);
	while ((m = userbpf_object__next_map(obj, m)))
		send_map(m);
}

/*
 * A member of the trace's domain ends (exit, or a fatal signal): the
 * maps are the reader's to send, so only the symbols of the addresses in
 * stack-trace maps (this image's layout), then DONE.  Its links stay:
 * they live in the arena, and a child forked without exec runs them
 * too; the process's probes go with its address space.
 */
static void shared_done(void)
{
	struct userbpf_object_map *m = NULL;

	while ((m = userbpf_object__next_map(obj, m))) {
		struct userbpf_map *map = userbpf_object_map__map(m);
		uint8_t key[512], val[TRACE_MSG_MAX];
		void *prev = NULL;

		if (!map || userbpf_map__type(map) != USERBPF_MAP_TYPE_STACK_TRACE ||
		    userbpf_map__key_size(map) > sizeof(key) ||
		    userbpf_map__sys_value_size(map) > sizeof(val))
			continue;
		while (!userbpf_map__get_next_key(map, prev, key)) {
			prev = key;
			if (!userbpf_map__lookup_elem(map, key, val, 0))
				send_syms(val, userbpf_map__sys_value_size(map) / 8);
		}
	}
	send_msg(TRACE_MSG_DONE, NULL, 0, NULL, 0);
	close(out_fd);
	out_fd = -1;
	tdom_leave();
}

/* The process is exiting: exit event, detach, last snapshot.  Once. */
static void finish(void)
{
	size_t i;

	/* a vfork child shares our memory: it must not end our tracing */
	if (!obj || out_fd < 0 || (uint32_t)syscall(SYS_getpid) != my_pid ||
	    atomic_exchange(&finished, true))
		return;
	userbpf_probe__process_exit(true);
	if (shared) {
		shared_done();
		return;
	}
	/* the poller ends first: once the syscall links are gone, a syscall
	 * its exit makes from a trapped site would have no handler */
	atomic_store(&stopping, true);
	if (poller_started)
		pthread_join(poller, NULL);
	for (i = 0; i < link_cnt; i++)
		userbpf_link__destroy(links[i]);
	pthread_mutex_lock(&snap_lock);
	snapshot();
	pthread_mutex_unlock(&snap_lock);
	send_msg(TRACE_MSG_DONE, NULL, 0, NULL, 0);
	close(out_fd);
	out_fd = -1;
}

/*
 * A signal ends the process (the probe module's fatal-signal handler,
 * after the exit event): the last snapshot, as finish() sends it, but
 * without detaching (a detach waits on locks the interrupted code may
 * hold; the process is going anyway).  The poller is stopped first,
 * unless it is the thread the signal interrupted; the snapshot lock is
 * waited for at most a second (the interrupted thread may hold it).
 */
static void on_fatal(int sig)
{
	struct timespec until;
	bool on_poller = poller_started && pthread_equal(pthread_self(), poller);
	size_t i;

	(void)sig;
	if (!obj || out_fd < 0 || (uint32_t)syscall(SYS_getpid) != my_pid ||
	    atomic_exchange(&finished, true))
		return;
	if (shared) {
		shared_done();
		return;
	}
	atomic_store(&stopping, true);
	if (poller_started && !on_poller)
		pthread_join(poller, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec++;
	if (!pthread_mutex_timedlock(&snap_lock, &until)) {
		struct userbpf_object_map *m = NULL;

		for (i = 0; i < ring_cnt && !on_poller; i++)
			ring_consume(&rings[i]);
		while ((m = userbpf_object__next_map(obj, m)))
			send_map(m);
		pthread_mutex_unlock(&snap_lock);
	}
	send_msg(TRACE_MSG_DONE, NULL, 0, NULL, 0);
	close(out_fd);
	out_fd = -1;
}

/* ==== Children ==== */

static void before_fork(void)
{
	pthread_mutex_lock(&snap_lock);
}

static void parent_after_fork(void)
{
	pthread_mutex_unlock(&snap_lock);
}

static void child_after_fork(void)
{
	pthread_mutex_unlock(&snap_lock);
	if (!follow) {
		out_fd = -1; /* untraced: its probes run on its own copies */
		return;
	}
	new_source();
	if (shared) { /* the same maps: nothing to empty, nothing to poll */
		tdom_fork_child();
		return;
	}
	atomic_store(&dropping, true);
	for (size_t i = 0; i < ring_cnt; i++)
		ring_consume(&rings[i]);
	atomic_store(&dropping, false);
	clear_maps();
	start_poller();
}

/* Remember the variables a followed child must see. */
static void save_env(const char *path, const char *fd, const char *progs, const char *sets)
{
	const char *pre = getenv("LD_PRELOAD");

	if (sets && (env_sets = malloc(strlen(sets) + sizeof(TRACE_ENV_SETS) + 1)))
		sprintf(env_sets, "%s=%s", TRACE_ENV_SETS, sets);

	snprintf(env_obj, sizeof(env_obj), "%s=%s", TRACE_ENV_OBJ, path);
	snprintf(env_fd, sizeof(env_fd), "%s=%s", TRACE_ENV_FD, fd);
	if (progs)
		snprintf(env_progs, sizeof(env_progs), "%s=%s", TRACE_ENV_PROGS, progs);
	if (pre)
		snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", pre);
	if (getenv(TRACE_ENV_ARENA))
		snprintf(env_arena, sizeof(env_arena), "%s=%s", TRACE_ENV_ARENA,
			 getenv(TRACE_ENV_ARENA));
}

static void setv(char *dst, size_t n, const char *src)
{
	size_t l = strnlen(src, n - 1);

	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* Injected by "userbpf trace --pid": the CLI left the settings in
 * TRACE_INJECT_CONF (pid = ours); connect to its socket.  Values are
 * static (they live as long as the agent). */
static bool read_injected(const char **path, const char **progs, const char **freq,
			  const char **sets)
{
	static char obj_v[PATH_MAX], progs_v[1024], freq_v[32], sock_v[108], sets_v[4096];
	char conf[128], line[PATH_MAX + 16];
	struct sockaddr_un sa;
	size_t l;
	FILE *f;
	int fd;

	snprintf(conf, sizeof(conf), TRACE_INJECT_CONF, (int)getpid());
	f = fopen(conf, "re");
	if (!f)
		return false;
	unlink(conf);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "obj=", 4))
			setv(obj_v, sizeof(obj_v), line + 4);
		else if (!strncmp(line, "progs=", 6))
			setv(progs_v, sizeof(progs_v), line + 6);
		else if (!strncmp(line, "freq=", 5))
			setv(freq_v, sizeof(freq_v), line + 5);
		else if (!strncmp(line, "sock=", 5))
			setv(sock_v, sizeof(sock_v), line + 5);
		else if (!strncmp(line, "set=", 4) &&
			 (l = strlen(sets_v)) + strlen(line) + 1 < sizeof(sets_v)) {
			if (l)
				sets_v[l++] = '\n';
			memcpy(sets_v + l, line + 4, strlen(line + 4) + 1);
		}
	}
	fclose(f);
	if (!obj_v[0] || !sock_v[0])
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, sock_v, strlen(sock_v)); /* abstract name */
	if (connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sock_v)))) {
		close(fd);
		return false;
	}
	out_fd = fd;
	out_is_sock = true;
	*path = obj_v;
	*progs = progs_v[0] ? progs_v : NULL;
	*freq = freq_v[0] ? freq_v : NULL;
	*sets = sets_v[0] ? sets_v : NULL;
	return true;
}

/* --set: NAME=VALUE lines (TRACE_ENV_SETS), before the object loads;
 * the CLI checked them already (cmd_trace.c). */
static void apply_sets(const char *sets)
{
	char line[1024], *eq;
	const char *p = sets, *nl;

	while (p && *p) {
		nl = strchrnul(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			if (userbpf_object__set_global(obj, line, eq + 1))
				fail("--set %s: %s", line, userbpf_object__errmsg(obj));
		}
		p = *nl ? nl + 1 : nl;
	}
}

/* Injected mode: the CLI asks us to detach (a byte, or it went away). */
static void *control(void *arg)
{
	char c;
	size_t i;

	(void)arg;
	while (read(out_fd, &c, 1) < 0 && errno == EINTR)
		;
	if (atomic_exchange(&finished, true))
		return NULL;
	probe_pe_set_fatal_hook(NULL);
	atomic_store(&stopping, true);
	if (poller_started)
		pthread_join(poller, NULL);
	for (i = 0; i < link_cnt; i++)
		userbpf_link__destroy(links[i]);
	pthread_mutex_lock(&snap_lock);
	snapshot();
	pthread_mutex_unlock(&snap_lock);
	send_msg(TRACE_MSG_DONE, NULL, 0, NULL, 0);
	shutdown(out_fd, SHUT_RDWR);
	return NULL;
}

/* ==== Interposed: asynchronous cancellation ==== */

/*
 * A thread cancelled asynchronously in the middle of a uprobe's program
 * run could leave a map lock held: the probe module runs the programs of
 * a thread that switched to PTHREAD_CANCEL_ASYNCHRONOUS with cancellation
 * disabled (userbpf_probe__thread_async_cancel), told here.  glibc's own
 * asynchronous windows (inside its cancellable syscall wrappers) do not
 * come through here.
 */
__attribute__((visibility("default"))) int pthread_setcanceltype(int type, int *old)
{
	static int (*real)(int, int *);
	int ret;

	if (!real)
		real = (int (*)(int, int *))dlsym(RTLD_NEXT, "pthread_setcanceltype");
	if (!real)
		return ENOSYS;
	/* told first: once asynchronous, a pending cancel may act at once */
	if (type == PTHREAD_CANCEL_ASYNCHRONOUS)
		userbpf_probe__thread_async_cancel(true);
	ret = real(type, old);
	if (!ret && type == PTHREAD_CANCEL_DEFERRED)
		userbpf_probe__thread_async_cancel(false);
	return ret;
}

/* ==== Signal actions as the program would see them ==== */

/*
 * The probe module puts handlers on signals whose action is the default
 * one (the fatal-signal hook on SIGINT, SIGTERM, SIGSEGV...; SIGTRAP,
 * SIGSYS, SIGPROF and real-time signals for the probes).  A program that
 * asks for such a signal's action must see SIG_DFL, as without userbpf:
 * CPython installs its SIGINT handler (KeyboardInterrupt) only where it
 * finds SIG_DFL.  So sigaction() and signal() are interposed: for a
 * signal whose action userbpf changed from SIG_DFL at startup, the
 * program reads (and sets, while it asks for SIG_DFL) a view, the
 * action it set last; a handler or SIG_IGN it sets replaces userbpf's
 * (its handler decides, as before), and SIG_DFL set again later gives
 * the signal back to userbpf.  Calls from the agent's own code (the
 * probe module's) go to libc's __sigaction directly.  Lock-free: a
 * handler may call sigaction; two threads setting one signal's action
 * at once may leave the view and the kernel disagreeing.  The System V
 * calls and syscall(SYS_rt_sigaction) go through the view too (below);
 * injected ("trace --pid"), the GOT slots of these functions are pointed
 * at the agent's (got_patch_one).  Not covered: a syscall instruction of
 * the program's own code, libc's internal __sigaction calls.
 */
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

static struct sig_view {
	bool claimed;		/* userbpf changed it from SIG_DFL at startup */
	bool front;		/* SIGSEGV, SIGBUS: agent_fault stays in front */
	_Atomic bool held;	/* the kernel has userbpf's handler now */
	struct sigaction hook;	/* userbpf's handler */
	struct sigaction shown; /* what the program sees (its last SIG_DFL) */
} views[NSIG];
static uintptr_t self_lo, self_hi; /* the agent's code */

static bool is_default(const struct sigaction *sa)
{
	return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == SIG_DFL;
}

static int self_code(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t at = (uintptr_t)arg;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && at >= lo &&
		    at < lo + ph->p_memsz) {
			self_lo = lo;
			self_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* The actions before anything is attached: shown[] */
static void views_before(void)
{
	int s;

	dl_iterate_phdr(self_code, (void *)(uintptr_t)views_before);
	for (s = 1; s < NSIG; s++)
		if (__sigaction(s, NULL, &views[s].shown))
			views[s].shown.sa_handler = SIG_IGN; /* not a signal to show */
	if (sigsys_inherited) { /* ours since the relocation: SIG_DFL for it */
		memset(&views[SIGSYS].shown, 0, sizeof(views[SIGSYS].shown));
		views[SIGSYS].shown.sa_handler = SIG_DFL;
	}
}

/*
 * SIGSYS while a seccomp filter of the trace traps syscalls: the kernel
 * keeps this handler whatever the program sets.  A trap (si_code
 * SYS_SECCOMP) goes to the probe module's handler, which makes the call;
 * any other SIGSYS (kill, raise) to the action the program set, as its
 * view says.  Before, a program's own SIGSYS handler replaced the probe
 * module's, as for any other claimed signal, and then received the
 * filter's traps: LLVM's crash handler (clang, every LLVM tool) took a
 * trapped syscall at exit for a crash ("pure virtual method called",
 * status 134; under USERBPF_SYSCALL_TRAP_ONLY status 159).  Not told
 * apart: the traps of a seccomp filter the program installs itself.
 */
#define K_SYS_SECCOMP 1 /* si_code of a seccomp trap (asm-generic/siginfo.h) */

static void agent_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct sig_view *v = &views[SIGSYS];
	struct sigaction a = v->shown;
	sigset_t mask, old;

	if (si->si_code == K_SYS_SECCOMP) {
		v->hook.sa_sigaction(sig, si, uc);
		return;
	}
	if (a.sa_handler == SIG_IGN)
		return;
	if (!(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_DFL) {
		/* the default action: the process ends of SIGSYS */
		memset(&a, 0, sizeof(a));
		a.sa_handler = SIG_DFL;
		__sigaction(SIGSYS, &a, NULL);
		sigemptyset(&mask);
		sigaddset(&mask, SIGSYS);
		pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
		raise(SIGSYS);
		return;
	}
	/* its mask, never SIGSYS itself: a trap while SIGSYS is blocked is
	 * fatal (the kernel forces the signal), and the handler's own
	 * syscalls may trap (so it runs as with SA_NODEFER) */
	mask = a.sa_mask;
	sigdelset(&mask, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	if (a.sa_flags & SA_RESETHAND) {
		memset(&v->shown, 0, sizeof(v->shown));
		v->shown.sa_handler = SIG_DFL;
	}
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, si, uc);
	else
		a.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * SIGSEGV and SIGBUS: probe reads of the process's memory (ub_safe_read)
 * copy without a system call and leave a fault to the exception table of
 * util/fault_copy_posix.c, which needs its front handler to be the
 * kernel's action for both.  So, where the program had SIG_DFL at
 * startup, agent_fault stays installed whatever the program sets: the
 * program's handler (or SIG_DFL) is only shown, and agent_fault sends
 * every fault that is not a probe read's to it as the kernel would have
 * (its mask, SA_SIGINFO, SA_RESETHAND, SA_NODEFER; SA_ONSTACK and
 * SA_RESTART are mirrored into the front's own flags), or to the default
 * action after the probe module's fatal-signal hook, as before.  SIG_IGN
 * goes to the kernel (it outlives exec): the fast path is turned off
 * first and waits for copies in flight.  A vfork child, which shares this
 * view but not its parent's actions, sets its own directly and suspends
 * the fast path (ub_fault_suspend).  Injected ("trace --pid"), where the
 * program may hold libc's sigaction from before, there is no front: the
 * reads keep process_vm_readv.
 */
static void agent_fault(int sig, siginfo_t *si, void *uc)
{
	struct sig_view *v = &views[sig];
	struct sigaction a = v->shown;

	if (ub_fault_fixup(sig, si, uc))
		return;
	if (!is_default(&a)) {
		if (a.sa_flags & SA_RESETHAND) {
			memset(&v->shown, 0, sizeof(v->shown));
			v->shown.sa_handler = SIG_DFL;
		}
		ub_fault_deliver(sig, si, uc, &a);
		return;
	}
	/* the default action, after the probe module's hook as before (it
	 * had SA_RESETHAND: SIG_DFL is in place while it runs) */
	atomic_store(&v->held, false);
	ub_fault_to_default(sig);
	a = v->hook;
	if ((a.sa_flags & SA_SIGINFO) && a.sa_sigaction)
		a.sa_sigaction(sig, si, uc); /* it faults again or re-raises */
	else
		ub_fault_again(sig, si);
}

/* agent_fault as sig's kernel action, with the flags of what it serves. */
static int front_install(int sig)
{
	struct sig_view *v = &views[sig];
	const struct sigaction *serves = is_default(&v->shown) ? &v->hook : &v->shown;
	struct sigaction f;

	memset(&f, 0, sizeof(f));
	f.sa_sigaction = agent_fault;
	f.sa_flags = SA_SIGINFO | SA_NODEFER | (serves->sa_flags & SA_RESTART);
	if ((serves->sa_flags & SA_ONSTACK) || is_default(serves))
		f.sa_flags |= SA_ONSTACK;
	sigemptyset(&f.sa_mask);
	return __sigaction(sig, &f, NULL);
}

/* The kernel's handler of sig, read through the gate (a syscall
 * tracepoint on rt_sigaction does not see it). */
static int gate_read_action(int sig, void **handler)
{
	struct k_sigaction_raw {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} k;
	long r = probe_sc_gate(SYS_rt_sigaction, sig, 0, (long)&k, 8, 0, 0);

	if (r)
		return (int)r;
	*handler = k.handler;
	return 0;
}

static void fronts_enable(void)
{
	if (atomic_load(&views[SIGSEGV].held) && atomic_load(&views[SIGBUS].held) &&
	    views[SIGSEGV].front && views[SIGBUS].front)
		ub_fault_enable(agent_fault, gate_read_action);
}

/* At startup: the front on SIGSEGV or SIGBUS where the program had
 * SIG_DFL (now: that, or the probe module's fatal-signal handler). */
static bool front_claim(int sig, const struct sigaction *now)
{
	struct sig_view *v = &views[sig];

	if (out_is_sock || !is_default(&v->shown))
		return false;
	if (!is_default(now) && !(now->sa_flags & SA_SIGINFO))
		return false;
	v->hook = *now;
	if (front_install(sig))
		return false;
	v->front = true;
	v->claimed = true;
	atomic_store(&v->held, true);
	return true;
}

/* sigaction() of SIGSEGV or SIGBUS by the program (view_sigaction). */
static int front_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sig_view *v = &views[sig];
	struct sigaction prev = v->shown, keep;
	int ret;

	if (act && ub_fault_in_vfork_child()) {
		ub_fault_suspend();
		ret = __sigaction(sig, act, NULL);
		if (!ret && old)
			*old = prev;
		return ret;
	}
	if (act && !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN) {
		ub_fault_disable(true);
		ret = __sigaction(sig, act, NULL);
		if (ret) {
			fronts_enable();
			return ret;
		}
		atomic_store(&v->held, false);
		v->shown = *act;
	} else if (act) {
		keep = v->shown;
		v->shown = *act;
		ret = front_install(sig);
		if (ret) {
			v->shown = keep;
			return ret;
		}
		atomic_store(&v->held, true);
		fronts_enable();
	}
	if (old)
		*old = prev;
	return 0;
}

/* Once everything is attached: the signals userbpf took from SIG_DFL.
 * SIGSYS gets agent_sigsys in front of the probe module's handler,
 * SIGSEGV and SIGBUS agent_fault (above). */
static void views_init(void)
{
	struct sigaction now;
	int s;

	for (s = 1; s < NSIG; s++) {
		if (!is_default(&views[s].shown) || __sigaction(s, NULL, &now))
			continue;
		if ((s == SIGSEGV || s == SIGBUS) && front_claim(s, &now))
			continue;
		if (is_default(&now))
			continue;
		views[s].hook = now;
		if (s == SIGSYS && (now.sa_flags & SA_SIGINFO)) {
			/* through the gate: a syscall tracepoint does not see
			 * it (libc's restorer, or the probe module's, kept) */
			struct {
				void *handler;
				unsigned long flags;
				void *restorer;
				uint64_t mask;
			} k = { (void *)agent_sigsys, (unsigned long)now.sa_flags | 0x04000000ul,
				(void *)now.sa_restorer, 0 };

			memcpy(&k.mask, &now.sa_mask, sizeof(k.mask));
			if (probe_sc_gate(SYS_rt_sigaction, SIGSYS, (long)&k, 0, 8, 0, 0))
				continue;
		}
		views[s].claimed = true;
		atomic_store(&views[s].held, true);
	}
	fronts_enable();
}

static int view_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sig_view *v = &views[sig];
	struct sigaction prev;
	int ret;

	if (v->front)
		return front_sigaction(sig, act, old);
	if (atomic_load(&v->held)) {
		prev = v->shown;
		if (act && (is_default(act) || sig == SIGSYS)) {
			v->shown = *act; /* SIGSYS: agent_sigsys calls it */
		} else if (act) {	 /* the program's handler replaces userbpf's */
			ret = __sigaction(sig, act, NULL);
			if (ret)
				return ret;
			atomic_store(&v->held, false);
		}
		if (old)
			*old = prev;
		return 0;
	}
	if (act && is_default(act) && !atomic_load(&finished)) { /* back to userbpf */
		ret = __sigaction(sig, &v->hook, old);
		if (ret)
			return ret;
		v->shown = *act;
		atomic_store(&v->held, true);
		return 0;
	}
	return __sigaction(sig, act, old);
}

/* sigaction() through the view, unless the call comes from the agent's
 * own code (from: the caller's return address) or sig is not claimed. */
static int agent_sigaction(int sig, const struct sigaction *act, struct sigaction *old,
			   uintptr_t from)
{
	if (sig <= 0 || sig >= NSIG || !views[sig].claimed || (from >= self_lo && from < self_hi))
		return __sigaction(sig, act, old);
	return view_sigaction(sig, act, old);
}

static int ag_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return agent_sigaction(sig, act, old, (uintptr_t)__builtin_return_address(0));
}

/* signal() and sysv_signal(): handler with flags, the old handler. */
static sighandler_t agent_signal(int sig, sighandler_t handler, int flags, bool block_self,
				 uintptr_t from)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	if (sig <= 0 || sig >= NSIG || handler == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&sa.sa_mask);
	if (block_self)
		sigaddset(&sa.sa_mask, sig);
	return agent_sigaction(sig, &sa, &old, from) ? SIG_ERR : old.sa_handler;
}

/* glibc's signal(): BSD semantics (SA_RESTART, the signal blocked in its
 * handler), through the view. */
static sighandler_t ag_signal(int sig, sighandler_t handler)
{
	return agent_signal(sig, handler, SA_RESTART, true, (uintptr_t)__builtin_return_address(0));
}

static sighandler_t ag_bsd_signal(int sig, sighandler_t handler)
{
	return agent_signal(sig, handler, SA_RESTART, true, (uintptr_t)__builtin_return_address(0));
}

/* System V signal() (the handler runs once, not blocked in itself):
 * glibc's sysv_signal and __sysv_signal, and signal() under
 * -D_XOPEN_SOURCE without _DEFAULT_SOURCE. */
static sighandler_t ag_sysv_signal(int sig, sighandler_t handler)
{
	return agent_signal(sig, handler, SA_RESETHAND | SA_NODEFER, false,
			    (uintptr_t)__builtin_return_address(0));
}

static sighandler_t ag___sysv_signal(int sig, sighandler_t handler)
{
	return agent_signal(sig, handler, SA_RESETHAND | SA_NODEFER, false,
			    (uintptr_t)__builtin_return_address(0));
}

/* System V sigset(): glibc's, with its sigaction calls through the view. */
static sighandler_t ag_sigset(int sig, sighandler_t disp)
{
	uintptr_t from = (uintptr_t)__builtin_return_address(0);
	struct sigaction sa, old;
	sigset_t set, oset;

	sigemptyset(&set);
	if (sig <= 0 || sig >= NSIG || sigaddset(&set, sig) < 0) {
		errno = EINVAL;
		return SIG_ERR;
	}
	if (disp == SIG_HOLD) {
		if (pthread_sigmask(SIG_BLOCK, &set, &oset))
			return SIG_ERR;
		if (sigismember(&oset, sig))
			return SIG_HOLD;
		return agent_sigaction(sig, NULL, &old, from) ? SIG_ERR : old.sa_handler;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = disp;
	sigemptyset(&sa.sa_mask);
	if (agent_sigaction(sig, &sa, &old, from) || pthread_sigmask(SIG_UNBLOCK, &set, &oset))
		return SIG_ERR;
	return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
}

/* sigignore() and siginterrupt(): glibc's call __sigaction inside libc. */
static int ag_sigignore(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return agent_sigaction(sig, &sa, NULL, (uintptr_t)__builtin_return_address(0));
}

static int ag_siginterrupt(int sig, int interrupt)
{
	uintptr_t from = (uintptr_t)__builtin_return_address(0);
	struct sigaction sa;

	if (agent_sigaction(sig, NULL, &sa, from))
		return -1;
	if (interrupt)
		sa.sa_flags &= ~SA_RESTART;
	else
		sa.sa_flags |= SA_RESTART;
	return agent_sigaction(sig, &sa, NULL, from);
}

/* The kernel's x86-64 struct sigaction (rt_sigaction's, 8-byte mask);
 * SA_RESTORER, which glibc's headers do not name. */
#define K_SA_RESTORER 0x04000000ul

struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static long (*real_syscall)(long nr, ...);

/*
 * syscall(SYS_rt_sigaction, sig, act, old, 8) from the program: through
 * the view too (its struct converted both ways; the kernel keeps libc's
 * restorer).  Every other call goes to libc's syscall() unchanged.  A
 * syscall instruction of the program's own code is not seen
 * (docs/probes.md).
 */
static long ag_syscall(long nr, ...)
{
	uintptr_t from = (uintptr_t)__builtin_return_address(0);
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long); /* as libc's syscall(): six registers */
	va_end(ap);
	if (nr == SYS_rt_sigaction && a[0] > 0 && a[0] < NSIG && views[a[0]].claimed &&
	    a[3] == (long)sizeof(uint64_t) && !(from >= self_lo && from < self_hi)) {
		const struct k_sigaction *kact = (const struct k_sigaction *)a[1];
		struct k_sigaction *kold = (struct k_sigaction *)a[2];
		struct sigaction act, old;

		if (kact) {
			memset(&act, 0, sizeof(act));
			act.sa_handler = (sighandler_t)kact->handler;
			act.sa_flags = (int)(kact->flags & ~K_SA_RESTORER);
			memcpy(&act.sa_mask, &kact->mask, sizeof(kact->mask));
		}
		if (view_sigaction((int)a[0], kact ? &act : NULL, &old))
			return -1;
		if (kold) {
			kold->handler = (void *)old.sa_handler;
			kold->flags = (unsigned long)old.sa_flags;
			kold->restorer = (void *)old.sa_restorer;
			memcpy(&kold->mask, &old.sa_mask, sizeof(kold->mask));
		}
		return 0;
	}
	if (!real_syscall)
		real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/*
 * The exported names (agent.map) are aliases of the functions above: the
 * GOT table below needs the agent's own addresses (a reference to
 * "sigaction" from a dlopen'ed library binds to libc's).
 */
#define AGENT_EXPORT(name)                                                                         \
	extern __typeof__(ag_##name) name __attribute__((alias("ag_" #name), visibility("default")))
AGENT_EXPORT(sigaction);
AGENT_EXPORT(signal);
AGENT_EXPORT(bsd_signal);
AGENT_EXPORT(sysv_signal);
AGENT_EXPORT(__sysv_signal);
AGENT_EXPORT(sigset);
AGENT_EXPORT(sigignore);
AGENT_EXPORT(siginterrupt);
AGENT_EXPORT(syscall);

/* ==== Injected: the program's GOT slots of the interposed functions ==== */

/*
 * A dlopen'ed agent ("trace --pid") interposes nothing by itself: the
 * program's calls were bound to libc's functions long before, and a
 * library loaded later is not in the global scope.  So the slots of
 * sigaction, signal, ... (the JUMP_SLOT and GLOB_DAT relocations naming
 * them) in every loaded object but libc, ld.so, the vDSO and the agent
 * are pointed at the agent's functions, as a preload would have bound
 * them.  A slot in a read-only page (RELRO) is made writable for the
 * store and read-only again.  Pointers the program took earlier (stored
 * elsewhere) and libc's internal calls still go to libc.
 */
static const struct got_fn {
	const char *name;
	void *fn;
} got_fns[] = {
	{ "sigaction", (void *)ag_sigaction },
	{ "signal", (void *)ag_signal },
	{ "bsd_signal", (void *)ag_bsd_signal },
	{ "sysv_signal", (void *)ag_sysv_signal },
	{ "__sysv_signal", (void *)ag___sysv_signal },
	{ "sigset", (void *)ag_sigset },
	{ "sigignore", (void *)ag_sigignore },
	{ "siginterrupt", (void *)ag_siginterrupt },
	{ "syscall", (void *)ag_syscall },
};

/*
 * Store fn in the GOT slot; a slot inside the object's RELRO pages
 * (read-only once ld.so relocated them, as glibc's _dl_protect_relro
 * rounds them) is made writable for the store.  Through the syscall gate:
 * syscall tracepoints never see the agent's own calls.
 */
static void got_store(uintptr_t slot, void *fn, uintptr_t ro_lo, uintptr_t ro_hi)
{
	uintptr_t page = slot & ~(uintptr_t)4095;
	bool ro = slot >= ro_lo && slot < ro_hi;

	if (ro && probe_sc_gate(SYS_mprotect, (long)page, 4096, PROT_READ | PROT_WRITE, 0, 0, 0))
		return;
	__atomic_store_n((void **)slot, fn, __ATOMIC_RELEASE);
	if (ro)
		probe_sc_gate(SYS_mprotect, (long)page, 4096, PROT_READ, 0, 0, 0);
}

/* A dynamic-section address: relocated by ld.so already, or not. */
static uintptr_t dyn_addr(const struct dl_phdr_info *info, ElfW(Addr) v)
{
	return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

static void got_relocs(const struct dl_phdr_info *info, const ElfW(Rela) * r, size_t sz,
		       const ElfW(Sym) * symtab, const char *strtab, uintptr_t ro_lo,
		       uintptr_t ro_hi)
{
	size_t i, k;

	for (i = 0; i < sz / sizeof(*r); i++) {
		unsigned type = (unsigned)ELF64_R_TYPE(r[i].r_info);
		const char *name;

		if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
			continue;
		name = strtab + symtab[ELF64_R_SYM(r[i].r_info)].st_name;
		for (k = 0; k < sizeof(got_fns) / sizeof(got_fns[0]); k++)
			if (!strcmp(name, got_fns[k].name)) {
				got_store(info->dlpi_addr + r[i].r_offset, got_fns[k].fn, ro_lo,
					  ro_hi);
				break;
			}
	}
}

static int got_patch_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	const ElfW(Dyn) *d = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL, *name = info->dlpi_name ? info->dlpi_name : "";
	const ElfW(Rela) *jmprel = NULL, *rela = NULL;
	size_t pltsz = 0, relasz = 0;
	uintptr_t ro_lo = 0, ro_hi = 0;
	int i;

	(void)size, (void)arg;
	if (strstr(name, "/libc.so") || strstr(name, "/ld-linux") || strstr(name, "linux-vdso"))
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_DYNAMIC)
			d = (const ElfW(Dyn) *)lo;
		else if (ph->p_type == PT_GNU_RELRO)
			ro_lo = lo & ~(uintptr_t)4095,
			ro_hi = (lo + ph->p_memsz) & ~(uintptr_t)4095;
		else if (ph->p_type == PT_LOAD && self_lo >= lo && self_lo < lo + ph->p_memsz)
			return 0; /* the agent */
	}
	for (; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			symtab = (const ElfW(Sym) *)dyn_addr(info, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			strtab = (const char *)dyn_addr(info, d->d_un.d_ptr);
		else if (d->d_tag == DT_JMPREL)
			jmprel = (const ElfW(Rela) *)dyn_addr(info, d->d_un.d_ptr);
		else if (d->d_tag == DT_PLTRELSZ)
			pltsz = d->d_un.d_val;
		else if (d->d_tag == DT_RELA)
			rela = (const ElfW(Rela) *)dyn_addr(info, d->d_un.d_ptr);
		else if (d->d_tag == DT_RELASZ)
			relasz = d->d_un.d_val;
	}
	if (!symtab || !strtab)
		return 0;
	if (jmprel)
		got_relocs(info, jmprel, pltsz, symtab, strtab, ro_lo, ro_hi);
	if (rela)
		got_relocs(info, rela, relasz, symtab, strtab, ro_lo, ro_hi);
	return 0;
}

/*
 * An IFUNC whose resolver ld.so runs while it relocates this library,
 * before any library's constructor: the SIGSYS handler for a seccomp
 * filter inherited across exec goes in there (probe_sc_inherited_filter
 * says why); the constructor asks again.
 */
static void agent_ifunc_noop(void)
{
}

static void (*agent_ifunc_resolve(void))(void)
{
	sigsys_inherited = probe_sc_inherited_filter();
	return agent_ifunc_noop;
}

static void agent_ifunc(void) __attribute__((ifunc("agent_ifunc_resolve")));
/* the reference that makes the linker emit the IRELATIVE relocation */
void (*volatile agent_ifunc_ref)(void) = agent_ifunc;

__attribute__((constructor(101))) static void agent_early(void)
{
	if (!real_syscall) /* resolved before any signal handler may call it */
		real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	Dl_info di;

	sigsys_inherited |= probe_sc_inherited_filter();
	probe_sc_inherited_rewrite(); /* before any thread (syscall_x86_64.c) */
	/* every exec made while a filter is in force gets the environment
	 * an image needs to survive it (env_build) */
	if (dladdr((void *)env_build, &di) && di.dli_fname &&
	    snprintf(self_path, sizeof(self_path), "%s", di.dli_fname) < (int)sizeof(self_path))
		probe_exec_env_hook(env_build);
	else
		self_path[0] = '\0';
}

/* The object's ring buffers and perf buffers, consumed here. */
static void open_rings(void)
{
	struct userbpf_object_map *m = NULL;

	while ((m = userbpf_object__next_map(obj, m))) {
		struct userbpf_map *map = userbpf_object_map__map(m);

		struct ring *r = &rings[ring_cnt];

		if (!map || ring_cnt == MAX_RINGS)
			continue;
		if (userbpf_map__type(map) == USERBPF_MAP_TYPE_RINGBUF)
			r->rb = userbpf_ringbuf__new(map, on_record, r);
		else if (userbpf_map__type(map) == USERBPF_MAP_TYPE_PERF_EVENT_ARRAY)
			r->pb = userbpf_perf_buffer__new(map, 8, on_sample, NULL, r);
		else
			continue;
		snprintf(r->name, sizeof(r->name), "%s", userbpf_object_map__name(m));
		if (r->rb || r->pb)
			ring_cnt++;
	}
}

/* Whether a member of the domain besides us is alive (not gone, not a
 * zombie). */
static bool others_alive(void)
{
	int pids[256], n = tdom_members(pids, 256), i;
	char path[64], buf[512], *p;
	FILE *f;

	for (i = 0; i < n; i++) {
		if (pids[i] == (int)my_pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pids[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X')
			return true;
	}
	return false;
}

/*
 * The reader of a --shared trace (trace_proto.h): started by the CLI
 * before the command, in the trace's domain, as a process of its own.
 * It loads the object into the arena (the traced processes attach that
 * one), consumes the ring buffers, and when the CLI closes the control
 * descriptor (every traced process is gone) sends the last records and
 * the maps, leaves the domain (the last member removes the arena) and
 * ends.  It never returns to the program it was started as.
 */
static __attribute__((noreturn)) void reader_main(const char *path, const char *sets)
{
	const char *ctl_env = getenv(TRACE_ENV_CTL);
	int ctl = ctl_env ? atoi(ctl_env) : -1;
	struct pollfd pfd = { .fd = ctl, .events = POLLIN };
	struct timespec nap = { 0, 50000000 };
	uint32_t n = 0;
	size_t i;

	reader = true;
	signal(SIGINT, SIG_IGN); /* Ctrl-C is the command's; EOF on ctl ends us */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	obj = userbpf_object__open_file(path, NULL);
	if (!obj)
		fail("cannot open %s: %s", path, strerror(errno));
	apply_sets(sets);
	if (userbpf_object__load(obj))
		fail("cannot load %s: %s", path, userbpf_object__errmsg(obj));
	open_rings();
	tdom_set_root(obj);
	send_msg(TRACE_MSG_READY, &n, sizeof(n), NULL, 0);
	for (;;) {
		for (i = 0; i < ring_cnt; i++)
			ring_poll(&rings[i], ring_cnt == 1 ? 50 : 10);
		if (poll(&pfd, 1, ring_cnt ? 0 : 50) > 0 || ctl < 0)
			break;
	}
	atomic_store(&finished, true);
	snapshot();
	send_msg(TRACE_MSG_DONE, NULL, 0, NULL, 0);
	/* the CLI went away (killed) with traced processes still running:
	 * the last of them removes the arena, so leave after them all */
	while (others_alive())
		probe_sc_gate(SYS_nanosleep, (long)(uintptr_t)&nap, 0, 0, 0, 0, 0);
	tdom_leave();
	for (;;)
		syscall(SYS_exit_group, 0);
}

/* A process of a --shared trace: the reader's object, attached here.
 * false: this process could not join (its agent is at another address:
 * a program that preloads a library of its own first); it loads the
 * object itself, as with --no-shared, and its maps are added to the
 * shared ones at the end. */
static bool shared_join(const char *arena)
{
	int err = tdom_join(arena, getenv(TRACE_ENV_READER) != NULL);
	char msg[PATH_MAX + 200];

	if (err && getenv(TRACE_ENV_READER))
		fail("cannot make the trace's domain %s: %s", arena, strerror(-err));
	if (err) {
		tdom_leave();
		snprintf(msg, sizeof(msg),
			 "process %d cannot join the trace's domain (%s): it runs the programs on "
			 "copies of its own, added up at the end as with --no-shared",
			 (int)getpid(), strerror(-err));
		send_msg(TRACE_MSG_WARN, msg, strlen(msg), NULL, 0);
		return false;
	}
	shared = true;
	if (getenv(TRACE_ENV_READER))
		return true;
	obj = tdom_root();
	if (!obj)
		fail("the trace's domain %s has no object%s", arena, "");
	return true;
}

/*
 * Without --follow the images the command execs run untraced, but a
 * seccomp filter of the trace (syscall tracepoints) stays with them: it
 * cannot be removed and survives exec.  It traps syscalls made from the
 * code ranges of the files the traced image had mapped, and where the
 * new image's code lies there (no ASLR: setarch -R; a non-PIE executable
 * exec'ing another) a trap without our SIGSYS handler killed it (status
 * 159: under setarch -R, syscount around sh -c 'ls /' killed ls; the
 * agent used to drop itself from LD_PRELOAD at once).  So while such a
 * filter is in force the agent stays preloaded, marked TRACE_ENV_GUARD:
 * an image loading it for that installs the handler while ld.so
 * relocates it and rewrites its sites (agent_early, as a followed image
 * does), claims SIGSYS for it, and traces nothing.  Without a filter the
 * agent and its variables are dropped, as before.
 */
static void guard_children(void)
{
	const char *pre = getenv("LD_PRELOAD");

	if (probe_sc_filters() > 0 || sigsys_inherited) {
		guarding = true; /* not getenv: env -i clears environ, then execs */
		setenv(TRACE_ENV_GUARD, "1", 1);
		if (pre) /* for an environment that lacks it (follow_env) */
			snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", pre);
	} else {
		unpreload();
	}
}

/* An image started under TRACE_ENV_GUARD (above). */
static void guard_start(void)
{
	if (!getenv(TRACE_ENV_GUARD))
		return;
	if (!sigsys_inherited) { /* no filter: nothing to guard from here on */
		unsetenv(TRACE_ENV_GUARD);
		unpreload();
		return;
	}
	guard_children();
	views_init();
}

__attribute__((constructor)) static void agent_start(void)
{
	const char *path = getenv(TRACE_ENV_OBJ), *fd = getenv(TRACE_ENV_FD);
	const char *fol = getenv(TRACE_ENV_FOLLOW);
	const char *freq = getenv(TRACE_ENV_FREQ), *inj_progs = NULL;
	const char *sets = getenv(TRACE_ENV_SETS);
	char *progs = getenv(TRACE_ENV_PROGS) ? strdup(getenv(TRACE_ENV_PROGS)) : NULL;
	struct userbpf_program *p = NULL;
	const char *execfn;
	char err[512];
	bool injected = false;
	USERBPF_OPTS(userbpf_attach_opts, ao, .trace_fn = on_printk, .err_buf = err,
		     .err_buf_sz = sizeof(err));

	views_before();
	if (!path || !fd) {
		if (!read_injected(&path, &inj_progs, &freq, &sets)) {
			guard_start();
			return;
		}
		injected = true;
		free(progs);
		progs = inj_progs ? strdup(inj_progs) : NULL;
	}
	ao.sample_freq = freq ? strtoull(freq, NULL, 10) : 49;
	new_source();
	if (!injected)
		out_fd = atoi(fd);
	follow = !injected && fol && !strcmp(fol, "1");
	/* the execs of posix_spawn's, system's, popen's and vfork's children
	 * (they share our memory, so their runs would count in our maps):
	 * fired there only when children are traced */
	probe_exec_vm_children(follow);
	if (follow) {
		save_env(path, fd, progs, sets);
	} else if (!injected) {
		fcntl(out_fd, F_SETFD, FD_CLOEXEC);
		unsetenv(TRACE_ENV_OBJ);
		unsetenv(TRACE_ENV_FD);
		unsetenv(TRACE_ENV_PROGS);
		unsetenv(TRACE_ENV_FREQ);
		unsetenv(TRACE_ENV_SETS);
	}
	pthread_atfork(before_fork, parent_after_fork, child_after_fork);
	if (!injected && getenv(TRACE_ENV_ARENA) && shared_join(getenv(TRACE_ENV_ARENA))) {
		if (getenv(TRACE_ENV_READER))
			reader_main(path, sets);
	} else {
		obj = userbpf_object__open_file(path, NULL);
		if (!obj)
			fail("cannot open %s: %s", path, strerror(errno));
		apply_sets(sets);
		if (userbpf_object__load(obj))
			fail("cannot load %s: %s", path, userbpf_object__errmsg(obj));
	}
	while ((p = userbpf_object__next_program(obj, p))) {
		const char *sec = userbpf_program__section_name(p);

		if (!wanted(progs, userbpf_program__name(p)))
			continue;
		if (!progs && (!userbpf_program__attachable(p) || !strchr(sec, '/')) &&
		    strcmp(sec, "perf_event"))
			continue;
		if (link_cnt == MAX_LINKS)
			fail("too many programs in %s%s", path, "");
		err[0] = '\0';
		links[link_cnt] = userbpf_program__attach_opts(p, &ao);
		if (!links[link_cnt] && strstr(err, "is not loaded in this process")) {
			/* a probe on another binary (bashreadline's /bin/bash
			 * from sh): it fires in the images that load it, as
			 * the kernel's on the file does; with --follow those
			 * are traced too */
			if (!follow) {
				char msg[sizeof(err) + 160];

				snprintf(msg, sizeof(msg),
					 "%s: %s; it fires only where the traced command "
					 "loads it (--follow traces the images it execs)",
					 userbpf_program__name(p), err);
				send_msg(TRACE_MSG_WARN, msg, strlen(msg), NULL, 0);
			}
			continue;
		}
		if (!links[link_cnt])
			fail("cannot attach %s: %s", userbpf_program__name(p),
			     err[0] ? err : strerror(errno));
		link_cnt++;
	}
	free(progs);
	if (!follow && !injected)
		guard_children();
	if (!shared) { /* shared: the reader consumes them, and sends the maps */
		open_rings();
		start_poller();
	}
	probe_pe_set_fatal_hook(on_fatal);
	views_init();
	if (injected)
		dl_iterate_phdr(got_patch_one, NULL);
	{
		uint32_t n = (uint32_t)link_cnt;

		send_msg(TRACE_MSG_READY, &n, sizeof(n), NULL, 0);
	}
	if (injected) { /* attached to a running image: no exec happened */
		pthread_t t;

		if (!userbpf_probe__thread_create_quiet(&t, NULL, control, NULL, 0))
			pthread_detach(t);
		return;
	}
	execfn = (const char *)getauxval(AT_EXECFN);
	userbpf_probe__process_exec(execfn ? execfn : "", 0);
	/* the exec that started this image returns 0 here, as in the kernel
	 * (its sys_enter_execve fired in the old image, when it had us) */
	userbpf_probe__exec_exit(SYS_execve, 0);
}

__attribute__((destructor)) static void agent_stop(void)
{
	finish();
}

/* ==== Interposed: the process ends or replaces its image ==== */

__attribute__((visibility("default"), noreturn)) void _exit(int status)
{
	finish();
	for (;;)
		syscall(SYS_exit_group, status);
}

__attribute__((visibility("default"), noreturn)) void _Exit(int status)
{
	_exit(status);
}

/*
 * LD_PRELOAD's value for an exec'd image: the agent first.  Where
 * addresses are not randomised (the shared domain; setarch -R) an image
 * maps its preloaded libraries in order below ld.so, so the agent lands
 * where the image that exec'd it had its own only when it comes first.
 * Elsewhere its syscall gate lay in the code ranges the inherited seccomp
 * filter traps, which lets through the old gate's address only: with a
 * syscall tracepoint attached, "LD_PRELOAD=libm.so.6:$LD_PRELOAD ls"
 * under trace --follow died of SIGSEGV (the gate's own syscall trapped
 * inside the SIGSYS handler, again and again) or, with every number
 * trapped, of SIGSYS before the handler was in.  So a program's own
 * preloads go after the agent, and a LD_PRELOAD without it gets it back.
 * The length of "LD_PRELOAD=" and the new value (written to dst, NUL
 * included, when dst is not NULL); 0: val is fine (the agent first).
 * No allocation, no lock (env_build says why).
 */

static size_t preload_agent_first(const char *val, char *dst)
{
	const char *p = val;
	size_t n, l = strlen(self_path), len;

	while (*p == ':' || *p == ' ')
		p++;
	if (!l || (!strncmp(p, self_path, l) && (!p[l] || p[l] == ':' || p[l] == ' ')))
		return 0;
	len = 11 + l;
	if (dst) {
		memcpy(dst, "LD_PRELOAD=", 11);
		memcpy(dst + 11, self_path, l);
	}
	for (p = val; *p; p += n) { /* the others in order, without the agent */
		while (*p == ':' || *p == ' ')
			p++;
		n = strcspn(p, ": ");
		if (n && !(n == l && !strncmp(p, self_path, l))) {
			if (dst) {
				dst[len] = ':';
				memcpy(dst + len + 1, p, n);
			}
			len += 1 + n;
		}
	}
	if (dst)
		dst[len] = '\0';
	return len;
}

/*
 * envp with the variables an exec'd image needs added where missing and
 * the agent first in LD_PRELOAD: with --follow the trace's variables;
 * without, while a filter is in force, the guard's (guard_children).
 * Built in buf (the pointer array, then the new LD_PRELOAD string) when
 * size bytes hold it, *out then the new array.  The bytes it takes; 0:
 * envp will do as it is.  No allocation and no lock: the probe module
 * calls it (probe_exec_env_hook) for every exec made while a filter is
 * in force, from a rewritten site, from its SIGSYS handler, and in a
 * child that shares our memory (posix_spawn's), where malloc is not ours
 * to call.
 */
static size_t env_build(char *const envp[], void *buf, size_t size, char ***out)
{
	static char guard_var[] = TRACE_ENV_GUARD "=1";
	const char *need[7] = { env_obj,     env_fd,	env_follow,
				env_preload, env_progs, env_sets ? env_sets : "",
				env_arena };
	bool guard = !follow && guarding, missing[7] = { false };
	size_t n, i, k, extra = 0, pre_len = 0, bytes;
	long pre_at = -1;
	char **arr;

	if ((!follow && !guard) || !envp)
		return 0;
	if (guard) {
		memset(need, 0, sizeof(need));
		need[0] = guard_var;
		need[1] = env_preload;
	}
	for (n = 0; envp[n]; n++)
		if (pre_at < 0 && !strncmp(envp[n], "LD_PRELOAD=", 11))
			pre_at = (long)n;
	if (pre_at >= 0)
		pre_len = preload_agent_first(envp[pre_at] + 11, NULL);
	for (k = 0; k < 7; k++) {
		const char *eq = need[k] ? strchr(need[k], '=') : NULL;

		if (!eq || !need[k][0])
			continue;
		missing[k] = true;
		for (i = 0; i < n && missing[k]; i++)
			if (!strncmp(envp[i], need[k], (size_t)(eq - need[k]) + 1))
				missing[k] = false;
		extra += missing[k];
	}
	if (!pre_len && !extra)
		return 0;
	bytes = (n + extra + 1) * sizeof(char *) + (pre_len ? pre_len + 1 : 0);
	if (!buf || size < bytes)
		return bytes;
	arr = buf;
	memcpy(arr, envp, n * sizeof(*arr));
	if (pre_len) {
		arr[pre_at] = (char *)(arr + n + extra + 1);
		preload_agent_first(envp[pre_at] + 11, arr[pre_at]);
	}
	for (k = 0; k < 7; k++)
		if (missing[k])
			arr[n++] = (char *)need[k];
	arr[n] = NULL;
	*out = arr;
	return bytes;
}

/* env_build's result for the interposed calls: NULL when envp will do
 * (or no memory); freed by free_env. */
static char **follow_env(char *const envp[])
{
	size_t bytes = env_build(envp, NULL, 0, NULL);
	char **out = NULL;
	void *buf;

	if (!bytes || !(buf = malloc(bytes)))
		return NULL;
	env_build(envp, buf, bytes, &out);
	return out;
}

static void free_env(char **env)
{
	free(env);
}

__attribute__((visibility("default"))) int execve(const char *file, char *const argv[],
						  char *const envp[])
{
	char **env = follow_env(envp);
	/* the record holds the caller's pointers (envp as given) */
	uint64_t args[6] = { (uint64_t)(uintptr_t)file, (uint64_t)(uintptr_t)argv,
			     (uint64_t)(uintptr_t)envp };
	/* without --follow only the command's own attempts: not a child's
	 * (a vfork child shares our memory and descriptor) */
	bool fire = obj &&
		    (follow || (uint32_t)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0) == my_pid);
	int ret, e;

	/* sys_enter_execve (exec_hook.c): before the snapshot, which then
	 * holds what its programs did */
	if (fire && !atomic_load(&finished))
		userbpf_probe__exec_enter(SYS_execve, args);
	if (obj && out_fd >= 0 && !shared && !atomic_load(&finished) &&
	    (uint32_t)syscall(SYS_getpid) == my_pid) {
		pthread_mutex_lock(&snap_lock);
		snapshot();
		pthread_mutex_unlock(&snap_lock);
	}
	ret = (int)syscall(SYS_execve, file, argv, env ? env : envp);
	e = errno;
	free_env(env);
	if (fire && !atomic_load(&finished))
		userbpf_probe__exec_exit(SYS_execve, -e);
	errno = e;
	return ret;
}

__attribute__((visibility("default"))) int execvpe(const char *file, char *const argv[],
						   char *const envp[])
{
	const char *path = getenv("PATH"), *p;
	char buf[PATH_MAX];
	int err = ENOENT;

	if (!*file) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/'))
		return execve(file, argv, envp);
	for (p = path ? path : "/bin:/usr/bin";; p++) {
		const char *end = strchrnul(p, ':');
		size_t len = (size_t)(end - p);

		if (len + strlen(file) + 2 <= sizeof(buf)) {
			if (len)
				memcpy(buf, p, len);
			else
				buf[len++] = '.';
			snprintf(buf + len, sizeof(buf) - len, "/%s", file);
			execve(buf, argv, envp);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				return -1;
		}
		if (!*end)
			break;
		p = end;
	}
	errno = err;
	return -1;
}

__attribute__((visibility("default"))) int execv(const char *file, char *const argv[])
{
	return execve(file, argv, environ);
}

__attribute__((visibility("default"))) int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* ==== Interposed: children made without fork() ==== */

/*
 * posix_spawn and vfork run no pthread_atfork handler, so the fork event
 * is fired here in the parent once the child exists (the kernel fires it
 * in the parent too); with --follow the spawned image's environment gets
 * the agent's variables, as execve's does.
 */
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

static int spawn(const char *name, pid_t *pid, const char *path,
		 const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		 char *const argv[], char *const envp[])
{
	spawn_fn real = (spawn_fn)dlsym(RTLD_NEXT, name);
	char **env = follow_env(envp);
	pid_t child = 0;
	int ret;

	if (!real)
		return ENOSYS;
	ret = real(&child, path, fa, attr, argv, env ? env : envp);
	free_env(env);
	if (!ret) {
		if (pid)
			*pid = child;
		if (obj && !atomic_load(&finished))
			userbpf_probe__process_fork(child);
	}
	return ret;
}

__attribute__((visibility("default"))) int posix_spawn(pid_t *pid, const char *path,
						       const posix_spawn_file_actions_t *fa,
						       const posix_spawnattr_t *attr,
						       char *const argv[], char *const envp[])
{
	return spawn("posix_spawn", pid, path, fa, attr, argv, envp);
}

__attribute__((visibility("default"))) int posix_spawnp(pid_t *pid, const char *file,
							const posix_spawn_file_actions_t *fa,
							const posix_spawnattr_t *attr,
							char *const argv[], char *const envp[])
{
	return spawn("posix_spawnp", pid, file, fa, attr, argv, envp);
}

/* vfork's parent half (rax of the syscall in r): the event, errno. */
long agent_vfork_parent(long r);
long agent_vfork_parent(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	if (obj && !atomic_load(&finished))
		userbpf_probe__process_fork((int)r);
	return r;
}

/*
 * vfork, as glibc's: the return address is kept in a register across the
 * syscall (the child runs on our stack first and may overwrite the slot),
 * the child returns 0 at once, the parent (resumed once the child has
 * exec'd or exited) goes on in C.  The syscall is made from the agent's
 * code, which no seccomp trap covers.
 */
__asm__(".text\n.globl vfork\n.type vfork,@function\nvfork:\n"
	" pop %rdi\n mov $58,%eax\n syscall\n push %rdi\n"
	" test %rax,%rax\n jz 1f\n"
	" mov %rax,%rdi\n jmp agent_vfork_parent\n"
	"1: ret\n.size vfork,.-vfork\n");

#else
/* The library build compiles nothing of the agent. */
typedef int userbpf_agent_unused;
#endif
