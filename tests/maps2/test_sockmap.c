// SPDX-License-Identifier: MIT
/*
 * test_sockmap.c - BPF_MAP_TYPE_SOCKMAP and SOCKHASH (src/maps/sockmap.c,
 * sockhash.c) and their helpers (src/helpers/sock_helpers.c), against
 * the running kernel: the same creations, socket updates and element
 * commands go to a kernel map through libbpf and to a userbpf map, and
 * the errno values (and looked-up socket cookies) must agree.  Skipped
 * with a message when the kernel refuses bpf().
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/map.h"
#include "userbpf/progs.h"
#include "userbpf/verifier.h"
#include "userbpf/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* ==== sockets of every kind the kernel distinguishes ==== */

enum { S_LISTEN, S_CLIENT, S_ACCEPTED, S_TCP_UNBOUND, S_UDP, S_UDP_BOUND,
       S_UNIX_STREAM, S_UNIX_DGRAM, S_UNIX_UNCONN, S_PIPE, S_CLOSED, S_NUM };

static const char *const sock_names[S_NUM] = {
	"tcp listener", "tcp client", "tcp accepted", "tcp unbound", "udp unbound",
	"udp bound", "unix stream pair", "unix dgram pair", "unix stream unconnected",
	"pipe", "closed fd",
};

struct socks {
	int fd[S_NUM];
	int extra[4];
	struct sockaddr_in addr;
};

static int socks_open(struct socks *s)
{
	struct sockaddr_in b = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(s->addr);
	int sp[2], dp[2], pp[2];

	memset(s, -1, sizeof(*s));
	memset(&s->addr, 0, sizeof(s->addr));
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd[S_LISTEN] = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(s->fd[S_LISTEN], (struct sockaddr *)&s->addr, sizeof(s->addr)) ||
	    listen(s->fd[S_LISTEN], 8) ||
	    getsockname(s->fd[S_LISTEN], (struct sockaddr *)&s->addr, &len))
		return -1;
	s->fd[S_CLIENT] = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s->fd[S_CLIENT], (struct sockaddr *)&s->addr, sizeof(s->addr)))
		return -1;
	s->fd[S_ACCEPTED] = accept(s->fd[S_LISTEN], NULL, NULL);
	s->fd[S_TCP_UNBOUND] = socket(AF_INET, SOCK_STREAM, 0);
	s->fd[S_UDP] = socket(AF_INET, SOCK_DGRAM, 0);
	s->fd[S_UDP_BOUND] = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(s->fd[S_UDP_BOUND], (struct sockaddr *)&b, sizeof(b)))
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dp) ||
	    pipe(pp))
		return -1;
	s->fd[S_UNIX_STREAM] = sp[0];
	s->extra[0] = sp[1];
	s->fd[S_UNIX_DGRAM] = dp[0];
	s->extra[1] = dp[1];
	s->fd[S_UNIX_UNCONN] = socket(AF_UNIX, SOCK_STREAM, 0);
	s->fd[S_PIPE] = pp[0];
	s->extra[2] = pp[1];
	s->fd[S_CLOSED] = dup(0);
	close(s->fd[S_CLOSED]);
	return 0;
}

static void socks_close(struct socks *s)
{
	unsigned i;

	for (i = 0; i < S_NUM; i++)
		if (i != S_CLOSED && s->fd[i] >= 0)
			close(s->fd[i]);
	for (i = 0; i < N(s->extra); i++)
		if (s->extra[i] >= 0)
			close(s->extra[i]);
}

/* An established TCP pair (client, accepted) on the listener. */
static int tcp_pair(const struct socks *s, int *c, int *a)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*c, (const struct sockaddr *)&s->addr, sizeof(s->addr)))
		return -1;
	*a = accept(s->fd[S_LISTEN], NULL, NULL);
	return *a < 0 ? -1 : 0;
}

/* ==== one map on both sides ==== */

struct pair {
	int kfd;
	struct userbpf_map *um;
	uint32_t type, ks, vs;
};

static int kernel_available(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_SOCKMAP, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int pair_create(struct pair *p, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	p->type = type;
	p->ks = ks;
	p->vs = vs;
	p->kfd = bpf_map_create(type, NULL, ks, vs, max, NULL);
	p->um = userbpf_map__create(type, "sm", ks, vs, max, NULL);
	return p->kfd >= 0 && p->um ? 0 : -1;
}

static void pair_free(struct pair *p)
{
	if (p->kfd >= 0)
		close(p->kfd);
	userbpf_map__put(p->um);
}

static int kerr(int r)
{
	return r < 0 ? -errno : r;
}

/* Update key with fd (as value_size says) on both; returns 1 if they agree. */
static bool same_update(struct pair *p, const void *key, int fd, uint64_t flags, int *out)
{
	uint64_t v64 = (uint64_t)(uint32_t)fd;
	uint32_t v32 = (uint32_t)fd;
	const void *v = p->vs == 8 ? (const void *)&v64 : (const void *)&v32;
	int k = kerr(bpf_map_update_elem(p->kfd, key, v, flags));
	int u = userbpf_map__update_elem(p->um, key, v, flags);

	*out = u;
	if (k != u)
		printf("  update fd %d flags %llu: kernel %d, userbpf %d\n", fd,
		       (unsigned long long)flags, k, u);
	return k == u;
}

static bool same_lookup(struct pair *p, const void *key, int *out)
{
	uint64_t kv = 0, uv = 0;
	int k = kerr(bpf_map_lookup_elem(p->kfd, key, &kv));
	int u = userbpf_map__lookup_elem(p->um, key, &uv, 0);

	*out = u;
	if (k != u || kv != uv)
		printf("  lookup: kernel %d (%llu), userbpf %d (%llu)\n", k,
		       (unsigned long long)kv, u, (unsigned long long)uv);
	return k == u && kv == uv;
}

static bool same_delete(struct pair *p, const void *key, int *out)
{
	int k = kerr(bpf_map_delete_elem(p->kfd, key));
	int u = userbpf_map__delete_elem(p->um, key);

	*out = u;
	if (k != u)
		printf("  delete: kernel %d, userbpf %d\n", k, u);
	return k == u;
}

#define SKIP_WITHOUT_KERNEL()                                                   \
	do {                                                                    \
		int e_ = kernel_available();                                    \
		if (e_) {                                                       \
			test_skip("the kernel refuses BPF_MAP_TYPE_SOCKMAP (%s): " \
				  "kernel oracle skipped", strerror(-e_));      \
			return;                                                 \
		}                                                               \
	} while (0)

/* ==== creation ==== */

TEST(maps2_sockmap_create_matches_kernel)
{
	static const struct { uint32_t ks, vs, max, flags; } c[] = {
		{ 4, 4, 4, 0 }, { 4, 8, 4, 0 }, { 4, 2, 4, 0 }, { 4, 16, 4, 0 },
		{ 4, 0, 4, 0 }, { 8, 4, 4, 0 }, { 0, 4, 4, 0 }, { 1, 4, 4, 0 },
		{ 20, 4, 4, 0 }, { 512, 4, 4, 0 }, { 513, 4, 4, 0 }, { 600, 8, 4, 0 },
		{ 4, 4, 0, 0 }, { 4, 4, 4, 1 /* NO_PREALLOC */ },
		{ 4, 4, 4, 4 /* NUMA_NODE */ }, { 4, 4, 4, 8 /* RDONLY */ },
		{ 4, 4, 4, 16 /* WRONLY */ }, { 4, 4, 4, 24 /* both */ },
		{ 4, 4, 4, 128 /* RDONLY_PROG */ }, { 4, 4, 4, 1024 /* MMAPABLE */ },
	};
	static const uint32_t types[] = { USERBPF_MAP_TYPE_SOCKMAP, USERBPF_MAP_TYPE_SOCKHASH };
	unsigned t, i, n = 0;

	SKIP_WITHOUT_KERNEL();
	for (t = 0; t < N(types); t++)
		for (i = 0; i < N(c); i++) {
			LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = c[i].flags);
			USERBPF_OPTS(userbpf_map_create_opts, uo, .map_flags = c[i].flags);
			int kfd = bpf_map_create(types[t], NULL, c[i].ks, c[i].vs, c[i].max, &ko);
			int k = kfd < 0 ? -errno : 0;
			struct userbpf_map *m = userbpf_map__create(types[t], "c", c[i].ks, c[i].vs,
								    c[i].max, &uo);
			int u = m ? 0 : -errno;

			if (kfd >= 0)
				close(kfd);
			userbpf_map__put(m);
			if (k != u)
				test_fail(__FILE__, __LINE__,
					  "type %u key %u value %u max %u flags %#x: kernel %d, "
					  "userbpf %d", types[t], c[i].ks, c[i].vs, c[i].max,
					  c[i].flags, k, u);
			n++;
		}
	ASSERT_EQ(n, 2 * N(c));
}

/* ==== updates with every kind of descriptor ==== */

TEST(maps2_sockmap_update_by_socket_kind_matches_kernel)
{
	static const uint32_t types[] = { USERBPF_MAP_TYPE_SOCKMAP, USERBPF_MAP_TYPE_SOCKHASH };
	struct socks s;
	unsigned t, vs, i;
	int ok_count = 0;

	SKIP_WITHOUT_KERNEL();
	ASSERT_OK(socks_open(&s));
	for (t = 0; t < N(types); t++)
		for (vs = 4; vs <= 8; vs += 4) {
			struct pair p;
			uint32_t key = 0;

			ASSERT_OK(pair_create(&p, types[t], 4, vs, 4));
			for (i = 0; i < S_NUM; i++) {
				int r, l;

				if (!same_update(&p, &key, s.fd[i], 0, &r))
					test_fail(__FILE__, __LINE__, "type %u value %u: %s differs",
						  types[t], vs, sock_names[i]);
				if (r)
					continue;
				ok_count++;
				/* value_size 8: both return the socket cookie */
				if (!same_lookup(&p, &key, &l))
					test_fail(__FILE__, __LINE__, "lookup of %s differs",
						  sock_names[i]);
				ASSERT_EQ(l, vs == 8 ? 0 : -ENOSPC);
				if (vs == 8) {
					uint64_t c1 = 0, c2 = 0;
					socklen_t len = sizeof(c2);

					ASSERT_OK(userbpf_map__lookup_elem(p.um, &key, &c1, 0));
					ASSERT_OK(getsockopt(s.fd[i], SOL_SOCKET, SO_COOKIE, &c2, &len));
					ASSERT_EQ(c1, c2);
				}
				ASSERT_TRUE(same_delete(&p, &key, &r));
				ASSERT_OK(r);
			}
			/* descriptors above INT32_MAX */
			{
				int r;

				ASSERT_TRUE(same_update(&p, &key, (int)0x80000000u, 0, &r));
				ASSERT_ERR(r, -EINVAL);
			}
			if (vs == 8) {
				uint64_t big = (1ull << 32) | (uint32_t)s.fd[S_LISTEN];

				ASSERT_EQ(kerr(bpf_map_update_elem(p.kfd, &key, &big, 0)), -EINVAL);
				ASSERT_ERR(userbpf_map__update_elem(p.um, &key, &big, 0), -EINVAL);
			}
			pair_free(&p);
		}
	/* 6 kinds the kernel takes, per type and value size */
	ASSERT_EQ(ok_count, 6 * 4);
	socks_close(&s);
}

/* ==== element commands ==== */

static void element_commands(uint32_t type)
{
	struct socks s;
	struct pair p;
	uint32_t k0 = 0, k1 = 1, k5 = 5, next;
	uint64_t flags[] = { USERBPF_ANY, USERBPF_NOEXIST, USERBPF_EXIST, 3, 4 };
	uint64_t v;
	int r, i, c, a;

	ASSERT_OK(socks_open(&s));
	ASSERT_OK(pair_create(&p, type, 4, 8, 2));
	for (i = 0; i < (int)N(flags); i++) {
		ASSERT_TRUE(same_update(&p, &k1, s.fd[S_LISTEN], flags[i], &r));
		ASSERT_TRUE(same_update(&p, &k0, s.fd[S_CLIENT], flags[i], &r));
	}
	/* past the end (sockmap), or a third key in a full hash */
	ASSERT_TRUE(same_update(&p, &k5, s.fd[S_LISTEN], 0, &r));
	ASSERT_ERR(r, -E2BIG);
	ASSERT_TRUE(same_lookup(&p, &k0, &r));
	ASSERT_OK(r);
	ASSERT_TRUE(same_lookup(&p, &k5, &r));
	ASSERT_ERR(r, -ENOENT);
	ASSERT_TRUE(same_delete(&p, &k5, &r));
	ASSERT_ERR(r, type == USERBPF_MAP_TYPE_SOCKMAP ? -EINVAL : -ENOENT);
	/* no lookup_and_delete, no batches */
	ASSERT_EQ(kerr(bpf_map_lookup_and_delete_elem(p.kfd, &k0, &v)), -524);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(p.um, &k0, &v, 0), -524);
	/* get_next_key: sockmap in index order; sockhash visits both keys */
	if (type == USERBPF_MAP_TYPE_SOCKMAP) {
		uint32_t kn = 0, un = 0;
		const uint32_t *keys[] = { NULL, &k0, &k1, &k5 };

		for (i = 0; i < 4; i++) {
			int kr = kerr(bpf_map_get_next_key(p.kfd, keys[i], &kn));
			int ur = userbpf_map__get_next_key(p.um, keys[i], &un);

			ASSERT_EQ(ur, kr);
			if (!kr)
				ASSERT_EQ(un, kn);
		}
	} else {
		uint32_t seen = 0;
		const void *prev = NULL;

		while (!userbpf_map__get_next_key(p.um, prev, &next)) {
			seen |= 1u << next;
			prev = &next;
			ASSERT_TRUE(seen < 4);
		}
		ASSERT_EQ(seen, 3);
		/* a missing key starts over, like the kernel */
		ASSERT_OK(userbpf_map__get_next_key(p.um, &k5, &next));
		ASSERT_OK(bpf_map_get_next_key(p.kfd, &k5, &next));
	}
	/* deleting twice */
	ASSERT_TRUE(same_delete(&p, &k1, &r));
	ASSERT_OK(r);
	ASSERT_TRUE(same_delete(&p, &k1, &r));
	/* a socket that closes leaves the map */
	ASSERT_OK(tcp_pair(&s, &c, &a));
	ASSERT_TRUE(same_update(&p, &k1, a, 0, &r));
	ASSERT_OK(r);
	ASSERT_TRUE(same_lookup(&p, &k1, &r));
	ASSERT_OK(r);
	close(a);
	close(c);
	usleep(20000);
	ASSERT_TRUE(same_lookup(&p, &k1, &r));
	ASSERT_ERR(r, -ENOENT);
	/* freeze: syscall updates EPERM, lookups still work */
	ASSERT_OK(bpf_map_freeze(p.kfd));
	ASSERT_OK(userbpf_map__freeze(p.um));
	ASSERT_TRUE(same_update(&p, &k1, s.fd[S_LISTEN], 0, &r));
	ASSERT_ERR(r, -EPERM);
	ASSERT_TRUE(same_lookup(&p, &k0, &r));
	ASSERT_OK(r);
	pair_free(&p);
	socks_close(&s);
}

TEST(maps2_sockmap_element_commands_match_kernel)
{
	SKIP_WITHOUT_KERNEL();
	element_commands(USERBPF_MAP_TYPE_SOCKMAP);
}

TEST(maps2_sockhash_element_commands_match_kernel)
{
	SKIP_WITHOUT_KERNEL();
	element_commands(USERBPF_MAP_TYPE_SOCKHASH);
}

TEST(maps2_sockhash_keys_of_any_size)
{
	struct userbpf_map *m = userbpf_map__create(USERBPF_MAP_TYPE_SOCKHASH, "h", 20, 8, 64,
						    NULL);
	struct socks s;
	unsigned char key[20];
	uint64_t fd;
	int i, c, a, fds[16];

	ASSERT_TRUE(m);
	ASSERT_OK(socks_open(&s));
	for (i = 0; i < 16; i += 2) {
		ASSERT_OK(tcp_pair(&s, &c, &a));
		fds[i] = c;
		fds[i + 1] = a;
	}
	for (i = 0; i < 16; i++) {
		memset(key, i, sizeof(key));
		fd = (uint64_t)fds[i];
		ASSERT_OK(userbpf_map__update_elem(m, key, &fd, USERBPF_NOEXIST));
	}
	for (i = 0; i < 16; i++) {
		uint64_t cookie = 0, want = 0;
		socklen_t len = sizeof(want);

		memset(key, i, sizeof(key));
		ASSERT_OK(userbpf_map__lookup_elem(m, key, &cookie, 0));
		ASSERT_OK(getsockopt(fds[i], SOL_SOCKET, SO_COOKIE, &want, &len));
		ASSERT_EQ(cookie, want);
	}
	/* close half: their keys vanish from lookups and iteration */
	for (i = 0; i < 16; i += 2) {
		close(fds[i]);
		close(fds[i + 1]);
	}
	usleep(20000);
	{
		unsigned char prev[20], next[20];
		int n = 0;
		const void *pk = NULL;

		while (!userbpf_map__get_next_key(m, pk, next)) {
			memcpy(prev, next, sizeof(prev));
			pk = prev;
			n++;
		}
		ASSERT_EQ(n, 0);
	}
	userbpf_map__put(m);
	socks_close(&s);
}

/* ==== programs: bpf_msg_redirect_hash / bpf_sk_redirect_map ==== */

static int resolve_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

static int map_desc(void *cookie, unsigned src, int32_t imm, struct userbpf_verifier_map *out)
{
	struct userbpf_map *m = cookie;

	(void)src, (void)imm;
	memset(out, 0, sizeof(*out));
	out->type = userbpf_map__type(m);
	out->key_size = userbpf_map__key_size(m);
	out->value_size = userbpf_map__value_size(m);
	out->max_entries = userbpf_map__max_entries(m);
	out->spin_lock_off = -1;
	return 0;
}

/*
 * r0 = helper(ctx, map, key, flags): the key u32 on the stack (hash) or
 * in r3 (array helpers).
 */
static void redirect_prog(struct userbpf_insn *p, int map_imm, int helper, bool hash,
			  uint32_t key, int32_t flags)
{
	struct userbpf_insn insns[] = {
		USERBPF_ST_MEM(USERBPF_W, 10, -4, (int32_t)key),
		USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_MAP_FD, map_imm),
		hash ? USERBPF_MOV64_REG(3, 10) : USERBPF_MOV64_IMM(3, (int32_t)key),
		hash ? USERBPF_ALU64_IMM(USERBPF_ADD, 3, -4) : USERBPF_MOV64_REG(0, 0),
		USERBPF_MOV64_IMM(4, flags),
		USERBPF_CALL_HELPER(helper),
		USERBPF_EXIT_INSN(),
	};

	memcpy(p, insns, sizeof(insns));
}

static int kernel_load(uint32_t type, struct userbpf_insn *p, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	int fd = bpf_prog_load(type, NULL, "GPL", (const struct bpf_insn *)p, n, &o);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static uint64_t run_redirect(struct userbpf_map *m, uint32_t type, int helper, bool hash,
			     uint32_t key, int32_t flags)
{
	struct userbpf_insn p[8];
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map, .ld_imm64_cookie = m,
		     .prog_type = type);
	uint64_t ctx[28] = { 0 }, r0 = 0xdead;
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
		     .flags = USERBPF_RUN_CHECKED);
	struct userbpf_prog *prog;

	redirect_prog(p, 0, helper, hash, key, flags);
	prog = userbpf_prog__new(p, 8, &po);
	if (!prog)
		return 0xbad;
	if (userbpf_prog__run(prog, &ro, &r0))
		r0 = 0xfa11;
	userbpf_prog__free(prog);
	return r0;
}

TEST(maps2_sock_redirect_helpers_verdicts)
{
	struct userbpf_map *h = userbpf_map__create(USERBPF_MAP_TYPE_SOCKHASH, "h", 4, 4, 8, NULL);
	struct userbpf_map *a = userbpf_map__create(USERBPF_MAP_TYPE_SOCKMAP, "a", 4, 4, 8, NULL);
	struct socks s;
	uint32_t k, fd;

	ASSERT_TRUE(h && a);
	ASSERT_OK(socks_open(&s));
	k = 1, fd = (uint32_t)s.fd[S_ACCEPTED];
	ASSERT_OK(userbpf_map__update_elem(h, &k, &fd, 0));
	ASSERT_OK(userbpf_map__update_elem(a, &k, &fd, 0));
	k = 2, fd = (uint32_t)s.fd[S_LISTEN];
	ASSERT_OK(userbpf_map__update_elem(h, &k, &fd, 0));
	ASSERT_OK(userbpf_map__update_elem(a, &k, &fd, 0));
	k = 3, fd = (uint32_t)s.fd[S_UNIX_STREAM];
	ASSERT_OK(userbpf_map__update_elem(h, &k, &fd, 0));
	ASSERT_OK(userbpf_map__update_elem(a, &k, &fd, 0));
	/* established TCP: SK_PASS; ingress too */
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 1, 0), 1);
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 1, 1), 1);
	ASSERT_EQ(run_redirect(a, USERBPF_PROG_TYPE_SK_MSG, 60, false, 1, 0), 1);
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_SKB, 72, true, 1, 0), 1);
	ASSERT_EQ(run_redirect(a, USERBPF_PROG_TYPE_SK_SKB, 52, false, 1, 0), 1);
	/* flags other than BPF_F_INGRESS, a listener, a missing key: SK_DROP */
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 1, 2), 0);
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 2, 0), 0);
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 7, 0), 0);
	ASSERT_EQ(run_redirect(a, USERBPF_PROG_TYPE_SK_SKB, 52, false, 7, 0), 0);
	ASSERT_EQ(run_redirect(a, USERBPF_PROG_TYPE_SK_SKB, 52, false, 100, 0), 0);
	/* unix stream: egress only to TCP, ingress allowed */
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 3, 0), 0);
	ASSERT_EQ(run_redirect(h, USERBPF_PROG_TYPE_SK_MSG, 71, true, 3, 1), 1);
	/* the sock_ops update helpers: no socket behind a userbpf context */
	{
		struct userbpf_insn p[8];

		redirect_prog(p, 0, 70, true, 4, 0);
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map,
			     .ld_imm64_cookie = h, .prog_type = USERBPF_PROG_TYPE_SOCK_OPS);
		uint64_t ctx[28] = { 0 }, r0 = 0;
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_CHECKED);
		struct userbpf_prog *prog = userbpf_prog__new(p, 8, &po);

		ASSERT_TRUE(prog);
		ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		ASSERT_EQ((int64_t)r0, -EOPNOTSUPP);
		userbpf_prog__free(prog);
	}
	userbpf_map__put(h);
	userbpf_map__put(a);
	socks_close(&s);
}

/* The verifier takes what the kernel takes: helper x map type x prog type. */
TEST(maps2_sock_helpers_load_like_kernel)
{
	static const struct { uint32_t prog_type; int helper; bool hash; } c[] = {
		{ USERBPF_PROG_TYPE_SK_MSG, 71, true }, { USERBPF_PROG_TYPE_SK_MSG, 60, false },
		{ USERBPF_PROG_TYPE_SK_SKB, 72, true }, { USERBPF_PROG_TYPE_SK_SKB, 52, false },
		{ USERBPF_PROG_TYPE_SOCK_OPS, 70, true }, { USERBPF_PROG_TYPE_SOCK_OPS, 53, true },
		/* wrong map type for the helper */
		{ USERBPF_PROG_TYPE_SK_MSG, 71, false }, { USERBPF_PROG_TYPE_SK_SKB, 52, true },
		/* wrong program type */
		{ USERBPF_PROG_TYPE_SK_SKB, 71, true }, { USERBPF_PROG_TYPE_SOCKET_FILTER, 52, false },
	};
	struct pair ph, pa;
	unsigned i;

	SKIP_WITHOUT_KERNEL();
	ASSERT_OK(pair_create(&ph, USERBPF_MAP_TYPE_SOCKHASH, 4, 4, 8));
	ASSERT_OK(pair_create(&pa, USERBPF_MAP_TYPE_SOCKMAP, 4, 4, 8));
	for (i = 0; i < N(c); i++) {
		/* the map: hash-type helpers and "wrong map" rows swap */
		bool use_hash = (c[i].helper == 70 || c[i].helper == 71 || c[i].helper == 72) ==
				c[i].hash ? c[i].hash : !c[i].hash;
		struct pair *p = use_hash ? &ph : &pa;
		struct userbpf_insn insns[9];
		char log[512] = "";
		USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = c[i].prog_type, .gpl = 1,
			     .map_desc = map_desc, .map_desc_cookie = p->um, .log_buf = log,
			     .log_size = sizeof(log));
		int k, u;

		redirect_prog(insns, p->kfd, c[i].helper, c[i].hash, 1, 0);
		/* r0 = 1: sock_ops programs must return 0 or 1 (a return
		 * range userbpf's verifier does not check yet) */
		insns[7] = (struct userbpf_insn)USERBPF_MOV64_IMM(0, 1);
		insns[8] = (struct userbpf_insn)USERBPF_EXIT_INSN();
		k = kernel_load(c[i].prog_type, insns, 9);
		u = userbpf_verify(insns, 9, &vo);
		if ((k == 0) != (u == 0))
			test_fail(__FILE__, __LINE__,
				  "case %u (type %u helper %d): kernel %d, userbpf %d (%s)", i,
				  c[i].prog_type, c[i].helper, k, u, log);
		if (k && (k != -EINVAL || u != -EINVAL) && k != -EACCES)
			printf("  case %u: kernel %d, userbpf %d\n", i, k, u);
	}
	pair_free(&ph);
	pair_free(&pa);
}
