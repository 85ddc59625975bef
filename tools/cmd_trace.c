/* SPDX-License-Identifier: MIT */
/*
 * cmd_trace.c - "userbpf trace OBJ [--prog NAME]... [--json] [--follow] --
 * COMMAND ARGS...": run COMMAND with the tracing agent preloaded (LD_PRELOAD of
 * libuserbpf-agent.so, next to this binary or $USERBPF_AGENT), which
 * loads OBJ inside it and attaches its probe programs; print bpf_printk
 * lines and ring-buffer records live, and the maps when the command ends
 * (log2 histograms in bcc's style for maps named *hist* with u32 keys and
 * u64 values).  The command's stdin/stdout/stderr are its own; its exit
 * status is ours, and if a signal killed it we die of the same signal.
 * SIGINT/SIGTERM/SIGHUP reaching us are passed on to the command.
 * --freq HZ: SEC("perf_event") programs sample at HZ per second of CPU
 * time (49 by default); stack-trace maps print symbolised.
 * --pid PID: inject the agent into a running process (ptrace + dlopen,
 * src/agent/inject_x86_64.c) and trace it until it exits or we get
 * SIGINT/SIGTERM, which detaches the agent and leaves the process running.
 * --event-type [MAP=]STRUCT: ring-buffer and perf-buffer records (of MAP,
 * or of every such map) print as the fields of STRUCT, found in the
 * object's BTF, instead of hex (bpftool's BTF formatting, one line each).
 * --event-btf FILE: find those structs in FILE (an ELF file with .BTF, or
 * raw BTF) instead: clang puts in BTF only the types of globals, maps and
 * function signatures, not a struct that only local variables have.
 * Without --event-type the struct is guessed from the record's size
 * (ev_guess: said on stderr, or why the records stay hex).
 * --set NAME=VALUE: a global of the object set before the agent loads it
 * (as "userbpf run --set" does).
 * --follow: the command's children are traced too (forks, and exec'd
 * images, which load the agent again), in a trace-private domain where
 * they share one object (trace_shared); with --no-shared each process
 * sends its own map snapshots and they are merged here at the end
 * (counters added).  --shared: --follow's default, said explicitly.
 *
 * Exit status: the command's; 1 when tracing could not start; 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/personality.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../src/agent/trace_proto.h"
#include "cli.h"
#include "userbpf/object.h"

static pid_t child = -1;
static bool json, follow;
/* -1 unset, 0 --no-shared, 1 --shared (trace_shared) */
static int shared = -1;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* SIGINT, SIGTERM and SIGHUP of the CLI go to the command (forward). */
static void forward_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s trace OBJ [--prog NAME]... [--json] [--follow] [--shared|--no-shared] "
		"[--syscall-rewrite-only] [--freq HZ] "
		"[--set NAME=VALUE]... [--event-type [MAP=]STRUCT]... [--event-btf FILE] -- COMMAND [ARGS...]\n"
		"       %s trace OBJ [--prog NAME]... [--json] [--freq HZ] [--set NAME=VALUE]... "
		"[--event-type [MAP=]STRUCT]... --pid PID\n       %s trace OBJ [--prog NAME] --iface IF [--count N] "
		"[--duration S] [--json]\n",
		cli_prog_name, cli_prog_name, cli_prog_name);
	exit(2);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static void print_json_str(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_hex(const uint8_t *p, size_t n, bool spaced)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf(spaced && i ? " %02x" : "%02x", p[i]);
}

/* Integers for 1/2/4/8-byte fields, hex otherwise. */
static void print_field(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	if (n == 1 || n == 2 || n == 4 || n == 8) {
		memcpy(&v, p, n);
		printf("%" PRIu64, v);
	} else {
		if (json)
			putchar('"');
		print_hex(p, n, !json);
		if (json)
			putchar('"');
	}
}

/* ==== Event records typed by BTF (--event-type) ==== */

/*
 * The record struct of ring-buffer and perf-buffer events is not named
 * in BTF by the output call, so --event-type [MAP=]STRUCT names it; it is
 * looked up in the object's own .BTF (read here, from the ELF file) and
 * each record prints as JSON-shaped fields, the way bpftool formats a
 * map value with BTF: {"pid": 42, "comm": "cat", "ret": -2}.  char
 * arrays print as strings, enums by name, pointers in hex, nested
 * structs, unions and arrays in place, bitfields by value.
 */
struct ev_btf {
	uint8_t *raw; /* the .BTF section */
	size_t size;
	const char *strs;
	uint32_t str_len;
	const uint8_t **types; /* by id (1..n) */
	uint32_t n;
};

static struct ev_btf ev_btf;
static struct {
	char map[64]; /* "" any */
	uint32_t type_id;
	uint32_t size;
} ev_types[8];
static size_t ev_type_cnt;

static uint32_t bt_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

#define BT_KIND(t) ((bt_u32((t) + 4) >> 24) & 0x1f)
#define BT_VLEN(t) (bt_u32((t) + 4) & 0xffff)
#define BT_KFLAG(t) (bt_u32((t) + 4) >> 31)
#define BT_SIZE(t) bt_u32((t) + 8)

static const char *bt_str(uint32_t off)
{
	return off < ev_btf.str_len ? ev_btf.strs + off : "";
}

static long bt_extra(const uint8_t *t)
{
	return (long)cli_btf_extra_size(BT_KIND(t), BT_VLEN(t));
}

/* The .BTF section of the ELF file at path (or the raw BTF file),
 * indexed; 0 or -1. */
static int ev_btf_load(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *img = NULL, *p, *end;
	const uint8_t *sec;
	size_t sec_len;
	long size;
	uint32_t hdr_len, type_off, type_len, str_off;
	int ret = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 24 || fseek(f, 0, SEEK_SET) ||
	    !(img = malloc((size_t)size)) || fread(img, 1, (size_t)size, f) != (size_t)size)
		goto out;
	if (img[0] == 0x9f && img[1] == 0xeb) { /* raw BTF */
		sec = img;
		sec_len = (size_t)size;
	} else if (cli_btf_section(img, (size_t)size, &sec, &sec_len) || sec_len < 24) {
		goto out;
	}
	ev_btf.size = sec_len;
	ev_btf.raw = malloc(sec_len);
	if (!ev_btf.raw)
		goto out;
	memcpy(ev_btf.raw, sec, sec_len);
	p = ev_btf.raw;
	hdr_len = bt_u32(p + 4);
	type_off = bt_u32(p + 8);
	type_len = bt_u32(p + 12);
	str_off = bt_u32(p + 16);
	ev_btf.str_len = bt_u32(p + 20);
	if (p[0] != 0x9f || p[1] != 0xeb || (uint64_t)hdr_len + type_off + type_len > ev_btf.size ||
	    (uint64_t)hdr_len + str_off + ev_btf.str_len > ev_btf.size || !ev_btf.str_len)
		goto out;
	ev_btf.strs = (const char *)p + hdr_len + str_off;
	p += hdr_len + type_off;
	end = p + type_len;
	while (p + 12 <= end) {
		long extra = bt_extra(p);
		const uint8_t **t;

		if (extra < 0 || p + 12 + extra > end)
			goto out;
		t = realloc(ev_btf.types, (ev_btf.n + 2) * sizeof(*t));
		if (!t)
			goto out;
		ev_btf.types = t;
		ev_btf.types[++ev_btf.n] = p;
		p += 12 + extra;
	}
	ret = 0;
out:
	free(img);
	fclose(f);
	return ret;
}

static const uint8_t *bt_type(uint32_t id)
{
	return id && id <= ev_btf.n ? ev_btf.types[id] : NULL;
}

/* Skip typedefs and modifiers. */
static uint32_t bt_resolve(uint32_t id)
{
	const uint8_t *t;
	int depth = 0;

	while ((t = bt_type(id)) && depth++ < 32) {
		switch (BT_KIND(t)) {
		case USERBPF_BTF_KIND_TYPEDEF:
		case USERBPF_BTF_KIND_VOLATILE:
		case USERBPF_BTF_KIND_CONST:
		case USERBPF_BTF_KIND_RESTRICT:
		case USERBPF_BTF_KIND_TYPE_TAG:
			id = BT_SIZE(t);
			continue;
		default:
			return id;
		}
	}
	return id;
}

static uint64_t bt_size(uint32_t id)
{
	const uint8_t *t = bt_type(bt_resolve(id));

	if (!t)
		return 0;
	switch (BT_KIND(t)) {
	case USERBPF_BTF_KIND_PTR:
		return 8;
	case USERBPF_BTF_KIND_ARRAY:
		return bt_size(bt_u32(t + 12)) * bt_u32(t + 20);
	case USERBPF_BTF_KIND_DATASEC:
		return BT_SIZE(t); /* set by fix_datasec (0 in the file) */
	default:
		return BT_SIZE(t);
	}
}

/* A struct (or a typedef of one) named name: its id, or 0. */
static uint32_t bt_find_struct(const char *name)
{
	uint32_t id;

	for (id = 1; id <= ev_btf.n; id++) {
		const uint8_t *t = ev_btf.types[id];
		uint32_t k = BT_KIND(t);

		if ((k == USERBPF_BTF_KIND_STRUCT || k == USERBPF_BTF_KIND_UNION ||
		     k == USERBPF_BTF_KIND_TYPEDEF) &&
		    !strcmp(bt_str(bt_u32(t)), name)) {
			uint32_t r = bt_resolve(id);
			const uint8_t *rt = bt_type(r);

			if (rt && (BT_KIND(rt) == USERBPF_BTF_KIND_STRUCT ||
				   BT_KIND(rt) == USERBPF_BTF_KIND_UNION))
				return r;
		}
	}
	return 0;
}

/* Bits [bit, bit+bits) of p, little-endian. */
static uint64_t bt_bits(const uint8_t *p, uint32_t bit, uint32_t bits)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < bits && i < 64; i++)
		if (p[(bit + i) / 8] >> ((bit + i) % 8) & 1)
			v |= 1ull << i;
	return v;
}

static void bt_print(uint32_t id, const uint8_t *p, uint32_t bit, uint32_t bits, int depth);

static bool bt_is_char(uint32_t id)
{
	const uint8_t *t = bt_type(bt_resolve(id));

	return t && BT_KIND(t) == USERBPF_BTF_KIND_INT && BT_SIZE(t) == 1 &&
	       ((bt_u32(t + 12) >> 24) & 2 || !strcmp(bt_str(bt_u32(t)), "char"));
}

static void bt_print_int(const uint8_t *t, const uint8_t *p, uint32_t bit, uint32_t bits)
{
	uint32_t enc = bt_u32(t + 12) >> 24, size = BT_SIZE(t);
	uint64_t v;

	if (!bits && (size > 8 || bit % 8)) {
		putchar('"');
		print_hex(p + bit / 8, size, false);
		putchar('"');
		return;
	}
	if (!bits)
		bits = size * 8;
	v = bt_bits(p, bit, bits);
	if (enc & 4) {
		printf(v ? "true" : "false");
	} else if ((enc & 1) && bits < 64 && (v >> (bits - 1) & 1)) {
		printf("%" PRId64, (int64_t)(v | ~0ull << bits));
	} else if (enc & 1) {
		printf("%" PRId64, (int64_t)v);
	} else {
		printf("%" PRIu64, v);
	}
}

static void bt_print_members(const uint8_t *t, const uint8_t *p, uint32_t bit, int depth)
{
	const uint8_t *m = t + 12;
	uint32_t i, vlen = BT_VLEN(t);

	putchar('{');
	for (i = 0; i < vlen; i++, m += 12) {
		uint32_t off = bt_u32(m + 8), fbits = 0;

		if (BT_KFLAG(t)) {
			fbits = off >> 24;
			off &= 0xffffff;
		}
		printf(i ? ", " : "");
		print_json_str(bt_str(bt_u32(m)), strlen(bt_str(bt_u32(m))));
		printf(": ");
		bt_print(bt_u32(m + 4), p, bit + off, fbits, depth + 1);
	}
	putchar('}');
}

static void bt_print(uint32_t id, const uint8_t *p, uint32_t bit, uint32_t bits, int depth)
{
	const uint8_t *t = bt_type(bt_resolve(id));
	const uint8_t *base = p + bit / 8;
	uint64_t v = 0;
	uint32_t i, n;

	if (!t || depth > 16) {
		printf("null");
		return;
	}
	switch (BT_KIND(t)) {
	case USERBPF_BTF_KIND_INT:
		bt_print_int(t, p, bit, bits);
		return;
	case USERBPF_BTF_KIND_PTR:
		memcpy(&v, base, 8);
		printf("\"0x%" PRIx64 "\"", v);
		return;
	case USERBPF_BTF_KIND_ENUM:
	case USERBPF_BTF_KIND_ENUM64: {
		uint32_t size = BT_SIZE(t) > 8 ? 8 : BT_SIZE(t);
		const uint8_t *e = t + 12;
		bool e64 = BT_KIND(t) == USERBPF_BTF_KIND_ENUM64;

		v = bt_bits(p, bit, bits ? bits : size * 8);
		for (i = 0; i < BT_VLEN(t); i++, e += e64 ? 12 : 8) {
			uint64_t ev = e64 ? (uint64_t)bt_u32(e + 4) | (uint64_t)bt_u32(e + 8)
									      << 32 :
					    bt_u32(e + 4);

			if (size < 8)
				ev &= (1ull << (size * 8)) - 1;
			if (ev == v) {
				print_json_str(bt_str(bt_u32(e)), strlen(bt_str(bt_u32(e))));
				return;
			}
		}
		printf("%" PRIu64, v);
		return;
	}
	case USERBPF_BTF_KIND_ARRAY: {
		uint32_t elem = bt_u32(t + 12);
		uint64_t esz = bt_size(elem);

		n = bt_u32(t + 20);
		if (bt_is_char(elem)) {
			size_t len = strnlen((const char *)base, n);

			print_json_str((const char *)base, len);
			return;
		}
		putchar('[');
		for (i = 0; i < n; i++) {
			printf(i ? ", " : "");
			bt_print(elem, base + i * esz, 0, 0, depth + 1);
		}
		putchar(']');
		return;
	}
	case USERBPF_BTF_KIND_STRUCT:
	case USERBPF_BTF_KIND_UNION:
		bt_print_members(t, p, bit, depth);
		return;
	case USERBPF_BTF_KIND_DATASEC: { /* a global-data map: its variables */
		const uint8_t *e = t + 12;

		putchar('{');
		for (i = 0, n = 0; i < BT_VLEN(t); i++, e += 12) {
			const uint8_t *var = bt_type(bt_u32(e));

			if (!var || BT_KIND(var) != USERBPF_BTF_KIND_VAR ||
			    (uint64_t)bt_u32(e + 4) + bt_u32(e + 8) > BT_SIZE(t))
				continue; /* one fix_datasec left out */
			printf(n++ ? ", " : "");
			print_json_str(bt_str(bt_u32(var)), strlen(bt_str(bt_u32(var))));
			printf(": ");
			bt_print(BT_SIZE(var), base + bt_u32(e + 4), 0, 0, depth + 1);
		}
		putchar('}');
		return;
	}
	case USERBPF_BTF_KIND_FLOAT:
		if (BT_SIZE(t) == 4) {
			float f;

			memcpy(&f, base, 4);
			printf("%g", (double)f);
			return;
		}
		if (BT_SIZE(t) == 8) {
			double d;

			memcpy(&d, base, 8);
			printf("%g", d);
			return;
		}
		break;
	default:
		break;
	}
	putchar('"');
	print_hex(base, bt_size(id), false);
	putchar('"');
}

/* --event-type [MAP=]STRUCT, resolved in the object's BTF. */
static void ev_type_add(const char *obj_path, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *name = eq ? eq + 1 : arg;

	if (ev_type_cnt == sizeof(ev_types) / sizeof(ev_types[0]))
		cli_die(2, "trace: too many --event-type options");
	if (!ev_btf.raw && ev_btf_load(obj_path))
		cli_die(2, "trace: --event-type: %s has no BTF (compile it with -g)", obj_path);
	/* a struct only a local variable has is not in BTF: name a file
	 * that has it with --event-btf (docs/probes.md) */
	if (!strncmp(name, "struct ", 7))
		name += 7;
	ev_types[ev_type_cnt].type_id = bt_find_struct(name);
	if (!ev_types[ev_type_cnt].type_id)
		cli_die(2,
			"trace: --event-type: no struct '%s' in the BTF of %s (a type only "
			"local variables use is not in BTF: see --event-btf)",
			name, obj_path);
	ev_types[ev_type_cnt].size = (uint32_t)bt_size(ev_types[ev_type_cnt].type_id);
	snprintf(ev_types[ev_type_cnt].map, sizeof(ev_types[0].map), "%.*s",
		 eq ? (int)(eq - arg) : 0, arg);
	ev_type_cnt++;
}

/* The type records of map are printed as, or -1 (hex). */
static int ev_type_of(const char *map, size_t len)
{
	size_t i;

	for (i = 0; i < ev_type_cnt; i++)
		if ((!ev_types[i].map[0] || !strcmp(ev_types[i].map, map)) &&
		    len >= ev_types[i].size)
			return (int)i;
	return -1;
}

/*
 * No --event-type: the record type is guessed from its size.  The
 * candidates are the named structs of the object's BTF whose size is the
 * record's (or that size padded as a perf-buffer sample pads it: the u32
 * size and the data to a multiple of 8), minus the programs' context
 * types (what a function prototype's parameters point to).  Among them,
 * the structs the object itself uses (the type of a global variable, or
 * a map's value type) come first; a unique one there, or a unique one at
 * all, is the guess.  Otherwise the records stay hex and one line on
 * stderr says why and names the candidates.
 */
static bool ev_guessing;
static const char *ev_obj_name;
static struct {
	char map[64];
	size_t len;
} ev_guessed[16]; /* (map, record size) already decided */
static size_t ev_guessed_cnt;

/* The struct id is of (through modifiers and arrays), or 0. */
static uint32_t bt_struct_of(uint32_t id)
{
	const uint8_t *t;
	int depth = 0;

	while ((t = bt_type(bt_resolve(id))) && depth++ < 8) {
		if (BT_KIND(t) == USERBPF_BTF_KIND_ARRAY) {
			id = bt_u32(t + 12);
			continue;
		}
		return BT_KIND(t) == USERBPF_BTF_KIND_STRUCT ? bt_resolve(id) : 0;
	}
	return 0;
}

/* The struct ptr points to, or 0. */
static uint32_t bt_pointee_struct(uint32_t id)
{
	const uint8_t *t = bt_type(bt_resolve(id));

	return t && BT_KIND(t) == USERBPF_BTF_KIND_PTR ? bt_struct_of(BT_SIZE(t)) : 0;
}

/* Marks: 1 a context type, 2 used by the object (global or map value),
 * 4 inside another struct or union, by value or pointer (the graph of
 * kernel types that CO-RE reads through vmlinux.h bring along: a record's
 * struct is rarely one of those). */
static void bt_mark_uses(uint8_t *mark)
{
	uint32_t id, i;

	for (id = 1; id <= ev_btf.n; id++) {
		const uint8_t *t = ev_btf.types[id], *m = t + 12;
		uint32_t s;

		switch (BT_KIND(t)) {
		case USERBPF_BTF_KIND_FUNC_PROTO: /* params: 8 bytes each */
			for (i = 0; i < BT_VLEN(t); i++, m += 8)
				if ((s = bt_pointee_struct(bt_u32(m + 4))))
					mark[s] |= 1;
			break;
		case USERBPF_BTF_KIND_STRUCT:
		case USERBPF_BTF_KIND_UNION: /* members: 12 bytes each */
			for (i = 0; i < BT_VLEN(t); i++, m += 12)
				if ((s = bt_struct_of(bt_u32(m + 4))) ||
				    (s = bt_pointee_struct(bt_u32(m + 4))))
					if (s != id)
						mark[s] |= 4;
			break;
		case USERBPF_BTF_KIND_VAR: {
			const uint8_t *vt = bt_type(bt_resolve(BT_SIZE(t)));

			if ((s = bt_struct_of(BT_SIZE(t))) && bt_str(bt_u32(bt_type(s)))[0])
				mark[s] |= 2;
			/* a map definition: its "value" member points to the type */
			if (vt && BT_KIND(vt) == USERBPF_BTF_KIND_STRUCT)
				for (i = 0, m = vt + 12; i < BT_VLEN(vt); i++, m += 12)
					if (!strcmp(bt_str(bt_u32(m)), "value") &&
					    (s = bt_pointee_struct(bt_u32(m + 4))))
						mark[s] |= 2;
			break;
		}
		default:
			break;
		}
	}
}

static bool ev_size_fits(uint64_t size, size_t len)
{
	return size && (size == len || ((size + 4 + 7) & ~7ull) - 4 == len);
}

/* Decide the type of map's records of len bytes, once; print why. */
static void ev_guess(const char *map, size_t len)
{
	uint8_t *mark;
	uint32_t id, pick = 0, n_used = 0, n_all = 0, used = 0, any = 0;
	char names[256] = "";
	size_t i, nl = 0;

	for (i = 0; i < ev_guessed_cnt; i++)
		if (ev_guessed[i].len == len && !strcmp(ev_guessed[i].map, map))
			return;
	if (ev_guessed_cnt == sizeof(ev_guessed) / sizeof(ev_guessed[0]) ||
	    ev_type_cnt == sizeof(ev_types) / sizeof(ev_types[0]))
		return;
	snprintf(ev_guessed[ev_guessed_cnt].map, sizeof(ev_guessed[0].map), "%s", map);
	ev_guessed[ev_guessed_cnt++].len = len;
	mark = calloc(ev_btf.n + 1, 1);
	if (!mark)
		return;
	bt_mark_uses(mark);
	for (id = 1; id <= ev_btf.n; id++) {
		const uint8_t *t = ev_btf.types[id];
		const char *name = bt_str(bt_u32(t));

		if (BT_KIND(t) != USERBPF_BTF_KIND_STRUCT || !name[0] || mark[id] & 1 ||
		    (mark[id] & 6) == 4 || !ev_size_fits(BT_SIZE(t), len))
			continue;
		n_all++;
		any = id;
		if (mark[id] & 2) {
			n_used++;
			used = id;
		}
		if (nl < sizeof(names) - 1)
			nl += (size_t)snprintf(names + nl, sizeof(names) - nl, "%s%s",
					       nl ? ", " : "", name);
	}
	free(mark);
	pick = n_used == 1 ? used : n_all == 1 ? any : 0;
	if (!pick) {
		if (n_all)
			fprintf(stderr,
				"%s: trace: records of %s (%zu bytes) print in hex: several "
				"structs of that size (%s); choose with --event-type\n",
				cli_prog_name, map, len, names);
		else
			fprintf(stderr,
				"%s: trace: records of %s (%zu bytes) print in hex: no struct of "
				"that size in the BTF of %s (a type only local variables use is "
				"not in BTF: see --event-btf)\n",
				cli_prog_name, map, len, ev_obj_name);
		return;
	}
	snprintf(ev_types[ev_type_cnt].map, sizeof(ev_types[0].map), "%s", map);
	ev_types[ev_type_cnt].type_id = pick;
	ev_types[ev_type_cnt].size = (uint32_t)bt_size(pick);
	ev_type_cnt++;
	fprintf(stderr,
		"%s: trace: records of %s print as struct %s (guessed from their size, %zu "
		"bytes; --event-type chooses)\n",
		cli_prog_name, map, bt_str(bt_u32(bt_type(pick))), len);
}

/* ==== Maps ==== */

struct map_dump {
	char name[64];
	struct trace_map_info info;
	uint8_t *entries; /* key + value each */
	size_t cnt, cap;
};

/* A histogram: u32 bucket keys, u32/u64 counts, array or hash. */
static bool hist_shaped(const struct map_dump *m)
{
	return m->info.key_size == 4 && (m->info.value_size == 8 || m->info.value_size == 4) &&
	       (m->info.type == USERBPF_MAP_TYPE_ARRAY || m->info.type == USERBPF_MAP_TYPE_HASH);
}

/* Name says "hist": log2 buckets; "lhist"/"linear": linear buckets. */
static int hist_kind(const struct map_dump *m)
{
	if (!hist_shaped(m))
		return 0;
	if (strstr(m->name, "lhist") || strstr(m->name, "linear"))
		return 2;
	return strstr(m->name, "hist") ? 1 : 0;
}

/* The unit bcc puts in the header: from the map's name, else "value". */
static const char *hist_unit(const struct map_dump *m)
{
	static const char *const units[] = { "nsecs", "usecs", "msecs", "kbytes", "bytes" };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strstr(m->name, units[i]))
			return units[i];
	return "value";
}

/* Buckets of a histogram map: counts by u32 key (keys >= n dropped). */
static void hist_slots(const struct map_dump *m, uint64_t *slots, size_t n)
{
	size_t esz = m->info.key_size + m->info.value_size, i;

	memset(slots, 0, n * sizeof(*slots));
	for (i = 0; i < m->cnt; i++) {
		const uint8_t *e = m->entries + i * esz;
		uint32_t key;
		uint64_t v = 0;

		memcpy(&key, e, 4);
		memcpy(&v, e + 4, m->info.value_size);
		if (key < n)
			slots[key] += v;
	}
}

static void print_stars(uint64_t val, uint64_t max, int width)
{
	int n = max ? (int)(val * (uint64_t)width / max) : 0, i;

	if (n > width)
		n = width;
	for (i = 0; i < n; i++)
		putchar('*');
	for (; i < width; i++)
		putchar(' ');
	if (val > max)
		putchar('+');
}

/* libbpf-tools' (bcc's) print_log2_hist */
static void print_log2_hist(const struct map_dump *m)
{
	uint64_t slots[64], max = 0;
	int last = -1, k, stars, width;

	hist_slots(m, slots, 64);
	for (k = 0; k < 64; k++) {
		if (slots[k])
			last = k;
		if (slots[k] > max)
			max = slots[k];
	}
	stars = last <= 32 ? 40 : 20;
	width = last <= 32 ? 10 : 20;
	printf("@%s:\n", m->name);
	printf("%*s%-*s : count    distribution\n", last <= 32 ? 5 : 15, "", last <= 32 ? 19 : 29,
	       hist_unit(m));
	for (k = 0; k <= last; k++) {
		uint64_t low = (1ull << (k + 1)) >> 1, high = (1ull << (k + 1)) - 1;

		if (low == high)
			low--;
		printf("%*" PRIu64 " -> %-*" PRIu64 " : %-8" PRIu64 " |", width, low, width, high,
		       slots[k]);
		print_stars(slots[k], max, stars);
		printf("|\n");
	}
}

/* libbpf-tools' print_linear_hist with base 0, step 1: key = value */
static void print_linear_hist(const struct map_dump *m)
{
	uint64_t *slots, max = 0;
	size_t n = m->info.max_entries ? m->info.max_entries : 1, k;
	long first = -1, last = -1;

	if (n > 65536)
		n = 65536;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		cli_die(1, "out of memory");
	hist_slots(m, slots, n);
	for (k = 0; k < n; k++) {
		if (slots[k] && first < 0)
			first = (long)k;
		if (slots[k])
			last = (long)k;
		if (slots[k] > max)
			max = slots[k];
	}
	printf("@%s:\n", m->name);
	printf("     %-13s : count     distribution\n", hist_unit(m));
	for (k = first < 0 ? 0 : (size_t)first; first >= 0 && (long)k <= last; k++) {
		printf("        %-10zu : %-8" PRIu64 " |", k, slots[k]);
		print_stars(slots[k], max, 40);
		printf("|\n");
	}
	free(slots);
}

/* A map named *syscall* with u32 keys: syscall numbers, shown by name,
 * the most frequent first (as syscount prints them). */
static bool print_syscall_counts(const struct map_dump *m)
{
	size_t esz = m->info.key_size + m->info.value_size, i, j;
	size_t *order;

	if (json || !strstr(m->name, "syscall") || !hist_shaped(m))
		return false;
	order = malloc((m->cnt + 1) * sizeof(*order));
	if (!order)
		cli_die(1, "out of memory");
	for (i = 0; i < m->cnt; i++)
		order[i] = i;
	for (i = 1; i < m->cnt; i++) /* insertion sort by count, descending */
		for (j = i; j > 0; j--) {
			uint64_t a = 0, b = 0;
			size_t t;

			memcpy(&a, m->entries + order[j - 1] * esz + 4, m->info.value_size);
			memcpy(&b, m->entries + order[j] * esz + 4, m->info.value_size);
			if (a >= b)
				break;
			t = order[j], order[j] = order[j - 1], order[j - 1] = t;
		}
	printf("@%s:\n%-22s %8s\n", m->name, "SYSCALL", "COUNT");
	for (i = 0; i < m->cnt; i++) {
		const uint8_t *e = m->entries + order[i] * esz;
		uint32_t nr;
		uint64_t v = 0;
		const char *name;
		char num[16];

		memcpy(&nr, e, 4);
		memcpy(&v, e + 4, m->info.value_size);
		if (!v)
			continue;
		name = userbpf_probe__syscall_name_of((int)nr);
		if (!name) {
			snprintf(num, sizeof(num), "%u", nr);
			name = num;
		}
		printf("%-22s %8" PRIu64 "\n", name, v);
	}
	free(order);
	return true;
}

/* Symbols of stack addresses, as the traced processes named them. */
static struct sym {
	uint64_t addr;
	char *name;
} *syms;
static size_t sym_cnt, sym_cap;

static const char *sym_name(uint64_t addr)
{
	size_t i;

	for (i = 0; i < sym_cnt; i++)
		if (syms[i].addr == addr)
			return syms[i].name;
	return NULL;
}

static void add_sym(const uint8_t *buf, size_t len)
{
	uint64_t addr;

	if (len < 8)
		return;
	memcpy(&addr, buf, 8);
	if (sym_name(addr))
		return;
	if (sym_cnt == sym_cap) {
		size_t n = sym_cap ? sym_cap * 2 : 64;
		struct sym *q = realloc(syms, n * sizeof(*q));

		if (!q)
			cli_die(1, "out of memory");
		syms = q;
		sym_cap = n;
	}
	syms[sym_cnt].addr = addr;
	syms[sym_cnt].name = strndup((const char *)buf + 8, len - 8);
	if (syms[sym_cnt].name)
		sym_cnt++;
}

/* A stack-trace map: each stack's frames, symbolised, innermost first. */
static void print_stacks(const struct map_dump *m)
{
	size_t esz = m->info.key_size + m->info.value_size, i, k;

	if (!json)
		printf("@%s:\n", m->name);
	for (i = 0; i < m->cnt; i++) {
		const uint8_t *e = m->entries + i * esz;

		if (json) {
			printf("{\"type\":\"map\",\"map\":");
			print_json_str(m->name, strlen(m->name));
			printf(",\"key\":");
			print_field(e, m->info.key_size);
			printf(",\"value\":[");
		} else {
			printf("  [");
			print_field(e, m->info.key_size);
			printf("]:\n");
		}
		for (k = 0; k < m->info.value_size / 8; k++) {
			uint64_t ip;
			const char *name;
			char hex[24];

			memcpy(&ip, e + m->info.key_size + k * 8, 8);
			if (!ip)
				break;
			name = sym_name(ip);
			if (!name) {
				snprintf(hex, sizeof(hex), "0x%" PRIx64, ip);
				name = hex;
			}
			if (json) {
				if (k)
					putchar(',');
				print_json_str(name, strlen(name));
			} else {
				printf("    %s\n", name);
			}
		}
		if (json)
			printf("]}\n");
	}
}

/* ==== Map entries typed by BTF ==== */

/*
 * Keys and values print as bpftool prints them with BTF: an integer
 * signed or not, a struct as its fields, a char array as a string, a
 * global-data map (X.bss, X.rodata...) as its variables.  The types come
 * from the object's .BTF: a BTF-defined map is a variable of the ".maps"
 * section whose struct has members key and value pointing at them; a
 * global-data map's value is its section (DATASEC).  Without BTF, or when
 * the sizes disagree (per-CPU values), integers and hex as before.
 */
static const char *map_btf_path; /* the object, when ev_btf is not its BTF yet */
static const char *map_obj_path; /* the object (its global variables' offsets) */

/*
 * clang leaves the offsets of a DATASEC's variables to the loader (all
 * 0 in the file): they are set here in ev_btf's copy from where the
 * library put each variable in its map's initial value, as the skeleton
 * generator does.  A variable the library does not expose (a static
 * one) is left out (offset beyond the section).
 */
static void fix_datasec(uint32_t id, const char *map_name)
{
	uint8_t *t = (uint8_t *)bt_type(id), *e;
	struct userbpf_object *o;
	struct userbpf_object_map *m;
	size_t data_size = 0, size;
	uint8_t *base;
	uint32_t i;

	if (!t || !map_obj_path || !(o = userbpf_object__open_file(map_obj_path, NULL)))
		return;
	m = (struct userbpf_object_map *)userbpf_object__find_map_by_name(o, map_name);
	base = m ? userbpf_object_map__initial_value(m, &data_size) : NULL;
	for (i = 0, e = t + 12; i < BT_VLEN(t); i++, e += 12) {
		const uint8_t *var = bt_type(bt_u32(e));
		uint8_t *v = var ? userbpf_object__global(o, bt_str(bt_u32(var)), &size, NULL) :
				   NULL;
		uint32_t off = UINT32_MAX - bt_u32(e + 8); /* not shown */

		if (base && v && v >= base && (size_t)(v - base) + size <= data_size)
			off = (uint32_t)(v - base);
		memcpy(e + 4, &off, 4);
	}
	memcpy(t + 8, &(uint32_t){ (uint32_t)data_size }, 4);
	userbpf_object__close(o);
}

/* The type member name of struct sid points at (__type(key, T)), or 0. */
static uint32_t bt_member_pointee(uint32_t sid, const char *name)
{
	const uint8_t *t = bt_type(bt_resolve(sid)), *m;
	uint32_t i;

	if (!t || BT_KIND(t) != USERBPF_BTF_KIND_STRUCT)
		return 0;
	for (i = 0, m = t + 12; i < BT_VLEN(t); i++, m += 12) {
		const uint8_t *mt = bt_type(bt_resolve(bt_u32(m + 4)));

		if (!strcmp(bt_str(bt_u32(m)), name) && mt && BT_KIND(mt) == USERBPF_BTF_KIND_PTR)
			return BT_SIZE(mt);
	}
	return 0;
}

static void map_types(const char *name, uint32_t *key, uint32_t *val)
{
	uint32_t id, i;

	*key = *val = 0;
	if (map_btf_path) {
		free(ev_btf.raw);
		free(ev_btf.types);
		memset(&ev_btf, 0, sizeof(ev_btf));
		if (ev_btf_load(map_btf_path))
			memset(&ev_btf, 0, sizeof(ev_btf));
		map_btf_path = NULL;
	}
	for (id = 1; id <= ev_btf.n; id++) {
		const uint8_t *t = ev_btf.types[id], *e = t + 12;
		const char *sec = bt_str(bt_u32(t)), *dot;

		if (BT_KIND(t) != USERBPF_BTF_KIND_DATASEC)
			continue;
		if (strcmp(sec, ".maps")) {
			/* "obj.bss" is the map of section ".bss" */
			for (dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.'))
				if (!strcmp(dot, sec)) {
					fix_datasec(id, name);
					*val = id;
					return;
				}
			continue;
		}
		for (i = 0; i < BT_VLEN(t); i++, e += 12) {
			const uint8_t *var = bt_type(bt_u32(e));

			if (var && BT_KIND(var) == USERBPF_BTF_KIND_VAR &&
			    !strcmp(bt_str(bt_u32(var)), name)) {
				*key = bt_member_pointee(BT_SIZE(var), "key");
				*val = bt_member_pointee(BT_SIZE(var), "value");
				return;
			}
		}
	}
}

/* n bytes at p as type id, when id has that size (a section: fits in
 * them, rounded up to 8 by the loader); else print_field. */
static void print_typed(uint32_t id, const uint8_t *p, size_t n)
{
	const uint8_t *t = bt_type(bt_resolve(id));
	bool sec = t && BT_KIND(t) == USERBPF_BTF_KIND_DATASEC;

	if (id && (bt_size(id) == n || (sec && bt_size(id) <= n)))
		bt_print(id, p, 0, 0, 0);
	else
		print_field(p, n);
}

static void print_map(const struct map_dump *m)
{
	size_t esz = m->info.key_size + m->info.value_size, i;
	uint32_t kid, vid;

	if (m->info.type == USERBPF_MAP_TYPE_STACK_TRACE && m->info.value_size % 8 == 0) {
		print_stacks(m);
		return;
	}
	map_types(m->name, &kid, &vid);

	if (json) {
		for (i = 0; i < m->cnt; i++) {
			const uint8_t *e = m->entries + i * esz;

			printf("{\"type\":\"map\",\"map\":");
			print_json_str(m->name, strlen(m->name));
			printf(",\"key\":");
			print_typed(kid, e, m->info.key_size);
			printf(",\"value\":");
			print_typed(vid, e + m->info.key_size, m->info.value_size);
			printf("}\n");
		}
		return;
	}
	if (!json && hist_kind(m) == 1) {
		print_log2_hist(m);
		return;
	}
	if (!json && hist_kind(m) == 2) {
		print_linear_hist(m);
		return;
	}
	if (print_syscall_counts(m))
		return;
	printf("@%s:\n", m->name);
	for (i = 0; i < m->cnt; i++) {
		const uint8_t *e = m->entries + i * esz;

		printf("  [");
		print_typed(kid, e, m->info.key_size);
		printf("] = ");
		print_typed(vid, e + m->info.key_size, m->info.value_size);
		putchar('\n');
	}
}

/* ==== Snapshots of many sources (--follow) ==== */

/* The last snapshot of one map from one source (pid, src). */
struct snap {
	uint32_t pid, src;
	struct map_dump d;
};

static struct snap *snaps;
static size_t snap_cnt, snap_cap;
/* The snapshot each source is sending entries for. */
static struct cur_src {
	uint32_t pid, src;
	size_t snap;
} *curs;
static size_t cur_cnt, cur_cap;

static void *grow(void *p, size_t *cap, size_t elem)
{
	size_t n = *cap ? *cap * 2 : 16;
	void *q = realloc(p, n * elem);

	if (!q)
		cli_die(1, "out of memory");
	*cap = n;
	return q;
}

static void start_snapshot(uint32_t pid, uint32_t src, const struct trace_map_info *info,
			   const char *name)
{
	size_t i;
	struct snap *s = NULL;

	for (i = 0; i < snap_cnt; i++)
		if (snaps[i].pid == pid && snaps[i].src == src && !strcmp(snaps[i].d.name, name))
			s = &snaps[i];
	if (!s) {
		if (snap_cnt == snap_cap)
			snaps = grow(snaps, &snap_cap, sizeof(*snaps));
		s = &snaps[snap_cnt++];
		memset(s, 0, sizeof(*s));
		s->pid = pid;
		s->src = src;
		snprintf(s->d.name, sizeof(s->d.name), "%s", name);
	}
	/* a newer snapshot replaces the older one; its entries may have
	 * another size, and the buffer's capacity counts entries */
	if (s->d.info.key_size != info->key_size || s->d.info.value_size != info->value_size) {
		free(s->d.entries);
		s->d.entries = NULL;
		s->d.cap = 0;
	}
	s->d.info = *info;
	s->d.cnt = 0;
	for (i = 0; i < cur_cnt; i++)
		if (curs[i].pid == pid && curs[i].src == src)
			break;
	if (i == cur_cnt) {
		if (cur_cnt == cur_cap)
			curs = grow(curs, &cur_cap, sizeof(*curs));
		cur_cnt++;
		curs[i].pid = pid;
		curs[i].src = src;
	}
	curs[i].snap = (size_t)(s - snaps);
}

/* The source sends entries for no snapshot until its next map. */
static void end_snapshot(uint32_t pid, uint32_t src)
{
	size_t i;

	for (i = 0; i < cur_cnt; i++)
		if (curs[i].pid == pid && curs[i].src == src) {
			curs[i] = curs[--cur_cnt];
			return;
		}
}

static void add_entry(struct map_dump *m, const uint8_t *e)
{
	size_t esz = m->info.key_size + m->info.value_size;

	if (m->cnt == m->cap)
		m->entries = grow(m->entries, &m->cap, esz);
	memcpy(m->entries + m->cnt * esz, e, esz);
	m->cnt++;
}

static void snapshot_entry(uint32_t pid, uint32_t src, const uint8_t *e, size_t len)
{
	size_t i;

	for (i = 0; i < cur_cnt; i++)
		if (curs[i].pid == pid && curs[i].src == src) {
			struct map_dump *m = &snaps[curs[i].snap].d;

			if (len == m->info.key_size + m->info.value_size)
				add_entry(m, e);
			return;
		}
}

/* Counters add up across processes: maps of the hash and array families
 * with 4- or 8-byte values, not the global-variable maps ("obj.bss"). */
static bool summable(const struct map_dump *m)
{
	uint32_t t = m->info.type;

	return !strchr(m->name, '.') && (m->info.value_size == 4 || m->info.value_size == 8) &&
	       (t == USERBPF_MAP_TYPE_HASH || t == USERBPF_MAP_TYPE_ARRAY ||
		t == USERBPF_MAP_TYPE_LRU_HASH);
}

/* Merge src into dst: a key already there is added to or replaced. */
static void merge_into(struct map_dump *dst, const struct map_dump *src)
{
	size_t ks = dst->info.key_size, vs = dst->info.value_size, esz = ks + vs, i, j;

	if (src->info.key_size != ks || src->info.value_size != vs)
		return;
	for (i = 0; i < src->cnt; i++) {
		const uint8_t *e = src->entries + i * esz;

		for (j = 0; j < dst->cnt; j++)
			if (!memcmp(dst->entries + j * esz, e, ks))
				break;
		if (j == dst->cnt) {
			add_entry(dst, e);
		} else if (summable(dst)) {
			uint64_t a = 0, b = 0;

			memcpy(&a, dst->entries + j * esz + ks, vs);
			memcpy(&b, e + ks, vs);
			a += b;
			memcpy(dst->entries + j * esz + ks, &a, vs);
		} else {
			memcpy(dst->entries + j * esz, e, esz);
		}
	}
}

/* Print every map: the snapshots of one name merged, in first-seen order. */
static void print_maps(void)
{
	size_t i, j, printed = 0;

	for (i = 0; i < snap_cnt; i++) {
		struct map_dump all;
		bool seen = false;

		for (j = 0; j < i; j++)
			if (!strcmp(snaps[j].d.name, snaps[i].d.name))
				seen = true;
		if (seen)
			continue;
		memset(&all, 0, sizeof(all));
		snprintf(all.name, sizeof(all.name), "%s", snaps[i].d.name);
		all.info = snaps[i].d.info;
		for (j = i; j < snap_cnt; j++)
			if (!strcmp(snaps[j].d.name, all.name))
				merge_into(&all, &snaps[j].d);
		if (!json && printed++)
			putchar('\n');
		print_map(&all);
		free(all.entries);
	}
	for (i = 0; i < snap_cnt; i++)
		free(snaps[i].d.entries);
	free(snaps);
	free(curs);
}

/* ==== Events ==== */

/* A record in hex; a zero tail of 16 bytes or more (the rest of a big
 * buffer the program did not fill: opensnoop's 4 KiB record with a short
 * path) is counted, not spelled out.  --json keeps every byte. */
static void print_record_hex(const uint8_t *p, size_t n)
{
	size_t used = n;

	while (used && !p[used - 1])
		used--;
	used = (used + 7) / 8 * 8;
	if (n - used < 16) {
		print_hex(p, n, true);
		return;
	}
	print_hex(p, used, true);
	printf("%s... %zu zero bytes", used ? " " : "", n - used);
}

/* When the last map snapshot started coming, and when the pipe ended. */
static struct timespec last_map_at, eof_at;
static bool got_map;

/* One message from fd into h and buf (TRACE_MSG_MAX + 1 bytes, the
 * payload NUL-terminated): 0, or -1 at EOF or on a broken message. */
static int read_msg(int fd, struct trace_msg_hdr *h, uint8_t *buf)
{
	if (read_full(fd, h, sizeof(*h)) || h->len > TRACE_MSG_MAX || read_full(fd, buf, h->len))
		return -1;
	buf[h->len] = '\0';
	return 0;
}

/* Act on one message: 1 when an agent reported an error, else 0. */
static int handle_msg(const struct trace_msg_hdr *hp, uint8_t *buf)
{
	struct trace_msg_hdr h = *hp;
	int ret = 0;

	{
		switch (h.type) {
		case TRACE_MSG_ERROR:
			fprintf(stderr, "%s: trace: %s\n", cli_prog_name, (char *)buf);
			ret = 1;
			break;
		case TRACE_MSG_READY:
			break;
		case TRACE_MSG_WARN: {
			static bool warned;

			if (!warned)
				fprintf(stderr, "%s: trace: warning: %s\n", cli_prog_name,
					(char *)buf);
			warned = true;
			break;
		}
		case TRACE_MSG_PRINTK:
			if (json) {
				printf("{\"type\":\"printk\",\"pid\":%u,\"msg\":", h.pid);
				print_json_str((char *)buf, h.len);
				printf("}\n");
			} else {
				printf("%s\n", (char *)buf);
			}
			fflush(stdout);
			break;
		case TRACE_MSG_RINGBUF: {
			size_t nl = strnlen((char *)buf, h.len);
			int ev;

			if (nl == h.len)
				break;
			ev = ev_type_of((char *)buf, h.len - nl - 1);
			if (ev < 0 && ev_guessing) {
				ev_guess((char *)buf, h.len - nl - 1);
				ev = ev_type_of((char *)buf, h.len - nl - 1);
			}
			if (json) {
				printf("{\"type\":\"ringbuf\",\"pid\":%u,\"map\":", h.pid);
				print_json_str((char *)buf, nl);
				if (ev >= 0) {
					printf(",\"event\":");
					bt_print(ev_types[ev].type_id, buf + nl + 1, 0, 0, 0);
					printf("}\n");
				} else {
					printf(",\"data\":\"");
					print_hex(buf + nl + 1, h.len - nl - 1, false);
					printf("\"}\n");
				}
			} else if (ev >= 0) {
				printf("%s: ", (char *)buf);
				bt_print(ev_types[ev].type_id, buf + nl + 1, 0, 0, 0);
				putchar('\n');
			} else {
				printf("%s: ", (char *)buf);
				print_record_hex(buf + nl + 1, h.len - nl - 1);
				putchar('\n');
			}
			fflush(stdout);
			break;
		}
		case TRACE_MSG_MAP:
			if (h.len < sizeof(struct trace_map_info))
				break;
			{
				struct trace_map_info info;

				memcpy(&info, buf, sizeof(info));
				/* an entry is one message: larger sizes (or a sum
				 * that wraps) come from a broken or hostile sender,
				 * whose entries until its next map are dropped */
				if ((uint64_t)info.key_size + info.value_size > TRACE_MSG_MAX) {
					end_snapshot(h.pid, h.src);
					break;
				}
				clock_gettime(CLOCK_MONOTONIC, &last_map_at);
				got_map = true;
				start_snapshot(h.pid, h.src, &info,
					       (char *)buf + sizeof(struct trace_map_info));
			}
			break;
		case TRACE_MSG_ENTRY:
			snapshot_entry(h.pid, h.src, buf, h.len);
			break;
		case TRACE_MSG_SYM:
			add_sym(buf, h.len);
			break;
		default:
			break;
		}
	}
	return ret;
}

/* Every source has ended: the maps. */
static void consume_end(void)
{
	clock_gettime(CLOCK_MONOTONIC, &eof_at);
	print_maps();
	fflush(stdout);
	while (sym_cnt)
		free(syms[--sym_cnt].name);
	free(syms);
}

/* Read messages until EOF; returns 0, or 1 if an agent reported an error. */
static int consume(int fd)
{
	uint8_t *buf = malloc(TRACE_MSG_MAX + 1);
	struct trace_msg_hdr h;
	int ret = 0;

	if (!buf)
		cli_die(1, "out of memory");
	while (!read_msg(fd, &h, buf))
		ret |= handle_msg(&h, buf);
	consume_end();
	free(buf);
	return ret;
}

/*
 * --set NAME=VALUE: the agent sets the globals before it loads the
 * object (userbpf_object__set_global, as "userbpf run --set" does); they
 * are tried here first on a copy of the object, so a bad name or value
 * is a usage error before the command starts.  The settings, one a line,
 * for TRACE_ENV_SETS (or NULL when none).
 */
static char *check_sets(const char *obj_path, const char *const *sets, size_t n)
{
	struct userbpf_object *o;
	size_t k, len = 1;
	char *list, *p;

	if (!n)
		return NULL;
	o = userbpf_object__open_file(obj_path, NULL);
	if (!o)
		cli_die(2, "trace: %s: %s", obj_path, strerror(errno));
	for (k = 0; k < n; k++) {
		const char *eq = strchr(sets[k], '=');
		char name[256];
		int rc;

		if (!eq || eq == sets[k] || strchr(sets[k], '\n'))
			cli_die(2, "--set: '%s' is not NAME=VALUE", sets[k]);
		if ((size_t)(eq - sets[k]) >= sizeof(name))
			cli_die(2, "--set: name too long");
		snprintf(name, sizeof(name), "%.*s", (int)(eq - sets[k]), sets[k]);
		rc = userbpf_object__set_global(o, name, eq + 1);
		if (rc)
			cli_die(2, "%s (--set %s)",
				userbpf_object__errmsg(o)[0] ? userbpf_object__errmsg(o) :
							       userbpf_strerror(rc),
				sets[k]);
		len += strlen(sets[k]) + 1;
	}
	userbpf_object__close(o);
	list = malloc(len);
	if (!list)
		cli_die(1, "out of memory");
	for (k = 0, p = list; k < n; k++)
		p += sprintf(p, "%s%s", k ? "\n" : "", sets[k]);
	*p = '\0';
	return list;
}

/* Every --prog names a program of the object (comma-separated list),
 * else exit 2 naming the programs it has: checked before the command
 * starts, where the agent could only report it. */
/* The library's list of kernel functions a process can probe (kfunc.c). */
const char *probe_kfunc_avail(void);
/* The library's list of LSM hooks a process's syscalls reach (lsm.c). */
const char *probe_lsm_avail(void);

/* Why the agent leaves out a program it cannot attach (agent.c's rule:
 * a probe section with a target, or perf_event). */
static const char *skip_reason(const char *sec)
{
	static const char *const kernel[] = {
		"kprobe",     "kretprobe", "kprobe.multi", "kretprobe.multi", "fentry", "fexit",
		"fmod_ret",   "tp_btf",	   "raw_tp",	   "raw_tracepoint",  "lsm",	"iter",
		"struct_ops", "tp",	   "tracepoint",   "kprobe.session"
	};
	static const char *const kfunc[] = { "kprobe", "kretprobe", "fentry", "fexit" };
	size_t n = strcspn(sec, "/"), i;

	if ((n == 3 && !strncmp(sec, "lsm", 3)) || (n == 5 && !strncmp(sec, "lsm.s", 5))) {
		static char why[200];

		/* src/probe/lsm.c: the LSM hooks syscalls reach */
		snprintf(why, sizeof(why),
			 "its LSM hook is not one a process's syscalls reach (available: %s)",
			 probe_lsm_avail());
		return why;
	}
	if (n == 10 && !strncmp(sec, "lsm_cgroup", 10))
		return "an lsm_cgroup program attaches to a cgroup, which a process does not have";

	for (i = 0; i < sizeof(kfunc) / sizeof(kfunc[0]); i++) {
		static char why[320];

		if (strlen(kfunc[i]) != n || strncmp(sec, kfunc[i], n))
			continue;
		/* src/probe/kfunc.c: the kernel functions syscalls reach */
		snprintf(why, sizeof(why),
			 "it hooks a kernel function no syscall reaches in userbpf's table "
			 "(available: %s)",
			 probe_kfunc_avail());
		return why;
	}
	for (i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
		if (strlen(kernel[i]) == n && !strncmp(sec, kernel[i], n))
			return "it hooks the kernel (a kernel function or event), which a process "
			       "cannot probe";
	if (!strncmp(sec, "tc", 2) || !strncmp(sec, "xdp", 3) || !strncmp(sec, "socket", 6) ||
	    !strncmp(sec, "classifier", 10))
		return "a packet program: `userbpf trace OBJ --iface IF` runs it on live packets";
	if (!strchr(sec, '/'))
		return "its section names no target";
	return "its section is not a probe userbpf can attach";
}

/* Without --prog the agent attaches what it can and leaves out the rest:
 * each left out is named here, and an object with nothing to attach is
 * refused before the command starts (it would trace nothing, silently). */
static void check_attachable(const char *obj_path)
{
	struct userbpf_object *o = userbpf_object__open_file(obj_path, NULL);
	const struct userbpf_program *p = NULL;
	size_t usable = 0;

	if (!o)
		cli_die(2, "trace: %s: %s", obj_path, strerror(errno));
	while ((p = userbpf_object__next_program(o, p))) {
		const char *sec = userbpf_program__section_name(p);

		if (!strcmp(sec, "perf_event") ||
		    (userbpf_program__attachable(p) && strchr(sec, '/'))) {
			usable++;
			continue;
		}
		fprintf(stderr, "userbpf: trace: %s (SEC(\"%s\")) is left out: %s\n",
			userbpf_program__name(p), sec, skip_reason(sec));
	}
	userbpf_object__close(o);
	if (!usable)
		cli_die(2, "trace: %s has no program a process can attach (see above)", obj_path);
}

static void check_progs(const char *obj_path, const char *progs)
{
	struct userbpf_object *o;
	const struct userbpf_program *p;
	char list[1024], have[512] = "", *name, *save = NULL;
	size_t l = 0;

	if (!progs[0]) {
		check_attachable(obj_path);
		return;
	}
	o = userbpf_object__open_file(obj_path, NULL);
	if (!o)
		cli_die(2, "trace: %s: %s", obj_path, strerror(errno));
	snprintf(list, sizeof(list), "%s", progs);
	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (userbpf_object__find_program_by_name(o, name))
			continue;
		for (p = userbpf_object__next_program(o, NULL); p && l + 1 < sizeof(have);
		     p = userbpf_object__next_program(o, p))
			l += (size_t)snprintf(have + l, sizeof(have) - l, "%s%s", l ? ", " : "",
					      userbpf_program__name(p));
		cli_die(2, "trace: %s has no program '%s' (it has: %s)", obj_path, name,
			have[0] ? have : "none");
	}
	userbpf_object__close(o);
}

/* ==== --pid: a running process ==== */

static volatile sig_atomic_t ctl_fd = -1, detach_asked;

/* SIGINT/SIGTERM with --pid: ask the agent to detach (it sends the maps
 * and closes; the process keeps running).  Before the agent connected
 * (the injection is under way) the request waits: a CLI ending in the
 * middle of the injection left the thread to return from dlopen to
 * address 0, and the process died of SIGSEGV. */
static void ask_detach(int sig)
{
	char c = 'd';

	(void)sig;
	detach_asked = 1;
	if (ctl_fd >= 0 && write(ctl_fd, &c, 1) < 0)
		ctl_fd = -1;
}

static int trace_pid(pid_t pid, const char *obj_path, const char *agent, const char *progs,
		     const char *freq, const char *const *sets, size_t set_n)
{
	size_t k;

	char conf[128], name[80], err[512];
	struct sockaddr_un sa;
	struct stat st;
	struct pollfd pfd;
	struct sigaction act;
	socklen_t alen;
	FILE *f;
	int ls, cs, fd, ret;

	snprintf(name, sizeof(name), "userbpf-trace-%d-%d", (int)getpid(), (int)pid);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, name, strlen(name)); /* abstract: nothing to clean */
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, alen) || listen(ls, 4))
		cli_die(1, "trace: socket: %s", strerror(errno));
	snprintf(conf, sizeof(conf), TRACE_INJECT_CONF, (int)pid);
	unlink(conf);
	fd = open(conf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		cli_die(1, "trace: %s: %s", conf, strerror(errno));
	fprintf(f, "obj=%s\nprogs=%s\nfreq=%s\nsock=%s\n", obj_path, progs, freq ? freq : "", name);
	for (k = 0; k < set_n; k++)
		fprintf(f, "set=%s\n", sets[k]);
	snprintf(err, sizeof(err), "/proc/%d", (int)pid);
	if (!stat(err, &st) && fchown(fd, st.st_uid, st.st_gid)) {
		/* the process may not read it: the injection below reports that */
	}
	fclose(f);
	memset(&act, 0, sizeof(act));
	act.sa_handler = ask_detach;
	act.sa_flags = SA_RESTART;
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGHUP, &act, NULL);
	ret = agent_inject(pid, agent, err, sizeof(err));
	if (ret) {
		unlink(conf);
		cli_die(1, "trace: --pid %d: %s", (int)pid, err);
	}
	pfd.fd = ls;
	pfd.events = POLLIN;
	while ((ret = poll(&pfd, 1, 10000)) < 0 && errno == EINTR) /* a detach asked */
		;
	if (ret != 1) {
		unlink(conf);
		cli_die(1,
			"trace: --pid %d: the agent was loaded but did not connect (could it "
			"read %s?)",
			(int)pid, conf);
	}
	cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	close(ls);
	if (cs < 0)
		cli_die(1, "trace: accept: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	ctl_fd = cs;
	if (detach_asked) /* during the injection */
		ask_detach(SIGINT);
	ret = consume(cs);
	ctl_fd = -1;
	close(cs);
	return ret ? 1 : 0;
}

/* The agent's settings in this (forked) process's environment. */
static void agent_env(int fd, const char *obj_path, const char *agent, const char *progs,
		      const char *freq, const char *set_list)
{
	char fdbuf[16];

	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	setenv(TRACE_ENV_OBJ, obj_path, 1);
	setenv(TRACE_ENV_FD, fdbuf, 1);
	if (progs[0])
		setenv(TRACE_ENV_PROGS, progs, 1);
	if (follow)
		setenv(TRACE_ENV_FOLLOW, "1", 1);
	if (freq)
		setenv(TRACE_ENV_FREQ, freq, 1);
	if (set_list)
		setenv(TRACE_ENV_SETS, set_list, 1);
	setenv("LD_PRELOAD", agent, 1);
}

/* The command's wait status, reported as trace reports it: our exit
 * status (or our death by its signal). */
static int command_status(int status, int agent_err, const char *cmd)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && shared)
		/* the maps are the reader's: complete */
		fprintf(stderr,
			"%s: trace: %s was killed by SIGKILL: its sched_process_exit event is "
			"missing\n",
			cli_prog_name, cmd);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !got_map)
		/* nothing runs in a process SIGKILL ends: its agent sent no
		 * exit event and no last snapshot (docs/probes.md) */
		fprintf(stderr,
			"%s: trace: %s was killed by SIGKILL: its sched_process_exit event and "
			"final map snapshot are missing\n",
			cli_prog_name, cmd);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		/* the agent's poller sends a snapshot now and then */
		fprintf(stderr,
			"%s: trace: %s was killed by SIGKILL: its sched_process_exit event is "
			"missing, and the maps are as its agent's last periodic snapshot found "
			"them, %.2f s before it ended\n",
			cli_prog_name, cmd,
			(double)(eof_at.tv_sec - last_map_at.tv_sec) +
				(double)(eof_at.tv_nsec - last_map_at.tv_nsec) / 1e9);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	if (agent_err && WEXITSTATUS(status) == 127)
		return 1;
	return WEXITSTATUS(status);
}

/*
 * --shared: the traced processes share one object space, a trace-private
 * domain (src/domain/, src/agent/trace_domain.c; docs/probes.md).  The
 * reader (the agent started in a process of its own, as this binary with
 * address randomisation off) loads the object into the domain's arena
 * and says READY; then the command starts, also without randomisation,
 * so the agent sits at the reader's address and the object's pointers
 * are valid in every process.  The command's agents send printk lines
 * (and symbols) over their pipe; the reader sends ring-buffer records
 * and, once the command's pipe ends (every traced process is gone) and
 * we close its control pipe, the maps.  The arena goes with the last
 * member (we remove it too, should the reader have died).
 */
static int trace_shared(char **cmd, const char *obj_path, const char *agent, const char *progs,
			const char *freq, const char *set_list)
{
	char arena[PATH_MAX], ctlbuf[16];
	const char *dir = getenv("USERBPF_TRACE_ARENA_DIR");
	int rp[2], ctl[2], cp[2], status, rstatus, pers = personality(0xffffffff), err = 0;
	uint8_t *buf = malloc(TRACE_MSG_MAX + 1);
	struct trace_msg_hdr h;
	struct pollfd pfd[2];
	bool ready = false;
	pid_t reader;
	char reader_bin[PATH_MAX];

	if (!buf)
		cli_die(1, "out of memory");
	/* a program of its own, lighter than this one (trace_reader.c) */
	cli_sibling_path(reader_bin, sizeof(reader_bin), "USERBPF_TRACE_READER_BIN",
			 "userbpf-trace-reader");
	if (!dir)
		dir = access("/dev/shm", W_OK | X_OK) ? "/tmp" : "/dev/shm";
	snprintf(arena, sizeof(arena), "%s/userbpf-trace-%u-%d.arena", dir, (unsigned)getuid(),
		 (int)getpid());
	unlink(arena); /* a pid's leftover */
	if (pipe2(rp, O_CLOEXEC) || pipe2(ctl, O_CLOEXEC))
		cli_die(1, "trace: pipe: %s", strerror(errno));
	fflush(NULL);
	reader = fork();
	if (reader < 0)
		cli_die(1, "trace: fork: %s", strerror(errno));
	if (reader == 0) {
		/* its own process group: the terminal's Ctrl-C is the command's */
		setpgid(0, 0);
		if (pers != -1)
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
		fcntl(rp[1], F_SETFD, 0);
		fcntl(ctl[0], F_SETFD, 0);
		agent_env(rp[1], obj_path, agent, progs, freq, set_list);
		snprintf(ctlbuf, sizeof(ctlbuf), "%d", ctl[0]);
		setenv(TRACE_ENV_CTL, ctlbuf, 1);
		setenv(TRACE_ENV_READER, "1", 1);
		setenv(TRACE_ENV_ARENA, arena, 1);
		execl(reader_bin, "userbpf-trace-reader", (char *)NULL);
		execl("/proc/self/exe", "userbpf-trace-reader", (char *)NULL);
		fprintf(stderr, "%s: trace: /proc/self/exe: %s\n", cli_prog_name, strerror(errno));
		_exit(127);
	}
	close(rp[1]);
	close(ctl[0]);
	while (!ready && !read_msg(rp[0], &h, buf)) {
		if (h.type == TRACE_MSG_READY)
			ready = true;
		else
			err |= handle_msg(&h, buf);
	}
	if (!ready) {
		waitpid(reader, &rstatus, 0);
		unlink(arena);
		if (!err)
			fprintf(stderr, "%s: trace: the reader of the shared maps did not start\n",
				cli_prog_name);
		return 1;
	}
	if (pipe(cp) || fcntl(cp[0], F_SETFD, FD_CLOEXEC))
		cli_die(1, "trace: pipe: %s", strerror(errno));
	fflush(NULL);
	child = fork();
	if (child < 0)
		cli_die(1, "trace: fork: %s", strerror(errno));
	if (child == 0) {
		if (pers != -1)
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
		agent_env(cp[1], obj_path, agent, progs, freq, set_list);
		setenv(TRACE_ENV_ARENA, arena, 1);
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: trace: %s: %s\n", cli_prog_name, cmd[0], strerror(errno));
		_exit(127);
	}
	close(cp[1]);
	forward_signals();
	pfd[0] = (struct pollfd){ .fd = cp[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = rp[0], .events = POLLIN };
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		int k;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			cli_die(1, "trace: poll: %s", strerror(errno));
		}
		for (k = 0; k < 2; k++) {
			if (pfd[k].fd < 0 || !pfd[k].revents)
				continue;
			if (!read_msg(pfd[k].fd, &h, buf)) {
				err |= handle_msg(&h, buf);
				continue;
			}
			close(pfd[k].fd);
			pfd[k].fd = -1;
			if (k == 0) /* every traced process is gone: the reader ends */
				close(ctl[1]);
		}
	}
	consume_end();
	free(buf);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			cli_die(1, "trace: waitpid: %s", strerror(errno));
	while (waitpid(reader, &rstatus, 0) < 0 && errno == EINTR)
		;
	unlink(arena);
	return command_status(status, err, cmd[0]);
}

int cli_cmd_trace(int argc, char **argv)
{
	char agent[PATH_MAX], obj_path[PATH_MAX], progs[1024] = "";
	const char *obj = NULL, *freq = NULL, *ev_args[8], *ev_btf_path = NULL, *sets[64];
	size_t ev_n = 0, set_n = 0, k;
	char *set_list;
	long pid = 0;
	int i, pipefd[2], status, agent_err;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--iface")) /* live packets: cmd_packet.c */
			return cli_cmd_trace_iface(argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f")) {
			follow = true;
		} else if (!strcmp(argv[i], "--syscall-rewrite-only")) { /* docs/probes.md */
			setenv("USERBPF_SYSCALL_REWRITE_ONLY", "1", 1);
		} else if (!strcmp(argv[i], "--shared")) {
			shared = 1;
		} else if (!strcmp(argv[i], "--no-shared")) {
			shared = 0;
		} else if (!strcmp(argv[i], "--pid") && i + 1 < argc) {
			pid = strtol(argv[++i], NULL, 10);
			if (pid <= 0)
				usage();
		} else if (!strcmp(argv[i], "--freq") && i + 1 < argc) {
			freq = argv[++i];
			if (strtoull(freq, NULL, 10) == 0)
				usage();
		} else if (!strcmp(argv[i], "--event-btf") && i + 1 < argc) {
			ev_btf_path = argv[++i];
		} else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
			if (set_n == sizeof(sets) / sizeof(sets[0]))
				cli_die(2, "--set: too many");
			sets[set_n++] = argv[++i];
		} else if (!strcmp(argv[i], "--event-type") && i + 1 < argc) {
			if (ev_n == sizeof(ev_args) / sizeof(ev_args[0]))
				usage();
			ev_args[ev_n++] = argv[++i];
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			size_t l = strlen(progs);

			snprintf(progs + l, sizeof(progs) - l, "%s%s", l ? "," : "", argv[++i]);
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
		} else if (argv[i][0] != '-' && !obj) {
			obj = argv[i];
		} else {
			usage();
		}
	}
	if (!obj || (i >= argc) == !pid || (pid && (follow || shared == 1)))
		usage();
	/* --follow runs in the shared domain unless --no-shared; --shared
	 * implies --follow */
	if (shared == -1)
		shared = follow && !pid;
	if (shared)
		follow = true;
	if (!realpath(obj, obj_path))
		cli_die(2, "trace: %s: %s", obj, strerror(errno));
	for (k = 0; k < ev_n; k++)
		ev_type_add(ev_btf_path ? ev_btf_path : obj_path, ev_args[k]);
	ev_obj_name = ev_btf_path ? ev_btf_path : obj;
	ev_guessing = !ev_n && !ev_btf_load(ev_btf_path ? ev_btf_path : obj_path);
	if (ev_btf_path || !ev_btf.raw)
		map_btf_path = obj_path; /* maps are typed by the object's BTF */
	map_obj_path = obj_path;
	set_list = check_sets(obj_path, sets, set_n);
	check_progs(obj_path, progs);
	cli_sibling_path(agent, sizeof(agent), "USERBPF_AGENT", "libuserbpf-agent.so");
	if (access(agent, R_OK))
		cli_die(1, "trace: agent %s: %s", agent, strerror(errno));
	if (pid) { /* the build of the agent made for dlopen */
		const char *env = getenv("USERBPF_AGENT_PID");
		char *slash = strrchr(agent, '/');

		if (env)
			snprintf(agent, sizeof(agent), "%s", env);
		else if (slash)
			snprintf(slash + 1, sizeof(agent) - (size_t)(slash + 1 - agent),
				 "libuserbpf-agent-pid.so");
		if (access(agent, R_OK))
			cli_die(1, "trace: agent %s: %s", agent, strerror(errno));
		return trace_pid((pid_t)pid, obj_path, agent, progs, freq, sets, set_n);
	}
	if (shared)
		return trace_shared(argv + i, obj_path, agent, progs, freq, set_list);
	if (pipe(pipefd))
		cli_die(1, "trace: pipe: %s", strerror(errno));
	fflush(NULL);
	child = fork();
	if (child < 0)
		cli_die(1, "trace: fork: %s", strerror(errno));
	if (child == 0) {
		close(pipefd[0]);
		agent_env(pipefd[1], obj_path, agent, progs, freq, set_list);
		execvp(argv[i], argv + i);
		fprintf(stderr, "%s: trace: %s: %s\n", cli_prog_name, argv[i], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	forward_signals();
	agent_err = consume(pipefd[0]);
	close(pipefd[0]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			cli_die(1, "trace: waitpid: %s", strerror(errno));
	return command_status(status, agent_err, argv[i]);
}
