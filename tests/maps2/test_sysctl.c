// SPDX-License-Identifier: MIT
/*
 * test_sysctl.c - the cgroup/sysctl helpers (src/helpers/sysctl_helpers.c)
 * against the kernel: the same program, attached to a fresh cgroup in
 * the kernel, records every helper's return value and buffer into an
 * array map while a child process in that cgroup reads kernel/ostype and
 * tries to write kernel/domainname (the program denies every write, so
 * nothing changes); userbpf runs the program on contexts holding the same
 * names and values; the two maps must hold the same bytes.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/map.h"
#include "userbpf/progs.h"
#include "userbpf/sysctl.h"
#include "userbpf/vm.h"

#define VAL 72 /* { s64 ret; char buf[64]; } */
#define SLOTS 7

struct prog_buf {
	struct userbpf_insn i[256];
	int n;
};

static void emit(struct prog_buf *p, struct userbpf_insn insn)
{
	p->i[p->n++] = insn;
}

#define E(...) emit(p, (struct userbpf_insn)__VA_ARGS__)

/* Slot write * 8 + slot: r0 = helper(ctx, value + 8, len, flags). */
static void slot(struct prog_buf *p, int map_imm, int s, int helper, int len, int flags)
{
	struct userbpf_insn ld[] = { USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, map_imm) };
	int skip;

	E(USERBPF_MOV64_REG(1, 7));
	E(USERBPF_ALU64_IMM(USERBPF_LSH, 1, 3));
	E(USERBPF_ALU64_IMM(USERBPF_ADD, 1, s));
	E(USERBPF_STX_MEM(USERBPF_W, 10, 1, -4));
	emit(p, ld[0]);
	emit(p, ld[1]);
	E(USERBPF_MOV64_REG(2, 10));
	E(USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4));
	E(USERBPF_CALL_HELPER(1));
	skip = p->n;
	E(USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 0));
	E(USERBPF_MOV64_REG(8, 0));
	E(USERBPF_MOV64_REG(1, 6));
	if (helper == 104) { /* the new value "77" from the stack */
		E(USERBPF_ST_MEM(USERBPF_DW, 10, -16, 0x3737));
		E(USERBPF_MOV64_REG(2, 10));
		E(USERBPF_ALU64_IMM(USERBPF_ADD, 2, -16));
	} else {
		E(USERBPF_MOV64_REG(2, 8));
		E(USERBPF_ALU64_IMM(USERBPF_ADD, 2, 8));
	}
	E(USERBPF_MOV64_IMM(3, len));
	E(USERBPF_MOV64_IMM(4, flags));
	E(USERBPF_CALL_HELPER(helper));
	E(USERBPF_STX_MEM(USERBPF_DW, 8, 0, 0));
	p->i[skip].off = (int16_t)(p->n - skip - 1);
}

static void build(struct prog_buf *p, int map_imm)
{
	p->n = 0;
	E(USERBPF_MOV64_REG(6, 1));
	E(USERBPF_LDX_MEM(USERBPF_W, 7, 6, 0)); /* write */
	slot(p, map_imm, 0, 101, 64, 0);
	slot(p, map_imm, 1, 101, 64, 1);
	slot(p, map_imm, 2, 101, 4, 0);
	slot(p, map_imm, 3, 102, 64, 0);
	slot(p, map_imm, 4, 102, 3, 0);
	slot(p, map_imm, 5, 103, 64, 0);
	slot(p, map_imm, 6, 104, 2, 0);
	/* allow reads, deny writes */
	E(USERBPF_MOV64_IMM(0, 1));
	E(USERBPF_JMP_IMM(USERBPF_JEQ, 7, 0, 1));
	E(USERBPF_MOV64_IMM(0, 0));
	E(USERBPF_EXIT_INSN());
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

/* The child: join the cgroup, read one sysctl, try to write another. */
static void child(const char *procs)
{
	char buf[64];
	int fd = open(procs, O_WRONLY), n;

	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		_exit(2);
	close(fd);
	if (read_file("/proc/sys/kernel/ostype", buf, sizeof(buf)) < 0)
		_exit(3);
	fd = open("/proc/sys/kernel/domainname", O_WRONLY);
	if (fd < 0)
		_exit(4);
	/* denied by the program: EPERM, the value stays */
	if (write(fd, "abc", 3) != -1 || errno != EPERM)
		_exit(5);
	close(fd);
	_exit(0);
}

/* The kernel's records, or a negative errno when the kernel refuses. */
static int kernel_records(unsigned char rec[2][SLOTS][VAL], char *why, size_t why_sz)
{
	char dir[128], procs[160];
	struct prog_buf p;
	int map, prog, cg, err = 0, status;
	pid_t pid;
	uint32_t k;

	char line[512], mnt[256] = "", type[64], path[256];
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s %63s", path, type) == 2 && !strcmp(type, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", path);
			break;
		}
	if (f)
		fclose(f);
	if (!mnt[0]) {
		snprintf(why, why_sz, "no cgroup v2 mount");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/maps2_sysctl_%d", mnt, getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(why, why_sz, "cannot create a cgroup v2 directory (%s)", strerror(errno));
		return -errno;
	}
	cg = open(dir, O_RDONLY | O_DIRECTORY);
	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, VAL, 16, NULL);
	build(&p, map);
	{
		LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = BPF_CGROUP_SYSCTL);

		prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SYSCTL, NULL, "GPL",
				     (const struct bpf_insn *)p.i, (size_t)p.n, &lo);
	}
	if (cg < 0 || map < 0 || prog < 0) {
		err = -errno;
		snprintf(why, why_sz, "the kernel refuses the program or map (%s)",
			 strerror(errno));
		goto out;
	}
	if (bpf_prog_attach(prog, cg, BPF_CGROUP_SYSCTL, 0)) {
		err = -errno;
		snprintf(why, why_sz, "cannot attach to the cgroup (%s)", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0)
		child(procs);
	waitpid(pid, &status, 0);
	bpf_prog_detach2(prog, cg, BPF_CGROUP_SYSCTL);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		err = -ECHILD;
		snprintf(why, why_sz, "the child in the cgroup failed (status %#x)", status);
		goto out;
	}
	for (k = 0; k < 2 * 8; k++)
		if (k % 8 < SLOTS)
			bpf_map_lookup_elem(map, &k, rec[k / 8][k % 8]);
out:
	if (prog >= 0)
		close(prog);
	if (map >= 0)
		close(map);
	if (cg >= 0)
		close(cg);
	rmdir(dir);
	return err;
}

static int resolve_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

/* userbpf's records for the same two accesses. */
static int userbpf_records(unsigned char rec[2][SLOTS][VAL])
{
	struct userbpf_map *m =
		userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "rec", 4, VAL, 16, NULL);
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map, .ld_imm64_cookie = m,
		     .prog_type = USERBPF_PROG_TYPE_CGROUP_SYSCTL);
	char ostype[64], domain[64], newval[4096] = "abc";
	struct userbpf_sysctl_ctx c[2] = {
		{ .write = 0,
		  .magic = USERBPF_SYSCTL_CTX_MAGIC,
		  .name = "kernel/ostype",
		  .cur_val = ostype },
		{ .write = 1,
		  .magic = USERBPF_SYSCTL_CTX_MAGIC,
		  .name = "kernel/domainname",
		  .cur_val = domain,
		  .new_val = newval,
		  .new_len = 3,
		  .new_cap = sizeof(newval) },
	};
	struct prog_buf p;
	struct userbpf_prog *prog;
	uint64_t r0[2];
	uint32_t k;
	int w, err = 0;

	if (!m)
		return -errno;
	c[0].cur_len = (size_t)read_file("/proc/sys/kernel/ostype", ostype, sizeof(ostype));
	c[1].cur_len = (size_t)read_file("/proc/sys/kernel/domainname", domain, sizeof(domain));
	build(&p, 0);
	prog = userbpf_prog__new(p.i, (size_t)p.n, &po);
	if (!prog) {
		err = -errno;
		goto out;
	}
	for (w = 0; w < 2 && !err; w++) {
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &c[w], .ctx_size = sizeof(c[w]),
			     .flags = USERBPF_RUN_CHECKED);

		err = userbpf_prog__run(prog, &ro, &r0[w]);
	}
	if (!err && (r0[0] != 1 || r0[1] != 0))
		err = -EBADMSG;
	/* set_new_value changed the write's new value */
	if (!err && (c[1].new_len != 2 || memcmp(newval, "77", 2) || !c[1].new_updated))
		err = -EBADMSG;
	for (k = 0; k < 2 * 8 && !err; k++)
		if (k % 8 < SLOTS)
			err = userbpf_map__lookup_elem(m, &k, rec[k / 8][k % 8], 0);
	userbpf_prog__free(prog);
out:
	userbpf_map__put(m);
	return err;
}

TEST(maps2_sysctl_helpers_match_kernel)
{
	static unsigned char krec[2][SLOTS][VAL], urec[2][SLOTS][VAL];
	char why[160] = "";
	int w, s, err;

	ASSERT_OK(userbpf_records(urec));
	/* what userbpf says, independently of the kernel */
	{
		int64_t ret;

		memcpy(&ret, urec[0][0], 8);
		ASSERT_EQ(ret, 13);
		ASSERT_STREQ((char *)urec[0][0] + 8, "kernel/ostype");
		memcpy(&ret, urec[0][1], 8);
		ASSERT_EQ(ret, 6);
		ASSERT_STREQ((char *)urec[0][1] + 8, "ostype");
		memcpy(&ret, urec[0][2], 8);
		ASSERT_EQ(ret, -E2BIG);
		ASSERT_STREQ((char *)urec[0][2] + 8, "ker");
		memcpy(&ret, urec[0][5], 8);
		ASSERT_EQ(ret, -EINVAL); /* no new value on a read */
		memcpy(&ret, urec[1][5], 8);
		ASSERT_EQ(ret, 3);
		ASSERT_STREQ((char *)urec[1][5] + 8, "abc");
		memcpy(&ret, urec[1][6], 8);
		ASSERT_EQ(ret, 0);
	}
	err = kernel_records(krec, why, sizeof(why));
	if (err) {
		test_skip("%s: kernel oracle skipped", why);
		return;
	}
	for (w = 0; w < 2; w++)
		for (s = 0; s < SLOTS; s++)
			if (memcmp(krec[w][s], urec[w][s], VAL)) {
				int64_t kr, ur;

				memcpy(&kr, krec[w][s], 8);
				memcpy(&ur, urec[w][s], 8);
				test_fail(
					__FILE__, __LINE__,
					"write %d slot %d: kernel %lld \"%.64s\", userbpf %lld \"%.64s\"",
					w, s, (long long)kr, (char *)krec[w][s] + 8, (long long)ur,
					(char *)urec[w][s] + 8);
			}
}

/* A sysctl program run on any other context: the helpers refuse. */
TEST(maps2_sysctl_helpers_refuse_other_contexts)
{
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(2, 10), USERBPF_ALU64_IMM(USERBPF_ADD, 2, -16),
		USERBPF_MOV64_IMM(3, 16), USERBPF_MOV64_IMM(4, 0),
		USERBPF_CALL_HELPER(101), USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_CGROUP_SYSCTL);
	struct userbpf_prog *prog = userbpf_prog__new(p, 6, &po);
	struct userbpf_sysctl_ctx c = { .magic = USERBPF_SYSCTL_CTX_MAGIC, .name = "a/b" };
	uint64_t plain[1] = { 0 }, r0 = 0;

	ASSERT_TRUE(prog);
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = plain, .ctx_size = sizeof(plain));

		ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		ASSERT_EQ((int64_t)r0, -EINVAL);
	}
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &c, .ctx_size = 8);

		ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		ASSERT_EQ((int64_t)r0, -EINVAL);
	}
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &c, .ctx_size = sizeof(c));

		ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		ASSERT_EQ((int64_t)r0, 3);
	}
	userbpf_prog__free(prog);
}
