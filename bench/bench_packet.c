/* SPDX-License-Identifier: MIT */
/*
 * bench_packet.c - packets per second of packet programs on a capture:
 * a capture of 10,000 generated frames (60 to 1,514 bytes; IPv4 TCP with
 * and without HTTP requests, UDP, ARP) run through
 *
 *   pkt_counter  tc program: per-CPU array, array and hash updates
 *   tc_ttl       tc program: bpf_printk + a ring-buffer record per frame
 *                (the lines go to a callback that drops them; the ring
 *                is drained every 256 frames)
 *   http_sniff   socket filter: bpf_skb_load_bytes, request-line match
 *
 * each on three engines: jit (the verified program as native code),
 * interp (the interpreter, unchecked) and checked (every access checked),
 * two ways: "runner" (frames already in memory: userbpf_packet_runner__run
 * alone) and "pcap" (userbpf_packet_pcap__foreach reading the file with
 * libpcap, then the run: what "userbpf run --pcap" does per frame).
 * Next to them, where the kernel allows, the kernel's own run time per
 * frame (BPF_PROG_TEST_RUN, repeat 100, the duration it reports: the
 * program alone inside the kernel, no syscall) for the tc programs.
 * The cost of reading the capture alone (a callback that runs nothing)
 * comes first.  Times are the thread's CPU time (user + system).  Figures are the best of 3 passes.
 * Usage: bench_packet [--json]
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "userbpf/userbpf.h"

#define FRAMES 10000
#define PASSES 3

struct frame {
	uint8_t *data;
	uint32_t len;
};

static struct frame frames[FRAMES];
static char pcap_path[128];
static bool json;

/* CPU time of this thread (user + system): the machine the benchmarks
 * run on is shared, and wall time counts the other processes' turns */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Deterministic mix: 10% HTTP GET, 50% TCP data, 30% UDP, 10% ARP. */
static void make_frames(void)
{
	static const char get[] = "GET /bench/path HTTP/1.1\r\nHost: bench\r\n\r\n";
	uint32_t seed = 12345;
	size_t i;

	for (i = 0; i < FRAMES; i++) {
		uint32_t kind, len;
		uint8_t *p;

		seed = seed * 1103515245u + 12345u;
		kind = (seed >> 16) % 10;
		len = 60 + (seed >> 8) % 1455;
		if (kind == 0)
			len = 14 + 40 + sizeof(get) - 1;
		p = calloc(1, len);
		if (!p)
			exit(1);
		frames[i].data = p;
		frames[i].len = len;
		p[6] = 2;
		if (kind == 9) { /* ARP */
			put16(p + 12, 0x0806);
			continue;
		}
		put16(p + 12, 0x0800);
		p[14] = 0x45;
		put16(p + 16, (uint16_t)(len - 14));
		p[22] = (uint8_t)(1 + seed % 128);
		p[23] = kind < 6 ? 6 : 17;
		p[26] = 10, p[29] = (uint8_t)(seed >> 24);
		p[30] = 10, p[33] = 1;
		put16(p + 34, (uint16_t)(1024 + seed % 5000));
		put16(p + 36, 80);
		if (p[23] == 6)
			p[46] = 5 << 4;
		if (kind == 0)
			memcpy(p + 54, get, sizeof(get) - 1);
	}
}

static int write_pcap(void)
{
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	FILE *f;
	size_t i;

	snprintf(pcap_path, sizeof(pcap_path), "/tmp/bench_packet_%d.pcap", (int)getpid());
	f = fopen(pcap_path, "wb");
	if (!f)
		return -1;
	fwrite(hdr, 1, sizeof(hdr), f);
	for (i = 0; i < FRAMES; i++) {
		uint32_t rec[4] = { 1700000000u, (uint32_t)i, frames[i].len, frames[i].len };

		fwrite(rec, 1, sizeof(rec), f);
		fwrite(frames[i].data, 1, frames[i].len, f);
	}
	return fclose(f);
}

/* ==== userbpf ==== */

struct ctx {
	struct userbpf_packet_runner *r;
	struct userbpf_ringbuf *rb;
	uint64_t n, accepted;
	int err;
};

static void drop_line(void *cookie, const char *line, size_t len)
{
	(void)cookie;
	(void)line;
	(void)len;
}

static int drop_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static int on_frame(void *cookie, const struct userbpf_packet *pkt)
{
	struct ctx *c = cookie;
	uint64_t r0;

	if (userbpf_packet_runner__run(c->r, pkt, &r0, NULL)) {
		c->err = 1;
		return 1;
	}
	c->accepted += r0 != 0;
	if ((++c->n & 255) == 0 && c->rb)
		userbpf_ringbuf__consume(c->rb);
	return 0;
}

/* ns per frame, best of PASSES; 0 on failure */
static double run_userbpf(struct userbpf_object *obj, const char *prog, const char *ring,
			  uint32_t flags, bool from_pcap)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, prog);
	struct userbpf_object_map *m = ring ? userbpf_object__find_map_by_name(obj, ring) : NULL;
	struct ctx c = { 0 };
	double best = 0;
	int pass;
	USERBPF_OPTS(userbpf_packet_runner_opts, ro, .flags = flags, .trace_fn = drop_line);

	if (!p)
		return 0;
	c.r = userbpf_packet_runner__new(userbpf_program__prog(p), &ro);
	if (!c.r)
		return 0;
	if (m)
		c.rb = userbpf_ringbuf__new(userbpf_object_map__map(m), drop_rec, NULL);
	for (pass = 0; pass < PASSES && !c.err; pass++) {
		double t0 = now_s(), ns;
		size_t i;

		c.n = 0;
		if (from_pcap) {
			if (userbpf_packet_pcap__foreach(pcap_path, on_frame, &c, NULL, 0) !=
			    FRAMES)
				c.err = 1;
		} else {
			for (i = 0; i < FRAMES && !c.err; i++) {
				struct userbpf_packet pkt = { frames[i].data,
							      frames[i].len,
							      frames[i].len,
							      0,
							      0,
							      USERBPF_PACKET_TYPE_FROM_MAC };

				on_frame(&c, &pkt);
			}
		}
		ns = (now_s() - t0) * 1e9 / FRAMES;
		if (!best || ns < best)
			best = ns;
	}
	if (c.rb) {
		userbpf_ringbuf__consume(c.rb);
		userbpf_ringbuf__free(c.rb);
	}
	userbpf_packet_runner__free(c.r);
	return c.err ? 0 : best;
}

static int count_frame(void *cookie, const struct userbpf_packet *pkt)
{
	(*(uint64_t *)cookie) += pkt->caplen;
	return 0;
}

/* ns per frame of reading the capture alone (libpcap), best of PASSES */
static double read_only(void)
{
	double best = 0;
	uint64_t bytes = 0;
	int pass;

	for (pass = 0; pass < PASSES; pass++) {
		double t0 = now_s(), ns;

		if (userbpf_packet_pcap__foreach(pcap_path, count_frame, &bytes, NULL, 0) != FRAMES)
			return 0;
		ns = (now_s() - t0) * 1e9 / FRAMES;
		if (!best || ns < best)
			best = ns;
	}
	return best;
}

/* ==== The kernel ==== */

static int silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l;
	(void)f;
	(void)a;
	return 0;
}

/* The kernel's ns per run (BPF_PROG_TEST_RUN duration, every 10th frame,
 * repeat 100), or 0 with why set. */
static double run_kernel(const char *path, const char *prog, char *why, size_t why_sz)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	double sum = 0;
	int n = 0, fd;
	size_t i;

	libbpf_set_print(silent);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(why, why_sz, "libbpf cannot open %s", path);
		return 0;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	if (bpf_object__load(obj)) {
		snprintf(why, why_sz, "the kernel refused to load %s", prog);
		bpf_object__close(obj);
		return 0;
	}
	fd = bpf_program__fd(bpf_object__find_program_by_name(obj, prog));
	for (i = 0; i < FRAMES; i += 10) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frames[i].data,
			    .data_size_in = frames[i].len, .repeat = 100);

		if (bpf_prog_test_run_opts(fd, &t)) {
			snprintf(why, why_sz, "BPF_PROG_TEST_RUN: %s", strerror(errno));
			bpf_object__close(obj);
			return 0;
		}
		sum += t.duration;
		n++;
	}
	bpf_object__close(obj);
	return n ? sum / n : 0;
}

struct workload {
	const char *obj, *prog, *ring;
	bool kernel; /* the kernel's test run has the same view (tc) */
};

int main(int argc, char **argv)
{
	static const struct workload w[] = {
		{ "examples/pkt_counter.bpf.o", "count_packets", NULL, true },
		{ "examples/tc_ttl.bpf.o", "tc_ttl", "events", true },
		{ "examples/http_sniff.bpf.o", "http_sniff", "requests", false },
	};
	static const struct {
		const char *name;
		uint32_t flags;
	} eng[] = { { "jit", USERBPF_RUN_UNCHECKED },
		    { "interp", USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER },
		    { "checked", USERBPF_RUN_CHECKED } };
	char dir[PATH_MAX], path[PATH_MAX + 64], why[PATH_MAX + 128];
	ssize_t n;
	size_t i, e;
	char *slash;

	json = argc > 1 && !strcmp(argv[1], "--json");
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n < 0)
		return 1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	make_frames();
	if (write_pcap()) {
		fprintf(stderr, "bench_packet: cannot write %s\n", pcap_path);
		return 1;
	}
	if (json) {
		printf("{\"program\":\"none\",\"engine\":\"pcap-read\",\"pcap_ns\":%.1f}\n",
		       read_only());
	} else {
		printf("%d frames, ns per frame (Mpps), best of %d\n", FRAMES, PASSES);
		printf("reading the capture alone (libpcap): %.1f ns per frame\n", read_only());
		printf("%-14s %-8s %16s %16s\n", "program", "engine", "runner", "pcap");
	}
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct userbpf_object *obj;
		double k;

		snprintf(path, sizeof(path), "%s/%s", dir, w[i].obj);
		obj = userbpf_object__open_file(path, NULL);
		if (!obj || userbpf_object__load(obj)) {
			fprintf(stderr, "bench_packet: cannot load %s (make examples)\n", path);
			unlink(pcap_path);
			return 1;
		}
		for (e = 0; e < sizeof(eng) / sizeof(eng[0]); e++) {
			double r = run_userbpf(obj, w[i].prog, w[i].ring, eng[e].flags, false);
			double p = run_userbpf(obj, w[i].prog, w[i].ring, eng[e].flags, true);

			if (!r || !p) {
				fprintf(stderr, "bench_packet: %s on %s failed\n", w[i].prog,
					eng[e].name);
				continue;
			}
			if (json)
				printf("{\"program\":\"%s\",\"engine\":\"%s\",\"runner_ns\":%.1f,"
				       "\"pcap_ns\":%.1f}\n",
				       w[i].prog, eng[e].name, r, p);
			else
				printf("%-14s %-8s %8.1f (%5.2f) %8.1f (%5.2f)\n", w[i].prog,
				       eng[e].name, r, 1e3 / r, p, 1e3 / p);
		}
		userbpf_object__close(obj);
		if (!w[i].kernel)
			continue;
		k = run_kernel(path, w[i].prog, why, sizeof(why));
		if (json && k)
			printf("{\"program\":\"%s\",\"engine\":\"kernel\",\"test_run_ns\":%.1f}\n",
			       w[i].prog, k);
		else if (k)
			printf("%-14s %-8s %8.1f (%5.2f)   BPF_PROG_TEST_RUN duration\n", w[i].prog,
			       "kernel", k, 1e3 / k);
		else if (!json)
			printf("%-14s %-8s skipped: %s\n", w[i].prog, "kernel", why);
	}
	unlink(pcap_path);
	return 0;
}
