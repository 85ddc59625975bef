/* SPDX-License-Identifier: MIT */
/*
 * prog.c - the program object: creation (structural check, helper
 * resolution, lddw resolution, pre-decoding for the interpreter), getters
 * and destruction.
 *
 * Owns: struct userbpf_prog and its pre-decoded code; refusing calls to
 * helpers the program's type may not call (userbpf_helper_proto.prog_types).
 * Does not own: safety (the verifier), execution (interp.c), the helper
 * table itself: the default table is handed in from above (vm_prog_new;
 * userbpf_prog__new lives with the built-in helpers, src/helpers/std.c).
 */
#include "util/ubc.h"

#include "util/alloc.h"
#include "vm_int.h"

#define OPTS_HAS(opts, field)                                                                      \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, def) (OPTS_HAS(opts, field) ? (opts)->field : (def))

/* Reject option structs from a newer caller whose unknown tail is not 0. */
static bool opts_tail_zero(const void *opts, size_t known, size_t sz)
{
	const uint8_t *p = opts;

	for (; known < sz; known++)
		if (p[known])
			return false;
	return true;
}

/* Where a program's helpers come from: the base table and the extras. */
struct helper_src {
	const struct userbpf_helper *base, *extra;
	size_t base_cnt, extra_cnt;
};

/* Names of program types as bpftool prints them, for messages. */
static const char *const prog_type_names[] = {
	"unspec",
	"socket_filter",
	"kprobe",
	"sched_cls",
	"sched_act",
	"tracepoint",
	"xdp",
	"perf_event",
	"cgroup_skb",
	"cgroup_sock",
	"lwt_in",
	"lwt_out",
	"lwt_xmit",
	"sock_ops",
	"sk_skb",
	"cgroup_device",
	"sk_msg",
	"raw_tracepoint",
	"cgroup_sock_addr",
	"lwt_seg6local",
	"lirc_mode2",
	"sk_reuseport",
	"flow_dissector",
	"cgroup_sysctl",
	"raw_tracepoint_writable",
	"cgroup_sockopt",
	"tracing",
	"struct_ops",
	"ext",
	"lsm",
	"sk_lookup",
	"syscall",
	"netfilter",
};

/* Whether a program of type may call h (see userbpf_helper_proto.prog_types). */
static bool type_may_call(const struct userbpf_helper *h, uint32_t type)
{
	if (!h->proto.prog_types || type == 0)
		return true;
	return type < 64 && (h->proto.prog_types >> type & 1);
}

/*
 * Build the id-indexed helper table: base table (or the defaults handed
 * in from above), then the extras overriding by id; rows the program's
 * type may not call are left out.  Returns 0 or -ENOMEM / -EINVAL.
 */
static int build_helpers(struct userbpf_prog *prog, const struct userbpf_prog_opts *opts,
			 struct helper_src *src)
{
	const struct userbpf_helper *base = OPTS_GET(opts, helpers, NULL);
	size_t base_cnt = OPTS_GET(opts, helper_cnt, 0);
	const struct userbpf_helper *extra = OPTS_GET(opts, extra_helpers, NULL);
	size_t extra_cnt = OPTS_GET(opts, extra_helper_cnt, 0);
	uint32_t max_id = 0;
	size_t i;

	if (!base) {
		base = src->base;
		base_cnt = src->base_cnt;
	}
	if ((!base && base_cnt) || (!extra && extra_cnt) || base_cnt > 65536 || extra_cnt > 65536)
		return -EINVAL;
	src->base = base;
	src->base_cnt = base_cnt;
	src->extra = extra;
	src->extra_cnt = extra_cnt;
	for (i = 0; i < base_cnt; i++)
		max_id = base[i].id > max_id ? base[i].id : max_id;
	for (i = 0; i < extra_cnt; i++)
		max_id = extra[i].id > max_id ? extra[i].id : max_id;
	if (max_id > 65535)
		return -EINVAL;
	prog->helper_id_cnt = max_id + 1;
	prog->helper_by_id = ub_calloc(prog->helper_id_cnt, sizeof(*prog->helper_by_id));
	if (!prog->helper_by_id)
		return -ENOMEM;
	for (i = 0; i < base_cnt; i++)
		if (base[i].fn && type_may_call(&base[i], prog->prog_type))
			prog->helper_by_id[base[i].id] = &base[i];
	for (i = 0; i < extra_cnt; i++)
		if (extra[i].fn && type_may_call(&extra[i], prog->prog_type))
			prog->helper_by_id[extra[i].id] = &extra[i];
	return 0;
}

/* A row for id that the program's type may not call (for the message). */
static const struct userbpf_helper *denied_row(const struct helper_src *src, uint32_t id)
{
	size_t i;

	for (i = 0; i < src->extra_cnt; i++)
		if (src->extra[i].id == id && src->extra[i].fn)
			return &src->extra[i];
	for (i = 0; i < src->base_cnt; i++)
		if (src->base[i].id == id && src->base[i].fn)
			return &src->base[i];
	return NULL;
}

/* Pre-decode slot pc (already structurally checked). */
static int decode_one(struct userbpf_prog *prog, size_t pc, uint8_t op,
		      const struct userbpf_prog_opts *opts, const struct helper_src *src,
		      char *errbuf, size_t errbuf_sz)
{
	const struct userbpf_insn *in = &prog->insns[pc];
	struct vm_insn *out = &prog->code[pc];
	const struct isa_info *row = &isa_table[op];

	out->op = op;
	out->dst = in->dst_reg;
	out->src = in->src_reg;
	out->off = in->off;
	out->imm = in->imm;
	if (row->flags & F_JMPL)
		out->off = in->imm; /* gotol, local call: delta in imm */
	switch (op) {
	case ISA_CALLX:
		out->dst = (uint8_t)isa_callx_reg(in);
		break;
	case ISA_CALL:
		if ((uint32_t)in->imm >= prog->helper_id_cnt || !prog->helper_by_id[in->imm]) {
			const struct userbpf_helper *h = denied_row(src, (uint32_t)in->imm);

			if (h) {
				uint32_t t = prog->prog_type;

				isa_errf(errbuf, errbuf_sz,
					 "at insn %zu: program of type %s "
					 "cannot call helper %s#%u",
					 pc,
					 t < sizeof(prog_type_names) / sizeof(prog_type_names[0]) ?
						 prog_type_names[t] :
						 "?",
					 h->name ? h->name : "?", h->id);
				return -EINVAL;
			}
			isa_errf(errbuf, errbuf_sz, "at insn %zu: unknown helper id %u", pc,
				 (uint32_t)in->imm);
			return -EINVAL;
		}
		out->imm = (int64_t)(uintptr_t)prog->helper_by_id[in->imm];
		break;
	case ISA_CALL_KFUNC:
		isa_errf(errbuf, errbuf_sz,
			 "at insn %zu: kfunc calls are not supported "
			 "(kfunc id %d)",
			 pc, in->imm);
		return -EINVAL;
	case ISA_LDDW:
		out->imm = (int64_t)((uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm
									     << 32);
		break;
	case ISA_LDDW_FUNC:
		out->imm = (int64_t)(uintptr_t)&prog->code[pc + 1 + in->imm];
		break;
	default:
		if (row->flags & F_LDDW) {
			int (*resolve)(void *, unsigned, int32_t, int32_t, uint64_t *) =
				OPTS_GET(opts, ld_imm64, NULL);
			uint64_t value = 0;
			int err;

			if (!resolve) {
				isa_errf(errbuf, errbuf_sz,
					 "at insn %zu: lddw with src_reg %u "
					 "(map or BTF reference) needs a loader",
					 pc, in->src_reg);
				return -EINVAL;
			}
			err = resolve(OPTS_GET(opts, ld_imm64_cookie, NULL), in->src_reg, in[0].imm,
				      in[1].imm, &value);
			if (err) {
				isa_errf(errbuf, errbuf_sz,
					 "at insn %zu: cannot resolve lddw "
					 "src_reg %u imm %d: %s",
					 pc, in->src_reg, in->imm, userbpf_strerror(err));
				return err < 0 ? err : -EINVAL;
			}
			out->imm = (int64_t)value;
		}
	}
	return 0;
}

/* Remember the map pointers lddw map_fd/map_idx resolved to. */
static int collect_maps(struct userbpf_prog *prog)
{
	size_t pc, n = 0;

	for (pc = 0; pc < prog->insn_cnt; pc++) {
		uint8_t op = prog->code[pc].op;

		n += op == ISA_LDDW_MAP_FD || op == ISA_LDDW_MAP_IDX;
		/* a helper (the host's own too) may use maps on the run's behalf */
		if (op == ISA_CALL || op == ISA_CALLX || op == ISA_CALL_KFUNC)
			prog->run_hooks = true;
	}
	if (!n)
		return 0;
	prog->maps = ub_calloc(n, sizeof(*prog->maps));
	if (!prog->maps)
		return -ENOMEM;
	for (pc = 0; pc < prog->insn_cnt; pc++)
		if (prog->code[pc].op == ISA_LDDW_MAP_FD || prog->code[pc].op == ISA_LDDW_MAP_IDX)
			prog->maps[prog->map_cnt++] = (const void *)(uintptr_t)prog->code[pc].imm;
	prog->run_hooks = true;
	return 0;
}

static uint32_t next_prog_id;

static void prog_destroy(struct userbpf_prog *prog);

struct userbpf_prog *vm_prog_new(const struct userbpf_insn *insns, size_t insn_cnt,
				 const struct userbpf_prog_opts *opts,
				 const struct userbpf_helper *defaults, size_t default_cnt)
{
	struct helper_src src = { .base = defaults, .base_cnt = default_cnt };
	char *errbuf = OPTS_GET(opts, err_buf, NULL);
	size_t errbuf_sz = OPTS_GET(opts, err_buf_sz, 0);
	struct userbpf_prog *prog = NULL;
	uint8_t *ops = NULL;
	size_t pc;
	int err = -EINVAL;

	if (errbuf && errbuf_sz)
		errbuf[0] = '\0';
	if ((!insns && insn_cnt) ||
	    (opts && (opts->sz < sizeof(size_t) || !opts_tail_zero(opts, sizeof(*opts), opts->sz))))
		goto err_out;
	if (insn_cnt == 0 || insn_cnt > USERBPF_MAX_INSNS) {
		err = isa_check_program(insns, insn_cnt, NULL, errbuf, errbuf_sz);
		goto err_out;
	}
	err = -ENOMEM;
	prog = ub_alloc(sizeof(*prog));
	ops = ub_alloc(insn_cnt);
	if (!prog || !ops)
		goto err_out;
	err = isa_check_program(insns, insn_cnt, ops, errbuf, errbuf_sz);
	if (err)
		goto err_out;
	err = -ENOMEM;
	prog->insn_cnt = insn_cnt;
	prog->insns = ub_calloc(insn_cnt, sizeof(*insns));
	prog->code = ub_calloc(insn_cnt, sizeof(*prog->code));
	prog->name = ub_strdup(OPTS_GET(opts, name, NULL) ? OPTS_GET(opts, name, NULL) : "prog");
	if (!prog->insns || !prog->code || !prog->name)
		goto err_out;
	memcpy(prog->insns, insns, insn_cnt * sizeof(*insns));
	prog->prog_type = OPTS_GET(opts, prog_type, 0);
	err = build_helpers(prog, opts, &src);
	if (err)
		goto err_out;
	for (pc = 0; pc < insn_cnt; pc++) {
		if (ops[pc] == ISA_INVALID) {
			prog->code[pc].op = ISA_INVALID;
			continue;
		}
		err = decode_one(prog, pc, ops[pc], opts, &src, errbuf, errbuf_sz);
		if (err)
			goto err_out;
	}
	err = collect_maps(prog);
	if (err)
		goto err_out;
	if (OPTS_GET(opts, region_cnt, 0)) {
		const struct userbpf_mem_region *r = OPTS_GET(opts, regions, NULL);

		err = -EINVAL;
		if (!r || OPTS_GET(opts, region_cnt, 0) > 32)
			goto err_out;
		err = -ENOMEM;
		prog->region_cnt = OPTS_GET(opts, region_cnt, 0);
		prog->regions = ub_calloc(prog->region_cnt, sizeof(*r));
		if (!prog->regions)
			goto err_out;
		memcpy(prog->regions, r, prog->region_cnt * sizeof(*r));
	}
	ub_free(ops);
	prog->refcnt = 1;
	prog->on_free = OPTS_GET(opts, on_free, NULL);
	prog->on_free_data = OPTS_GET(opts, on_free_data, NULL);
	prog->id = __atomic_add_fetch(&next_prog_id, 1, __ATOMIC_RELAXED);
	return prog;

err_out:
	ub_free(ops);
	if (prog)
		prog_destroy(prog);
	errno = -err;
	return NULL;
}

static void prog_destroy(struct userbpf_prog *prog)
{
	if (prog->on_free)
		prog->on_free(prog->on_free_data);
	jit_prog_free(prog);
	ub_free(prog->name);
	ub_free(prog->insns);
	ub_free(prog->code);
	ub_free(prog->helper_by_id);
	ub_free(prog->maps);
	ub_free(prog->regions);
	ub_free(prog->facts);
	ub_free(prog->helpers_owned);
	ub_free(prog);
}

struct userbpf_prog *userbpf_prog__get(struct userbpf_prog *prog)
{
	if (prog)
		__atomic_add_fetch(&prog->refcnt, 1, __ATOMIC_RELAXED);
	return prog;
}

struct userbpf_prog *ub_prog_get_unless_zero(struct userbpf_prog *prog)
{
	int old = __atomic_load_n(&prog->refcnt, __ATOMIC_RELAXED);

	do {
		if (old <= 0)
			return NULL;
	} while (!__atomic_compare_exchange_n(&prog->refcnt, &old, old + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return prog;
}

void userbpf_prog__put(struct userbpf_prog *prog)
{
	if (prog && __atomic_sub_fetch(&prog->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		prog_destroy(prog);
}

void userbpf_prog__free(struct userbpf_prog *prog)
{
	userbpf_prog__put(prog);
}

uint32_t userbpf_prog__id(const struct userbpf_prog *prog)
{
	return prog->id;
}

const char *userbpf_prog__name(const struct userbpf_prog *prog)
{
	return prog->name;
}

uint32_t userbpf_prog__type(const struct userbpf_prog *prog)
{
	return prog->prog_type;
}

size_t userbpf_prog__insn_cnt(const struct userbpf_prog *prog)
{
	return prog->insn_cnt;
}

const struct userbpf_insn *userbpf_prog__insns(const struct userbpf_prog *prog)
{
	return prog->insns;
}

void userbpf_prog__set_native(struct userbpf_prog *prog, userbpf_native_fn fn)
{
	prog->native = fn;
}

static uint8_t *(*facts_source)(const struct userbpf_insn *insns, size_t cnt);

void vm_set_facts_source(uint8_t *(*take)(const struct userbpf_insn *insns, size_t cnt))
{
	__atomic_store_n(&facts_source, take, __ATOMIC_RELEASE);
}

void vm_prog_set_verified(struct userbpf_prog *prog, bool verified)
{
	uint8_t *(*take)(const struct userbpf_insn *, size_t) =
		__atomic_load_n(&facts_source, __ATOMIC_ACQUIRE);

	prog->verified = verified;
	/* facts are for the JIT, which compiles at most once: a program
	 * already compiled keeps its image */
	if (verified && take && !prog->facts && !prog->jit_state)
		prog->facts = take(prog->insns, prog->insn_cnt);
}

int userbpf_prog__verified(const struct userbpf_prog *prog)
{
	return prog->verified;
}
