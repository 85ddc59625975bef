/* SPDX-License-Identifier: MIT */
/*
 * cmd_object.c - the subcommands that work on compiled BPF objects
 * (.bpf.o): "prog list", "disasm OBJ" with source lines from BTF line
 * info, "run" (a test run of one program with its output: retval,
 * duration, bpf_printk lines, ring and perf buffer records, maps) and
 * "map dump".  Built only on the public API.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "userbpf/iter.h"
#include "userbpf/map.h"
#include "userbpf/object.h"
#include "userbpf/progs.h"
#include "userbpf/verifier.h"

/* ==== Shared ==== */

/* --btf FILE|kernel|ctx: the CO-RE target (default: kernel, else ctx) */
static const char *opt_btf;

static void set_btf_opt(struct userbpf_object_open_opts *o, const char *btf)
{
	if (!btf)
		return;
	if (!strcmp(btf, "kernel"))
		o->core_target = USERBPF_CORE_TARGET_KERNEL;
	else if (!strcmp(btf, "ctx"))
		o->core_target = USERBPF_CORE_TARGET_CTX;
	else
		o->btf_custom_path = btf;
}

/* What a loader sets before load: --set, --map-size, --map-value-size. */
struct pre_load {
	const char *kind; /* "set", "map-size", "map-value-size" */
	const char *arg;  /* NAME=VALUE */
};
static struct pre_load pre_loads[64];
static size_t pre_load_cnt;
/* --prog NAME: load only it and what it tail-calls */
static const char *opt_only_prog;

static void add_pre_load(const char *kind, const char *arg)
{
	if (!strchr(arg, '=') || arg[0] == '=')
		cli_die(2, "--%s: '%s' is not NAME=VALUE", kind, arg);
	if (pre_load_cnt >= sizeof(pre_loads) / sizeof(pre_loads[0]))
		cli_die(2, "--%s: too many", kind);
	pre_loads[pre_load_cnt++] = (struct pre_load){ kind, arg };
}

static void apply_pre_loads(struct userbpf_object *obj, const char *path)
{
	size_t i;
	int rc;

	for (i = 0; i < pre_load_cnt; i++) {
		const char *eq = strchr(pre_loads[i].arg, '=');
		char name[256];
		size_t len = (size_t)(eq - pre_loads[i].arg);

		if (len >= sizeof(name))
			cli_die(2, "--%s: name too long", pre_loads[i].kind);
		memcpy(name, pre_loads[i].arg, len);
		name[len] = '\0';
		if (!strcmp(pre_loads[i].kind, "set")) {
			rc = userbpf_object__set_global(obj, name, eq + 1);
			if (rc)
				cli_die(2, "%s (--set %s)",
					userbpf_object__errmsg(obj)[0] ?
						userbpf_object__errmsg(obj) :
						userbpf_strerror(rc),
					pre_loads[i].arg);
		} else {
			struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, name);
			char *end;
			unsigned long long n;

			if (!m)
				cli_die(2, "%s: --%s: no map named '%s'", path, pre_loads[i].kind,
					name);
			errno = 0;
			n = strtoull(eq + 1, &end, 0);
			if (!eq[1] || *end || errno || n == 0 || n > UINT32_MAX || eq[1] == '-')
				cli_die(2, "%s: --%s %s: '%s' is not a size from 1 to %u", path,
					pre_loads[i].kind, name, eq + 1, UINT32_MAX);
			rc = !strcmp(pre_loads[i].kind, "map-size") ?
				     userbpf_object_map__set_max_entries(m, (uint32_t)n) :
				     userbpf_object_map__set_value_size(m, (uint32_t)n);
			if (rc)
				cli_die(2, "%s: --%s %s: cannot resize this map: %s", path,
					pre_loads[i].kind, name, userbpf_strerror(rc));
		}
	}
	if (opt_only_prog) {
		rc = userbpf_object__load_only(obj, opt_only_prog);
		if (rc)
			cli_die(2, "%s (--prog)", userbpf_object__errmsg(obj));
	}
}

static struct userbpf_object *open_obj(const char *path, bool load)
{
	char err[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_object *obj;
	int rc;

	set_btf_opt(&o, opt_btf);
	obj = userbpf_object__open_file(path, &o);

	if (!obj) {
		/* a file that cannot be read is a system error (1); one that
		 * is not a valid object is malformed input (the README's 2) */
		int io = errno == ENOENT || errno == EACCES || errno == EISDIR || errno == ENOMEM;

		cli_die(io ? 1 : 2, "%s", err[0] ? err : strerror(errno));
	}
	if (load) {
		apply_pre_loads(obj, path);
		rc = userbpf_object__load(obj);
		if (rc) {
			const char *msg = userbpf_object__errmsg(obj);

			cli_die(1, "%s: load failed: %s", path,
				msg && msg[0] ? msg : userbpf_strerror(rc));
		}
	}
	return obj;
}

static void print_hex(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x%s", b[i], i + 1 < n ? " " : "");
}

static void print_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json_hex(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('"');
}

static bool is_elf(const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[4] = "";
	bool elf;

	if (!f)
		return false;
	elf = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
	fclose(f);
	return elf;
}

/* ==== prog list ==== */

static const char prog_usage[] =
	"usage: userbpf prog list OBJ [--json]\n"
	"List the programs of a BPF object: name, section, type, instructions, the\n"
	"verifier's verdict (ok, probe: ok but runs checked for kernel-pointer loads,\n"
	"rejected) and the instructions it processed.\n";

static int cmd_prog_list(const char *path, bool json)
{
	struct userbpf_object *obj = open_obj(path, false);
	struct userbpf_program *p = NULL;
	bool first = true;

	if (json)
		printf("[");
	else
		printf("%-24s %-28s %-16s %-6s %-9s %s\n", "NAME", "SECTION", "TYPE", "INSNS",
		       "VERIFIER", "PROCESSED");
	while ((p = userbpf_object__next_program(obj, p))) {
		const char *type = userbpf_prog_type_name(userbpf_program__type(p));
		struct userbpf_verifier_stats st = { 0 };
		const char *verdict;
		int verr;

		{
			USERBPF_OPTS(userbpf_verifier_opts, vo, .stats = &st);

			verr = userbpf_program__verify(obj, p, &vo);
		}
		verdict = verr == -EACCES || verr == -EINVAL || verr == -E2BIG ? "rejected" :
			  verr						       ? "error" :
			  st.probe_mem_insns				       ? "probe" :
										 "ok";

		if (json) {
			printf("%s{\"name\":", first ? "" : ",");
			print_json_str(userbpf_program__name(p));
			printf(",\"section\":");
			print_json_str(userbpf_program__section_name(p));
			printf(",\"type\":");
			print_json_str(type ? type : "unknown");
			printf(",\"insns\":%zu,\"verifier\":\"%s\",\"processed\":%u}",
			       userbpf_program__insn_cnt(p), verdict, st.insn_processed);
		} else {
			printf("%-24s %-28s %-16s %-6zu %-9s %u\n", userbpf_program__name(p),
			       userbpf_program__section_name(p), type ? type : "unknown",
			       userbpf_program__insn_cnt(p), verdict, st.insn_processed);
		}
		first = false;
	}
	if (json)
		printf("]\n");
	userbpf_object__close(obj);
	return 0;
}

int cli_cmd_prog(int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	int i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(prog_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "list"))
		cli_die(2, "prog: unknown subcommand '%s' (see --help)", argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help")) {
			fputs(prog_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-')
			cli_die(2, "prog list: unknown option '%s' (see --help)", argv[i]);
		else if (!path)
			path = argv[i];
		else
			cli_die(2, "prog list: too many arguments");
	}
	if (!path)
		cli_die(2, "prog list: no object file given (see --help)");
	return cmd_prog_list(path, json);
}

/* ==== disasm OBJ ==== */

int cli_disasm_object(const char *path, const char *prog_name, bool bytes)
{
	struct userbpf_object *obj = open_obj(path, false);
	struct userbpf_program *p = NULL;
	int bad = 0, found = 0, rc;

	/* relocated instructions: subprograms appended, calls fixed up */
	rc = userbpf_object__prepare(obj);
	if (rc)
		cli_die(1, "%s: %s", path,
			userbpf_object__errmsg(obj) ? userbpf_object__errmsg(obj) :
						      userbpf_strerror(rc));

	while ((p = userbpf_object__next_program(obj, p))) {
		const struct userbpf_insn *insns = userbpf_program__insns(p);
		size_t cnt = userbpf_program__insn_cnt(p), li_cnt = 0, li = 0, pc = 0;
		const struct userbpf_line_info *lines = userbpf_program__line_info(p, &li_cnt);
		char text[256];
		uint32_t last_line = 0;

		if (prog_name && strcmp(prog_name, userbpf_program__name(p)))
			continue;
		found++;
		printf("%s%s (section %s, %zu insns):\n", found > 1 ? "\n" : "",
		       userbpf_program__name(p), userbpf_program__section_name(p), cnt);
		while (pc < cnt) {
			int n;

			while (li < li_cnt && lines[li].insn_off <= pc) {
				if (lines[li].insn_off == pc && lines[li].text &&
				    lines[li].text[0] && lines[li].line != last_line)
					printf("; %s @ %s:%u\n", lines[li].text, lines[li].file,
					       lines[li].line);
				last_line = lines[li].line;
				li++;
			}
			n = userbpf_disasm_insn(&insns[pc], cnt - pc, text, sizeof(text));
			printf("%6zu:", pc);
			if (bytes) {
				const uint8_t *b = (const uint8_t *)&insns[pc];

				printf("  ");
				print_hex(stdout, b, 8);
			}
			printf("  %s\n", text);
			if (n < 0)
				bad++;
			pc += n > 0 ? (size_t)n : 1;
		}
	}
	userbpf_object__close(obj);
	if (prog_name && !found)
		cli_die(1, "%s: no program named '%s'", path, prog_name);
	return bad ? 1 : 0;
}

bool cli_is_object(const char *path)
{
	return path && is_elf(path);
}

/* ==== run and map dump ==== */

static const char run_usage[] =
	"usage: userbpf run OBJ --prog NAME [--data FILE] [--ctx FILE] [--data-out FILE]\n"
	"                   [--repeat N] [--unchecked] [--engine E] [--jit-harden]\n"
	"                   [--allow-host-read]\n"
	"                   [--maps] [--json] [--btf FILE] [--set NAME=VALUE]...\n"
	"                   [--map-size NAME=N]... [--map-value-size NAME=N]...\n"
	"                   [--pcap FILE | --iface IF [--count N] [--duration S]]\n"
	"Load a BPF object and test-run one program, like BPF_PROG_TEST_RUN.\n"
	"Only program NAME is loaded, with the programs its prog arrays hold:\n"
	"  --data FILE      input packet (raw bytes) for skb/XDP programs\n"
	"  --ctx FILE       context bytes (__sk_buff fields, tracing arguments);\n"
	"                   without it a non-packet program gets 4096 zero bytes\n"
	"  --data-out FILE  write the packet after the run\n"
	"  --repeat N       run N times; duration is the average\n"
	"  --unchecked      skip the bounds checks on memory accesses (faster; by\n"
	"                   default every access is checked, since no verifier\n"
	"                   has vetted the program)\n"
	"  --engine E       checked, jit (native code, unchecked) or interp (the fast\n"
	"                   interpreter, unchecked); default: checked, or jit for a\n"
	"                   program the verifier accepted\n"
	"  --jit-harden     JIT with constant blinding (the kernel's bpf_jit_harden):\n"
	"                   no constant of the program appears in native code\n"
	"  --allow-host-read  let bpf_probe_read* and %s of bpf_printk/bpf_snprintf\n"
	"                   read any address of this process (by default they read\n"
	"                   only the run's own memory: context, packet, stack, maps)\n"
	"  --maps           dump every map after the run\n"
	"  --set NAME=VALUE set a global variable of .rodata/.data/.bss before\n"
	"                   load, typed by its BTF (integer, bool, enum, string)\n"
	"  --map-size NAME=N        max_entries of map NAME\n"
	"  --map-value-size NAME=N  value size of map NAME (stack-trace maps)\n"
	"  --btf FILE       resolve CO-RE relocations against FILE (raw BTF or an\n"
	"                   ELF with .BTF); 'kernel' or 'ctx' for the running\n"
	"                   kernel's BTF or userbpf's context BTF (default: the\n"
	"                   kernel's where /sys/kernel/btf/vmlinux exists)\n"
	"  --pcap FILE      run a socket filter, tc or XDP program on every frame\n"
	"                   of a capture file (pcap/pcapng) with the kernel's context\n"
	"  --iface IF       the same on the live frames of interface IF (AF_PACKET,\n"
	"                   needs CAP_NET_RAW); until --count N frames, --duration S\n"
	"                   seconds or Ctrl-C\n"
	"  --map NAME       the map an iter/bpf_map_elem program walks\n"
	"Prints retval, duration, bpf_printk lines, ring/perf buffer records;\n"
	"an iterator program (SEC(\"iter/...\")) runs as reading its iterator\n"
	"does and prints its bpf_seq_printf text (see also 'userbpf iter');\n"
	"with --pcap/--iface the verdict counts, the program's output as it comes\n"
	"and the maps at the end (docs/packets.md).\n";

static const char map_usage[] =
	"usage: userbpf map dump OBJ [--map NAME] [--run PROG [run options]] [--json]\n"
	"Load a BPF object and print its maps' contents, after test-running\n"
	"PROG with the options of 'userbpf run' when --run is given (then\n"
	"only PROG and the programs its prog arrays hold are loaded).  The\n"
	"load options of 'userbpf run' apply: --btf, --set, --map-size,\n"
	"--map-value-size.\n";

struct run_args {
	const char *path, *prog, *data, *ctx, *data_out, *map;
	const char *pcap, *iface; /* packet runs (cmd_packet.c) */
	uint64_t count;
	double seconds;
	int repeat;
	bool checked, maps, json, run, host_read;
	bool mode_set;	 /* --checked or --unchecked given */
	uint32_t engine; /* USERBPF_RUN_* of --engine, 0: --checked/--unchecked */
	bool harden;	 /* --jit-harden */
	bool iter_only;	 /* userbpf iter: print only the iterator's text */
};

struct output {
	char **lines;
	size_t cnt;
};

static void out_add(struct output *o, const char *line)
{
	char **n = realloc(o->lines, (o->cnt + 1) * sizeof(*n));

	if (!n)
		return;
	o->lines = n;
	o->lines[o->cnt++] = strdup(line);
}

static void trace_cb(void *cookie, const char *line, size_t len)
{
	(void)len;
	out_add(cookie, line);
}

struct rec_ctx {
	struct output *out;
	const char *map;
};

static int ringbuf_cb(void *ctx, void *data, size_t size)
{
	struct rec_ctx *rc = ctx;
	char *line = malloc(size * 3 + 64);
	size_t i, n;

	if (!line)
		return 0;
	n = (size_t)sprintf(line, "%s:", rc->map);
	for (i = 0; i < size; i++)
		n += (size_t)sprintf(line + n, " %02x", ((uint8_t *)data)[i]);
	out_add(rc->out, line);
	free(line);
	return 0;
}

static void perf_cb(void *ctx, int cpu, void *data, uint32_t size)
{
	(void)cpu;
	ringbuf_cb(ctx, data, size);
}

/* Read a whole file, or die naming it. */
static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *d;
	int rc = cli_read_file(path, &d, len);

	if (rc)
		cli_die(2, "cannot read %s: %s", path, strerror(-rc));
	return d;
}

static void dump_map(struct userbpf_object_map *om, bool json, bool first)
{
	struct userbpf_map *m = userbpf_object_map__map(om);
	uint32_t type = userbpf_map__type(m), ks = userbpf_map__key_size(m);
	uint32_t vs = userbpf_map__sys_value_size(m);
	uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1), *val = calloc(1, vs + 1);
	const char *tname = userbpf_map_type_name(type);
	bool have = false, efirst = true;
	int n = 0;

	if (json) {
		printf("%s{\"name\":", first ? "" : ",");
		print_json_str(userbpf_object_map__name(om));
		printf(",\"type\":");
		print_json_str(tname ? tname : "unknown");
		printf(",\"entries\":[");
	} else {
		printf("map %s (%s, key %u, value %u, max %u):\n", userbpf_object_map__name(om),
		       tname ? tname : "unknown", ks, userbpf_map__value_size(m),
		       userbpf_map__max_entries(m));
	}
	if (type == USERBPF_MAP_TYPE_QUEUE || type == USERBPF_MAP_TYPE_STACK) {
		/* peek only: dumping must not change the map */
		if (!userbpf_map__lookup_elem(m, NULL, val, 0)) {
			if (json) {
				printf("{\"peek\":");
				print_json_hex(val, vs);
				printf("}");
			} else {
				printf("  peek: ");
				print_hex(stdout, val, vs);
				printf("\n");
			}
		}
	} else if (ks && type != USERBPF_MAP_TYPE_RINGBUF &&
		   type != USERBPF_MAP_TYPE_PERF_EVENT_ARRAY &&
		   type != USERBPF_MAP_TYPE_BLOOM_FILTER) {
		while (n < 100000 && !userbpf_map__get_next_key(m, have ? key : NULL, next)) {
			memcpy(key, next, ks);
			have = true;
			n++;
			if (userbpf_map__lookup_elem(m, key, val, 0))
				continue;
			if (json) {
				printf("%s{\"key\":", efirst ? "" : ",");
				print_json_hex(key, ks);
				printf(",\"value\":");
				print_json_hex(val, vs);
				printf("}");
			} else {
				printf("  key: ");
				print_hex(stdout, key, ks);
				printf("  value: ");
				print_hex(stdout, val, vs);
				printf("\n");
			}
			efirst = false;
		}
	}
	if (json)
		printf("]}");
	free(key);
	free(next);
	free(val);
}

/* Without --ctx, tracing and other non-packet programs run on this many
 * zero bytes (any context struct fits: pt_regs, tracepoint records...). */
#define DEFAULT_CTX_SIZE 4096

static bool is_packet_type(uint32_t type)
{
	switch (type) {
	case USERBPF_PROG_TYPE_SOCKET_FILTER:
	case USERBPF_PROG_TYPE_SCHED_CLS:
	case USERBPF_PROG_TYPE_SCHED_ACT:
	case USERBPF_PROG_TYPE_XDP:
	case USERBPF_PROG_TYPE_CGROUP_SKB:
	case USERBPF_PROG_TYPE_LWT_IN:
	case USERBPF_PROG_TYPE_LWT_OUT:
	case USERBPF_PROG_TYPE_LWT_XMIT:
	case USERBPF_PROG_TYPE_SK_SKB:
	case USERBPF_PROG_TYPE_FLOW_DISSECTOR:
		return true;
	default:
		return false;
	}
}

/* Packet runs print what the program emitted after every frame. */
struct drain_ctx {
	struct output *out;
	struct userbpf_ringbuf **rbs;
	size_t nrb;
	struct userbpf_perf_buffer **pbs;
	size_t npb;
	bool json; /* keep the lines for the JSON document */
};

static void drain(void *p)
{
	struct drain_ctx *d = p;
	size_t i;

	for (i = 0; i < d->nrb; i++)
		userbpf_ringbuf__consume(d->rbs[i]);
	for (i = 0; i < d->npb; i++)
		userbpf_perf_buffer__consume(d->pbs[i]);
	if (d->json || !d->out->cnt)
		return;
	for (i = 0; i < d->out->cnt; i++) {
		printf("%s\n", d->out->lines[i]);
		free(d->out->lines[i]);
	}
	d->out->cnt = 0;
	fflush(stdout);
}

/* BPF_TRACE_ITER: SEC("iter/...") programs */
#define ATTACH_TRACE_ITER 28
#define ITER_BUF_SIZE (16u << 20)

/*
 * An iterator program runs as reading its iterator does (the kernel's
 * bpf_iter_link + read(), bpftool's "iter pin" + cat): once per object
 * of its target, then once with none (userbpf_iter__run); --map names the
 * map of an iter/bpf_map_elem program.  The text goes to out, a line
 * each; *raw keeps it whole for 'userbpf iter'.
 */
static int iter_run(struct run_args *ra, struct userbpf_object *obj, struct userbpf_program *p,
		    uint32_t flags, struct output *out, char **raw, size_t *raw_len, char *err,
		    size_t err_sz)
{
	const char *target = userbpf_program__attach_target(p);
	USERBPF_OPTS(userbpf_iter_opts, io, .run_flags = flags);
	char *buf = malloc(ITER_BUF_SIZE), *line, *save = NULL;
	long n;

	if (!buf)
		return -ENOMEM;
	if (ra->map) {
		struct userbpf_object_map *om = userbpf_object__find_map_by_name(obj, ra->map);

		io.map = om ? userbpf_object_map__map(om) : NULL;
		if (!io.map) {
			snprintf(err, err_sz, "no map named '%s'", ra->map);
			free(buf);
			return -ENOENT;
		}
	} else if (!strcmp(target, "bpf_map_elem")) {
		snprintf(err, err_sz, "an iter/bpf_map_elem program needs --map NAME");
		free(buf);
		return -EINVAL;
	}
	if (ra->map && strcmp(target, "bpf_map_elem")) {
		snprintf(err, err_sz, "--map is for iter/bpf_map_elem programs, not iter/%s",
			 target);
		free(buf);
		return -EINVAL;
	}
	n = userbpf_iter__run(userbpf_program__prog(p), target, buf, ITER_BUF_SIZE, &io);
	if (n < 0 && n != -EOVERFLOW) {
		free(buf);
		return (int)n;
	}
	if (raw) {
		*raw = buf;
		*raw_len = n < 0 ? strlen(buf) : (size_t)n;
		return 0;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		out_add(out, line);
	free(buf);
	return 0;
}

static int do_run(struct run_args *ra)
{
	struct userbpf_object *obj = open_obj(ra->path, true);
	struct userbpf_object_map *om = NULL;
	struct output out = { 0 };
	struct userbpf_program *p = NULL;
	uint8_t *data = NULL, *ctx = NULL, *data_out = NULL, *ctx_out = NULL;
	size_t data_len = 0, ctx_len = 0, i;
	struct rec_ctx rcs[16];
	struct userbpf_ringbuf *rbs[16];
	struct userbpf_perf_buffer *pbs[16];
	size_t nrb = 0, npb = 0;
	char err[256] = "";
	uint32_t retval = 0, duration = 0;
	char *iter_text = NULL;
	size_t iter_len = 0;
	int rc = 0;
	bool first;

	if (ra->run) {
		p = userbpf_object__find_program_by_name(obj, ra->prog);
		if (!p)
			cli_die(1, "%s: no program named '%s'", ra->path, ra->prog);
		if (!userbpf_program__prog(p))
			cli_die(1, "%s: program '%s' was not loaded", ra->path, ra->prog);
	}
	/* consumers for every ring and perf buffer of the object */
	while ((om = userbpf_object__next_map(obj, om))) {
		struct userbpf_map *m = userbpf_object_map__map(om);
		uint32_t t = m ? userbpf_map__type(m) : 0;

		if (nrb + npb >= 16 || !m)
			continue;
		rcs[nrb + npb] = (struct rec_ctx){ &out, userbpf_object_map__name(om) };
		if (t == USERBPF_MAP_TYPE_RINGBUF) {
			rbs[nrb] = userbpf_ringbuf__new(m, ringbuf_cb, &rcs[nrb + npb]);
			if (rbs[nrb])
				nrb++;
		} else if (t == USERBPF_MAP_TYPE_PERF_EVENT_ARRAY) {
			pbs[npb] = userbpf_perf_buffer__new(m, 8, perf_cb, NULL, &rcs[nrb + npb]);
			if (pbs[npb])
				npb++;
		}
	}
	if (ra->run && (ra->pcap || ra->iface)) {
		struct drain_ctx dc = { &out, rbs, nrb, pbs, npb, ra->json };
		struct cli_packet_opts po = {
			.pcap = ra->pcap,
			.iface = ra->iface,
			.count = ra->count,
			.seconds = ra->seconds,
			.json = ra->json,
			.drain = drain,
			.drain_ctx = &dc,
			.trace_fn = trace_cb,
			.trace_cookie = &out,
			.flags = (ra->engine	? ra->engine :
				  !ra->mode_set ? 0 :
				  ra->checked	? USERBPF_RUN_CHECKED :
						  USERBPF_RUN_UNCHECKED) |
				 (ra->host_read ? USERBPF_RUN_HOST_READ : 0),
		};

		if (ra->json)
			printf("{");
		cli_packet_run(userbpf_program__prog(p), ra->prog, &po);
		ra->maps = true;
		ra->run = false; /* the maps and output follow as for a test run */
		if (ra->json) {
			printf(",\"output\":[");
			for (i = 0; i < out.cnt; i++) {
				printf("%s", i ? "," : "");
				print_json_str(out.lines[i]);
			}
			printf("],\"maps\":[");
			first = true;
			om = NULL;
			while ((om = userbpf_object__next_map(obj, om))) {
				if (userbpf_object_map__map(om)) {
					dump_map(om, true, first);
					first = false;
				}
			}
			printf("]}\n");
			ra->maps = false;
			ra->json = false;
		}
	} else if (ra->run && userbpf_program__expected_attach_type(p) == ATTACH_TRACE_ITER &&
		   !ra->ctx && !ra->data) {
		uint32_t flags = (ra->engine	? ra->engine :
				  !ra->mode_set ? 0 :
				  ra->checked	? USERBPF_RUN_CHECKED :
						  USERBPF_RUN_UNCHECKED) |
				 (ra->host_read ? USERBPF_RUN_HOST_READ : 0);

		rc = iter_run(ra, obj, p, flags, &out, ra->iter_only ? &iter_text : NULL, &iter_len,
			      err, sizeof(err));
		if (rc)
			cli_die(1, "%s: program '%s': %s", ra->path, ra->prog,
				err[0] ? err : userbpf_strerror(rc));
	} else if (ra->run) {
		if (ra->data)
			data = slurp(ra->data, &data_len);
		if (ra->ctx) {
			ctx = slurp(ra->ctx, &ctx_len);
		} else if (!ra->data && !is_packet_type(userbpf_program__type(p))) {
			/* a zeroed context, as a tool's first test run gives */
			ctx_len = DEFAULT_CTX_SIZE;
			ctx = calloc(1, ctx_len);
			if (!ctx)
				cli_die(1, "out of memory");
		}
		data_out = calloc(1, 65536);
		ctx_out = calloc(1, 65536);
		{
			USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = data,
				     .data_size_in = (uint32_t)data_len, .data_out = data_out,
				     .data_size_out = 65536, .ctx_in = ctx,
				     .ctx_size_in = (uint32_t)ctx_len,
				     .ctx_out = ctx_len ? ctx_out : NULL,
				     .ctx_size_out = ctx_len ? 65536 : 0, .repeat = ra->repeat,
				     /* default 0: checked unless verified (then the JIT) */
				     .flags = (ra->engine    ? ra->engine :
					       !ra->mode_set ? 0 :
					       ra->checked   ? USERBPF_RUN_CHECKED :
							       USERBPF_RUN_UNCHECKED) |
					      (ra->host_read ? USERBPF_RUN_HOST_READ : 0),
				     .cookie = &out, .trace_fn = trace_cb, .err_buf = err,
				     .err_buf_sz = sizeof(err));
			if (ra->harden)
				userbpf_prog__set_jit_blinding(userbpf_program__prog(p), true);
			rc = userbpf_prog__test_run(userbpf_program__prog(p), &t);
			if (rc)
				cli_die(1, "%s: program '%s': %s", ra->path, ra->prog,
					err[0] ? err : userbpf_strerror(rc));
			retval = t.retval;
			duration = t.duration;
			if (ra->data_out) {
				FILE *f = fopen(ra->data_out, "wb");

				if (!f ||
				    fwrite(data_out, 1, t.data_size_out, f) != t.data_size_out)
					cli_die(1, "cannot write %s", ra->data_out);
				fclose(f);
			}
		}
	}
	for (i = 0; i < nrb; i++) {
		userbpf_ringbuf__consume(rbs[i]);
		userbpf_ringbuf__free(rbs[i]);
	}
	for (i = 0; i < npb; i++) {
		userbpf_perf_buffer__consume(pbs[i]);
		userbpf_perf_buffer__free(pbs[i]);
	}
	if (ra->json) {
		printf("{");
		if (ra->run) {
			printf("\"retval\":%u,\"duration_ns\":%u,\"output\":[", retval, duration);
			for (i = 0; i < out.cnt; i++) {
				printf("%s", i ? "," : "");
				print_json_str(out.lines[i]);
			}
			printf("]%s", ra->maps ? "," : "");
		}
		if (ra->maps) {
			printf("\"maps\":[");
			first = true;
			om = NULL;
			while ((om = userbpf_object__next_map(obj, om))) {
				if (ra->map && strcmp(ra->map, userbpf_object_map__name(om)))
					continue;
				if (userbpf_object_map__map(om)) {
					dump_map(om, true, first);
					first = false;
				}
			}
			printf("]");
		}
		printf("}\n");
	} else if (iter_text) {
		fwrite(iter_text, 1, iter_len, stdout);
		free(iter_text);
	} else {
		if (ra->run) {
			printf("retval: %u\nduration: %u ns\n", retval, duration);
			for (i = 0; i < out.cnt; i++)
				printf("%s\n", out.lines[i]);
		}
		if (ra->maps) {
			om = NULL;
			while ((om = userbpf_object__next_map(obj, om)))
				if (userbpf_object_map__map(om) &&
				    (!ra->map || !strcmp(ra->map, userbpf_object_map__name(om))))
					dump_map(om, false, false);
		}
	}
	for (i = 0; i < out.cnt; i++)
		free(out.lines[i]);
	free(out.lines);
	free(data);
	free(ctx);
	free(data_out);
	free(ctx_out);
	userbpf_object__close(obj);
	return 0;
}

/* Parse run options from argv[first..]; returns after the last one. */
static void parse_run_opts(struct run_args *ra, int argc, char **argv, int first, const char *who,
			   const char *usage)
{
	int i;

	for (i = first; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--prog") && has) {
			ra->prog = argv[++i];
			opt_only_prog = ra->prog;
		} else if (!strcmp(a, "--set") && has) {
			add_pre_load("set", argv[++i]);
		} else if (!strcmp(a, "--map-size") && has) {
			add_pre_load("map-size", argv[++i]);
		} else if (!strcmp(a, "--map-value-size") && has) {
			add_pre_load("map-value-size", argv[++i]);
		} else if (!strcmp(a, "--run") && has) {
			ra->prog = argv[++i];
			ra->run = true;
			opt_only_prog = ra->prog;
		} else if (!strcmp(a, "--pcap") && has) {
			ra->pcap = argv[++i];
		} else if (!strcmp(a, "--iface") && has) {
			ra->iface = argv[++i];
		} else if (!strcmp(a, "--count") && has) {
			char *end;
			long long n = strtoll(argv[++i], &end, 10);

			if (*end || n < 1)
				cli_die(2, "%s: bad --count '%s'", who, argv[i]);
			ra->count = (uint64_t)n;
		} else if (!strcmp(a, "--duration") && has) {
			char *end;
			double d = strtod(argv[++i], &end);

			if (*end || !(d > 0) || d > 1e7)
				cli_die(2, "%s: bad --duration '%s'", who, argv[i]);
			ra->seconds = d;
		} else if (!strcmp(a, "--data") && has) {
			ra->data = argv[++i];
		} else if (!strcmp(a, "--ctx") && has) {
			ra->ctx = argv[++i];
		} else if (!strcmp(a, "--data-out") && has) {
			ra->data_out = argv[++i];
		} else if (!strcmp(a, "--map") && has) {
			ra->map = argv[++i];
		} else if (!strcmp(a, "--btf") && has) {
			opt_btf = argv[++i];
		} else if (!strcmp(a, "--repeat") && has) {
			char *end;
			long n = strtol(argv[++i], &end, 10);

			if (*end || n < 1 || n > 100000000)
				cli_die(2, "%s: bad --repeat '%s'", who, argv[i]);
			ra->repeat = (int)n;
		} else if (!strcmp(a, "--checked")) {
			ra->checked = true;
			ra->mode_set = true;
		} else if (!strcmp(a, "--unchecked")) {
			ra->checked = false;
			ra->mode_set = true;
		} else if (!strcmp(a, "--engine") && has) {
			ra->engine = cli_engine_flags(argv[++i], who);
		} else if (!strcmp(a, "--jit-harden")) {
			ra->harden = true;
		} else if (!strcmp(a, "--allow-host-read")) {
			ra->host_read = true;
		} else if (!strcmp(a, "--maps")) {
			ra->maps = true;
		} else if (!strcmp(a, "--json")) {
			ra->json = true;
		} else if (a[0] == '-') {
			cli_die(2, "%s: unknown or incomplete option '%s' (see --help)", who, a);
		} else if (!ra->path) {
			ra->path = a;
		} else {
			cli_die(2, "%s: unexpected argument '%s' (see --help)", who, a);
		}
	}
}

int cli_cmd_run(int argc, char **argv)
{
	struct run_args ra = { .repeat = 1, .run = true, .checked = true };

	parse_run_opts(&ra, argc, argv, 1, "run", run_usage);
	if (!ra.path)
		cli_die(2, "run: no object file given (see --help)");
	if (!ra.prog)
		cli_die(2, "run: --prog NAME is required (see userbpf prog list %s)", ra.path);
	if (ra.pcap && ra.iface)
		cli_die(2, "run: --pcap and --iface exclude each other");
	if ((ra.pcap || ra.iface) && (ra.data || ra.ctx || ra.data_out || ra.repeat > 1))
		cli_die(2, "run: --data, --ctx, --data-out and --repeat are for test runs, "
			   "not --pcap/--iface");
	return do_run(&ra);
}

int cli_run_iter(int argc, char **argv)
{
	struct run_args ra = { .repeat = 1, .run = true, .checked = true, .iter_only = true };

	parse_run_opts(&ra, argc, argv, 0, "iter", run_usage);
	if (!ra.path || !ra.prog)
		cli_die(2, "iter: an object and a program are needed (see --help)");
	return do_run(&ra);
}

int cli_cmd_map(int argc, char **argv)
{
	struct run_args ra = { .repeat = 1, .maps = true, .checked = true };

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(map_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "dump"))
		cli_die(2, "map: unknown subcommand '%s' (see --help)", argv[1]);
	parse_run_opts(&ra, argc, argv, 2, "map dump", map_usage);
	if (!ra.path)
		cli_die(2, "map dump: no object file given (see --help)");
	return do_run(&ra);
}
