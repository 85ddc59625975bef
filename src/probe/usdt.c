/* SPDX-License-Identifier: MIT */
/*
 * usdt.c - USDT probes (SystemTap SDT notes, sys/sdt.h) in this process:
 * SEC("usdt/PATH:PROVIDER:NAME") programs written with libbpf's
 * usdt.bpf.h (BPF_USDT, bpf_usdt_arg, bpf_usdt_cookie).
 *
 * As libbpf does: every note of PATH with that provider and name is a
 * location; its argument string ("-4@%eax 8@-16(%rbp) 4@$5") becomes a
 * struct __bpf_usdt_spec written into the object's __bpf_usdt_specs
 * array at a free spec id; the location's runtime address maps to the
 * spec id in __bpf_usdt_ip_to_spec_id; a uprobe at the location runs the
 * program with attach cookie = spec id (LINUX_HAS_BPF_COOKIE is 1 here,
 * the ip map is filled for objects that test it anyway); the semaphore,
 * if the note has one, is incremented while attached (what the kernel
 * does for a uprobe with ref_ctr_offset).  Argument forms: constant,
 * register (any x86-64 name, sub-registers included), register +
 * offset dereference, base + index * scale + offset (for programs built
 * with libbpf 1.7's usdt.bpf.h, whose spec layout differs: both layouts
 * are written, chosen by the spec map's value size).
 *
 * Entry points: userbpf_program__attach_usdt(), userbpf_probe__list_usdt().
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader_int.h"
#include "probe_int.h"
#include "userbpf/object.h"
#include "util/alloc.h"
#include "util/log.h"

/*
 * libbpf's usdt.bpf.h lays struct __bpf_usdt_spec out two ways, and a
 * program reads the spec with the layout of the header it was built with:
 *
 *   up to libbpf 1.6 (Debian 12's 1.1)    libbpf 1.7 (BPF_USDT_ARG_SIB added)
 *   u64 val_off                      0    u64 val_off                      0
 *   enum arg_type (u32)              8    arg_type:8                       8
 *                                         idx_reg_off:12 scale_bitshift:4  10 (bits 16-31)
 *                                         __reserved:8                    12
 *   short reg_off                   12    short reg_off                   14
 *   bool arg_signed                 14    bool arg_signed                 16
 *   char arg_bitshift               15    char arg_bitshift               17
 *   arg spec: 16 bytes                    arg spec: 24 bytes (gcc and clang, x86-64 and bpf)
 *   spec: 12 args, u64 usdt_cookie, short arg_cnt: 208 bytes / 304 bytes
 *
 * 1.7 moved reg_off (libbpf writes one layout whatever the program's
 * header: a program built with an older header reads register 0 for every
 * register argument).  Here the size of the object's __bpf_usdt_specs value
 * says which header the program was built with, and the spec is written
 * in that layout.  Scaled-index arguments exist only in the 1.7 one.
 */
#define USDT_MAX_ARGS 12
#define USDT_SPEC_SIZE_1_1 208 /* struct __bpf_usdt_spec, libbpf <= 1.6 */
#define USDT_SPEC_SIZE_1_7 304 /* libbpf >= 1.7 */
#define USDT_MAX_LOCS 64

enum usdt_arg_type { USDT_ARG_CONST, USDT_ARG_REG, USDT_ARG_REG_DEREF, USDT_ARG_SIB };

/* One parsed argument, independent of the layout. */
struct usdt_arg {
	uint64_t val_off;
	enum usdt_arg_type type;
	int reg_off, idx_reg_off; /* offsets in struct pt_regs */
	int scale_shift;	  /* SIB: index << scale_shift */
	bool is_signed;
	int bitshift;
};

struct usdt_args {
	struct usdt_arg a[USDT_MAX_ARGS];
	int cnt;
};

/* ==== Argument specs ==== */

static int reg_off(const char *r)
{
	static const struct {
		const char *names[4];
		int off;
	} regs[] = {
		{ { "rip", "eip", "ip", NULL }, 128 },
		{ { "rax", "eax", "ax", "al" }, 80 },
		{ { "rbx", "ebx", "bx", "bl" }, 40 },
		{ { "rcx", "ecx", "cx", "cl" }, 88 },
		{ { "rdx", "edx", "dx", "dl" }, 96 },
		{ { "rsi", "esi", "si", "sil" }, 104 },
		{ { "rdi", "edi", "di", "dil" }, 112 },
		{ { "rbp", "ebp", "bp", "bpl" }, 32 },
		{ { "rsp", "esp", "sp", "spl" }, 152 },
		{ { "r8", "r8d", "r8w", "r8b" }, 72 },
		{ { "r9", "r9d", "r9w", "r9b" }, 64 },
		{ { "r10", "r10d", "r10w", "r10b" }, 56 },
		{ { "r11", "r11d", "r11w", "r11b" }, 48 },
		{ { "r12", "r12d", "r12w", "r12b" }, 24 },
		{ { "r13", "r13d", "r13w", "r13b" }, 16 },
		{ { "r14", "r14d", "r14w", "r14b" }, 8 },
		{ { "r15", "r15d", "r15w", "r15b" }, 0 },
	};
	size_t i, k;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (k = 0; k < 4; k++)
			if (regs[i].names[k] && !strcmp(regs[i].names[k], r))
				return regs[i].off;
	return -1;
}

/*
 * sscanf(str, fmt, ..., &n) with n reset first: a format ending in %n
 * leaves n untouched when the match stops short of it, and a stale n
 * from an earlier scan (of a longer string) would index past the end.
 * WHOLE: the scan reached its %n at the end of str.
 */
#define SCAN(str, n, fmt, ...) ((n) = 0, sscanf((str), fmt, __VA_ARGS__, &(n)))
#define WHOLE(str, n) ((n) > 0 && !(str)[n])

/*
 * The scaled-index forms gcc emits for an array element, as libbpf 1.7
 * reads them: OFF(%BASE,%INDEX,SCALE), (%BASE,%INDEX,SCALE), and the same
 * without ",SCALE" (scale 1).  1 when tok is one (a filled), 0 when not,
 * -EINVAL for a bad scale.
 */
static int parse_sib(const char *tok, struct usdt_arg *a, char *base, char *idx)
{
	long long v = 0;
	int scale = 1, n = 0;

	if ((SCAN(tok, n, "%lld(%%%15[a-z0-9],%%%15[a-z0-9],%d)%n", &v, base, idx, &scale) == 4 &&
	     WHOLE(tok, n)) ||
	    (SCAN(tok, n, "(%%%15[a-z0-9],%%%15[a-z0-9],%d)%n", base, idx, &scale) == 3 &&
	     WHOLE(tok, n)) ||
	    (SCAN(tok, n, "%lld(%%%15[a-z0-9],%%%15[a-z0-9])%n", &v, base, idx) == 3 &&
	     WHOLE(tok, n)) ||
	    (SCAN(tok, n, "(%%%15[a-z0-9],%%%15[a-z0-9])%n", base, idx) == 2 && WHOLE(tok, n))) {
		a->type = USDT_ARG_SIB;
		a->val_off = (uint64_t)v;
		switch (scale) {
		case 1:
		case 2:
		case 4:
		case 8:
			a->scale_shift = __builtin_ctz((unsigned)scale);
			return 1;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* Parse one "SIZE@LOC" into a; 0 or -EOPNOTSUPP/-EINVAL with a reason. */
static int parse_arg(const char *tok, struct usdt_arg *a, char *err, size_t err_sz)
{
	char reg[16] = "", idx[16] = "";
	const char *loc;
	long long v;
	int size, n = 0, ret;

	memset(a, 0, sizeof(*a));
	if (SCAN(tok, n, "%d@%n", &size) != 1 || !n)
		goto bad;
	loc = tok + n;
	if (SCAN(loc, n, "$%lld%n", &v) == 1 && WHOLE(loc, n)) {
		a->type = USDT_ARG_CONST;
		a->val_off = (uint64_t)v;
	} else if (SCAN(loc, n, "%%%15[a-z0-9]%n", reg) == 1 && WHOLE(loc, n)) {
		a->type = USDT_ARG_REG;
	} else if (SCAN(loc, n, "%lld(%%%15[a-z0-9])%n", &v, reg) == 2 && WHOLE(loc, n)) {
		a->type = USDT_ARG_REG_DEREF;
		a->val_off = (uint64_t)v;
	} else if (SCAN(loc, n, "(%%%15[a-z0-9])%n", reg) == 1 && WHOLE(loc, n)) {
		a->type = USDT_ARG_REG_DEREF;
	} else if ((ret = parse_sib(loc, a, reg, idx)) != 0) {
		if (ret < 0) {
			snprintf(err, err_sz, "USDT argument '%s': scale not 1, 2, 4 or 8", tok);
			return ret;
		}
	} else {
		snprintf(err, err_sz,
			 "USDT argument '%s' not supported (only $CONST, %%REG, "
			 "OFF(%%REG) and OFF(%%BASE,%%INDEX,SCALE))",
			 tok);
		return -EOPNOTSUPP;
	}
	if (a->type != USDT_ARG_CONST) {
		a->reg_off = reg_off(reg);
		if (a->type == USDT_ARG_SIB)
			a->idx_reg_off = reg_off(idx);
		if (a->reg_off < 0 || a->idx_reg_off < 0) {
			snprintf(err, err_sz, "USDT argument '%s': unknown register", tok);
			return -EINVAL;
		}
	}
	a->is_signed = size < 0;
	if (size < 0)
		size = -size;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		goto bad;
	a->bitshift = 64 - size * 8;
	return 0;
bad:
	snprintf(err, err_sz, "bad USDT argument '%s'", tok);
	return -EINVAL;
}

static int parse_args(const char *s, struct usdt_args *args, char *err, size_t err_sz)
{
	char buf[256], *save = NULL, *tok;
	int ret;

	memset(args, 0, sizeof(*args));
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (args->cnt == USDT_MAX_ARGS) {
			snprintf(err, err_sz, "more than %d USDT arguments", USDT_MAX_ARGS);
			return -E2BIG;
		}
		ret = parse_arg(tok, &args->a[args->cnt], err, err_sz);
		if (ret)
			return ret;
		args->cnt++;
	}
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* args in the layout whose struct __bpf_usdt_spec is spec_size bytes (the
 * table above); 0, or -EOPNOTSUPP (a scaled index for the older layout). */
static int encode_spec(const struct usdt_args *args, uint64_t cookie, uint32_t spec_size,
		       uint8_t *out, char *err, size_t err_sz)
{
	size_t arg_sz = spec_size == USDT_SPEC_SIZE_1_7 ? 24 : 16;
	int i;

	memset(out, 0, spec_size);
	for (i = 0; i < args->cnt; i++) {
		const struct usdt_arg *a = &args->a[i];
		uint8_t *p = out + (size_t)i * arg_sz;

		memcpy(p, &a->val_off, sizeof(a->val_off));
		if (spec_size == USDT_SPEC_SIZE_1_7) {
			p[8] = (uint8_t)a->type;
			put16(p + 10, (uint16_t)(a->idx_reg_off | a->scale_shift << 12));
			put16(p + 14, (uint16_t)a->reg_off);
			p[16] = a->is_signed;
			p[17] = (uint8_t)a->bitshift;
			continue;
		}
		if (a->type == USDT_ARG_SIB) {
			snprintf(err, err_sz,
				 "USDT argument %d is a scaled index, which only libbpf "
				 ">= 1.7's usdt.bpf.h reads (this program's __bpf_usdt_specs "
				 "value is %u bytes, the older header's; 1.7's is %u)",
				 i, spec_size, USDT_SPEC_SIZE_1_7);
			return -EOPNOTSUPP;
		}
		p[8] = (uint8_t)a->type;
		put16(p + 12, (uint16_t)a->reg_off);
		p[14] = a->is_signed;
		p[15] = (uint8_t)a->bitshift;
	}
	memcpy(out + arg_sz * USDT_MAX_ARGS, &cookie, sizeof(cookie));
	put16(out + arg_sz * USDT_MAX_ARGS + 8, (uint16_t)args->cnt);
	return 0;
}

int probe_usdt_spec(const char *arg_str, uint64_t cookie, uint32_t spec_size, void *out, char *err,
		    size_t err_sz)
{
	struct usdt_args args;
	int ret;

	if (spec_size != USDT_SPEC_SIZE_1_1 && spec_size != USDT_SPEC_SIZE_1_7) {
		snprintf(err, err_sz,
			 "a __bpf_usdt_specs value of %u bytes is neither libbpf's "
			 "usdt.bpf.h layout (%u bytes) nor 1.7's (%u)",
			 spec_size, USDT_SPEC_SIZE_1_1, USDT_SPEC_SIZE_1_7);
		return -EINVAL;
	}
	ret = parse_args(arg_str, &args, err, err_sz);
	return ret ? ret : encode_spec(&args, cookie, spec_size, out, err, err_sz);
}

/* ==== Spec ids: per __bpf_usdt_specs map, never reused ==== */

static pthread_mutex_t usdt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct userbpf_map *map;
	uint32_t next;
} spec_ids[32];

static int alloc_spec_id(struct userbpf_map *specs)
{
	size_t i;
	int id = -ENOSPC;

	pthread_mutex_lock(&usdt_lock);
	for (i = 0; i < sizeof(spec_ids) / sizeof(spec_ids[0]); i++) {
		if (spec_ids[i].map && spec_ids[i].map != specs)
			continue;
		spec_ids[i].map = specs;
		if (spec_ids[i].next < userbpf_map__max_entries(specs))
			id = (int)spec_ids[i].next++;
		break;
	}
	pthread_mutex_unlock(&usdt_lock);
	return id;
}

/* ==== Attach ==== */

struct collect {
	const char *provider, *name;
	struct probe_usdt_note notes[USDT_MAX_LOCS];
	int cnt;
};

static int collect_cb(void *ctx, const struct probe_usdt_note *n)
{
	struct collect *c = ctx;

	if (strcmp(n->provider, c->provider) || strcmp(n->name, c->name))
		return 0;
	if (c->cnt == USDT_MAX_LOCS)
		return -E2BIG;
	c->notes[c->cnt++] = *n;
	return 0;
}

static struct userbpf_map *obj_map(const struct userbpf_program *prog, const char *name)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(prog->obj, name);

	return m ? userbpf_object_map__map(m) : NULL;
}

USERBPF_API struct userbpf_link *userbpf_program__attach_usdt(const struct userbpf_program *prog,
							      const char *binary,
							      const char *provider,
							      const char *name,
							      const struct userbpf_usdt_opts *opts)
{
	struct userbpf_usdt_opts o = { 0 };
	struct collect *c = NULL;
	struct userbpf_link *link = NULL, *sub;
	struct userbpf_map *specs, *ips;
	struct userbpf_prog *p = prog ? userbpf_program__prog(prog) : NULL;
	char err[320] = "";
	int ret = 0, i;

	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!p || !binary || !provider || !name) {
		snprintf(err, sizeof(err),
			 "USDT: a loaded program, a binary, a provider and a "
			 "name are needed");
		ret = -EINVAL;
		goto out;
	}
	specs = obj_map(prog, "__bpf_usdt_specs");
	ips = obj_map(prog, "__bpf_usdt_ip_to_spec_id");
	if (!specs || (userbpf_map__value_size(specs) != USDT_SPEC_SIZE_1_1 &&
		       userbpf_map__value_size(specs) != USDT_SPEC_SIZE_1_7)) {
		snprintf(err, sizeof(err),
			 "program %s: no __bpf_usdt_specs map of libbpf's "
			 "layout (include <bpf/usdt.bpf.h>)",
			 userbpf_program__name(prog));
		ret = -EINVAL;
		goto out;
	}
	c = ub_alloc(sizeof(*c));
	link = ub_alloc(sizeof(*link));
	if (!c || !link) {
		ret = -ENOMEM;
		goto out;
	}
	c->provider = provider;
	c->name = name;
	ret = probe_usdt_notes(binary, collect_cb, c);
	if (ret < 0) {
		snprintf(err, sizeof(err), "cannot read USDT notes of '%s': %s", binary,
			 strerror(-ret));
		goto out;
	}
	if (!c->cnt) {
		snprintf(err, sizeof(err), "no USDT probe %s:%s in '%s'", provider, name, binary);
		ret = -ENOENT;
		goto out;
	}
	link->pe_kind = PROBE_PE_USDT;
	link->prog = probe_prog_get(p);
	link->subs = ub_calloc((size_t)c->cnt, sizeof(*link->subs));
	link->semas = ub_calloc((size_t)c->cnt, sizeof(*link->semas));
	if (!link->subs || !link->semas) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->cnt; i++) {
		const struct probe_usdt_note *n = &c->notes[i];
		uint8_t spec[USDT_SPEC_SIZE_1_7];
		uint64_t addr;
		long key;
		uint32_t id32;
		int id;
		USERBPF_OPTS(userbpf_uprobe_opts, uo, .mode = o.mode, .run_flags = o.run_flags,
			     .trace_fn = o.trace_fn, .trace_cookie = o.trace_cookie, .err_buf = err,
			     .err_buf_sz = sizeof(err));

		ret = probe_usdt_spec(n->args, o.usdt_cookie, userbpf_map__value_size(specs), spec,
				      err, sizeof(err));
		if (ret)
			goto out;
		ret = userbpf_probe__resolve(binary, NULL, n->pc_off, &addr, err, sizeof(err));
		if (ret)
			goto out;
		id = alloc_spec_id(specs);
		if (id < 0) {
			snprintf(err, sizeof(err), "__bpf_usdt_specs is full");
			ret = id;
			goto out;
		}
		ret = userbpf_map__update_elem(specs, &id, spec, 0);
		key = (long)addr;
		id32 = (uint32_t)id;
		if (!ret && ips)
			ret = userbpf_map__update_elem(ips, &key, &id32, 0);
		if (ret) {
			snprintf(err, sizeof(err), "cannot store the USDT spec: %s",
				 strerror(-ret));
			goto out;
		}
		uo.cookie = (uint64_t)id;
		sub = userbpf_probe__attach_uprobe(p, NULL, NULL, addr, false, &uo);
		if (!sub) {
			ret = -errno;
			goto out;
		}
		link->subs[link->n_subs++] = sub;
		if (n->sema_vaddr) { /* same load bias as the probe's address */
			uint16_t *sema =
				(uint16_t *)(uintptr_t)(addr - n->pc_vaddr + n->sema_vaddr);

			__atomic_fetch_add(sema, 1, __ATOMIC_SEQ_CST);
			link->semas[i] = sema;
		}
	}
	ub_free(c);
	return link;
out:
	ub_free(c);
	if (link) {
		probe_usdt_detach(link);
		if (link->prog)
			userbpf_prog__put(link->prog);
		ub_free(link);
	}
	if (o.err_buf && o.err_buf_sz)
		snprintf(o.err_buf, o.err_buf_sz, "%s", err);
	if (err[0])
		ub_warn("usdt: %s\n", err);
	errno = -ret;
	return NULL;
}

/* Part of userbpf_link__destroy for a USDT link. */
void probe_usdt_detach(struct userbpf_link *link)
{
	size_t i;

	for (i = 0; i < link->n_subs; i++) {
		if (link->semas && link->semas[i])
			__atomic_fetch_sub((uint16_t *)link->semas[i], 1, __ATOMIC_SEQ_CST);
		userbpf_link__destroy(link->subs[i]);
	}
	ub_free(link->subs);
	ub_free(link->semas);
}

/* ==== Listing ==== */

struct list_usdt {
	const char *pattern;
	void (*fn)(void *ctx, const char *provider, const char *name, const char *args);
	void *ctx;
	int cnt;
};

static int list_cb(void *ctx, const struct probe_usdt_note *n)
{
	struct list_usdt *l = ctx;
	char full[160];

	snprintf(full, sizeof(full), "%s:%s", n->provider, n->name);
	if (!l->pattern || !fnmatch(l->pattern, full, 0)) {
		l->fn(l->ctx, n->provider, n->name, n->args);
		l->cnt++;
	}
	return 0;
}

USERBPF_API int userbpf_probe__list_usdt(const char *binary, const char *pattern,
					 void (*fn)(void *ctx, const char *provider,
						    const char *name, const char *args),
					 void *ctx)
{
	struct list_usdt l = { pattern, fn, ctx, 0 };
	int ret;

	if (!binary || !fn)
		return -EINVAL;
	ret = probe_usdt_notes(binary, list_cb, &l);
	return ret < 0 ? ret : l.cnt;
}
