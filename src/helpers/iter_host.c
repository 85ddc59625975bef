// SPDX-License-Identifier: MIT
/*
 * iter_host.c - userbpf_iter__run(): a minimal run path for iterator
 * programs, host-only (it builds the calling thread's task_struct through
 * task_struct.c).  Mirrors bpf_iter's seq_file reading: per object one
 * run with { meta = { seq, session_id, seq_num }, object } and seq_num
 * counting the objects shown, then one run with a NULL object (the
 * kernel's "in_stop" call); output through bpf_seq_printf/bpf_seq_write
 * (seq_helpers.c).  Objects: for iter/task the calling thread only; for
 * iter/bpf_map_elem the elements of the map the caller names; other
 * targets (tcp, udp, bpf_map, task_file...) have none here, only the
 * final call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* iter/task: the calling thread, the one task userbpf builds. */
static int iter_tasks(struct iter_run *r)
{
	const struct userbpf_btf *btf = ub_task_btf_hook ? ub_task_btf_hook(r->prog) : NULL;
	int64_t id, tsize;

	if (!btf)
		btf = userbpf_btf__kernel();
	r->ctx.obj[0] = ub_task_current(NULL, btf);
	id = btf ? userbpf_btf__find_by_name_kind(btf, "task_struct", USERBPF_BTF_KIND_STRUCT) : -1;
	tsize = id > 0 ? userbpf_btf__resolve_size(btf, (uint32_t)id) : -1;
	if (!r->ctx.obj[0] || tsize <= 0)
		return 0;
	r->regions[r->region_cnt++] =
		(struct userbpf_mem_region){ r->ctx.obj[0], (size_t)tsize, 0 };
	return run_one(r);
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
		err = iter_tasks(&r);
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
