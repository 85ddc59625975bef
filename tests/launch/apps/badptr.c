/* SPDX-License-Identifier: MIT */
/*
 * badptr.c - raw bpf() system calls with bad pointers (address 16) in
 * every pointer field libbpf never gets wrong: the application must
 * survive each and print the errno, the same under "userbpf launch" as on
 * the kernel.  Then a read-only attr (a PROT_READ page) for the commands
 * that store results in it, and perf_event_open with a bad attr and a
 * bad uprobe path, and the file calls the interposer looks at (open,
 * access, unlink, fopen) with a bad path.  Exit 0 after the last line "done".
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "badptr.skel.h"

#define BAD 16ull

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int map_create(int type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 4;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static void report(const char *name, long r)
{
	printf("%s %s\n", name, r < 0 ? strerror(errno) : "ok");
}

static int prog_load(int type, const struct bpf_insn *insns)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insn_cnt = 2;
	a.insns = (__u64)(unsigned long)insns;
	a.license = (__u64)(unsigned long)"GPL";
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

/* cmd with the attr *a copied into a read-only page */
static long sys_bpf_ro(int cmd, const union bpf_attr *a)
{
	union bpf_attr *ro =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long r;
	int e;

	if (ro == MAP_FAILED)
		return -1;
	*ro = *a;
	mprotect(ro, 4096, PROT_READ);
	r = syscall(__NR_bpf, cmd, ro, sizeof(*ro));
	e = errno;
	munmap(ro, 4096);
	errno = e;
	return r;
}

/* The commands that store results in the attr, with a read-only one. */
static void read_only_attr(int hash, const struct bpf_insn *insns)
{
	int sock = prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns);
	struct bpf_map_info info;
	__u32 k = 1, v = 3, out = 0;
	unsigned char pkt[64];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = hash;
	a.key = (__u64)(unsigned long)&k;
	a.value = (__u64)(unsigned long)&out;
	report("ro lookup", sys_bpf_ro(BPF_MAP_LOOKUP_ELEM, &a));
	memset(&a, 0, sizeof(a));
	a.batch.map_fd = hash;
	a.batch.count = 1;
	a.batch.keys = (__u64)(unsigned long)&k;
	a.batch.values = (__u64)(unsigned long)&v;
	report("ro batch count", sys_bpf_ro(BPF_MAP_UPDATE_BATCH, &a));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = hash;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)&info;
	report("ro info len", sys_bpf_ro(BPF_OBJ_GET_INFO_BY_FD, &a));
	memset(&a, 0, sizeof(a));
	report("ro next id", sys_bpf_ro(BPF_MAP_GET_NEXT_ID, &a));
	memset(&a, 0, sizeof(a));
	memset(pkt, 0, sizeof(pkt));
	a.test.prog_fd = sock;
	a.test.data_in = (__u64)(unsigned long)pkt;
	a.test.data_size_in = sizeof(pkt);
	report("ro test run", sock < 0 ? -1 : sys_bpf_ro(BPF_PROG_TEST_RUN, &a));
	if (sock >= 0)
		close(sock);
	/* log_true_size (kernel 6.4+) stored in a read-only attr */
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (__u64)(unsigned long)insns;
	a.license = (__u64)(unsigned long)"GPL";
	sock = (int)sys_bpf_ro(BPF_PROG_LOAD, &a);
	report("ro prog load", sock);
	if (sock >= 0)
		close(sock);
}

/* The arrays prog info copies out (jited and xlated instructions, map
 * ids) at a bad address, and into a read-only page: EFAULT. */
static void info_arrays(int hash)
{
	struct bpf_insn prog[4] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .src_reg = BPF_PSEUDO_MAP_FD, .imm = hash },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_prog_info info;
	union bpf_attr a;
	int fd, i;
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 4;
	a.insns = (__u64)(unsigned long)prog;
	a.license = (__u64)(unsigned long)"GPL";
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0 || ro == MAP_FAILED) {
		printf("info arrays: %s\n", strerror(errno));
		return;
	}
	for (i = 0; i < 6; i++) {
		static const char *const names[] = {
			"info jited insns", "info xlated insns", "info map ids",
			"ro jited insns",   "ro xlated insns",	 "ro map ids",
		};
		__u64 where = i < 3 ? BAD : (__u64)(unsigned long)ro;

		memset(&info, 0, sizeof(info));
		if (i % 3 == 0) {
			info.jited_prog_len = 64;
			info.jited_prog_insns = where;
		} else if (i % 3 == 1) {
			info.xlated_prog_len = 64;
			info.xlated_prog_insns = where;
		} else {
			info.nr_map_ids = 1;
			info.map_ids = where;
		}
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = fd;
		a.info.info_len = sizeof(info);
		a.info.info = (__u64)(unsigned long)&info;
		report(names[i], sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
	}
	/* the info itself in a read-only page */
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)ro;
	report("ro prog info", sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
	a.info.bpf_fd = hash;
	a.info.info_len = sizeof(struct bpf_map_info);
	report("ro map info", sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
	munmap(ro, 4096);
	close(fd);
}

/* log_true_size: the u32 after core_relo_rec_size (kernel 6.4+) */
#define LOG_TRUE_OFF (offsetof(union bpf_attr, core_relo_rec_size) + sizeof(__u32))

/* A load with a log of log_size bytes (0: none): its result, the log's
 * true size in *t. */
static long load_log(const struct bpf_insn *insns, char *log, __u32 log_size, __u32 *t)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (__u64)(unsigned long)insns;
	a.license = (__u64)(unsigned long)"GPL";
	if (log_size) {
		a.log_level = 1;
		a.log_buf = (__u64)(unsigned long)log;
		a.log_size = log_size;
	}
	r = sys_bpf(BPF_PROG_LOAD, &a);
	memcpy(t, (char *)&a + LOG_TRUE_OFF, sizeof(*t));
	if (r >= 0)
		close((int)r);
	return r;
}

/* The log's true size written back: the whole log's length + 1, past a
 * short log's size (ENOSPC), 0 without a log. */
static void log_true_size(const struct bpf_insn *insns)
{
	static char log[4096];
	__u32 whole = 0, t = 0;
	long r;

	r = load_log(insns, log, sizeof(log), &whole);
	printf("log true size: load %s, the log's length + 1: %s\n", r < 0 ? strerror(errno) : "ok",
	       whole && whole == strlen(log) + 1 ? "yes" : "no");
	r = load_log(insns, log, 8, &t);
	printf("short log: %s, true size the whole log's: %s\n", r < 0 ? strerror(errno) : "ok",
	       t == whole ? "yes" : "no");
	r = load_log(insns, NULL, 0, &t);
	printf("no log: load %s, true size %u\n", r < 0 ? strerror(errno) : "ok", t);
}

/* A raw tracepoint's name and perf_event_open's attr and uprobe path. */
static void perf_pointers(const struct bpf_insn *insns)
{
	int raw = prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, insns);
	struct perf_event_attr pa;
	union bpf_attr a;
	FILE *f;
	int type = -1;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.prog_fd = raw;
	a.raw_tracepoint.name = BAD;
	report("raw tp name", raw < 0 ? -1 : sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a));
	if (raw >= 0)
		close(raw);
	report("perf attr", syscall(__NR_perf_event_open, (void *)BAD, 0, -1, -1, 0));
	f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	if (f && fscanf(f, "%d", &type) != 1)
		type = -1;
	if (f)
		fclose(f);
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = type;
	pa.config1 = BAD; /* uprobe_path */
	pa.config2 = 0;	  /* probe_offset */
	report("uprobe path", type < 0 ? -1 : syscall(__NR_perf_event_open, &pa, 0, -1, -1, 0));
}

/* The file calls the interposer checks for its special files. */
static void file_pointers(void)
{
	const char *volatile bad = (const char *)BAD;
	FILE *f;

	report("open path", open(bad, O_RDONLY));
	report("openat path", openat(AT_FDCWD, bad, O_RDONLY));
	report("access path", access(bad, F_OK));
	report("faccessat path", faccessat(AT_FDCWD, bad, F_OK, 0));
	report("unlink path", unlink(bad));
	report("unlinkat path", unlinkat(AT_FDCWD, bad, 0));
	f = fopen(bad, "r");
	report("fopen path", f ? 0 : -1);
	if (f)
		fclose(f);
}

int main(void)
{
	struct bpf_insn insns[2] = { { .code = BPF_ALU64 | BPF_MOV | BPF_K },
				     { .code = BPF_JMP | BPF_EXIT } };
	int hash = map_create(BPF_MAP_TYPE_HASH), parr = map_create(BPF_MAP_TYPE_PROG_ARRAY);
	__u32 k = 1, v = 2, missing = 9;
	union bpf_attr a;
	int i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (hash < 0 || parr < 0) {
		printf("maps: %s\n", strerror(errno));
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.map_fd = hash;
	a.key = (__u64)(unsigned long)&k;
	a.value = (__u64)(unsigned long)&v;
	sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
	report("attr", syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, (void *)BAD, sizeof(a)));
	for (i = 0; i < 10; i++) {
		static const char *const names[] = {
			"lookup key",	    "lookup value", "update key",    "update value",
			"prog array value", "delete key",   "next key: key", "next key: next",
			"batch keys",	    "batch values",
		};
		static const int cmds[] = {
			BPF_MAP_LOOKUP_ELEM,  BPF_MAP_LOOKUP_ELEM,  BPF_MAP_UPDATE_ELEM,
			BPF_MAP_UPDATE_ELEM,  BPF_MAP_UPDATE_ELEM,  BPF_MAP_DELETE_ELEM,
			BPF_MAP_GET_NEXT_KEY, BPF_MAP_GET_NEXT_KEY, BPF_MAP_UPDATE_BATCH,
			BPF_MAP_UPDATE_BATCH,
		};

		memset(&a, 0, sizeof(a));
		if (cmds[i] == BPF_MAP_UPDATE_BATCH) {
			a.batch.map_fd = hash;
			a.batch.count = 1;
			a.batch.keys = i == 8 ? BAD : (__u64)(unsigned long)&k;
			a.batch.values = i == 9 ? BAD : (__u64)(unsigned long)&v;
		} else {
			a.map_fd = i == 4 ? parr : hash;
			a.key = i == 0 || i == 2 || i == 5 || i == 6 ? BAD :
								       (__u64)(unsigned long)&k;
			a.value = i == 1 || i == 3 || i == 4 || i == 7 ? BAD :
									 (__u64)(unsigned long)&v;
			if (i == 5)
				a.value = 0; /* DELETE_ELEM ends at key */
			if (i == 7)
				a.key = (__u64)(unsigned long)&missing; /* next is the first */
		}
		report(names[i], sys_bpf(cmds[i], &a));
	}
	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		a.insn_cnt = 2;
		a.insns = i == 0 ? BAD : (__u64)(unsigned long)insns;
		a.license = i == 1 ? BAD : (__u64)(unsigned long)"GPL";
		if (i == 2) {
			a.log_level = 1;
			a.log_buf = BAD;
			a.log_size = 256;
		}
		report(i == 0 ? "prog insns" :
		       i == 1 ? "prog license" :
				"prog log",
		       sys_bpf(BPF_PROG_LOAD, &a));
	}
	memset(&a, 0, sizeof(a));
	a.btf = BAD;
	a.btf_size = 64;
	report("btf data", sys_bpf(BPF_BTF_LOAD, &a));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = hash;
	a.info.info_len = sizeof(struct bpf_map_info);
	a.info.info = BAD;
	report("map info", sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
	memset(&a, 0, sizeof(a));
	a.bpf_fd = hash;
	a.pathname = BAD;
	report("pin path", sys_bpf(BPF_OBJ_PIN, &a));
	memset(&a, 0, sizeof(a));
	a.pathname = BAD;
	report("get path", sys_bpf(BPF_OBJ_GET, &a));
	read_only_attr(hash, insns);
	log_true_size(insns);
	info_arrays(hash);
	perf_pointers(insns);
	file_pointers();
	printf("done\n");
	return 0;
}
