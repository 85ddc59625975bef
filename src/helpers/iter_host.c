// SPDX-License-Identifier: MIT
/*
 * iter_host.c - userbpf_iter__run(): a minimal run path for iterator
 * programs, host-only (it builds the calling thread's task_struct through
 * task_struct.c).  Mirrors bpf_iter's seq_file reading: per object one
 * run with { meta = { seq, session_id, seq_num }, object } and seq_num
 * counting the objects shown, then one run with a NULL object (the
 * kernel's "in_stop" call); output through bpf_seq_printf/bpf_seq_write
 * (seq_helpers.c).  The task object is the calling thread only.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "seq.h"
#include "task_struct.h"
#include "userbpf/iter.h"
#include "userbpf/object.h"

#define HAS(opts, field)                                                      \
	((opts) && (opts)->sz >= offsetof(struct userbpf_iter_opts, field) +  \
			       sizeof((opts)->field))

struct bpf_iter_meta {
	void *seq;
	uint64_t session_id;
	uint64_t seq_num;
};

struct bpf_iter_ctx {
	struct bpf_iter_meta *meta;
	void *object;
};

static int run_one(const struct userbpf_prog *prog, struct bpf_iter_ctx *ctx,
		   struct userbpf_mem_region *regions, size_t region_cnt, uint32_t flags)
{
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(*ctx),
		     .regions = regions, .region_cnt = region_cnt, .flags = flags);
	uint64_t r0;

	return userbpf_prog__run(prog, &ro, &r0);
}

long userbpf_iter__run(const struct userbpf_prog *prog, const char *target, char *buf,
		       size_t size, const struct userbpf_iter_opts *opts)
{
	struct ub_seq seq = { .buf = buf, .size = size };
	struct bpf_iter_meta meta = { .seq = &seq };
	struct bpf_iter_ctx ctx = { .meta = &meta };
	struct userbpf_mem_region regions[2] = { { &meta, sizeof(meta), 0 } };
	size_t region_cnt = 1;
	uint32_t flags;
	int err = 0;

	if (!prog || !target || !buf || !size || (opts && opts->sz < sizeof(size_t)))
		return -EINVAL;
	flags = HAS(opts, run_flags) ? opts->run_flags : 0;
	meta.session_id = HAS(opts, session_id) ? opts->session_id : 0;
	buf[0] = '\0';
	ub_seq_set_current(&seq);
	if (!strcmp(target, "task")) {
		const struct userbpf_btf *btf = ub_task_btf_hook ? ub_task_btf_hook(prog) : NULL;
		int64_t id, tsize;

		if (!btf)
			btf = userbpf_btf__kernel();
		ctx.object = ub_task_current(NULL, btf);
		id = btf ? userbpf_btf__find_by_name_kind(btf, "task_struct",
							  USERBPF_BTF_KIND_STRUCT) : -1;
		tsize = id > 0 ? userbpf_btf__resolve_size(btf, (uint32_t)id) : -1;
		if (ctx.object && tsize > 0) {
			regions[region_cnt++] = (struct userbpf_mem_region){ ctx.object,
									    (size_t)tsize, 0 };
			err = run_one(prog, &ctx, regions, region_cnt, flags);
			if (!seq.overflow)
				meta.seq_num++;
		}
	}
	if (!err && !seq.overflow) {
		ctx.object = NULL;
		err = run_one(prog, &ctx, regions, region_cnt, flags);
	}
	ub_seq_set_current(NULL);
	buf[seq.count < size ? seq.count : size - 1] = '\0';
	if (err)
		return err;
	return seq.overflow ? -EOVERFLOW : (long)seq.count;
}
