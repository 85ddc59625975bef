// SPDX-License-Identifier: MIT
/*
 * iter_host.c - userbpf_iter__run(): a minimal run path for iterator
 * programs, host-only (it builds the calling thread's task_struct through
 * task_struct.c).  Mirrors bpf_iter's seq_file reading: per object one
 * run with { meta = { seq, session_id, seq_num }, object } and seq_num
 * counting the objects shown, then one run with a NULL object (the
 * kernel's "in_stop" call); output through bpf_seq_printf/bpf_seq_write
 * (seq_helpers.c).  Objects: for iter/task the threads of this process
 * (or of the processes the caller names); for iter/bpf_map_elem the elements of the map the caller names; other
 * targets (tcp, udp, bpf_map, task_file...) have none here, only the
 * final call.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "maps/map.h"
#include "seq.h"
#include "task_struct.h"
#include "userbpf/iter.h"
#include "userbpf/object.h"

#define HAS(opts, field)                                                                           \
	((opts) && (opts)->sz >= offsetof(struct userbpf_iter_opts, field) + sizeof((opts)->field))

struct bpf_iter_meta {
	void *seq;
	uint64_t session_id;
	uint64_t seq_num;
};

/* Every target's context: meta, then up to three object pointers
 * (bpf_iter__task: task; bpf_iter__bpf_map_elem: map, key, value). */
struct bpf_iter_ctx {
	struct bpf_iter_meta *meta;
	void *obj[3];
};

struct iter_run {
	const struct userbpf_prog *prog;
	struct bpf_iter_ctx ctx;
	struct ub_seq *seq;
	struct userbpf_mem_region regions[4];
	size_t region_cnt; /* the first is meta's, kept */
	uint32_t flags;
};

/* One program run on the current object (or the final NULL one). */
static int run_one(struct iter_run *r)
{
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &r->ctx, .ctx_size = sizeof(r->ctx),
		     .regions = r->regions, .region_cnt = r->region_cnt, .flags = r->flags);
	uint64_t r0;
	int err = userbpf_prog__run(r->prog, &ro, &r0);

	if (!err && r->ctx.obj[0] && !r->seq->overflow)
		r->ctx.meta->seq_num++;
	return err;
}

/* A thread an iter/task run visits. */
struct task_id {
	int tid, pid;
};

static int by_tid(const void *a, const void *b)
{
	const struct task_id *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Append the threads of process pid (from /proc/PID/task) to *ids. */
static int add_threads(int pid, struct task_id **ids, size_t *n, size_t *cap)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0; /* gone since it was named: nothing to visit */
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct task_id *bigger = realloc(*ids, ncap * sizeof(**ids));

			if (!bigger) {
				closedir(d);
				return -ENOMEM;
			}
			*ids = bigger;
			*cap = ncap;
		}
		(*ids)[(*n)++] = (struct task_id){ tid, pid };
	}
	closedir(d);
	return 0;
}

/*
 * iter/task: every thread of the processes named (opts->task_pids; by
 * default this process), by ascending thread id as the kernel walks its
 * pid table (one process's in its thread list's order), narrowed as the link's bpf_iter_link_info.task narrows it
 * (one thread, or one process).  The calling thread is the task
 * bpf_get_current_task gives; the others are built from /proc.
 */
static int iter_tasks(struct iter_run *r, const struct userbpf_iter_opts *opts)
{
	const struct userbpf_btf *btf = ub_task_btf_hook ? ub_task_btf_hook(r->prog) : NULL;
	const int *pids = HAS(opts, task_pids) && opts->task_pid_cnt ? opts->task_pids : NULL;
	int only_tid = HAS(opts, task_tid) ? opts->task_tid : 0;
	int only_pid = HAS(opts, task_pid) ? opts->task_pid : 0;
	int self = (int)syscall(SYS_gettid), me = getpid();
	size_t i, n = 0, cap = 0, npids = pids ? opts->task_pid_cnt : 1;
	struct task_id *ids = NULL;
	int err = 0;

	if (!btf)
		btf = userbpf_btf__kernel();
	if (!btf)
		return 0;
	for (i = 0; i < npids && !err; i++) {
		int pid = pids ? pids[i] : me;

		if (pid > 0 && (!only_pid || pid == only_pid)) {
			err = add_threads(pid, &ids, &n, &cap);
			if (only_pid)
				break; /* listed twice: once */
		}
	}
	/* every task: by thread id, as the kernel walks its pid table; one
	 * process's: in its thread list's order (/proc's too), as the
	 * kernel's BPF_TASK_ITER_TGID walks it (the two differ once ids wrap) */
	if (n && !only_pid)
		qsort(ids, n, sizeof(*ids), by_tid);
	for (i = 0; i < n && !err && !r->seq->overflow; i++) {
		struct ub_task_view v = { 0 };

		if ((only_tid && ids[i].tid != only_tid) || (i && ids[i].tid == ids[i - 1].tid))
			continue;
		r->region_cnt = 1;
		if (ids[i].tid == self ? ub_task_current_view(btf, &v) :
					 ub_task_view_get(btf, ids[i].pid, ids[i].tid, &v))
			continue;
		r->ctx.obj[0] = v.task;
		r->regions[r->region_cnt++] = (struct userbpf_mem_region){ v.task, v.task_size, 0 };
		r->regions[r->region_cnt++] =
			(struct userbpf_mem_region){ v.parent, v.task_size, 0 };
		r->regions[r->region_cnt++] =
			(struct userbpf_mem_region){ v.leader, v.task_size, 0 };
		err = run_one(r);
		if (ids[i].tid != self)
			ub_task_view_put(&v);
	}
	r->ctx.obj[0] = NULL;
	r->region_cnt = 1;
	free(ids);
	return err;
}

static bool is_percpu(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_PERCPU_HASH || type == USERBPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == USERBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/*
 * iter/bpf_map_elem over map (bpf_iter_attach_map): one run per element
 * with { meta, map, key, value }, as bpf_map_seq_next walks it.  The key
 * is a read-only copy; the value is the element itself (writes go to the
 * map, as the kernel's PTR_TO_BUF does), for a per-CPU map a writable
 * copy of every CPU's value that goes nowhere, as the kernel's
 * percpu_value_buf.
 */
static int iter_map_elems(struct iter_run *r, struct userbpf_map *map)
{
	uint32_t ks = userbpf_map__key_size(map), vs = userbpf_map__sys_value_size(map);
	uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1), *copy = calloc(1, vs + 1);
	bool percpu = is_percpu(userbpf_map__type(map)), have = false;
	unsigned n = 0;
	int err = 0;

	if (!key || !next || !copy) {
		err = -ENOMEM;
		goto out;
	}
	r->ctx.obj[0] = map;
	while (!err && !r->seq->overflow && n++ < (1u << 24) &&
	       !userbpf_map__get_next_key(map, have ? key : NULL, next)) {
		void *value;

		memcpy(key, next, ks);
		have = true;
		if (percpu) {
			if (userbpf_map__lookup_elem(map, key, copy, 0))
				continue;
			value = copy;
		} else {
			value = ub_map_lookup_elem(ub_map_from(map), key);
			if (!value)
				continue;
			vs = userbpf_map__value_size(map);
		}
		r->ctx.obj[1] = key;
		r->ctx.obj[2] = value;
		r->region_cnt = 1;
		r->regions[r->region_cnt++] = (struct userbpf_mem_region){ key, ks, 0 };
		r->regions[r->region_cnt++] = (struct userbpf_mem_region){ value, vs, 1 };
		err = run_one(r);
	}
	r->ctx.obj[1] = NULL;
	r->ctx.obj[2] = NULL;
out:
	free(key);
	free(next);
	free(copy);
	return err;
}

long userbpf_iter__run(const struct userbpf_prog *prog, const char *target, char *buf, size_t size,
		       const struct userbpf_iter_opts *opts)
{
	struct ub_seq seq = { .buf = buf, .size = size };
	struct bpf_iter_meta meta = { .seq = &seq };
	struct iter_run r = { .prog = prog, .seq = &seq, .region_cnt = 1 };
	struct userbpf_map *map = HAS(opts, map) ? opts->map : NULL;
	int err = 0;

	if (!prog || !target || !buf || !size || (opts && opts->sz < sizeof(size_t)))
		return -EINVAL;
	if (!strcmp(target, "bpf_map_elem") != !!map)
		return -EINVAL; /* the kernel's link_create: a map for map elements only */
	r.ctx.meta = &meta;
	r.regions[0] = (struct userbpf_mem_region){ &meta, sizeof(meta), 0 };
	r.flags = HAS(opts, run_flags) ? opts->run_flags : 0;
	meta.session_id = HAS(opts, session_id) ? opts->session_id : 0;
	buf[0] = '\0';
	ub_seq_set_current(&seq);
	if (!strcmp(target, "task"))
		err = iter_tasks(&r, opts);
	else if (map)
		err = iter_map_elems(&r, map);
	if (!err && !seq.overflow) {
		/* the final call: no object (bpf_iter's in_stop) */
		memset(r.ctx.obj, 0, sizeof(r.ctx.obj));
		if (map)
			r.ctx.obj[0] = map;
		r.region_cnt = 1;
		err = run_one(&r);
	}
	ub_seq_set_current(NULL);
	buf[seq.count < size ? seq.count : size - 1] = '\0';
	if (err)
		return err;
	return seq.overflow ? -EOVERFLOW : (long)seq.count;
}
