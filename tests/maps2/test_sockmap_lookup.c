// SPDX-License-Identifier: MIT
/*
 * test_sockmap_lookup.c - bpf_map_lookup_elem on a SOCKMAP or SOCKHASH
 * from a program (src/helpers/sock_helpers.c, src/maps/sock_common.c):
 * the kernel returns a referenced socket (PTR_TO_SOCKET, read as struct
 * bpf_sock) that the program gives back with bpf_sk_release.  The same
 * tc program, as instructions, runs in the kernel (BPF_PROG_TEST_RUN on
 * a packet) and in userbpf (checked) over maps holding the same sockets;
 * it copies every struct bpf_sock field it gets into an array map, and
 * the two copies must be equal, field by field.  Then what the kernel's
 * verifier refuses (writing to the socket, reading past it, releasing
 * twice) must stop a checked userbpf run.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/test.h"
#include "../unit/test_bpf.h"
#include "userbpf/map.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OUT_SIZE 80 /* sizeof(struct bpf_sock) */
#define BPF_FUNC_SK_RELEASE 86
#define MAX_INSNS 80

/* The two maps a program names: imm 0 the sock map, imm 1 the out array. */
struct two_maps {
	struct userbpf_map *m[2];
};

static int resolve_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	struct two_maps *t = cookie;

	(void)src, (void)next;
	if (imm < 0 || imm > 1)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)t->m[imm];
	return 0;
}

struct prog_buf {
	struct userbpf_insn i[MAX_INSNS];
	unsigned n;
};

static void emit(struct prog_buf *p, struct userbpf_insn insn)
{
	p->i[p->n++] = insn;
}

static void emit_map(struct prog_buf *p, int reg, int imm)
{
	struct userbpf_insn ld[] = { USERBPF_LD_IMM64_RAW(reg, USERBPF_PSEUDO_MAP_FD, imm) };

	emit(p, ld[0]);
	emit(p, ld[1]);
}

/* The struct bpf_sock fields: offset, load size, words (the IPv6
 * addresses are read as four u32). */
static const struct {
	int16_t off;
	uint8_t size;
	uint8_t words;
	const char *name;
} fields[] = {
	{ offsetof(struct bpf_sock, bound_dev_if), USERBPF_W, 1, "bound_dev_if" },
	{ offsetof(struct bpf_sock, family), USERBPF_W, 1, "family" },
	{ offsetof(struct bpf_sock, type), USERBPF_W, 1, "type" },
	{ offsetof(struct bpf_sock, protocol), USERBPF_W, 1, "protocol" },
	{ offsetof(struct bpf_sock, mark), USERBPF_W, 1, "mark" },
	{ offsetof(struct bpf_sock, priority), USERBPF_W, 1, "priority" },
	{ offsetof(struct bpf_sock, src_ip4), USERBPF_W, 1, "src_ip4" },
	{ offsetof(struct bpf_sock, src_ip6), USERBPF_W, 4, "src_ip6" },
	{ offsetof(struct bpf_sock, src_port), USERBPF_W, 1, "src_port" },
	{ offsetof(struct bpf_sock, dst_port), USERBPF_H, 1, "dst_port" },
	{ offsetof(struct bpf_sock, dst_ip4), USERBPF_W, 1, "dst_ip4" },
	{ offsetof(struct bpf_sock, dst_ip6), USERBPF_W, 4, "dst_ip6" },
	{ offsetof(struct bpf_sock, state), USERBPF_W, 1, "state" },
	{ offsetof(struct bpf_sock, rx_queue_mapping), USERBPF_W, 1, "rx_queue_mapping" },
};

enum variant { V_COPY, V_WRITE, V_PAST_END, V_DOUBLE_RELEASE, V_NO_RELEASE };

/*
 * sk = lookup(sockmap, &key); if (!sk) return 0;
 * V_COPY: out[0] = every field of *sk; then release(sk), return 1.
 * The other variants do what the kernel's verifier refuses.
 */
static void build(struct prog_buf *p, uint32_t key, enum variant v)
{
	unsigned i, w, jfix;

	p->n = 0;
	emit(p, USERBPF_ST_MEM(USERBPF_W, 10, -4, (int32_t)key));
	emit_map(p, 1, 0);
	emit(p, USERBPF_MOV64_REG(2, 10));
	emit(p, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4));
	emit(p, USERBPF_CALL_HELPER(1));
	emit(p, USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2));
	emit(p, USERBPF_MOV64_IMM(0, 0));
	emit(p, USERBPF_EXIT_INSN());
	emit(p, USERBPF_MOV64_REG(7, 0));
	if (v == V_WRITE)
		emit(p, USERBPF_ST_MEM(USERBPF_W, 7, offsetof(struct bpf_sock, mark), 7));
	if (v == V_PAST_END)
		emit(p, USERBPF_LDX_MEM(USERBPF_W, 1, 7, OUT_SIZE));
	emit(p, USERBPF_ST_MEM(USERBPF_W, 10, -8, 0));
	emit_map(p, 1, 1);
	emit(p, USERBPF_MOV64_REG(2, 10));
	emit(p, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -8));
	emit(p, USERBPF_CALL_HELPER(1));
	jfix = p->n;
	emit(p, USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 0));
	for (i = 0; i < N(fields); i++) {
		for (w = 0; w < fields[i].words; w++) {
			int16_t off = (int16_t)(fields[i].off + 4 * w);

			emit(p, USERBPF_LDX_MEM(fields[i].size, 1, 7, off));
			emit(p, USERBPF_STX_MEM(fields[i].size, 0, 1, off));
		}
	}
	p->i[jfix].off = (int16_t)(p->n - jfix - 1);
	if (v != V_NO_RELEASE) {
		emit(p, USERBPF_MOV64_REG(1, 7));
		emit(p, USERBPF_CALL_HELPER(BPF_FUNC_SK_RELEASE));
	}
	if (v == V_DOUBLE_RELEASE) {
		emit(p, USERBPF_MOV64_REG(1, 7));
		emit(p, USERBPF_CALL_HELPER(BPF_FUNC_SK_RELEASE));
	}
	emit(p, USERBPF_MOV64_IMM(0, 1));
	emit(p, USERBPF_EXIT_INSN());
}

/* ==== the kernel side ==== */

struct kside {
	int sock_map, out;
};

/* Loads p with the maps' fds patched in: the prog fd or -errno. */
static int kernel_prog(const struct prog_buf *p, const struct kside *k, char *log, size_t log_sz)
{
	struct userbpf_insn insns[MAX_INSNS];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = (uint32_t)log_sz,
		    .log_level = 1);
	unsigned i;
	int fd;

	memcpy(insns, p->i, p->n * sizeof(insns[0]));
	for (i = 0; i < p->n; i++)
		if (insns[i].code == (USERBPF_LD | USERBPF_DW | USERBPF_IMM) && insns[i].src_reg)
			insns[i].imm = insns[i].imm ? k->out : k->sock_map;
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", (const struct bpf_insn *)insns,
			   p->n, &o);
	return fd < 0 ? -errno : fd;
}

/* Runs the copy program in the kernel: retval, out[0] in *out. */
static int kernel_run(int prog, const struct kside *k, uint8_t out[OUT_SIZE], uint32_t *retval)
{
	uint8_t pkt[64] = { 0 };
	uint32_t zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));

	memset(out, 0, OUT_SIZE);
	if (bpf_map_update_elem(k->out, &zero, out, 0))
		return -errno;
	if (bpf_prog_test_run_opts(prog, &t))
		return -errno;
	*retval = t.retval;
	return bpf_map_lookup_elem(k->out, &zero, out) ? -errno : 0;
}

/* ==== the userbpf side ==== */

static struct userbpf_prog *user_prog(const struct prog_buf *p, struct two_maps *t)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map, .ld_imm64_cookie = t,
		     .prog_type = USERBPF_PROG_TYPE_SCHED_CLS);

	return userbpf_prog__new(p->i, p->n, &po);
}

/* A run (checked unless told): 0 with retval and out[0], or its error. */
static int user_run_flags(struct userbpf_prog *prog, struct two_maps *t, uint8_t out[OUT_SIZE],
			  uint64_t *retval, uint32_t flags)
{
	uint8_t pkt[64] = { 0 };
	uint32_t zero = 0;
	uint64_t ctx[24] = { 0 };
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx), .data = pkt,
		     .data_size = sizeof(pkt), .flags = flags);
	int err;

	memset(out, 0, OUT_SIZE);
	if (userbpf_map__update_elem(t->m[1], &zero, out, 0))
		return -EIO;
	err = userbpf_prog__run(prog, &ro, retval);
	if (err)
		return err;
	return userbpf_map__lookup_elem(t->m[1], &zero, out, 0);
}

static int user_run(struct userbpf_prog *prog, struct two_maps *t, uint8_t out[OUT_SIZE],
		    uint64_t *retval)
{
	return user_run_flags(prog, t, out, retval, USERBPF_RUN_CHECKED);
}

/* ==== sockets ==== */

enum {
	K_TCP4_LISTEN,
	K_TCP4_CLIENT,
	K_TCP4_ACCEPTED,
	K_UDP4_BOUND,
	K_UDP4_CONNECTED,
	K_TCP6_LISTEN,
	K_TCP6_CLIENT,
	K_UNIX_STREAM,
	K_UNIX_DGRAM,
	K_NUM
};

static const char *const kind_names[K_NUM] = {
	"tcp4 listener (mark 7, priority 3)",
	"tcp4 client",
	"tcp4 accepted",
	"udp4 bound",
	"udp4 connected",
	"tcp6 listener on ::1",
	"tcp6 client",
	"unix stream pair",
	"unix dgram pair",
};

struct socks {
	int fd[K_NUM];
	int extra[4];
};

static int socks_open(struct socks *s)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(a4);
	int mark = 7, prio = 3, sp[2], dp[2];

	memset(s, -1, sizeof(*s));
	s->fd[K_TCP4_LISTEN] = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(s->fd[K_TCP4_LISTEN], SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    setsockopt(s->fd[K_TCP4_LISTEN], SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio)) ||
	    bind(s->fd[K_TCP4_LISTEN], (struct sockaddr *)&a4, sizeof(a4)) ||
	    listen(s->fd[K_TCP4_LISTEN], 4) ||
	    getsockname(s->fd[K_TCP4_LISTEN], (struct sockaddr *)&a4, &len))
		return -1;
	s->fd[K_TCP4_CLIENT] = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s->fd[K_TCP4_CLIENT], (struct sockaddr *)&a4, sizeof(a4)))
		return -1;
	s->fd[K_TCP4_ACCEPTED] = accept(s->fd[K_TCP4_LISTEN], NULL, NULL);
	a4.sin_port = 0;
	s->fd[K_UDP4_BOUND] = socket(AF_INET, SOCK_DGRAM, 0);
	s->fd[K_UDP4_CONNECTED] = socket(AF_INET, SOCK_DGRAM, 0);
	len = sizeof(a4);
	if (bind(s->fd[K_UDP4_BOUND], (struct sockaddr *)&a4, sizeof(a4)) ||
	    getsockname(s->fd[K_UDP4_BOUND], (struct sockaddr *)&a4, &len) ||
	    connect(s->fd[K_UDP4_CONNECTED], (struct sockaddr *)&a4, sizeof(a4)))
		return -1;
	s->fd[K_TCP6_LISTEN] = socket(AF_INET6, SOCK_STREAM, 0);
	len = sizeof(a6);
	if (s->fd[K_TCP6_LISTEN] < 0 || bind(s->fd[K_TCP6_LISTEN], (struct sockaddr *)&a6, len) ||
	    listen(s->fd[K_TCP6_LISTEN], 4) ||
	    getsockname(s->fd[K_TCP6_LISTEN], (struct sockaddr *)&a6, &len))
		return -2; /* no IPv6 loopback */
	s->fd[K_TCP6_CLIENT] = socket(AF_INET6, SOCK_STREAM, 0);
	if (connect(s->fd[K_TCP6_CLIENT], (struct sockaddr *)&a6, sizeof(a6)))
		return -1;
	s->extra[2] = accept(s->fd[K_TCP6_LISTEN], NULL, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dp))
		return -1;
	s->fd[K_UNIX_STREAM] = sp[0];
	s->extra[0] = sp[1];
	s->fd[K_UNIX_DGRAM] = dp[0];
	s->extra[1] = dp[1];
	return 0;
}

static void socks_close(struct socks *s)
{
	unsigned i;

	for (i = 0; i < K_NUM; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	for (i = 0; i < N(s->extra); i++)
		if (s->extra[i] >= 0)
			close(s->extra[i]);
}

/* Open the sockets, or return from the test (skipped without IPv6). */
#define SOCKS_OPEN_OR_SKIP(S)                                                                      \
	do {                                                                                       \
		int r_ = socks_open(S);                                                            \
		if (r_ == -2) {                                                                    \
			socks_close(S);                                                            \
			test_skip("no IPv6 loopback here");                                        \
			return;                                                                    \
		}                                                                                  \
		ASSERT_OK(r_);                                                                     \
	} while (0)

/* Both sides' maps and the sockets, whatever was opened. */
static void sides_close(struct kside *k, struct two_maps *t, struct socks *s)
{
	if (k->sock_map >= 0)
		close(k->sock_map);
	if (k->out >= 0)
		close(k->out);
	userbpf_map__put(t->m[0]);
	userbpf_map__put(t->m[1]);
	socks_close(s);
}

static int kernel_sockmap(uint32_t type)
{
	int fd = bpf_map_create(type, NULL, 4, 4, K_NUM + 1, NULL);

	return fd < 0 ? -errno : fd;
}

/* Every socket kind at key = its kind, key K_NUM empty, on both sides. */
static void lookup_matches_kernel(uint32_t map_type)
{
	struct two_maps t = { { NULL, NULL } };
	struct kside k = { -1, -1 };
	struct socks s;
	struct prog_buf p;
	static char log[65536];
	unsigned mismatches = 0;
	uint32_t key;

	if (!kernel_ok()) {
		test_skip("the kernel refuses bpf() here");
		return;
	}
	SOCKS_OPEN_OR_SKIP(&s);
	k.sock_map = kernel_sockmap(map_type);
	k.out = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, OUT_SIZE, 1, NULL);
	t.m[0] = userbpf_map__create(map_type, "socks", 4, 4, K_NUM + 1, NULL);
	t.m[1] = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "out", 4, OUT_SIZE, 1, NULL);
	ASSERT_TRUE(t.m[0] && t.m[1]);
	if (k.sock_map < 0 || k.out < 0) {
		test_skip("the kernel refuses the sock map (%s): kernel oracle skipped",
			  strerror(k.sock_map < 0 ? -k.sock_map : errno));
		goto out;
	}
	for (key = 0; key < K_NUM; key++) {
		uint32_t fd = (uint32_t)s.fd[key];

		ASSERT_OK(bpf_map_update_elem(k.sock_map, &key, &fd, 0));
		ASSERT_OK(userbpf_map__update_elem(t.m[0], &key, &fd, 0));
	}
	for (key = 0; key <= K_NUM; key++) {
		uint8_t kout[OUT_SIZE], uout[OUT_SIZE];
		struct userbpf_prog *prog;
		uint32_t kret = 0;
		uint64_t uret = 0;
		unsigned i, w;
		int kfd;

		build(&p, key, V_COPY);
		kfd = kernel_prog(&p, &k, log, sizeof(log));
		if (kfd < 0)
			printf("  kernel load: %s\n%s\n", strerror(-kfd), log);
		ASSERT_TRUE(kfd >= 0);
		ASSERT_OK(kernel_run(kfd, &k, kout, &kret));
		close(kfd);
		prog = user_prog(&p, &t);
		ASSERT_TRUE(prog);
		ASSERT_OK(user_run(prog, &t, uout, &uret));
		userbpf_prog__free(prog);
		ASSERT_EQ(uret, kret);
		ASSERT_EQ(kret, key < K_NUM ? 1 : 0);
		for (i = 0; i < N(fields); i++) {
			for (w = 0; w < fields[i].words; w++) {
				size_t off = (size_t)fields[i].off + 4 * w;
				uint32_t kv = 0, uv = 0;

				memcpy(&kv, kout + off, fields[i].size == USERBPF_H ? 2 : 4);
				memcpy(&uv, uout + off, fields[i].size == USERBPF_H ? 2 : 4);
				if (kv == uv)
					continue;
				/* the kernel records a loopback socket's receive
				 * queue (0) on some runs and not (-1) on others
				 * (seen on a loaded machine); userbpf's sockets
				 * never record one */
				if (fields[i].off ==
					    (int16_t)offsetof(struct bpf_sock, rx_queue_mapping) &&
				    kv == 0 && uv == 0xffffffffu)
					continue;
				printf("  %s: %s[%u] kernel %#x, userbpf %#x\n",
				       key < K_NUM ? kind_names[key] : "empty", fields[i].name, w,
				       kv, uv);
				mismatches++;
			}
		}
	}
	ASSERT_EQ(mismatches, 0);
out:
	sides_close(&k, &t, &s);
}

TEST(maps2_sockmap_prog_lookup_matches_kernel)
{
	lookup_matches_kernel(USERBPF_MAP_TYPE_SOCKMAP);
}

TEST(maps2_sockhash_prog_lookup_matches_kernel)
{
	lookup_matches_kernel(USERBPF_MAP_TYPE_SOCKHASH);
}

/*
 * What the kernel's verifier refuses stops a checked run: a write to the
 * socket, a read past struct bpf_sock, a second release.  A socket the
 * program does not release is given back when the run ends (the kernel
 * refuses such a program: "Unreleased reference").
 */
TEST(maps2_sock_prog_lookup_misuse)
{
	static const struct {
		enum variant v;
		int err; /* the checked run's, 0: runs */
		const char *kernel_says;
	} c[] = {
		{ V_WRITE, -EACCES, "cannot write into sock" },
		{ V_PAST_END, -EACCES, "invalid sock access" },
		{ V_DOUBLE_RELEASE, -EINVAL, "" },
		{ V_NO_RELEASE, 0, "Unreleased reference" },
	};
	struct two_maps t;
	struct socks s;
	uint32_t key = 0, fd;
	unsigned i, round;
	int r;

	SOCKS_OPEN_OR_SKIP(&s);
	t.m[0] = userbpf_map__create(USERBPF_MAP_TYPE_SOCKMAP, "socks", 4, 4, 2, NULL);
	t.m[1] = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "out", 4, OUT_SIZE, 1, NULL);
	ASSERT_TRUE(t.m[0] && t.m[1]);
	fd = (uint32_t)s.fd[K_TCP4_ACCEPTED];
	ASSERT_OK(userbpf_map__update_elem(t.m[0], &key, &fd, 0));
	for (i = 0; i < N(c); i++) {
		struct prog_buf p;
		struct userbpf_prog *prog;
		uint8_t out[OUT_SIZE];
		uint64_t ret = 0;

		build(&p, 0, c[i].v);
		prog = user_prog(&p, &t);
		ASSERT_TRUE(prog);
		/* twice: a run gives back what it holds */
		for (round = 0; round < 2; round++) {
			r = user_run(prog, &t, out, &ret);
			if (c[i].err) {
				ASSERT_TRUE(r < 0);
			} else {
				ASSERT_OK(r);
				ASSERT_EQ(ret, 1);
				ASSERT_EQ(*(uint32_t *)(out + offsetof(struct bpf_sock, family)),
					  AF_INET);
			}
		}
		if (c[i].v == V_NO_RELEASE) {
			/* unchecked: the JIT (its direct map calls must not
			 * bypass the sock-map lookup) and the fast interpreter */
			ASSERT_OK(user_run_flags(prog, &t, out, &ret, USERBPF_RUN_UNCHECKED));
			ASSERT_EQ(ret, 1);
			ASSERT_EQ(*(uint32_t *)(out + offsetof(struct bpf_sock, state)), 1);
			ASSERT_OK(user_run_flags(prog, &t, out, &ret,
						 USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER));
			ASSERT_EQ(ret, 1);
			ASSERT_EQ(*(uint32_t *)(out + offsetof(struct bpf_sock, state)), 1);
		}
		userbpf_prog__free(prog);
		if (kernel_ok() && c[i].kernel_says[0]) {
			int kmap = kernel_sockmap(USERBPF_MAP_TYPE_SOCKMAP);
			int kout = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, OUT_SIZE, 1, NULL);
			struct kside k = { kmap, kout };
			static char log[65536];
			int kfd = kmap >= 0 && kout >= 0 ? kernel_prog(&p, &k, log, sizeof(log)) :
							   -EPERM;

			if (kfd >= 0)
				close(kfd);
			else if (kmap >= 0 && kout >= 0)
				ASSERT_TRUE(strstr(log, c[i].kernel_says) != NULL);
			ASSERT_TRUE(kfd < 0);
			if (kmap >= 0)
				close(kmap);
			if (kout >= 0)
				close(kout);
		}
	}
	userbpf_map__put(t.m[0]);
	userbpf_map__put(t.m[1]);
	socks_close(&s);
}

/* ==== bpf_map_update_elem with a socket from a lookup ==== */

/*
 * sk = lookup(A, &0); if (!sk) return -1000;
 * r = bpf_map_update_elem(B, &key_b, sk, flags); release(sk); return r.
 */
static void build_move(struct prog_buf *p, uint32_t key_b, int32_t flags)
{
	p->n = 0;
	emit(p, USERBPF_ST_MEM(USERBPF_W, 10, -4, 0));
	emit(p, USERBPF_ST_MEM(USERBPF_W, 10, -8, (int32_t)key_b));
	emit_map(p, 1, 0);
	emit(p, USERBPF_MOV64_REG(2, 10));
	emit(p, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4));
	emit(p, USERBPF_CALL_HELPER(1));
	emit(p, USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2));
	emit(p, USERBPF_MOV64_IMM(0, -1000));
	emit(p, USERBPF_EXIT_INSN());
	emit(p, USERBPF_MOV64_REG(6, 0));
	emit_map(p, 1, 1);
	emit(p, USERBPF_MOV64_REG(2, 10));
	emit(p, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -8));
	emit(p, USERBPF_MOV64_REG(3, 6));
	emit(p, USERBPF_MOV64_IMM(4, flags));
	emit(p, USERBPF_CALL_HELPER(2));
	emit(p, USERBPF_MOV64_REG(7, 0));
	emit(p, USERBPF_MOV64_REG(1, 6));
	emit(p, USERBPF_CALL_HELPER(BPF_FUNC_SK_RELEASE));
	emit(p, USERBPF_MOV64_REG(0, 7));
	emit(p, USERBPF_EXIT_INSN());
}

/* The program's r0 on both sides (int32), after which B[key] is compared
 * (syscall lookups: the socket cookie or the errno). */
static void same_move(struct kside *k, struct two_maps *t, uint32_t key_b, int32_t flags,
		      int32_t want)
{
	uint8_t pkt[64] = { 0 };
	uint64_t ctx[24] = { 0 }, ur = 0, kc = 0, uc = 0;
	LIBBPF_OPTS(bpf_test_run_opts, tr, .data_in = pkt, .data_size_in = sizeof(pkt));
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx), .data = pkt,
		     .data_size = sizeof(pkt), .flags = USERBPF_RUN_CHECKED);
	static char log[65536];
	struct userbpf_prog *prog;
	struct prog_buf p;
	int kfd, kl, ul;

	build_move(&p, key_b, flags);
	kfd = kernel_prog(&p, k, log, sizeof(log));
	if (kfd < 0)
		printf("  kernel load: %s\n%s\n", strerror(-kfd), log);
	ASSERT_TRUE(kfd >= 0);
	ASSERT_OK(bpf_prog_test_run_opts(kfd, &tr));
	close(kfd);
	prog = user_prog(&p, t);
	ASSERT_TRUE(prog);
	ASSERT_OK(userbpf_prog__run(prog, &ro, &ur));
	userbpf_prog__free(prog);
	if ((int32_t)tr.retval != (int32_t)ur || (int32_t)ur != want)
		printf("  key %u flags %d: kernel %d, userbpf %d, want %d\n", key_b, flags,
		       (int32_t)tr.retval, (int32_t)ur, want);
	ASSERT_EQ((int32_t)ur, (int32_t)tr.retval);
	ASSERT_EQ((int32_t)ur, want);
	kl = bpf_map_lookup_elem(k->out, &key_b, &kc) ? -errno : 0;
	ul = userbpf_map__lookup_elem(t->m[1], &key_b, &uc, 0);
	ASSERT_EQ(ul, kl);
	ASSERT_EQ(uc, kc);
}

static void move_matches_kernel(uint32_t type_b)
{
	static const struct {
		int kind;      /* the socket at A[0] */
		uint32_t key;  /* in B (max 4 entries) */
		int32_t flags; /* update flags */
		int32_t want;
	} c[] = {
		{ K_TCP4_ACCEPTED, 1, 0, 0 },
		{ K_TCP4_ACCEPTED, 1, 1 /* NOEXIST */, -EEXIST },
		{ K_TCP4_ACCEPTED, 2, 2 /* EXIST */, -ENOENT },
		{ K_TCP4_ACCEPTED, 3, 4, -EINVAL },
		{ K_TCP4_LISTEN, 1, 2, 0 },
		{ K_UDP4_BOUND, 2, 0, 0 },
		{ K_UNIX_STREAM, 3, 0, 0 },
		{ K_TCP4_CLIENT, 9, 0, -E2BIG }, /* past the end; a hash is full */
	};
	struct two_maps t = { { NULL, NULL } };
	struct kside k = { -1, -1 };
	struct socks s;
	uint32_t zero = 0, i;

	if (!kernel_ok()) {
		test_skip("the kernel refuses bpf() here");
		return;
	}
	SOCKS_OPEN_OR_SKIP(&s);
	k.sock_map = kernel_sockmap(USERBPF_MAP_TYPE_SOCKMAP);
	k.out = bpf_map_create(type_b, NULL, 4, 8, 4, NULL);
	t.m[0] = userbpf_map__create(USERBPF_MAP_TYPE_SOCKMAP, "a", 4, 4, K_NUM + 1, NULL);
	t.m[1] = userbpf_map__create(type_b, "b", 4, 8, 4, NULL);
	ASSERT_TRUE(t.m[0] && t.m[1]);
	if (k.sock_map < 0 || k.out < 0) {
		test_skip("the kernel refuses the sock maps: kernel oracle skipped");
		goto out;
	}
	if (type_b == USERBPF_MAP_TYPE_SOCKHASH) {
		/* a fourth key: 100, 1, 2, 3 fill it, key 9 finds it full */
		uint32_t extra = 100;
		uint64_t fd = (uint64_t)s.fd[K_TCP4_CLIENT];

		ASSERT_OK(bpf_map_update_elem(k.out, &extra, &fd, 0));
		ASSERT_OK(userbpf_map__update_elem(t.m[1], &extra, &fd, 0));
	}
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t fd = (uint32_t)s.fd[c[i].kind];
		ASSERT_OK(bpf_map_update_elem(k.sock_map, &zero, &fd, 0));
		ASSERT_OK(userbpf_map__update_elem(t.m[0], &zero, &fd, 0));
		same_move(&k, &t, c[i].key, c[i].flags, c[i].want);
	}
out:
	sides_close(&k, &t, &s);
}

TEST(maps2_sockmap_prog_update_with_socket_matches_kernel)
{
	move_matches_kernel(USERBPF_MAP_TYPE_SOCKMAP);
}

TEST(maps2_sockhash_prog_update_with_socket_matches_kernel)
{
	move_matches_kernel(USERBPF_MAP_TYPE_SOCKHASH);
}
