/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_attach_btf.c - tracing programs typed by their attach
 * target's BTF prototype (opts.attach_btf / attach_btf_id, set by the
 * object loader from the kernel's BTF).  fentry and fexit on vfs_read
 * (struct file *file, char *buf, size_t count, loff_t *pos): the file
 * argument is a PTR_TO_BTF_ID of struct file, its fields read
 * fault-tolerantly, a field that is a pointer to a struct typed in turn,
 * offsets checked against the struct; buf, count and pos are numbers;
 * there is no fifth word except fexit's return value.  tp_btf/sched_switch
 * (bool preempt, struct task_struct *prev, *next, unsigned int
 * prev_state) the same for task_struct.  Offsets come from the running
 * kernel's BTF; each case is also loaded into the kernel
 * (BPF_PROG_TYPE_TRACING, the same attach_btf_id) as the oracle: this
 * kernel loads tp_btf programs and refuses fentry with EPERM (no
 * trampolines in this guest), so the fentry cases are userbpf-only here.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "vtest.h"
#include "../unit/test.h"

#define TRACING 26
#define FENTRY 24
#define FEXIT 25

/* placeholders in the offsets, replaced from the kernel's BTF */
#define F_FLAGS 0x7001
#define F_INODE 0x7002
#define I_INO 0x7003
#define FILE_SIZE 0x7004
#define T_PID 0x7005
#define T_PARENT 0x7006
#define TASK_SIZE 0x7007
#define RAW_TP 23

struct ab_case {
	const char *desc;
	struct userbpf_insn insns[12];
	uint32_t eat;
	int expect_err; /* 0 or -EACCES */
	const char *msg;
};

/* clang-format off */
static const struct ab_case cases[] = {
	{ "file->f_flags", { LDX(DW, 2, 1, 0), LDX(W, 0, 2, F_FLAGS), RET0 }, FENTRY, 0, NULL },
	{ "file->f_inode->i_ino",
	  { LDX(DW, 2, 1, 0), LDX(DW, 2, 2, F_INODE), LDX(DW, 0, 2, I_INO), RET0 }, FENTRY, 0, NULL },
	{ "file pointer compared with NULL",
	  { LDX(DW, 2, 1, 0), JI(JEQ, 2, 0, 1), LDX(W, 0, 2, F_FLAGS), RET0 }, FENTRY, 0, NULL },
	{ "write through file", { LDX(DW, 2, 1, 0), ST(W, 2, F_FLAGS, 0), RET0 }, FENTRY, -EACCES,
	  "only read is supported" },
	{ "read beyond struct file", { LDX(DW, 2, 1, 0), LDX(DW, 0, 2, FILE_SIZE), RET0 }, FENTRY,
	  -EACCES, "access beyond struct file" },
	{ "negative offset into file", { LDX(DW, 2, 1, 0), LDX(DW, 0, 2, -8), RET0 }, FENTRY,
	  -EACCES, "invalid negative access" },
	{ "variable offset into file",
	  { LDX(DW, 2, 1, 0), LDX(DW, 3, 1, 16), ALUI(AND, 3, 8), ALUR(ADD, 2, 3),
	    LDX(DW, 0, 2, 0), RET0 }, FENTRY, -EACCES, "invalid variable offset" },
	{ "count (size_t) is a number", { LDX(DW, 2, 1, 16), LDX(DW, 0, 2, 0), RET0 }, FENTRY,
	  -EACCES, "invalid mem access 'scalar'" },
	{ "buf (char *) is a number", { LDX(DW, 2, 1, 8), LDX(B, 0, 2, 0), RET0 }, FENTRY,
	  -EACCES, "invalid mem access 'scalar'" },
	{ "count's bounds are a number's", { LDX(W, 2, 1, 16), RET0 }, FENTRY, 0, NULL },
	{ "fentry: no fifth word", { LDX(DW, 2, 1, 32), RET0 }, FENTRY, -EACCES,
	  "func 'vfs_read' doesn't have 5-th argument" },
	{ "fexit: the return value", { LDX(DW, 2, 1, 32), RET0 }, FEXIT, 0, NULL },
	{ "fexit: no sixth word", { LDX(DW, 2, 1, 40), RET0 }, FEXIT, -EACCES,
	  "doesn't have 6-th argument" },
	{ "offset not a multiple of 8", { LDX(W, 2, 1, 4), RET0 }, FENTRY, -EACCES,
	  "offset 4 is not multiple of 8" },
	{ "tp_btf prev->pid", { LDX(DW, 2, 1, 8), LDX(W, 0, 2, T_PID), RET0 }, RAW_TP, 0, NULL },
	{ "tp_btf next->real_parent->pid",
	  { LDX(DW, 2, 1, 16), LDX(DW, 2, 2, T_PARENT), LDX(W, 0, 2, T_PID), RET0 }, RAW_TP, 0,
	  NULL },
	{ "tp_btf write through prev", { LDX(DW, 2, 1, 8), ST(W, 2, T_PID, 0), RET0 }, RAW_TP,
	  -EACCES, "only read is supported" },
	{ "tp_btf read beyond struct task_struct",
	  { LDX(DW, 2, 1, 8), LDX(DW, 0, 2, TASK_SIZE), RET0 }, RAW_TP, -EACCES,
	  "access beyond struct task_struct" },
	{ "tp_btf negative offset into prev", { LDX(DW, 2, 1, 8), LDX(W, 0, 2, -4), RET0 },
	  RAW_TP, -EACCES, "invalid negative access" },
	{ "tp_btf variable offset into prev",
	  { LDX(DW, 2, 1, 8), LDX(DW, 3, 1, 24), ALUI(AND, 3, 8), ALUR(ADD, 2, 3),
	    LDX(DW, 0, 2, 0), RET0 }, RAW_TP, -EACCES, "invalid variable offset" },
	{ "tp_btf preempt (bool) is a number", { LDX(DW, 2, 1, 0), LDX(B, 0, 2, 0), RET0 },
	  RAW_TP, -EACCES, "invalid mem access 'scalar'" },
	{ "tp_btf prev_state is a number", { LDX(DW, 2, 1, 24), LDX(W, 0, 2, 0), RET0 }, RAW_TP,
	  -EACCES, "invalid mem access 'scalar'" },
	{ "tp_btf no fifth word", { LDX(DW, 2, 1, 32), RET0 }, RAW_TP, -EACCES,
	  "func 'sched_switch' doesn't have 5-th argument" },
	{ "tp_btf prev compared with NULL",
	  { LDX(DW, 2, 1, 8), JI(JEQ, 2, 0, 1), LDX(W, 0, 2, T_PID), RET0 }, RAW_TP, 0, NULL },
	{ "tp_btf prev + 8 then a field",
	  { LDX(DW, 2, 1, 8), ADDI(2, 8), LDX(W, 0, 2, T_PID - 8), RET0 }, RAW_TP, 0, NULL },
};
/* clang-format on */

/* the kernel's verdict: 0, -errno, or 1 when bpf() is not allowed */
static char klog[65536];

static int ab_kernel(const struct userbpf_insn *insns, size_t n, uint32_t eat, uint32_t btf_id)
{
	char *log = klog;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(klog), .log_level = 1,
		    .expected_attach_type = eat, .attach_btf_id = btf_id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", (const struct bpf_insn *)insns,
			       (uint32_t)n, &o);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EPERM ? 1 : -errno;
}

static int16_t ab_off(int16_t off, const int64_t *v)
{
	switch (off) {
	case F_FLAGS:
		return (int16_t)v[0];
	case F_INODE:
		return (int16_t)v[1];
	case I_INO:
		return (int16_t)v[2];
	case FILE_SIZE:
		return (int16_t)v[3];
	case T_PID:
		return (int16_t)v[4];
	case T_PID - 8:
		return (int16_t)(v[4] - 8);
	case T_PARENT:
		return (int16_t)v[5];
	case TASK_SIZE:
		return (int16_t)v[6];
	default:
		return off;
	}
}

TEST(verifier_attach_btf_prototypes)
{
	const struct userbpf_btf *k = userbpf_btf__kernel();
	int64_t id, tp, file, inode, task, v[7];
	unsigned agreed = 0, ran = 0, msgs = 0, kmsgs = 0;
	size_t i, j;

	if (!k) {
		test_skip("no kernel BTF (/sys/kernel/btf/vmlinux)");
		return;
	}
	id = userbpf_btf__find_by_name_kind(k, "vfs_read", USERBPF_BTF_KIND_FUNC);
	tp = userbpf_btf__find_by_name_kind(k, "btf_trace_sched_switch", USERBPF_BTF_KIND_TYPEDEF);
	file = userbpf_btf__find_by_name_kind(k, "file", USERBPF_BTF_KIND_STRUCT);
	inode = userbpf_btf__find_by_name_kind(k, "inode", USERBPF_BTF_KIND_STRUCT);
	task = userbpf_btf__find_by_name_kind(k, "task_struct", USERBPF_BTF_KIND_STRUCT);
	if (id <= 0 || tp <= 0 || file <= 0 || inode <= 0 || task <= 0) {
		test_skip("the kernel's BTF lacks vfs_read, sched_switch or the structs used");
		return;
	}
	v[0] = userbpf_btf__member_bit_offset(k, (uint32_t)file, "f_flags", NULL) / 8;
	v[1] = userbpf_btf__member_bit_offset(k, (uint32_t)file, "f_inode", NULL) / 8;
	v[2] = userbpf_btf__member_bit_offset(k, (uint32_t)inode, "i_ino", NULL) / 8;
	v[3] = userbpf_btf__resolve_size(k, (uint32_t)file);
	v[4] = userbpf_btf__member_bit_offset(k, (uint32_t)task, "pid", NULL) / 8;
	v[5] = userbpf_btf__member_bit_offset(k, (uint32_t)task, "real_parent", NULL) / 8;
	v[6] = userbpf_btf__resolve_size(k, (uint32_t)task);
	ASSERT_TRUE(v[0] > 0 && v[1] >= 0 && v[2] >= 0 && v[3] > 0);
	ASSERT_TRUE(v[4] > 8 && v[5] > 0 && v[6] > 0 && v[6] < 32768);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ab_case *c = &cases[i];
		struct userbpf_insn p[12];
		char log[4096];
		struct userbpf_verifier_stats vs = { 0 };
		USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = TRACING, .gpl = 1,
			     .expected_attach_type = c->eat, .attach_btf = k,
			     .attach_btf_id = (uint32_t)(c->eat == RAW_TP ? tp : id),
			     .log_buf = log, .log_size = sizeof(log), .stats = &vs);
		size_t n = 0;
		int err, kerr;

		for (j = 0; j < 12 && (c->insns[j].code || j == 0); j++) {
			p[j] = c->insns[j];
			p[j].off = ab_off(p[j].off, v);
			n = j + 1;
		}
		err = userbpf_verify(p, n, &o);
		if (err != c->expect_err || (c->msg && !strstr(log, c->msg)))
			test_fail(__FILE__, __LINE__, "%s: %d, want %d (%s)\n%s", c->desc, err,
				  c->expect_err, c->msg ? c->msg : "", log);
		if (!err && strchr(c->desc, '>') && vs.probe_mem_insns == 0)
			test_fail(__FILE__, __LINE__, "%s: no fault-tolerant load counted",
				  c->desc);
		kerr = ab_kernel(p, n, c->eat, (uint32_t)(c->eat == RAW_TP ? tp : id));
		if (kerr == 1)
			continue;
		ran++;
		if (!kerr == !err)
			agreed++;
		else
			test_fail(__FILE__, __LINE__, "%s: kernel %d, userbpf %d", c->desc, kerr,
				  err);
		if (kerr && c->msg) {
			kmsgs++;
			if (strstr(klog, c->msg))
				msgs++;
			else if (test_verbose())
				printf("    %s: the kernel says otherwise:\n%s", c->desc, klog);
		}
	}
	if (test_verbose())
		printf("    attach BTF (vfs_read, sched_switch): %zu cases, kernel ran %u, agreed "
		       "%u; same message fragment in %u of %u kernel rejections\n",
		       sizeof(cases) / sizeof(cases[0]), ran, agreed, msgs, kmsgs);
}
