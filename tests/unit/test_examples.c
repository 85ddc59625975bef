/* SPDX-License-Identifier: MIT */
/*
 * test_examples.c - every example object (examples/NAME.bpf.c) run in the
 * Linux kernel (loaded by libbpf, run with BPF_PROG_TEST_RUN) and in
 * userbpf (userbpf_object + userbpf_prog__test_run) on the same inputs:
 * return values, output packets, ring buffer records and final map
 * contents must be identical.  Per-CPU values are compared summed over
 * CPUs, hash maps as sets, queues and stacks by popping them empty.
 * Without a kernel that accepts bpf(), only the userbpf half runs and
 * the comparison is skipped with a message.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"
#include "userbpf/map.h"
#include "userbpf/object.h"
#include "userbpf/progs.h"

#define MAX_OUT 4096

/* One run's observable results. */
struct obs {
	uint32_t retval[16];
	uint8_t data[16][256];
	uint32_t data_size[16];
	char records[8192]; /* ring buffer records as hex, one per line */
	size_t records_len;
	char maps[65536]; /* canonical dump of every comparable map */
	size_t maps_len;
};

struct input {
	const void *data; /* packet */
	uint32_t data_size;
	const void *ctx;
	uint32_t ctx_size;
};

struct example {
	const char *obj;
	const char *setup_prog; /* run once first (no checks), or NULL */
	const char *prog;
	const struct input *inputs;
	unsigned input_cnt;
	const char *rodata_var; /* .rodata override: offset/size/value */
	unsigned rodata_off, rodata_size;
	uint64_t rodata_value;
};

/* ==== Packets ==== */

static uint8_t pkt_udp53[46], pkt_udp80[46], pkt_tcp[54], pkt_icmp[42], pkt_arp[42], pkt_big[98],
	pkt_to_drop[46], pkt_to_16[46], pkt_to_8[46], pkt_blocked[46];

static void make_ipv4(uint8_t *p, size_t len, uint8_t proto, const uint8_t src[4],
		      const uint8_t dst[4], uint16_t dport)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0 };
	uint16_t tot = (uint16_t)(len - 14);

	memset(p, 0, len);
	memcpy(p, eth, 14);
	p[14] = 0x45;
	p[16] = (uint8_t)(tot >> 8);
	p[17] = (uint8_t)tot;
	p[22] = 64;
	p[23] = proto;
	memcpy(p + 26, src, 4);
	memcpy(p + 30, dst, 4);
	p[34] = 0x30;
	p[35] = 0x39;
	p[36] = (uint8_t)(dport >> 8);
	p[37] = (uint8_t)dport;
	for (size_t i = 42; i < len; i++)
		p[i] = (uint8_t)(i * 7);
}

static void make_packets(void)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 }, c[4] = { 10, 0, 1, 1 },
			     d[4] = { 10, 1, 0, 1 }, bad[4] = { 192, 168, 66, 6 },
			     g[4] = { 8, 8, 8, 8 };

	make_ipv4(pkt_udp53, sizeof(pkt_udp53), 17, a, g, 53);
	make_ipv4(pkt_udp80, sizeof(pkt_udp80), 17, a, b, 80);
	make_ipv4(pkt_tcp, sizeof(pkt_tcp), 6, b, a, 443);
	make_ipv4(pkt_icmp, sizeof(pkt_icmp), 1, c, a, 0);
	make_ipv4(pkt_big, sizeof(pkt_big), 17, d, a, 9);
	make_ipv4(pkt_to_drop, sizeof(pkt_to_drop), 17, a, b, 1);
	make_ipv4(pkt_to_16, sizeof(pkt_to_16), 17, a, c, 1);
	make_ipv4(pkt_to_8, sizeof(pkt_to_8), 17, a, d, 1);
	make_ipv4(pkt_blocked, sizeof(pkt_blocked), 17, bad, b, 1);
	make_ipv4(pkt_arp, sizeof(pkt_arp), 0, a, b, 0);
	pkt_arp[12] = 0x08;
	pkt_arp[13] = 0x06;
}

#define PKT(P) { P, sizeof(P), NULL, 0 }
#define CTX(C) { NULL, 0, &(C), sizeof(C) }

static const struct input pkt_mix[] = {
	PKT(pkt_udp53), PKT(pkt_tcp), PKT(pkt_icmp), PKT(pkt_arp), PKT(pkt_big), PKT(pkt_udp80),
};
static const struct input route_pkts[] = {
	PKT(pkt_to_drop), PKT(pkt_to_16), PKT(pkt_to_8), PKT(pkt_udp53), PKT(pkt_blocked),
};

static struct {
	uint64_t value;
	uint32_t key, pad;
} hist_ctx[] = {
	{ 0, 1, 0 }, { 1, 1, 0 }, { 1000, 2, 0 }, { 1ull << 40, 3, 0 }, { 77777, 2, 0 },
};
static const struct input hist_inputs[] = {
	CTX(hist_ctx[0]), CTX(hist_ctx[1]), CTX(hist_ctx[2]), CTX(hist_ctx[3]), CTX(hist_ctx[4]),
};
static struct {
	uint32_t n, m;
} loop_ctx[] = { { 10, 5 }, { 200, 0 }, { 0, 63 } };
static const struct input loop_inputs[] = { CTX(loop_ctx[0]), CTX(loop_ctx[1]), CTX(loop_ctx[2]) };
static struct {
	uint32_t tenant, slot;
} mim_ctx[] = { { 0, 1 }, { 1, 1 }, { 1, 1 }, { 0, 3 } };
static const struct input mim_inputs[] = {
	CTX(mim_ctx[0]),
	CTX(mim_ctx[1]),
	CTX(mim_ctx[2]),
	CTX(mim_ctx[3]),
};
static uint64_t tour_word = 0x1234;
static char tour_str[] = "userbpf";
static struct {
	uint64_t word_ptr, str_ptr;
	uint32_t x, pad;
} tour_ctx[2];
static const struct input tour_inputs[] = { CTX(tour_ctx[0]), CTX(tour_ctx[1]) };

static const struct example examples[] = {
	{ "pkt_counter", NULL, "count_packets", pkt_mix, 6, NULL, 0, 0, 0 },
	{ "log2_hist", NULL, "record", hist_inputs, 5, NULL, 0, 0, 0 },
	{ "ringbuf_events", NULL, "produce", pkt_mix, 6, NULL, 0, 0, 0 },
	{ "tail_calls", NULL, "dispatch", pkt_mix, 6, NULL, 0, 0, 0 },
	{ "lpm_route", "setup", "route", route_pkts, 5, NULL, 0, 0, 0 },
	{ "rodata_config", NULL, "filter", pkt_mix, 6, NULL, 0, 0, 0 },
	{ "rodata_config", NULL, "filter", pkt_mix, 6, ".rodata", 0, 2, 80 },
	{ "call_chain", NULL, "checksum", pkt_mix, 6, NULL, 0, 0, 0 },
	{ "loops", NULL, "iterate", loop_inputs, 3, NULL, 0, 0, 0 },
	{ "flow_table", NULL, "track", pkt_mix, 6, NULL, 0, 0, 0 },
	{ "map_in_map", NULL, "bump_counters", mim_inputs, 4, NULL, 0, 0, 0 },
	{ "helpers_tour", NULL, "tour", tour_inputs, 2, NULL, 0, 0, 0 },
};

/* ==== Canonical map dumps ==== */

static void appendf(char *buf, size_t *len, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t *len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_percpu(uint32_t t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Per-CPU values summed per u64 slot into value_size bytes. */
static void fold_percpu(uint8_t *v, uint32_t value_size, int ncpu)
{
	uint32_t stride = (value_size + 7) & ~7u, w, c;

	for (w = 0; w + 8 <= value_size; w += 8) {
		uint64_t sum = 0, x;

		for (c = 0; c < (uint32_t)ncpu; c++) {
			memcpy(&x, v + c * stride + w, 8);
			sum += x;
		}
		memcpy(v + w, &sum, 8);
	}
}

/* Map access, abstracted over the two implementations. */
struct map_ops {
	int (*next_key)(void *m, const void *key, void *next);
	int (*lookup)(void *m, const void *key, void *value);
	int (*pop)(void *m, void *value);
};

static void dump_one(char *out, size_t *len, const char *name, uint32_t type, uint32_t ks,
		     uint32_t vs, int ncpu, void *m, const struct map_ops *ops)
{
	uint8_t key[256], next[256], *val = calloc(1, (size_t)((vs + 7) & ~7u) * (size_t)ncpu + 8);
	char *lines[1100], kh[600], vh[600];
	size_t n = 0, i;
	bool have = false;

	if (type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK) {
		appendf(out, len, 65536, "%s:", name);
		while (n < 100 && !ops->pop(m, val)) {
			hex(vh, val, vs);
			appendf(out, len, 65536, " %s", vh);
			n++;
		}
		appendf(out, len, 65536, "\n");
		free(val);
		return;
	}
	while (n < 1024 && !ops->next_key(m, have ? key : NULL, next)) {
		memcpy(key, next, ks);
		have = true;
		if (ops->lookup(m, key, val))
			continue;
		if (is_percpu(type))
			fold_percpu(val, vs, ncpu);
		hex(kh, key, ks);
		hex(vh, val, vs < 256 ? vs : 256);
		lines[n] = malloc(strlen(kh) + strlen(vh) + 4);
		sprintf(lines[n], "%s=%s", kh, vh);
		n++;
	}
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	appendf(out, len, 65536, "%s:", name);
	for (i = 0; i < n; i++) {
		appendf(out, len, 65536, " %s", lines[i]);
		free(lines[i]);
	}
	appendf(out, len, 65536, "\n");
	free(val);
}

static bool comparable(uint32_t t)
{
	return t != BPF_MAP_TYPE_PROG_ARRAY && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
	       t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_ARRAY_OF_MAPS &&
	       t != BPF_MAP_TYPE_HASH_OF_MAPS && t != BPF_MAP_TYPE_BLOOM_FILTER;
}

/* ==== userbpf side ==== */

static int u_next(void *m, const void *k, void *n)
{
	return userbpf_map__get_next_key(m, k, n);
}
static int u_lookup(void *m, const void *k, void *v)
{
	return userbpf_map__lookup_elem(m, k, v, 0);
}
static int u_pop(void *m, void *v)
{
	return userbpf_map__lookup_and_delete_elem(m, NULL, v, 0);
}
static const struct map_ops u_ops = { u_next, u_lookup, u_pop };

static int u_record(void *ctx, void *data, size_t size)
{
	struct obs *o = ctx;
	char h[600];

	hex(h, data, size < 256 ? size : 256);
	appendf(o->records, &o->records_len, sizeof(o->records), "%s\n", h);
	return 0;
}

/*
 * Engines of the userbpf side: 0 the default (checked for these
 * unverified programs on even inputs, explicitly checked on odd ones),
 * 1 unchecked on the interpreter, 2 unchecked on native code (the JIT).
 */
#define ENGINE_CNT 3
static const char *const engine_names[ENGINE_CNT] = { "default", "interp", "jit" };
static const uint32_t engine_flags[ENGINE_CNT] = {
	0,
	USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER,
	USERBPF_RUN_UNCHECKED,
};

static int run_userbpf(const struct example *ex, struct obs *o, int engine, char *why,
		       size_t why_sz)
{
	char path[256], err[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, oo, .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_object *obj;
	struct userbpf_object_map *om = NULL;
	struct userbpf_program *p;
	struct userbpf_ringbuf *rb = NULL;
	unsigned i;
	int rc;

	snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), ex->obj);
	obj = userbpf_object__open_file(path, &oo);
	if (!obj) {
		snprintf(why, why_sz, "open: %s", err);
		return -1;
	}
	if (ex->rodata_var) {
		size_t sz;
		struct userbpf_object_map *rm =
			userbpf_object__find_map_by_name(obj, ex->rodata_var);
		uint8_t *v = rm ? userbpf_object_map__initial_value(rm, &sz) : NULL;

		if (!v) {
			snprintf(why, why_sz, "no %s map", ex->rodata_var);
			userbpf_object__close(obj);
			return -1;
		}
		memcpy(v + ex->rodata_off, &ex->rodata_value, ex->rodata_size);
	}
	rc = userbpf_object__load(obj);
	if (rc) {
		snprintf(why, why_sz, "load: %s", userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return -1;
	}
	while ((om = userbpf_object__next_map(obj, om)))
		if (userbpf_map__type(userbpf_object_map__map(om)) == BPF_MAP_TYPE_RINGBUF)
			rb = userbpf_ringbuf__new(userbpf_object_map__map(om), u_record, o);
	if (ex->setup_prog) {
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt_udp53, .data_size_in = 46);
		p = userbpf_object__find_program_by_name(obj, ex->setup_prog);
		if (!p || userbpf_prog__test_run(userbpf_program__prog(p), &t)) {
			snprintf(why, why_sz, "setup program failed");
			userbpf_object__close(obj);
			return -1;
		}
	}
	p = userbpf_object__find_program_by_name(obj, ex->prog);
	for (i = 0; p && i < ex->input_cnt; i++) {
		const struct input *in = &ex->inputs[i];
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = in->data,
			     .data_size_in = in->data_size,
			     .data_out = in->data ? o->data[i] : NULL,
			     .data_size_out = in->data ? 256 : 0, .ctx_in = in->ctx,
			     .ctx_size_in = in->ctx_size,
			     .flags = (engine  ? engine_flags[engine] :
				       (i & 1) ? USERBPF_RUN_CHECKED :
						 0) |
				      /* the kernel's probe_read reads this process */
				      USERBPF_RUN_HOST_READ,
			     .err_buf = err, .err_buf_sz = sizeof(err));

		rc = userbpf_prog__test_run(userbpf_program__prog(p), &t);
		if (rc) {
			snprintf(why, why_sz, "run %u: %s (%s)", i, userbpf_strerror(rc), err);
			userbpf_object__close(obj);
			return -1;
		}
		o->retval[i] = t.retval;
		o->data_size[i] = in->data ? t.data_size_out : 0;
	}
	if (rb) {
		userbpf_ringbuf__consume(rb);
		userbpf_ringbuf__free(rb);
	}
	om = NULL;
	while ((om = userbpf_object__next_map(obj, om))) {
		struct userbpf_map *m = userbpf_object_map__map(om);
		uint32_t t = userbpf_map__type(m);

		if (comparable(t))
			dump_one(o->maps, &o->maps_len, userbpf_object_map__name(om), t,
				 userbpf_map__key_size(m), userbpf_map__value_size(m),
				 userbpf_num_possible_cpus(), m, &u_ops);
	}
	userbpf_object__close(obj);
	return p ? 0 : -1;
}

/* ==== kernel side (libbpf) ==== */

static int k_next(void *m, const void *k, void *n)
{
	return bpf_map_get_next_key((int)(intptr_t)m, k, n);
}
static int k_lookup(void *m, const void *k, void *v)
{
	return bpf_map_lookup_elem((int)(intptr_t)m, k, v);
}
static int k_pop(void *m, void *v)
{
	return bpf_map_lookup_and_delete_elem((int)(intptr_t)m, NULL, v);
}
static const struct map_ops k_ops = { k_next, k_lookup, k_pop };

static int k_record(void *ctx, void *data, size_t size)
{
	return u_record(ctx, data, size);
}

static int silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l, (void)f, (void)a;
	return 0;
}

static int run_kernel(const struct example *ex, struct obs *o, char *why, size_t why_sz)
{
	char path[256];
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_map *m;
	struct ring_buffer *rb = NULL;
	unsigned i;

	libbpf_set_print(silent);
	snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), ex->obj);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(why, why_sz, "libbpf open failed");
		return -1;
	}
	if (ex->rodata_var) {
		bpf_object__for_each_map(m, obj)
		{
			const char *n = bpf_map__name(m);
			size_t sz;
			uint8_t *v;

			if (!strstr(n, ex->rodata_var))
				continue;
			v = (uint8_t *)bpf_map__initial_value(m, &sz);
			if (v)
				memcpy(v + ex->rodata_off, &ex->rodata_value, ex->rodata_size);
		}
	}
	if (bpf_object__load(obj)) {
		snprintf(why, why_sz, "kernel refused to load %s: %s", ex->obj, strerror(errno));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_map(m, obj) if (bpf_map__type(m) == BPF_MAP_TYPE_RINGBUF)
		rb = ring_buffer__new(bpf_map__fd(m), k_record, o, NULL);
	if (ex->setup_prog) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt_udp53, .data_size_in = 46);
		p = bpf_object__find_program_by_name(obj, ex->setup_prog);
		if (!p || bpf_prog_test_run_opts(bpf_program__fd(p), &t)) {
			snprintf(why, why_sz, "kernel setup run failed");
			bpf_object__close(obj);
			return -1;
		}
	}
	p = bpf_object__find_program_by_name(obj, ex->prog);
	for (i = 0; p && i < ex->input_cnt; i++) {
		const struct input *in = &ex->inputs[i];
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = in->data,
			    .data_size_in = in->data_size, .data_out = in->data ? o->data[i] : NULL,
			    .data_size_out = in->data ? 256 : 0, .ctx_in = in->ctx,
			    .ctx_size_in = in->ctx_size);

		if (bpf_prog_test_run_opts(bpf_program__fd(p), &t)) {
			snprintf(why, why_sz, "kernel run %u failed: %s", i, strerror(errno));
			bpf_object__close(obj);
			return 1;
		}
		o->retval[i] = t.retval;
		o->data_size[i] = in->data ? t.data_size_out : 0;
	}
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	bpf_object__for_each_map(m, obj)
	{
		uint32_t t = bpf_map__type(m);

		if (comparable(t))
			dump_one(o->maps, &o->maps_len, bpf_map__name(m), t, bpf_map__key_size(m),
				 bpf_map__value_size(m), libbpf_num_possible_cpus(),
				 (void *)(intptr_t)bpf_map__fd(m), &k_ops);
	}
	bpf_object__close(obj);
	return p ? 0 : -1;
}

/* First differing line of two dumps, for the failure message. */
static void first_diff(const char *a, const char *b, char *out, size_t n)
{
	while (*a && *a == *b)
		a++, b++;
	snprintf(out, n, "userbpf '%.120s' vs kernel '%.120s'", a, b);
}

TEST(examples_vs_kernel)
{
	static struct obs u, k;
	unsigned e, i, compared = 0, skipped = 0;
	int engine;
	char why[1024];

	make_packets();
	tour_ctx[0].word_ptr = tour_ctx[1].word_ptr = (uint64_t)(uintptr_t)&tour_word;
	tour_ctx[0].str_ptr = tour_ctx[1].str_ptr = (uint64_t)(uintptr_t)tour_str;
	tour_ctx[0].x = 7;
	tour_ctx[1].x = 123456;
	for (e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
		const struct example *ex = &examples[e];
		char name[128];
		int kr;

		snprintf(name, sizeof(name), "examples/%s:%s%s", ex->obj, ex->prog,
			 ex->rodata_var ? "+rodata" : "");
		memset(&k, 0, sizeof(k));
		kr = run_kernel(ex, &k, why, sizeof(why));
		if (kr) {
			skipped++;
			test_result_skip(name, why);
			continue;
		}
		for (engine = 0; engine < ENGINE_CNT; engine++) {
			snprintf(name, sizeof(name), "examples/%s:%s%s [%s]", ex->obj, ex->prog,
				 ex->rodata_var ? "+rodata" : "", engine_names[engine]);
			memset(&u, 0, sizeof(u));
			if (run_userbpf(ex, &u, engine, why, sizeof(why))) {
				test_result(name, false, "userbpf: %s", why);
				continue;
			}
			for (i = 0; i < ex->input_cnt; i++) {
				if (u.retval[i] != k.retval[i] ||
				    u.data_size[i] != k.data_size[i] ||
				    memcmp(u.data[i], k.data[i], k.data_size[i]))
					break;
			}
			if (i < ex->input_cnt) {
				test_result(name, false,
					    "input %u: retval %u vs kernel %u, data %u vs %u bytes",
					    i, u.retval[i], k.retval[i], u.data_size[i],
					    k.data_size[i]);
				continue;
			}
			if (strcmp(u.records, k.records)) {
				first_diff(u.records, k.records, why, sizeof(why));
				test_result(name, false, "ring buffer records differ: %s", why);
				continue;
			}
			if (strcmp(u.maps, k.maps)) {
				first_diff(u.maps, k.maps, why, sizeof(why));
				test_result(name, false, "maps differ: %s", why);
				continue;
			}
			compared++;
			test_result(name, true, "%s", "identical");
		}
	}
	printf("examples_vs_kernel: %u example runs identical to the kernel, %u skipped\n",
	       compared, skipped);
}

/*
 * BPF_F_LOCK on a map whose value holds a struct bpf_spin_lock (the
 * helpers_tour example's "state") and on one without (EINVAL), against
 * the kernel: same return values and the same values read back.
 */
TEST(examples_f_lock_vs_kernel)
{
	char path[256];
	struct bpf_object *kobj;
	struct userbpf_object *uobj;
	struct bpf_map *km;
	struct userbpf_map *um;
	uint64_t kv[2], uv[2], in[2] = { 0, 77 };
	uint32_t zero = 0;
	int kfd;

	snprintf(path, sizeof(path), "%s/examples/helpers_tour.bpf.o", test_build_dir());
	uobj = userbpf_object__open_file(path, NULL);
	ASSERT_TRUE(uobj);
	ASSERT_OK(userbpf_object__load(uobj));
	um = userbpf_object_map__map(userbpf_object__find_map_by_name(uobj, "state"));
	ASSERT_TRUE(um);
	libbpf_set_print(silent);
	kobj = bpf_object__open_file(path, NULL);
	if (!kobj || bpf_object__load(kobj)) {
		userbpf_object__close(uobj);
		if (kobj)
			bpf_object__close(kobj);
		test_skip("kernel refused to load helpers_tour (run as root to compare)");
		return;
	}
	km = bpf_object__find_map_by_name(kobj, "state");
	kfd = bpf_map__fd(km);
	/* locked update then locked lookup: the lock word reads as 0 */
	in[0] = 0xffffffff; /* a caller's lock word is never copied in */
	ASSERT_EQ(userbpf_map__update_elem(um, &zero, in, BPF_F_LOCK),
		  bpf_map_update_elem(kfd, &zero, in, BPF_F_LOCK));
	memset(kv, 0xaa, sizeof(kv));
	memset(uv, 0xaa, sizeof(uv));
	ASSERT_EQ(userbpf_map__lookup_elem(um, &zero, uv, BPF_F_LOCK),
		  bpf_map_lookup_elem_flags(kfd, &zero, kv, BPF_F_LOCK));
	ASSERT_EQ(uv[0], kv[0]);
	ASSERT_EQ(uv[1], kv[1]);
	ASSERT_EQ(uv[1], 77);
	/* NOEXIST on an array with F_LOCK, flags beyond EXIST, a bad index */
	ASSERT_EQ(userbpf_map__update_elem(um, &zero, in, BPF_F_LOCK | BPF_NOEXIST),
		  bpf_map_update_elem(kfd, &zero, in, BPF_F_LOCK | BPF_NOEXIST) ? -errno : 0);
	zero = 5;
	ASSERT_EQ(userbpf_map__update_elem(um, &zero, in, BPF_F_LOCK),
		  bpf_map_update_elem(kfd, &zero, in, BPF_F_LOCK) ? -errno : 0);
	zero = 0;
	bpf_object__close(kobj);
	userbpf_object__close(uobj);

	/* a value without a spin lock: BPF_F_LOCK is EINVAL on both sides */
	snprintf(path, sizeof(path), "%s/examples/pkt_counter.bpf.o", test_build_dir());
	uobj = userbpf_object__open_file(path, NULL);
	kobj = bpf_object__open_file(path, NULL);
	ASSERT_TRUE(uobj && kobj);
	ASSERT_OK(userbpf_object__load(uobj));
	ASSERT_OK(bpf_object__load(kobj));
	um = userbpf_object_map__map(userbpf_object__find_map_by_name(uobj, "bytes"));
	kfd = bpf_map__fd(bpf_object__find_map_by_name(kobj, "bytes"));
	ASSERT_EQ(userbpf_map__lookup_elem(um, &zero, uv, BPF_F_LOCK),
		  bpf_map_lookup_elem_flags(kfd, &zero, kv, BPF_F_LOCK) ? -errno : 0);
	ASSERT_EQ(userbpf_map__lookup_elem(um, &zero, uv, BPF_F_LOCK), -EINVAL);
	bpf_object__close(kobj);
	userbpf_object__close(uobj);
}
