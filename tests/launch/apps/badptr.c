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
	perf_pointers(insns);
	file_pointers();
	printf("done\n");
	return 0;
}
