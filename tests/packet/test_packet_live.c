/* SPDX-License-Identifier: MIT */
/*
 * test_packet_live.c - packet programs on live loopback traffic, each in
 * a network namespace of its own (so no other test's traffic mixes in):
 *  - "userbpf trace OBJ --iface lo" with the tc_ttl and http_sniff
 *    examples while traffic_gen makes an HTTP exchange and a UDP
 *    datagram, stopped with SIGINT;
 *  - the kernel as oracle for socket filters: the same program attached
 *    to a kernel AF_PACKET socket (SO_ATTACH_BPF) and run by userbpf on
 *    the frames of its own AF_PACKET socket; the bytes each keeps of
 *    every frame must agree;
 *  - without CAP_NET_RAW (a child that dropped root) the capture fails
 *    with a message naming the capability.
 * Skipped with a message when network namespaces or bpf() are refused.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "packet_test.h"
#include "userbpf/object.h"
#include "userbpf/packet.h"

static bool have_file(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_build_dir(), rel);
	return !access(path, R_OK);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	if (buf) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

/* The CLI runs of packet_live_trace_examples, in one namespace. */
static const char *const live_cmds[] = {
	"trace %s/examples/tc_ttl.bpf.o --iface lo",
	"trace %s/examples/http_sniff.bpf.o --iface lo",
	"run %s/packet/ctx_dump.bpf.o --prog xdp_dump --iface lo",
	"run %s/packet/ctx_dump.bpf.o --prog sk_fields --iface lo --json",
	"run %s/packet/ctx_dump.bpf.o --prog tc_dump --iface lo --count 3",
};
#define LIVE_CMDS (sizeof(live_cmds) / sizeof(live_cmds[0]))

TEST(packet_live_trace_examples)
{
	char cmd[8192], out[LIVE_CMDS][128], err[LIVE_CMDS][128], one[512];
	const char *b = test_build_dir();
	char *o[LIVE_CMDS] = { 0 }, *at;
	size_t i, len;
	int rc;

	if (!have_file("examples/tc_ttl.bpf.o") || !have_file("examples/http_sniff.bpf.o") ||
	    !have_file("packet/ctx_dump.bpf.o")) {
		test_skip("BPF objects not built (clang missing)");
		return;
	}
	if (system("command -v unshare >/dev/null 2>&1")) {
		test_skip("unshare (util-linux) missing");
		return;
	}
	len = (size_t)snprintf(cmd, sizeof(cmd),
			       "unshare -n sh -c 'G=%s/packet/traffic_gen; $G --lo-up || exit 3; ",
			       b);
	for (i = 0; i < LIVE_CMDS; i++) {
		snprintf(out[i], sizeof(out[i]), "/tmp/packets_live_%d_%zu.out", (int)getpid(), i);
		snprintf(err[i], sizeof(err[i]), "/tmp/packets_live_%d_%zu.err", (int)getpid(), i);
		snprintf(one, sizeof(one), live_cmds[i], b);
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len,
					"%s/userbpf %s >%s 2>%s & P%zu=$!; ", b, one, out[i],
					err[i], i);
	}
	len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "for i in $(seq 100); do ");
	for (i = 0; i < LIVE_CMDS; i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "grep -q capturing %s && ",
					err[i]);
	len += (size_t)snprintf(cmd + len, sizeof(cmd) - len,
				"break; sleep 0.05; done; $G || exit 4; sleep 0.3; kill -INT");
	for (i = 0; i < LIVE_CMDS; i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " $P%zu", i);
	for (i = 0; i < LIVE_CMDS; i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "; wait $P%zu || exit %zu", i,
					10 + i);
	snprintf(cmd + len, sizeof(cmd) - len, "' >/dev/null 2>&1");
	rc = system(cmd);
	for (i = 0; i < LIVE_CMDS; i++)
		o[i] = slurp(out[i]);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {
		test_skip("no private network namespace (unshare -n refused)");
		goto out;
	}
	if (rc) {
		char *e = WIFEXITED(rc) && WEXITSTATUS(rc) >= 10 &&
					  WEXITSTATUS(rc) < 10 + (int)LIVE_CMDS ?
				  slurp(err[WEXITSTATUS(rc) - 10]) :
				  NULL;

		test_fail(__FILE__, __LINE__, "status %d; stderr: %s", rc, e ? e : "");
		free(e);
		goto out;
	}
	for (i = 0; i < LIVE_CMDS; i++)
		ASSERT_TRUE(o[i] != NULL);
	/* tc sees each frame once (ingress), here the UDP datagram */
	ASSERT_EQ(pt_count(o[0], "IPv4 packet: tot_len 128, ttl 33\n"), 1);
	ASSERT_CONTAINS(o[0], "IPv4 packet: tot_len 60, ttl 64\n"); /* SYN */
	ASSERT_CONTAINS(o[0], "outgoing frames skipped");
	ASSERT_CONTAINS(o[0], "TC_ACT_OK");
	ASSERT_EQ(pt_count(o[0], "IPv4 packet:"), pt_count(o[0], "events: "));
	/* a packet socket's filter sees both directions of lo: twice each */
	ASSERT_EQ(pt_count(o[1], "GET /packet-traffic/1 HTTP/1.1\n"), 2);
	ASSERT_EQ(pt_count(o[1], "POST /packet-traffic/2 HTTP/1.1\n"), 2);
	ASSERT_CONTAINS(o[1], "accept (whole)       4\n");
	ASSERT_CONTAINS(o[1], "key: 00 00 00 00  value: 02 00 00 00 00 00 00 00"); /* GET */
	/* XDP: TCP passes, UDP is dropped, ICMP (port unreachable) bounced */
	ASSERT_CONTAINS(o[2], "XDP_PASS");
	ASSERT_CONTAINS(o[2], "XDP_DROP             1\n");
	ASSERT_CONTAINS(o[2], "XDP_TX               1\n");
	at = strstr(o[2], "packets: ");
	ASSERT_TRUE(at != NULL);
	ASSERT_EQ(pt_count(o[2], "fields: "), strtoul(at + 9, NULL, 10)); /* a record each */
	/* socket filter results of 20..71 bytes: every frame kept truncated */
	ASSERT_CONTAINS(o[3], "\"verdicts\":{\"drop\":0,\"accept\":0,\"truncate\":");
	ASSERT_TRUE(!strstr(o[3], "\"truncate\":0}"));
	/* --count 3: stops by itself after three frames */
	at = strstr(o[4], "packets: 3");
	ASSERT_TRUE(at && (at[10] == ' ' || at[10] == '\n'));
	ASSERT_EQ(pt_count(o[4], "fields: "), 3);
out:
	for (i = 0; i < LIVE_CMDS; i++) {
		free(o[i]);
		unlink(out[i]);
		unlink(err[i]);
	}
}

/* ==== The kernel's packet socket as oracle (in a namespaced child) ==== */

static int silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l;
	(void)f;
	(void)a;
	return 0;
}

struct live_cmp {
	char kernel[8192], ours[8192];
	size_t klen, olen;
	struct userbpf_packet_runner *r;
	int err;
	unsigned frames;
};

static void add_len(char *buf, size_t *len, size_t cap, uint32_t v)
{
	int n = snprintf(buf + *len, cap - *len, "%u ", v);

	if (n > 0 && (size_t)n < cap - *len)
		*len += (size_t)n;
}

static int our_frame(void *cookie, const struct userbpf_packet *pkt)
{
	struct live_cmp *c = cookie;
	uint64_t r0 = 0;
	uint32_t v;

	c->frames++;
	if (userbpf_packet_runner__run(c->r, pkt, &r0, NULL)) {
		c->err = 1;
		return 1;
	}
	v = (uint32_t)r0;
	if (v) /* kept bytes; 0 = dropped */
		add_len(c->ours, &c->olen, sizeof(c->ours), v < pkt->caplen ? v : pkt->caplen);
	return 0;
}

/*
 * In the child: a namespace, lo up, the kernel's socket and ours, the
 * traffic, then both sides' kept lengths.  Writes "SKIP why", "FAIL why"
 * or "OK kernel|ours" to fd.
 */
static void live_oracle_child(int fd, const char *obj_path, const char *prog)
{
	static struct live_cmp c;
	struct bpf_object *kobj;
	struct userbpf_object *uobj;
	struct userbpf_packet_live *l;
	struct sockaddr_ll sll = { 0 };
	char cmd[512], err[256] = "", msg[20000];
	int ks, pfd, i;

	if (unshare(CLONE_NEWNET)) {
		dprintf(fd, "SKIP unshare(CLONE_NEWNET): %s", strerror(errno));
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/packet/traffic_gen --lo-up", test_build_dir());
	if (system(cmd)) {
		dprintf(fd, "SKIP cannot bring lo up in the namespace");
		return;
	}
	libbpf_set_print(silent);
	kobj = bpf_object__open_file(obj_path, NULL);
	if (!kobj || bpf_object__load(kobj)) {
		dprintf(fd, "SKIP the kernel refused to load %s", obj_path);
		return;
	}
	pfd = bpf_program__fd(bpf_object__find_program_by_name(kobj, prog));
	ks = socket(AF_PACKET, SOCK_RAW, 0);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	if (ks < 0 || bind(ks, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(ks, SOL_SOCKET, SO_ATTACH_BPF, &pfd, sizeof(pfd))) {
		dprintf(fd, "SKIP kernel packet socket with the filter: %s", strerror(errno));
		return;
	}
	uobj = userbpf_object__open_file(obj_path, NULL);
	if (!uobj || userbpf_object__load(uobj)) {
		dprintf(fd, "FAIL userbpf cannot load %s", obj_path);
		return;
	}
	c.r = userbpf_packet_runner__new(
		userbpf_program__prog(userbpf_object__find_program_by_name(uobj, prog)), NULL);
	l = userbpf_packet_live__open("lo", err, sizeof(err));
	if (!c.r || !l) {
		dprintf(fd, "FAIL userbpf live capture: %s", err);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/packet/traffic_gen", test_build_dir());
	if (system(cmd)) {
		dprintf(fd, "FAIL traffic_gen failed");
		return;
	}
	usleep(100 * 1000);
	for (;;) { /* the kernel's socket: bytes kept per frame (MSG_TRUNC) */
		uint8_t buf[70000];
		ssize_t n = recv(ks, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0)
			break;
		add_len(c.kernel, &c.klen, sizeof(c.kernel), (uint32_t)n);
	}
	for (i = 0; i < 100; i++) { /* until a quiet 50 ms */
		long got = userbpf_packet_live__poll(l, 50, our_frame, &c);

		if (got <= 0 || c.err)
			break;
	}
	if (c.err) {
		dprintf(fd, "FAIL a run failed");
		return;
	}
	snprintf(msg, sizeof(msg), "OK %u frames|%s|%s", c.frames, c.kernel, c.ours);
	if (write(fd, msg, strlen(msg)) < 0)
		return;
}

static void live_oracle(const char *obj, const char *prog, unsigned min_kept)
{
	char path[512], buf[20001];
	int p[2], st;
	ssize_t n;
	size_t got = 0;
	pid_t pid;
	char *k, *o;

	snprintf(path, sizeof(path), "%s/%s", test_build_dir(), obj);
	if (access(path, R_OK)) {
		test_skip("%s not built (clang missing)", path);
		return;
	}
	ASSERT_OK(pipe(p));
	fflush(NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		live_oracle_child(p[1], path, prog);
		_exit(0);
	}
	close(p[1]);
	while (got < sizeof(buf) - 1 && (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	if (!strncmp(buf, "SKIP ", 5)) {
		test_skip("%s", buf + 5);
		return;
	}
	if (strncmp(buf, "OK ", 3)) {
		test_fail(__FILE__, __LINE__, "%s", got ? buf : "child died");
		return;
	}
	k = strchr(buf, '|');
	ASSERT_TRUE(k != NULL);
	*k++ = '\0';
	o = strchr(k, '|');
	ASSERT_TRUE(o != NULL);
	*o++ = '\0';
	if (test_verbose())
		printf("%s: %s\n  kernel kept: %s\n  userbpf kept: %s\n", prog, buf, k, o);
	ASSERT_STREQ(o, k);
	ASSERT_TRUE(pt_count(k, " ") >= min_kept);
}

TEST(packet_live_socket_filter_vs_kernel)
{
	/* every frame kept, its length encoding pkt_type, ingress, protocol */
	live_oracle("packet/ctx_dump.bpf.o", "sk_fields", 20);
}

TEST(packet_live_http_sniff_vs_kernel)
{
	/* the 2 requests, in both directions */
	live_oracle("examples/http_sniff.bpf.o", "http_sniff", 4);
}

/* ==== Without CAP_NET_RAW ==== */

TEST(packet_live_needs_cap_net_raw)
{
	char path[512], obj[512], msg[1024] = "";
	int p[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/userbpf", test_build_dir());
	snprintf(obj, sizeof(obj), "%s/examples/tc_ttl.bpf.o", test_build_dir());
	if (access(obj, R_OK)) {
		test_skip("examples not built (clang missing)");
		return;
	}
	ASSERT_OK(pipe(p));
	fflush(NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		close(p[0]);
		dup2(p[1], 2);
		dup2(devnull, 1);
		if (getuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(99);
		execl(path, path, "run", obj, "--prog", "tc_ttl", "--iface", "lo", "--count", "1",
		      (char *)NULL);
		_exit(98);
	}
	close(p[1]);
	while (got < sizeof(msg) - 1 && (n = read(p[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 99 || WEXITSTATUS(st) == 98)) {
		test_skip("cannot run the CLI as an unprivileged user (status %d)",
			  WEXITSTATUS(st));
		return;
	}
	if (strstr(msg, "cannot read") || strstr(msg, "Permission denied")) {
		test_skip("the build directory is not readable by nobody: %s", msg);
		return;
	}
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 1);
	ASSERT_CONTAINS(msg, "CAP_NET_RAW");
	ASSERT_CONTAINS(msg, "'lo'");
}
