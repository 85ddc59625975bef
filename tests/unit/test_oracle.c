/* SPDX-License-Identifier: MIT */
/*
 * test_oracle.c - the kernel oracle: random programs (oracle_gen.c) run
 * both in the Linux kernel of this machine and in the userbpf interpreter,
 * and must leave the same r0 and the same memory.
 *
 * Each program is loaded as an XDP program (BPF_PROG_LOAD), run once with
 * BPF_PROG_TEST_RUN on its packet, and run by userbpf twice, in the fast
 * and in the checked interpreter.  The program's epilogue dumps r0-r7 and
 * the stack into the packet, so comparing the output packets compares
 * every register, the stack and the memory the body wrote; the kernel's
 * retval (the low half of r0) is compared too.  When the userbpf buffer
 * can live below 4 GiB (MAP_32BIT), userbpf runs the very same bytes, with
 * a fake struct xdp_md as its context; otherwise the two prologue slots
 * that read xdp_md are swapped for "r9 = r1; r8 = r2".
 *
 * oracle_ld_abs loads socket filters instead, for LD_ABS/LD_IND (which XDP
 * does not have); those programs fold all their registers into the
 * return value, which is all that is compared.
 *
 * A program the verifier rejects is a generator weakness: it is counted,
 * its log shown with -v (the first few), and the rate must stay below 5%.
 * A kernel that refuses bpf() altogether (not root, no CONFIG_BPF_SYSCALL)
 * or lacks the CPU v4 instructions skips the tests.
 *
 * Environment:
 *   USERBPF_ORACLE_SEED   base seed (default 0x0bad5eed; hex or decimal)
 *   USERBPF_ORACLE_COUNT  programs compared in total, split over the five
 *                         tests (default 12000)
 *   USERBPF_ORACLE_PROG   run only program index N of each test (to replay
 *                         a reported mismatch; with -v it is printed)
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "oracle_gen.h"
#include "test.h"
#include "userbpf/userbpf.h"

#define DEFAULT_SEED 0x0bad5eedull
#define DEFAULT_COUNT 12000
#define SHOW_REJECTS 3	  /* verifier logs printed with -v */
#define SHOW_MISMATCHES 3 /* full mismatch reports per test */
#define LOG_TAIL_LINES 40
#define BUF_MAP_SIZE 4096

/* ==== The kernel side ==== */

static int sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t ptr_to_u64(const void *ptr)
{
	return (uint64_t)(uintptr_t)ptr;
}

/*
 * Load insns as a program of prog_type; with log, at log level 1 into it.
 * Returns the program fd, or -errno.
 */
static int kernel_load(uint32_t prog_type, const struct userbpf_insn *insns, size_t insn_cnt,
		       char *log, size_t log_sz)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = prog_type;
	attr.insns = ptr_to_u64(insns); /* same layout as struct bpf_insn */
	attr.insn_cnt = (uint32_t)insn_cnt;
	attr.license = ptr_to_u64("GPL");
	memcpy(attr.prog_name, "userbpf_oracle", sizeof("userbpf_oracle"));
	if (log && log_sz) {
		log[0] = '\0';
		attr.log_buf = ptr_to_u64(log);
		attr.log_size = (uint32_t)log_sz;
		attr.log_level = 1;
	}
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/* One BPF_PROG_TEST_RUN on packet in.  Returns 0 or -errno. */
static int kernel_run(int fd, const uint8_t *in, uint32_t len, uint8_t *out, uint32_t out_cap,
		      uint32_t *out_len, uint32_t *retval)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.data_in = ptr_to_u64(in);
	attr.test.data_size_in = len;
	attr.test.data_out = ptr_to_u64(out);
	attr.test.data_size_out = out_cap;
	attr.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
		return -errno;
	*out_len = attr.test.data_size_out;
	*retval = attr.test.retval;
	return 0;
}

/*
 * Whether this kernel loads and runs XDP programs for us: NULL if so,
 * otherwise the reason (probed once).
 */
static const char *kernel_unavailable(void)
{
	static bool probed;
	static char why[160];
	const struct userbpf_insn probe[] = { USERBPF_MOV64_IMM(0, 2), USERBPF_EXIT_INSN() };
	/* sdiv, movsx, ldsx, bswap, gotol: the CPU v4 rows (Linux 6.6+) */
	const struct userbpf_insn probe_v4[] = {
		USERBPF_MOV64_IMM(0, -8),
		USERBPF_MOV64_IMM(1, -1),
		USERBPF_RAW_INSN(USERBPF_ALU64 | USERBPF_DIV | USERBPF_X, 0, 1, 1, 0),
		USERBPF_RAW_INSN(USERBPF_ALU64 | USERBPF_MOV | USERBPF_X, 0, 0, 8, 0),
		USERBPF_STX_MEM(USERBPF_DW, 10, 0, -8),
		USERBPF_RAW_INSN(USERBPF_LDX | USERBPF_MEMSX | USERBPF_B, 0, 10, -8, 0),
		USERBPF_RAW_INSN(USERBPF_ALU64 | USERBPF_END | USERBPF_TO_LE, 0, 0, 0, 16),
		USERBPF_RAW_INSN(USERBPF_JMP32 | USERBPF_JA, 0, 0, 0, 0),
		USERBPF_EXIT_INSN(),
	};
	uint8_t pkt[64] = { 0 }, out[64];
	uint32_t out_len, retval = 0;
	int fd, err;

	if (probed)
		return why[0] ? why : NULL;
	probed = true;
	fd = kernel_load(BPF_PROG_TYPE_XDP, probe, 2, NULL, 0);
	if (fd < 0) {
		snprintf(why, sizeof(why), "the kernel refuses bpf(BPF_PROG_LOAD): %s",
			 strerror(-fd));
		return why;
	}
	err = kernel_load(BPF_PROG_TYPE_XDP, probe_v4, sizeof(probe_v4) / sizeof(probe_v4[0]), NULL,
			  0);
	if (err < 0) {
		close(fd);
		snprintf(why, sizeof(why),
			 "the kernel rejects BPF CPU v4 instructions (%s; Linux 6.6+ has them)",
			 strerror(-err));
		return why;
	}
	close(err);
	err = kernel_run(fd, pkt, sizeof(pkt), out, sizeof(out), &out_len, &retval);
	close(fd);
	if (err)
		snprintf(why, sizeof(why), "the kernel refuses bpf(BPF_PROG_TEST_RUN) for XDP: %s",
			 strerror(-err));
	else if (retval != 2)
		snprintf(why, sizeof(why),
			 "BPF_PROG_TEST_RUN returned %u for a program returning 2", retval);
	return why[0] ? why : NULL;
}

/* ==== Configuration ==== */

struct oracle_config {
	uint64_t seed;
	uint64_t count; /* programs per test */
	bool only;	/* replay one program index */
	uint64_t only_index;
};

static bool env_u64(const char *name, uint64_t *value)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*value = strtoull(s, &end, 0);
	return !errno && !*end;
}

static struct oracle_config oracle_config(void)
{
	struct oracle_config cfg = { .seed = DEFAULT_SEED };
	uint64_t total = DEFAULT_COUNT;

	env_u64("USERBPF_ORACLE_SEED", &cfg.seed);
	env_u64("USERBPF_ORACLE_COUNT", &total);
	cfg.count = (total + ORACLE_MIX_CNT - 1) / ORACLE_MIX_CNT;
	if (!cfg.count)
		cfg.count = 1;
	cfg.only = env_u64("USERBPF_ORACLE_PROG", &cfg.only_index);
	return cfg;
}

/* ==== The userbpf side ==== */

/* The packet buffer userbpf runs on, and how the program finds it. */
struct ub_buffer {
	uint8_t *buf;
	enum oracle_prologue prologue;
};

static int ub_buffer_init(struct ub_buffer *b)
{
	void *p = MAP_FAILED;

#ifdef MAP_32BIT
	p = mmap(NULL, BUF_MAP_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p != MAP_FAILED && (uintptr_t)p + BUF_MAP_SIZE > UINT32_MAX) {
		munmap(p, BUF_MAP_SIZE);
		p = MAP_FAILED;
	}
#endif
	b->prologue = ORACLE_PROLOGUE_XDP_MD;
	if (p == MAP_FAILED) {
		b->prologue = ORACLE_PROLOGUE_ARGS;
		p = mmap(NULL, BUF_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED)
			return -errno;
	}
	b->buf = p;
	return 0;
}

/*
 * Run prog on a fresh copy of the packet in b->buf, fast or checked.
 * Returns userbpf_prog__run()'s result; r0 in *r0, memory in b->buf.
 * A socket filter gets the packet past its Ethernet header as LD_ABS
 * data and a dummy context (it only copies r1 to r6).
 */
static int ub_run(const struct userbpf_prog *prog, const struct oracle_prog *p, struct ub_buffer *b,
		  int mode, uint64_t *r0, char *err, size_t err_sz)
{
	static uint64_t dummy_ctx[4];
	struct xdp_md md = {
		.data = (uint32_t)(uintptr_t)b->buf,
		.data_end = (uint32_t)(uintptr_t)(b->buf + p->pkt_len),
	};
	uint64_t args[2] = { ptr_to_u64(b->buf), ptr_to_u64(b->buf + p->pkt_len) };
	struct userbpf_mem_region region = { b->buf, p->pkt_len, 1 };
	USERBPF_OPTS(userbpf_run_opts, opts, .err_buf = err, .err_buf_sz = err_sz);

	memcpy(b->buf, p->pkt, p->pkt_len);
	if (p->socket_filter) {
		opts.ctx = dummy_ctx;
		opts.ctx_size = sizeof(dummy_ctx);
		opts.data = b->buf + ORACLE_ETH_HLEN;
		opts.data_size = p->data_len;
	} else if (b->prologue == ORACLE_PROLOGUE_XDP_MD) {
		opts.ctx = &md;
		opts.ctx_size = sizeof(md);
	} else {
		opts.args = args;
		opts.arg_cnt = 2;
	}
	/* the kernel verified the program: mode 0 native code (JIT), 2 interpreter */
	opts.flags = USERBPF_RUN_UNCHECKED | (mode == 2 ? USERBPF_RUN_INTERPRETER : 0);
	if (mode == 1) {
		opts.flags = USERBPF_RUN_CHECKED;
		opts.regions = &region;
		opts.region_cnt = p->socket_filter ? 0 : 1;
		opts.insn_budget = 1000000; /* a runaway loop fails, not hangs */
	}
	*r0 = 0;
	return userbpf_prog__run(prog, &opts, r0);
}

/* ==== Reports ==== */

static void print_prog(const struct oracle_prog *p)
{
	char line[128];
	size_t i = 0;

	while (i < p->insn_cnt) {
		int n = userbpf_disasm_insn(&p->insns[i], p->insn_cnt - i, line, sizeof(line));

		printf("  %4zu: %s\n", i, line);
		i += n > 0 ? (size_t)n : 1;
	}
}

static void print_hex(const char *what, const uint8_t *bytes, size_t len)
{
	size_t i;

	printf("  %s (%zu bytes):", what, len);
	for (i = 0; i < len; i++)
		printf("%s%02x", i % 32 ? (i % 8 ? "" : " ") : "\n    ", bytes[i]);
	putchar('\n');
}

static uint64_t get_u64(const uint8_t *bytes)
{
	uint64_t v;

	memcpy(&v, bytes, sizeof(v));
	return v;
}

/* Where the userbpf packet differs from the kernel's, in readable form. */
static void print_diff(const struct oracle_prog *p, const uint8_t *kernel, const uint8_t *ours)
{
	const uint8_t *kregs = kernel + p->data_len, *uregs = ours + p->data_len;
	unsigned i, shown = 0;

	for (i = 0; i < 8; i++)
		if (get_u64(kregs + 8 * i) != get_u64(uregs + 8 * i))
			printf("  r%u: kernel 0x%016" PRIx64 ", userbpf 0x%016" PRIx64 "\n", i,
			       get_u64(kregs + 8 * i), get_u64(uregs + 8 * i));
	kregs += ORACLE_REG_DUMP;
	uregs += ORACLE_REG_DUMP;
	for (i = 0; i < ORACLE_STACK_SLOTS; i++)
		if (get_u64(kregs + 8 * i) != get_u64(uregs + 8 * i))
			printf("  *(u64 *)(r10 - %u): kernel 0x%016" PRIx64
			       ", userbpf 0x%016" PRIx64 "\n",
			       8 * (i + 1), get_u64(kregs + 8 * i), get_u64(uregs + 8 * i));
	for (i = 0; i < p->data_len && shown < 16; i++)
		if (kernel[i] != ours[i]) {
			printf("  packet[%u]: kernel 0x%02x, userbpf 0x%02x\n", i, kernel[i],
			       ours[i]);
			shown++;
		}
}

static void print_log_tail(const char *log)
{
	const char *start = log + strlen(log);
	int lines = 0;

	while (start > log && lines <= LOG_TAIL_LINES)
		if (*--start == '\n')
			lines++;
	if (start != log)
		printf("  ...\n");
	printf("%s%s", start == log ? "" : "  ", start + (start != log));
}

/* ==== The test loop ==== */

struct oracle_stats {
	uint64_t compared, rejected, mismatches;
};

/*
 * Compare one program (already in the kernel as fd) in both userbpf
 * modes.  Returns true when both agree with the kernel.
 */
static bool compare_one(const char *test, const struct oracle_config *cfg, uint64_t index,
			uint64_t seed, struct oracle_prog *p, int fd, struct ub_buffer *b,
			bool report)
{
	static const char *const mode_names[] = { "jit", "checked", "fast" };
	uint8_t kernel_out[ORACLE_MAX_PKT + 64];
	uint32_t out_len = 0, retval = 0;
	struct userbpf_prog *prog;
	char err[256] = "";
	bool ok = true;
	int rc, mode;

	rc = kernel_run(fd, p->pkt, p->pkt_len, kernel_out, sizeof(kernel_out), &out_len, &retval);
	if (rc || (!p->socket_filter && out_len != p->pkt_len)) {
		test_fail(__FILE__, __LINE__,
			  "%s: BPF_PROG_TEST_RUN of program %" PRIu64 ": %s (%u bytes out)", test,
			  index, rc ? strerror(-rc) : "wrong size", out_len);
		return false;
	}
	if (!p->socket_filter)
		oracle_set_prologue(p, b->prologue);
	prog = userbpf_prog__new(
		p->insns, p->insn_cnt,
		&(struct userbpf_prog_opts){ .sz = sizeof(struct userbpf_prog_opts),
					     .name = "oracle",
					     .prog_type = p->socket_filter ?
								  BPF_PROG_TYPE_SOCKET_FILTER :
								  BPF_PROG_TYPE_XDP,
					     .err_buf = err,
					     .err_buf_sz = sizeof(err) });
	for (mode = 0; mode < 3; mode++) {
		uint64_t r0 = 0;

		if (prog)
			rc = ub_run(prog, p, b, mode, &r0, err, sizeof(err));
		else
			rc = -errno;
		if (!rc && (uint32_t)r0 == retval &&
		    (p->socket_filter || !memcmp(kernel_out, b->buf, p->pkt_len)))
			continue;
		ok = false;
		if (!report)
			break;
		printf("oracle mismatch in %s (%s interpreter): replay with "
		       "USERBPF_ORACLE_SEED=0x%" PRIx64 " USERBPF_ORACLE_PROG=%" PRIu64
		       " (program seed 0x%" PRIx64 ", data_len %u)\n",
		       test, mode_names[mode], cfg->seed, index, seed, p->data_len);
		if (!p->socket_filter)
			oracle_set_prologue(p, ORACLE_PROLOGUE_XDP_MD);
		print_prog(p);
		print_hex("input packet", p->pkt, p->pkt_len);
		if (rc) {
			printf("  userbpf failed: %s (%s); kernel retval 0x%x\n",
			       err[0] ? err : "no message", strerror(-rc), retval);
			break;
		}
		printf("  retval: kernel 0x%x, userbpf r0 0x%016" PRIx64 "\n", retval, r0);
		if (!p->socket_filter)
			print_diff(p, kernel_out, b->buf);
		break;
	}
	userbpf_prog__free(prog);
	return ok;
}

static void oracle_test(const char *test, enum oracle_mix mix)
{
	static char log[1 << 16];
	const char *why = kernel_unavailable();
	struct oracle_config cfg = oracle_config();
	struct oracle_stats st = { 0 };
	struct oracle_prog *p;
	struct ub_buffer b = { .buf = NULL };
	uint64_t index, first = 0, attempts;
	struct timespec t0, t1;
	int err;

	if (why) {
		test_skip("%s; the kernel oracle needs root on Linux with BPF", why);
		return;
	}
	err = ub_buffer_init(&b);
	p = malloc(sizeof(*p));
	if (err || !p) {
		if (!err)
			munmap(b.buf, BUF_MAP_SIZE);
		free(p);
		test_fail(__FILE__, __LINE__, "no memory for the packet buffer");
		return;
	}
	attempts = cfg.count + cfg.count / 10 + 16; /* rejected ones are replaced */
	if (cfg.only) {
		first = cfg.only_index;
		attempts = 1;
		cfg.count = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (index = first; st.compared < cfg.count && index < first + attempts; index++) {
		uint64_t seed = oracle_seed(cfg.seed, (unsigned)mix, index);
		uint32_t prog_type;
		int fd;

		oracle_gen(p, seed, mix);
		if (cfg.only && test_verbose()) {
			printf("%s program %" PRIu64 " (seed 0x%" PRIx64 "):\n", test, index, seed);
			print_prog(p);
		}
		prog_type = p->socket_filter ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
		fd = kernel_load(prog_type, p->insns, p->insn_cnt, NULL, 0);
		if (fd == -EACCES || fd == -EINVAL || fd == -E2BIG) {
			st.rejected++;
			if (test_verbose() && st.rejected <= SHOW_REJECTS) {
				kernel_load(prog_type, p->insns, p->insn_cnt, log, sizeof(log));
				printf("%s: verifier rejected program %" PRIu64
				       " (%s), log tail:\n",
				       test, index, strerror(-fd));
				print_log_tail(log);
			}
			continue;
		}
		if (fd < 0) {
			test_fail(__FILE__, __LINE__, "%s: BPF_PROG_LOAD: %s", test, strerror(-fd));
			break;
		}
		if (!compare_one(test, &cfg, index, seed, p, fd, &b,
				 st.mismatches < SHOW_MISMATCHES))
			st.mismatches++;
		st.compared++;
		close(fd);
		if (test_failed())
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: compared %" PRIu64 " programs (%" PRIu64
	       " rejected by the kernel verifier), %" PRIu64 " mismatches\n",
	       test, st.compared, st.rejected, st.mismatches);
	if (test_verbose())
		printf("%s: seed 0x%" PRIx64 ", %.2f s, JIT, fast and checked interpreter, %s\n",
		       test, cfg.seed,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		       mix == ORACLE_MIX_LD_ABS		    ? "socket filter" :
		       b.prologue == ORACLE_PROLOGUE_XDP_MD ? "identical (xdp_md)" :
							      "r1/r2");
	munmap(b.buf, BUF_MAP_SIZE);
	free(p);
	if (test_failed())
		return;
	if (st.mismatches)
		test_fail(__FILE__, __LINE__,
			  "%s: %" PRIu64 " of %" PRIu64 " programs differ from the kernel", test,
			  st.mismatches, st.compared);
	else if (st.rejected * 20 > st.compared + st.rejected)
		test_fail(__FILE__, __LINE__,
			  "%s: the verifier rejected %" PRIu64 " of %" PRIu64
			  " programs (more than 5%%): fix the generator",
			  test, st.rejected, st.compared + st.rejected);
	else if (st.compared < cfg.count)
		test_fail(__FILE__, __LINE__, "%s: compared only %" PRIu64 " of %" PRIu64, test,
			  st.compared, cfg.count);
}

TEST(oracle_alu)
{
	oracle_test("oracle_alu", ORACLE_MIX_ALU);
}

TEST(oracle_branch)
{
	oracle_test("oracle_branch", ORACLE_MIX_BRANCH);
}

TEST(oracle_mem_atomic)
{
	oracle_test("oracle_mem_atomic", ORACLE_MIX_MEM);
}

TEST(oracle_mixed)
{
	oracle_test("oracle_mixed", ORACLE_MIX_MIXED);
}

TEST(oracle_ld_abs)
{
	oracle_test("oracle_ld_abs", ORACLE_MIX_LD_ABS);
}
