/* SPDX-License-Identifier: MIT */
/*
 * agent.c - the tracing agent: a shared library (libuserbpf-agent.so,
 * rules in mk/probe.mk) that "userbpf trace" preloads into the command it
 * starts.  At startup it loads the object named in USERBPF_TRACE_OBJ,
 * attaches its probe programs (all with a target in their section, or the
 * ones named in USERBPF_TRACE_PROGS) and sends bpf_printk lines and
 * ring-buffer records to the CLI as they happen (trace_proto.h, over the
 * fd in USERBPF_TRACE_FD); at exit it detaches and sends every map.
 *
 * It removes its variables and itself from LD_PRELOAD so the command's
 * children run untraced, and marks the fd close-on-exec.
 *
 * Compiled into the agent only (-DUSERBPF_AGENT); in the library this
 * file is empty.
 */
#ifdef USERBPF_AGENT
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace_proto.h"
#include "userbpf/userbpf.h"
#include "userbpf/probe.h"

/* The probe module's syscall gate (syscall_x86_64.c): the agent's own
 * writes go through it, so syscall tracepoints never see them. */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

#define MAX_LINKS 64
#define MAX_RINGS 8

static int out_fd = -1;
static struct userbpf_object *obj;
static struct userbpf_link *links[MAX_LINKS];
static size_t link_cnt;
static struct ring {
	struct userbpf_ringbuf *rb;
	char name[64];
} rings[MAX_RINGS];
static size_t ring_cnt;
static pthread_t poller;
static bool poller_started;
static atomic_bool stopping;

/* One message in one write (truncated to TRACE_MSG_MAX). */
static void send_msg(uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	uint8_t buf[TRACE_MSG_MAX];
	struct trace_msg_hdr h = { type, 0 };
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
	do
		n = probe_sc_gate(SYS_write, out_fd, (long)(uintptr_t)buf,
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

	send_msg(TRACE_MSG_RINGBUF, r->name, strlen(r->name) + 1, data, size);
	return 0;
}

static void *poll_rings(void *arg)
{
	size_t i;

	(void)arg;
	while (!atomic_load(&stopping))
		for (i = 0; i < ring_cnt; i++)
			userbpf_ringbuf__poll(rings[i].rb, ring_cnt == 1 ? 50 : 10);
	return NULL;
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

__attribute__((constructor)) static void agent_start(void)
{
	const char *path = getenv(TRACE_ENV_OBJ), *fd = getenv(TRACE_ENV_FD);
	char *progs = getenv(TRACE_ENV_PROGS) ? strdup(getenv(TRACE_ENV_PROGS)) : NULL;
	struct userbpf_object_map *m = NULL;
	struct userbpf_program *p = NULL;
	char err[512];
	USERBPF_OPTS(userbpf_attach_opts, ao, .trace_fn = on_printk, .err_buf = err,
		     .err_buf_sz = sizeof(err));

	if (!path || !fd)
		return;
	out_fd = atoi(fd);
	fcntl(out_fd, F_SETFD, FD_CLOEXEC);
	unsetenv(TRACE_ENV_OBJ);
	unsetenv(TRACE_ENV_FD);
	unsetenv(TRACE_ENV_PROGS);
	unpreload();
	obj = userbpf_object__open_file(path, NULL);
	if (!obj)
		fail("cannot open %s: %s", path, strerror(errno));
	if (userbpf_object__load(obj))
		fail("cannot load %s: %s", path, userbpf_object__errmsg(obj));
	while ((p = userbpf_object__next_program(obj, p))) {
		const char *sec = userbpf_program__section_name(p);

		if (!wanted(progs, userbpf_program__name(p)))
			continue;
		if (!progs && (!userbpf_program__attachable(p) || !strchr(sec, '/')))
			continue;
		if (link_cnt == MAX_LINKS)
			fail("too many programs in %s%s", path, "");
		err[0] = '\0';
		links[link_cnt] = userbpf_program__attach_opts(p, &ao);
		if (!links[link_cnt])
			fail("cannot attach %s: %s", userbpf_program__name(p),
			     err[0] ? err : strerror(errno));
		link_cnt++;
	}
	free(progs);
	while ((m = userbpf_object__next_map(obj, m))) {
		struct userbpf_map *map = userbpf_object_map__map(m);

		if (!map || userbpf_map__type(map) != USERBPF_MAP_TYPE_RINGBUF ||
		    ring_cnt == MAX_RINGS)
			continue;
		snprintf(rings[ring_cnt].name, sizeof(rings[ring_cnt].name), "%s",
			 userbpf_object_map__name(m));
		rings[ring_cnt].rb = userbpf_ringbuf__new(map, on_record, &rings[ring_cnt]);
		if (rings[ring_cnt].rb)
			ring_cnt++;
	}
	if (ring_cnt && !pthread_create(&poller, NULL, poll_rings, NULL))
		poller_started = true;
	{
		uint32_t n = (uint32_t)link_cnt;

		send_msg(TRACE_MSG_READY, &n, sizeof(n), NULL, 0);
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
	if (info.type == USERBPF_MAP_TYPE_RINGBUF || info.type == USERBPF_MAP_TYPE_PERF_EVENT_ARRAY ||
	    info.type == USERBPF_MAP_TYPE_PROG_ARRAY || strstr(name, ".rodata") ||
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
	}
}

__attribute__((destructor)) static void agent_stop(void)
{
	struct userbpf_object_map *m = NULL;
	size_t i;

	if (!obj)
		return;
	for (i = 0; i < link_cnt; i++)
		userbpf_link__destroy(links[i]);
	atomic_store(&stopping, true);
	if (poller_started)
		pthread_join(poller, NULL);
	for (i = 0; i < ring_cnt; i++)
		userbpf_ringbuf__consume(rings[i].rb);
	while ((m = userbpf_object__next_map(obj, m)))
		send_map(m);
	send_msg(TRACE_MSG_DONE, NULL, 0, NULL, 0);
	close(out_fd);
	out_fd = -1;
}

#else
/* The library build compiles nothing of the agent. */
typedef int userbpf_agent_unused;
#endif
