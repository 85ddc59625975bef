/* SPDX-License-Identifier: MIT */
/*
 * test_packet_pcap.c - packet programs on capture files:
 *  - the kernel as oracle: every frame of a capture runs through the
 *    kernel (BPF_PROG_TEST_RUN via libbpf) and through userbpf's packet
 *    runner fed by the pcap reader; verdicts, ring-buffer records (every
 *    readable __sk_buff / xdp_md field, helper results) and final maps
 *    must be identical (tc, XDP, and the tc_ttl example);
 *  - "userbpf run --pcap" end to end with the tc_ttl and http_sniff
 *    examples on a capture written here (Ethernet and raw-IP link types),
 *    and on one tcpdump records on loopback traffic we make (namespace);
 *  - errors: missing file, not a capture, a non-packet program.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "packet_test.h"
#include "userbpf/map.h"
#include "userbpf/object.h"
#include "userbpf/packet.h"

#define OBS_MAX (1 << 16)

/* What one side observed: a line per frame, then the map dump. */
struct obs {
	char text[OBS_MAX];
	size_t len;
};

static void obs_add(struct obs *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void obs_add(struct obs *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= sizeof(o->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->text + o->len, sizeof(o->text) - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < sizeof(o->text) - o->len ? (size_t)n :
								 sizeof(o->text) - o->len - 1;
}

static int rec_cb(void *ctx, void *data, size_t size)
{
	struct obs *o = ctx;
	size_t i;

	obs_add(o, " rec");
	for (i = 0; i < size; i++)
		obs_add(o, "%s%02x", i % 4 ? "" : " ", ((uint8_t *)data)[i]);
	return 0;
}

static void pcap_path(char *buf, size_t sz, const char *what)
{
	snprintf(buf, sz, "/tmp/packets_test_%d_%s.pcap", (int)getpid(), what);
}

/* ==== The kernel side ==== */

static int silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l;
	(void)f;
	(void)a;
	return 0;
}

struct hash_line {
	char s[128];
};

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct hash_line *)a)->s, ((const struct hash_line *)b)->s);
}

/* Sorted "key=value" hex lines of a map of u32 keys and u64 values. */
static void dump_sorted(struct obs *o, int (*next)(void *m, const void *k, void *n),
			int (*get)(void *m, const void *k, void *v), void *m)
{
	struct hash_line lines[256];
	uint32_t key = 0, nk;
	uint64_t v;
	size_t n = 0, i;
	bool have = false;

	while (n < 256 && !next(m, have ? &key : NULL, &nk)) {
		key = nk;
		have = true;
		if (get(m, &key, &v))
			continue;
		snprintf(lines[n++].s, sizeof(lines[0].s), "%u=%llu", key, (unsigned long long)v);
	}
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	obs_add(o, "map:");
	for (i = 0; i < n; i++)
		obs_add(o, " %s", lines[i].s);
	obs_add(o, "\n");
}

static int k_next(void *m, const void *k, void *n)
{
	return bpf_map_get_next_key((int)(long)m, k, n);
}

static int k_get(void *m, const void *k, void *v)
{
	return bpf_map_lookup_elem((int)(long)m, k, v);
}

static int u_next(void *m, const void *k, void *n)
{
	return userbpf_map__get_next_key(m, k, n);
}

static int u_get(void *m, const void *k, void *v)
{
	return userbpf_map__lookup_elem(m, k, v, 0);
}

/*
 * Run prog of obj_path on every frame in the kernel; 0, or a reason the
 * kernel refused (written to why) for a skip.
 */
static int kernel_side(const char *obj_path, const char *prog, const char *rb_name,
		       const char *hash_name, struct obs *o, char *why, size_t why_sz)
{
	const struct pt_frame *f;
	struct bpf_object *obj;
	struct bpf_program *p;
	struct ring_buffer *rb = NULL;
	size_t cnt, i;
	int err;

	f = pt_frames(&cnt);
	libbpf_set_print(silent);
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		snprintf(why, why_sz, "libbpf cannot open %s", obj_path);
		return -1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	err = bpf_object__load(obj);
	if (err) {
		snprintf(why, why_sz, "the kernel refused to load %s: %s", prog, strerror(-err));
		bpf_object__close(obj);
		return -1;
	}
	p = bpf_object__find_program_by_name(obj, prog);
	rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, rb_name)), rec_cb, o,
			      NULL);
	for (i = 0; i < cnt; i++) {
		uint8_t out[PT_FRAME_MAX + 512];
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f[i].data, .data_size_in = f[i].len,
			    .data_out = out, .data_size_out = sizeof(out));

		err = bpf_prog_test_run_opts(bpf_program__fd(p), &t);
		if (err) {
			snprintf(why, why_sz, "BPF_PROG_TEST_RUN failed: %s", strerror(errno));
			ring_buffer__free(rb);
			bpf_object__close(obj);
			return -1;
		}
		obs_add(o, "frame %zu: verdict %d", i, (int)t.retval);
		if (rb)
			ring_buffer__consume(rb);
		obs_add(o, "\n");
	}
	if (hash_name)
		dump_sorted(
			o, k_next, k_get,
			(void *)(long)bpf_map__fd(bpf_object__find_map_by_name(obj, hash_name)));
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}

/* ==== The userbpf side: the pcap reader feeding the packet runner ==== */

struct u_state {
	struct userbpf_packet_runner *r;
	struct userbpf_ringbuf *rb;
	struct obs *o;
	size_t i;
	int err;
};

static int u_frame(void *cookie, const struct userbpf_packet *pkt)
{
	struct u_state *s = cookie;
	uint64_t r0 = 0;
	int err = userbpf_packet_runner__run(s->r, pkt, &r0, NULL);

	if (err) {
		s->err = err;
		return 1;
	}
	obs_add(s->o, "frame %zu: verdict %d", s->i++, (int)(uint32_t)r0);
	if (s->rb)
		userbpf_ringbuf__consume(s->rb);
	obs_add(s->o, "\n");
	return 0;
}

static int userbpf_side(const char *obj_path, const char *prog, const char *rb_name,
			const char *hash_name, const char *pcap, uint32_t flags, struct obs *o)
{
	struct userbpf_object *obj = userbpf_object__open_file(obj_path, NULL);
	struct userbpf_program *p;
	struct u_state s = { .o = o };
	char err[256] = "";
	long n;
	int rc;

	if (!obj)
		return -errno;
	rc = userbpf_object__load(obj);
	if (rc) {
		fprintf(stderr, "%s\n", userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return rc;
	}
	p = userbpf_object__find_program_by_name(obj, prog);
	{
		USERBPF_OPTS(userbpf_packet_runner_opts, ro, .flags = flags, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		s.r = userbpf_packet_runner__new(userbpf_program__prog(p), &ro);
	}
	s.rb = userbpf_ringbuf__new(
		userbpf_object_map__map(userbpf_object__find_map_by_name(obj, rb_name)), rec_cb, o);
	n = userbpf_packet_pcap__foreach(pcap, u_frame, &s, err, sizeof(err));
	if (n < 0 || s.err)
		fprintf(stderr, "userbpf side: %ld %d %s\n", n, s.err, err);
	if (hash_name)
		dump_sorted(
			o, u_next, u_get,
			userbpf_object_map__map(userbpf_object__find_map_by_name(obj, hash_name)));
	userbpf_ringbuf__free(s.rb);
	userbpf_packet_runner__free(s.r);
	userbpf_object__close(obj);
	return n < 0 ? (int)n : s.err;
}

/* First differing line of two observations, for the failure message. */
static void first_diff(const char *a, const char *b, char *out, size_t sz)
{
	const char *la = a, *lb = b;

	while (*la && *lb) {
		const char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
		size_t na = ea ? (size_t)(ea - la) : strlen(la),
		       nb = eb ? (size_t)(eb - lb) : strlen(lb);

		if (na != nb || memcmp(la, lb, na)) {
			snprintf(out, sz, "kernel: %.*s\n  userbpf: %.*s", (int)na, la, (int)nb,
				 lb);
			return;
		}
		la += na + (ea ? 1 : 0);
		lb += nb + (eb ? 1 : 0);
	}
	snprintf(out, sz, "lengths differ: kernel %zu, userbpf %zu", strlen(a), strlen(b));
}

static void compare_with_kernel(const char *obj, const char *prog, const char *rb, const char *hash)
{
	static const struct {
		const char *name;
		uint32_t flags;
	} engines[] = { { "checked", USERBPF_RUN_CHECKED },
			{ "interp", USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER },
			{ "default", 0 } };
	static struct obs k, u;
	char path[200], pcap[256], why[512], diff[1024];
	const struct pt_frame *f;
	size_t cnt, e;

	snprintf(path, sizeof(path), "%s/%s", test_build_dir(), obj);
	if (access(path, R_OK)) {
		test_skip("%s not built (clang missing)", path);
		return;
	}
	f = pt_frames(&cnt);
	pcap_path(pcap, sizeof(pcap), prog);
	ASSERT_OK(pt_write_pcap(pcap, f, cnt, 1));
	memset(&k, 0, sizeof(k));
	if (kernel_side(path, prog, rb, hash, &k, why, sizeof(why))) {
		unlink(pcap);
		test_skip("%s", why);
		return;
	}
	for (e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
		memset(&u, 0, sizeof(u));
		ASSERT_OK(userbpf_side(path, prog, rb, hash, pcap, engines[e].flags, &u));
		if (strcmp(k.text, u.text)) {
			first_diff(k.text, u.text, diff, sizeof(diff));
			unlink(pcap);
			test_fail(__FILE__, __LINE__,
				  "%s (%s engine) differs from the kernel:\n  %s", prog,
				  engines[e].name, diff);
			return;
		}
	}
	if (test_verbose())
		printf("%s", k.text);
	ASSERT_EQ(pt_count(k.text, "frame "), cnt);
	unlink(pcap);
}

TEST(packet_tc_context_vs_kernel)
{
	compare_with_kernel("packet/ctx_dump.bpf.o", "tc_dump", "fields", NULL);
}

TEST(packet_xdp_context_vs_kernel)
{
	compare_with_kernel("packet/ctx_dump.bpf.o", "xdp_dump", "fields", NULL);
}

TEST(packet_tc_ttl_vs_kernel)
{
	compare_with_kernel("examples/tc_ttl.bpf.o", "tc_ttl", "events", "ttl_count");
}

/* ==== userbpf run --pcap, end to end ==== */

static bool have_example(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), name);
	return !access(path, R_OK);
}

/* tc_ttl on a capture of linktype: one line per IPv4 frame, in order */
static void check_tc_ttl(uint32_t linktype)
{
	const struct pt_frame *f;
	char pcap[256], args[512], line[128], *out = NULL, *at;
	size_t cnt, i, ipv4 = 0;

	if (!have_example("tc_ttl")) {
		test_skip("examples not built (clang missing)");
		return;
	}
	f = pt_frames(&cnt);
	pcap_path(pcap, sizeof(pcap), linktype == 1 ? "ttl_eth" : "ttl_raw");
	ASSERT_OK(pt_write_pcap(pcap, f, cnt, linktype));
	snprintf(args, sizeof(args), "run %s/examples/tc_ttl.bpf.o --prog tc_ttl --pcap %s",
		 test_build_dir(), pcap);
	ASSERT_EQ(pt_cli(args, false, &out), 0);
	unlink(pcap);
	at = out;
	for (i = 0; i < cnt; i++) {
		if (!f[i].ipv4)
			continue;
		ipv4++;
		snprintf(line, sizeof(line), "IPv4 packet: tot_len %u, ttl %u\n", f[i].tot_len,
			 f[i].ttl);
		at = strstr(at, line);
		if (!at) {
			test_fail(__FILE__, __LINE__, "no '%.*s' (in order) in:\n%s",
				  (int)strlen(line) - 1, line, out);
			free(out);
			return;
		}
		at += strlen(line);
	}
	ASSERT_EQ(pt_count(out, "IPv4 packet:"), ipv4);
	ASSERT_EQ(pt_count(out, "events: "), ipv4);
	snprintf(line, sizeof(line), "packets: %zu\n", linktype == 1 ? cnt : cnt - 2);
	ASSERT_CONTAINS(out, line);
	snprintf(line, sizeof(line), "TC_ACT_OK            %zu\n", linktype == 1 ? cnt : cnt - 2);
	ASSERT_CONTAINS(out, line);
	ASSERT_CONTAINS(out, "map ttl_count (hash");
	/* the TTL 64 count: frames 0, 1, 5 */
	ASSERT_CONTAINS(out, "key: 40 00 00 00  value: 03 00 00 00 00 00 00 00");
	free(out);
}

TEST(packet_pcap_tc_ttl_cli)
{
	check_tc_ttl(1);
}

TEST(packet_pcap_raw_ip_cli)
{
	/* DLT_RAW: ARP and the VLAN frame cannot be written without their
	 * Ethernet header, so keep only IP frames */
	const struct pt_frame *all;
	struct pt_frame *ip = calloc(PT_MAX_FRAMES, sizeof(*ip));
	char pcap[256], args[512], *out = NULL;
	size_t cnt, i, n = 0;

	all = pt_frames(&cnt);
	ASSERT_TRUE(ip != NULL);
	for (i = 0; i < cnt; i++)
		if (all[i].data[12] == 0x08 && all[i].data[13] == 0x00)
			ip[n++] = all[i];
	pcap_path(pcap, sizeof(pcap), "raw");
	ASSERT_OK(pt_write_pcap(pcap, ip, n, 101));
	free(ip);
	snprintf(args, sizeof(args), "run %s/examples/tc_ttl.bpf.o --prog tc_ttl --pcap %s --json",
		 test_build_dir(), pcap);
	if (!have_example("tc_ttl")) {
		unlink(pcap);
		test_skip("examples not built (clang missing)");
		return;
	}
	ASSERT_EQ(pt_cli(args, false, &out), 0);
	unlink(pcap);
	/* synthetic Ethernet header: every IPv4 frame seen as IPv4 */
	ASSERT_CONTAINS(out, "\"verdicts\":{\"TC_ACT_OK\":");
	ASSERT_EQ(pt_count(out, "IPv4 packet: tot_len"), n);
	ASSERT_CONTAINS(out, "IPv4 packet: tot_len 1428, ttl 17");
	free(out);
}

TEST(packet_pcap_http_sniff_cli)
{
	const struct pt_frame *f;
	char pcap[256], args[512], line[128], *out = NULL;
	size_t cnt, i, http = 0;

	if (!have_example("http_sniff")) {
		test_skip("examples not built (clang missing)");
		return;
	}
	f = pt_frames(&cnt);
	pcap_path(pcap, sizeof(pcap), "http");
	ASSERT_OK(pt_write_pcap(pcap, f, cnt, 1));
	snprintf(args, sizeof(args), "run %s/examples/http_sniff.bpf.o --prog http_sniff --pcap %s",
		 test_build_dir(), pcap);
	ASSERT_EQ(pt_cli(args, false, &out), 0);
	unlink(pcap);
	for (i = 0; i < cnt; i++) {
		if (!f[i].http_line)
			continue;
		http++;
		snprintf(line, sizeof(line), "\n%s\n", f[i].http_line);
		if (!strstr(out, line) && strncmp(out, line + 1, strlen(line) - 1)) {
			test_fail(__FILE__, __LINE__, "no line '%s' in:\n%s", f[i].http_line, out);
			free(out);
			return;
		}
	}
	ASSERT_EQ(pt_count(out, "requests: "), http);
	snprintf(line, sizeof(line), "accept (whole)       %zu\n", http);
	ASSERT_CONTAINS(out, line);
	snprintf(line, sizeof(line), "drop                 %zu\n", cnt - http);
	ASSERT_CONTAINS(out, line);
	/* GET twice, POST once */
	ASSERT_CONTAINS(out, "key: 00 00 00 00  value: 02 00 00 00 00 00 00 00");
	ASSERT_CONTAINS(out, "key: 01 00 00 00  value: 01 00 00 00 00 00 00 00");
	ASSERT_TRUE(!strstr(out, "GETX"));
	free(out);
}

TEST(packet_pcap_errors_cli)
{
	char args[512], *out = NULL;
	char pcap[256];
	FILE *f;

	if (!have_example("tc_ttl") || !have_example("minimal")) {
		test_skip("examples not built (clang missing)");
		return;
	}
	snprintf(args, sizeof(args),
		 "run %s/examples/tc_ttl.bpf.o --prog tc_ttl --pcap /nonexistent.pcap",
		 test_build_dir());
	ASSERT_EQ(pt_cli(args, true, &out), 1);
	ASSERT_CONTAINS(out, "/nonexistent.pcap");
	free(out);
	pcap_path(pcap, sizeof(pcap), "bad");
	f = fopen(pcap, "w");
	ASSERT_TRUE(f != NULL);
	fputs("this is not a capture file\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "run %s/examples/tc_ttl.bpf.o --prog tc_ttl --pcap %s",
		 test_build_dir(), pcap);
	ASSERT_EQ(pt_cli(args, true, &out), 2);
	unlink(pcap);
	ASSERT_CONTAINS(out, pcap);
	free(out);
	/* a tracing program cannot run on packets */
	snprintf(args, sizeof(args), "run %s/examples/minimal.bpf.o --prog handle_write --pcap x",
		 test_build_dir());
	ASSERT_EQ(pt_cli(args, true, &out), 2);
	ASSERT_CONTAINS(out, "socket filter, tc and XDP programs");
	free(out);
}

/* ==== A capture tcpdump wrote of traffic we make (own namespace) ==== */

/* Some TCP/UDP on lo of a new network namespace while tcpdump records. */
static int capture_with_tcpdump(const char *pcap)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "unshare -n sh -c '%s/packet/traffic_gen --lo-up || exit 1; "
		 "tcpdump -i lo --immediate-mode -U -w %s >/dev/null 2>&1 & T=$!; "
		 "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
		 "[ -s %s ] && break; sleep 0.1; done; "
		 "%s/packet/traffic_gen || exit 1; sleep 1; kill $T; wait $T; exit 0' "
		 ">/dev/null 2>&1",
		 test_build_dir(), pcap, pcap, test_build_dir());
	return system(cmd);
}

TEST(packet_pcap_tcpdump_loopback)
{
	char pcap[256], args[512], *out = NULL;
	int rc;

	if (system("command -v tcpdump >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1")) {
		test_skip("tcpdump or unshare missing (apt-get install tcpdump util-linux)");
		return;
	}
	if (!have_example("http_sniff")) {
		test_skip("examples not built (clang missing)");
		return;
	}
	pcap_path(pcap, sizeof(pcap), "tcpdump");
	rc = capture_with_tcpdump(pcap);
	if (rc || access(pcap, R_OK)) {
		unlink(pcap);
		test_skip("cannot capture on a private loopback (unshare -n, tcpdump): status %d",
			  rc);
		return;
	}
	snprintf(args, sizeof(args), "run %s/examples/http_sniff.bpf.o --prog http_sniff --pcap %s",
		 test_build_dir(), pcap);
	ASSERT_EQ(pt_cli(args, false, &out), 0);
	ASSERT_CONTAINS(out, "GET /packet-traffic/1 HTTP/1.1\n");
	ASSERT_CONTAINS(out, "POST /packet-traffic/2 HTTP/1.1\n");
	ASSERT_CONTAINS(out, "accept (whole)       2\n");
	free(out);
	snprintf(args, sizeof(args), "run %s/examples/tc_ttl.bpf.o --prog tc_ttl --pcap %s",
		 test_build_dir(), pcap);
	ASSERT_EQ(pt_cli(args, false, &out), 0);
	/* the UDP datagram of 100 bytes sent with TTL 33 */
	ASSERT_CONTAINS(out, "IPv4 packet: tot_len 128, ttl 33\n");
	free(out);
	unlink(pcap);
}

/* ==== Link types: Linux cooked captures (SLL) ==== */

struct sll_seen {
	uint32_t pkt_type[4], caplen[4], wire[4];
	uint8_t head[4][16];
	size_t n;
};

static int sll_cb(void *cookie, const struct userbpf_packet *pkt)
{
	struct sll_seen *s = cookie;

	if (s->n < 4) {
		s->pkt_type[s->n] = pkt->pkt_type;
		s->caplen[s->n] = pkt->caplen;
		s->wire[s->n] = pkt->wire_len;
		memcpy(s->head[s->n], pkt->data, 16);
	}
	s->n++;
	return 0;
}

TEST(packet_pcap_linux_cooked)
{
	/* "tcpdump -i any" records: a 16-byte SLL header (packet type,
	 * ARPHRD, address length, address, protocol) before the packet */
	static const uint8_t ip[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17 };
	uint8_t hdr[24] = { 0 }, rec[16], sll[16];
	uint32_t v;
	char pcap[256], err[256] = "";
	struct sll_seen s = { 0 };
	FILE *f;
	int i;

	pcap_path(pcap, sizeof(pcap), "sll");
	f = fopen(pcap, "wb");
	ASSERT_TRUE(f != NULL);
	v = 0xa1b2c3d4, memcpy(hdr, &v, 4);
	hdr[4] = 2, hdr[6] = 4;
	v = 65535, memcpy(hdr + 16, &v, 4);
	v = 113, memcpy(hdr + 20, &v, 4); /* LINKTYPE_LINUX_SLL */
	fwrite(hdr, 1, sizeof(hdr), f);
	for (i = 0; i < 2; i++) {
		memset(sll, 0, sizeof(sll));
		sll[1] = i ? 4 : 0; /* PACKET_OUTGOING, PACKET_HOST */
		sll[3] = 1;	    /* ARPHRD_ETHER */
		sll[14] = 0x08;	    /* ETH_P_IP */
		v = 0, memcpy(rec, &v, 4), memcpy(rec + 4, &v, 4);
		v = 16 + 28, memcpy(rec + 8, &v, 4);
		v = 16 + 28 + (uint32_t)i * 100, memcpy(rec + 12, &v, 4); /* 2nd: snapped */
		fwrite(rec, 1, 16, f);
		fwrite(sll, 1, 16, f);
		fwrite(ip, 1, sizeof(ip), f);
	}
	fclose(f);
	ASSERT_EQ(userbpf_packet_pcap__foreach(pcap, sll_cb, &s, err, sizeof(err)), 2);
	unlink(pcap);
	ASSERT_EQ(s.n, 2);
	ASSERT_EQ(s.pkt_type[0], USERBPF_PACKET_HOST);
	ASSERT_EQ(s.pkt_type[1], USERBPF_PACKET_OUTGOING);
	/* a zero-MAC Ethernet header with the SLL protocol, then the packet */
	ASSERT_EQ(s.caplen[0], 14 + 28);
	ASSERT_EQ(s.wire[1], 14 + 28 + 100);
	ASSERT_EQ(s.head[0][12], 0x08);
	ASSERT_EQ(s.head[0][13], 0x00);
	ASSERT_EQ(s.head[0][14], 0x45);
	ASSERT_EQ(s.head[0][0] | s.head[0][5] | s.head[0][6] | s.head[0][11], 0);
}

TEST(packet_pcap_unsupported_link_type)
{
	uint8_t hdr[24] = { 0 };
	uint32_t v;
	char pcap[256], err[256] = "";
	FILE *f;

	pcap_path(pcap, sizeof(pcap), "802_11");
	f = fopen(pcap, "wb");
	ASSERT_TRUE(f != NULL);
	v = 0xa1b2c3d4, memcpy(hdr, &v, 4);
	hdr[4] = 2, hdr[6] = 4;
	v = 65535, memcpy(hdr + 16, &v, 4);
	v = 105, memcpy(hdr + 20, &v, 4); /* IEEE 802.11 */
	fwrite(hdr, 1, sizeof(hdr), f);
	fclose(f);
	ASSERT_EQ(userbpf_packet_pcap__foreach(pcap, sll_cb, NULL, err, sizeof(err)),
		  -EPROTONOSUPPORT);
	unlink(pcap);
	ASSERT_CONTAINS(err, "is not supported");
	ASSERT_EQ(userbpf_packet_pcap__foreach("/nonexistent.pcap", sll_cb, NULL, err, sizeof(err)),
		  -ENOENT);
}
