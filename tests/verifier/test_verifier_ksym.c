/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_ksym.c - kernel symbols and the task kfuncs, loaded by
 * userbpf's object loader and by the running kernel through libbpf (the
 * oracle, where bpf() is allowed), program by program of ksym.bpf.o:
 * the same verdict, errno and message; the accepted programs run on both
 * (BPF_PROG_TEST_RUN of a syscall program) with the same results: a
 * kfunc's bpf_ksym_exists is true, a weak missing one's false,
 * bpf_task_from_pid finds a child by pid (its comm, its tgid) and NULL
 * for a pid that does not exist.  Then raw lddw BPF_PSEUDO_BTF_ID loads
 * through userbpf_bpf() and bpf(): a FUNC, a STRUCT, an id past the
 * BTF, a module BTF fd, a kernel variable.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "userbpf/syscall.h"
#include "vt_obj.h"
#include "../unit/test.h"

static char path[512];

/* the program's context (ksym.bpf.c struct args) */
struct args {
	int pid;
	int found;
	int tgid;
	int exists;
	char comm[16];
};

struct verdict {
	int err; /* 0 loaded, -errno */
	char log[8192];
};

/* userbpf's object loader on program name alone; *out keeps the object
 * when it loads (NULL: closed) */
static void ub_load(const char *name, struct verdict *v, struct userbpf_object **out)
{
	struct userbpf_object *obj = userbpf_object__open_file(path, NULL);
	struct userbpf_program *p = NULL;

	if (out)
		*out = NULL;
	v->log[0] = '\0';
	if (!obj) {
		v->err = -errno;
		return;
	}
	while ((p = userbpf_object__next_program(obj, p)))
		userbpf_program__set_autoload(p, !strcmp(userbpf_program__name(p), name));
	v->err = userbpf_object__load(obj);
	snprintf(v->log, sizeof(v->log), "%s", v->err ? userbpf_object__errmsg(obj) : "");
	if (!v->err && out)
		*out = obj;
	else
		userbpf_object__close(obj);
}

static char kernel_log[8192];
static size_t kernel_log_len;

static int kernel_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (kernel_log_len < sizeof(kernel_log) - 1) {
		int n = vsnprintf(kernel_log + kernel_log_len, sizeof(kernel_log) - kernel_log_len,
				  fmt, ap);

		if (n > 0)
			kernel_log_len += (size_t)n;
		if (kernel_log_len > sizeof(kernel_log) - 1)
			kernel_log_len = sizeof(kernel_log) - 1;
	}
	return 0;
}

/* The kernel's verdict through libbpf: 1 with v filled, 0 when bpf() is
 * refused (EPERM: not root) or the object does not open. */
static int kernel_load(const char *name, struct verdict *v, struct bpf_object **out)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;

	if (out)
		*out = NULL;
	if (!obj)
		return 0;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), name));
	kernel_log_len = 0;
	kernel_log[0] = '\0';
	libbpf_set_print(kernel_print);
	v->err = bpf_object__load(obj);
	libbpf_set_print(NULL);
	snprintf(v->log, sizeof(v->log), "%s", kernel_log);
	if (v->err == -EPERM) {
		bpf_object__close(obj);
		return 0;
	}
	if (!v->err && out)
		*out = obj;
	else
		bpf_object__close(obj);
	return 1;
}

/* Both verdicts on a program the verifier must refuse with msg. */
static void check_reject(const char *name, int want_err, const char *msg)
{
	static struct verdict u, k;

	ub_load(name, &u, NULL);
	if (!kernel_load(name, &k, NULL)) {
		k.err = 1;
		test_skip("bpf() refused: kernel oracle skipped for %s", name);
	}
	if (u.err != want_err || !strstr(u.log, msg))
		fprintf(stderr, "%s: userbpf %d: %s\nkernel %d: %s\n", name, u.err, u.log, k.err,
			k.log);
	ASSERT_EQ(u.err, want_err);
	ASSERT_CONTAINS(u.log, msg);
	if (k.err == 1)
		return;
	if (k.err != want_err || !strstr(k.log, msg))
		fprintf(stderr, "%s: kernel %d: %s\n", name, k.err, k.log);
	ASSERT_EQ(k.err, want_err);
	ASSERT_CONTAINS(k.log, msg);
}

/* Run program name on a (ctx in and out) in userbpf, then in the kernel
 * on a copy: both return values, both contexts. */
static int run_both(const char *name, struct args *a, struct args *ka, uint32_t *kret,
		    bool *kernel_ran)
{
	struct userbpf_object *uo;
	struct bpf_object *ko;
	struct verdict v;
	struct args in = *a;
	int err;
	/* the task images are kernel memory to the program: read through
	 * bpf_probe_read_kernel, as probes let it (README: host reads) */
	USERBPF_OPTS(userbpf_test_run_opts, t, .ctx_in = &in, .ctx_size_in = sizeof(in),
		     .ctx_out = a, .ctx_size_out = sizeof(*a), .flags = USERBPF_RUN_HOST_READ);

	*kernel_ran = false;
	ub_load(name, &v, &uo);
	if (v.err)
		fprintf(stderr, "%s: %s\n", name, v.log);
	if (v.err)
		return v.err;
	err = userbpf_prog__test_run(
		userbpf_program__prog(userbpf_object__find_program_by_name(uo, name)), &t);
	userbpf_object__close(uo);
	if (err)
		return err;
	*ka = in;
	if (kernel_load(name, &v, &ko) && !v.err) {
		/* a syscall program's context is written back to ctx_in */
		LIBBPF_OPTS(bpf_test_run_opts, kt, .ctx_in = ka, .ctx_size_in = sizeof(*ka));

		err = bpf_prog_test_run_opts(
			bpf_program__fd(bpf_object__find_program_by_name(ko, name)), &kt);
		*kret = kt.retval;
		*kernel_ran = !err;
		bpf_object__close(ko);
	}
	return (int)t.retval;
}

static bool have_obj(void)
{
	if (vt_obj_path(path, sizeof(path), "ksym.bpf.o"))
		return true;
	test_skip("%s missing (clang?)", path);
	return false;
}

TEST(verifier_ksym_exists)
{
	struct args a, ka;
	uint32_t kret = 0;
	bool kran;

	if (!have_obj())
		return;
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(run_both("exists_true", &a, &ka, &kret, &kran), 1);
	ASSERT_EQ(a.exists, 1);
	if (kran) {
		ASSERT_EQ(kret, 1);
		ASSERT_EQ(ka.exists, 1);
	}
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(run_both("exists_false", &a, &ka, &kret, &kran), 2);
	ASSERT_EQ(a.exists, 2);
	if (kran) {
		ASSERT_EQ(kret, 2);
		ASSERT_EQ(ka.exists, 2);
	} else {
		test_skip("bpf() refused: kernel runs skipped");
	}
}

/* A child renamed by prctl, found by pid; a pid that cannot exist. */
TEST(verifier_ksym_task_from_pid)
{
	struct args a, ka;
	uint32_t kret = 0;
	bool kran;
	int pfd[2], child;
	char c;

	if (!have_obj())
		return;
	ASSERT_EQ(pipe(pfd), 0);
	child = fork();
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		prctl(PR_SET_NAME, "ksym_child", 0, 0, 0);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_TRUE(child > 0);
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	memset(&a, 0, sizeof(a));
	a.pid = child;
	ASSERT_EQ(run_both("task_lookup", &a, &ka, &kret, &kran), 1);
	ASSERT_EQ(a.found, 2); /* bpf_task_acquire gave a second reference */
	ASSERT_EQ(a.tgid, child);
	ASSERT_STREQ(a.comm, "ksym_child");
	if (kran) {
		ASSERT_EQ(kret, 1);
		ASSERT_EQ(ka.found, a.found);
		ASSERT_EQ(ka.tgid, a.tgid);
		ASSERT_STREQ(ka.comm, a.comm);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* above PID_MAX_LIMIT (4 << 20): no task has it */
	memset(&a, 0, sizeof(a));
	a.pid = (4 << 20) + 1;
	ASSERT_EQ(run_both("task_lookup", &a, &ka, &kret, &kran), 0);
	ASSERT_EQ(a.found, 0);
	if (kran) {
		ASSERT_EQ(kret, 0);
		ASSERT_EQ(ka.found, 0);
	} else {
		test_skip("bpf() refused: kernel runs skipped");
	}
	close(pfd[0]);
	close(pfd[1]);
}

TEST(verifier_ksym_reference_rules)
{
	if (!have_obj())
		return;
	check_reject("task_leak", -EINVAL, "Unreleased reference id=");
	check_reject("task_release_null", -EACCES, "Possibly NULL pointer passed to trusted arg0");
	/* the released pointer is a number afterwards */
	check_reject("task_release_twice", -EINVAL,
		     "arg#0 pointer type STRUCT task_struct must point to scalar, or struct with "
		     "scalar");
}

/*
 * A kernel variable through the object loader (libbpf's relocation: its
 * id in the kernel's BTF): userbpf has no kernel variables and refuses it
 * as a kernel without the symbol does.  Linux refuses it the same way
 * when its kallsyms lists no variables (CONFIG_KALLSYMS_ALL unset, as on
 * this machine); one that has them loads it (a difference, noted).
 */
TEST(verifier_ksym_variable)
{
	static struct verdict u, k;
	const char *msg = "ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'.";

	if (!have_obj())
		return;
	ub_load("ksym_var", &u, NULL);
	ASSERT_EQ(u.err, -ENOENT);
	ASSERT_CONTAINS(u.log, msg);
	if (!kernel_load("ksym_var", &k, NULL)) {
		test_skip("bpf() refused: kernel oracle skipped");
		return;
	}
	if (!k.err) {
		printf("bpf_prog_active: Linux has it (CONFIG_KALLSYMS_ALL), userbpf has no kernel "
		       "variables (docs/kernel-differences.md)\n");
		return;
	}
	ASSERT_EQ(k.err, -ENOENT);
	ASSERT_CONTAINS(k.log, msg);
}

/* ==== raw lddw BPF_PSEUDO_BTF_ID through userbpf_bpf() and bpf() ==== */

struct raw_case {
	const char *desc;
	int64_t id; /* -1: bpf_task_from_pid, -2: struct task_struct, -3: runqueues */
	int32_t btf_fd;
	int err;
	const char *msg;
};

/* Load "r0 = &ksym; r0 = 0; exit" as a syscall program, through
 * userbpf_bpf (kernel false) or bpf(): the fd, or -errno; the log. */
static int raw_load(bool kernel, int32_t id, int32_t btf_fd, char *log, size_t log_sz)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .src_reg = BPF_PSEUDO_BTF_ID, .imm = id },
		{ .imm = btf_fd },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SYSCALL;
	attr.prog_flags = BPF_F_SLEEPABLE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 4;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = (uint32_t)log_sz;
	attr.log_level = 1;
	log[0] = '\0';
	if (kernel) {
		fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (fd < 0)
			return -errno;
		close(fd);
		return fd;
	}
	fd = userbpf_bpf(BPF_PROG_LOAD, (union bpf_attr *)&attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	userbpf_close(fd);
	return fd;
}

TEST(verifier_ksym_btf_id_lddw)
{
	/* clang-format off */
	static const struct raw_case cases[] = {
		{ "a kfunc userbpf has", -1, 0, 0, NULL },
		{ "a struct", -2, 0, -EINVAL, "isn't KIND_VAR or KIND_FUNC" },
		{ "an id past the BTF", 0x7fffff00, 0, -ENOENT, "ldimm64 insn specifies invalid btf_id 2147483392." },
		{ "a module BTF fd that is none", -1, 1000, -EINVAL, "invalid module BTF object FD specified." },
	};
	/* clang-format on */
	struct btf *vmlinux = btf__load_vmlinux_btf();
	char log[4096];
	size_t i;
	int kernel_refused = 0;

	if (!vmlinux) {
		test_skip("no /sys/kernel/btf/vmlinux");
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct raw_case *c = &cases[i];
		int32_t id = (int32_t)c->id;
		int u, k;

		if (c->id == -1)
			id = btf__find_by_name_kind(vmlinux, "bpf_task_from_pid", BTF_KIND_FUNC);
		else if (c->id == -2)
			id = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT);
		ASSERT_TRUE(id > 0);
		u = raw_load(false, id, c->btf_fd, log, sizeof(log));
		if (c->err ? u != c->err : u < 0)
			fprintf(stderr, "%s: userbpf %d: %s\n", c->desc, u, log);
		if (c->err) {
			ASSERT_EQ(u, c->err);
			ASSERT_CONTAINS(log, c->msg);
		} else {
			ASSERT_TRUE(u >= 0);
		}
		k = raw_load(true, id, c->btf_fd, log, sizeof(log));
		if (k == -EPERM) {
			kernel_refused++;
			continue;
		}
		if (c->err) {
			ASSERT_EQ(k, c->err);
			ASSERT_CONTAINS(log, c->msg);
		} else {
			ASSERT_TRUE(k >= 0);
		}
	}
	/* a kernel variable: userbpf has none; Linux refuses it alike
	 * without CONFIG_KALLSYMS_ALL */
	{
		int32_t id = btf__find_by_name_kind(vmlinux, "runqueues", BTF_KIND_VAR);
		const char *msg = "ldimm64 failed to find the address for kernel symbol "
				  "'runqueues'.";
		int k;

		if (id > 0) {
			ASSERT_EQ(raw_load(false, id, 0, log, sizeof(log)), -ENOENT);
			ASSERT_CONTAINS(log, msg);
			k = raw_load(true, id, 0, log, sizeof(log));
			if (k >= 0) {
				printf("runqueues: Linux has it (CONFIG_KALLSYMS_ALL), userbpf has "
				       "no kernel variables\n");
			} else if (k != -EPERM) {
				ASSERT_EQ(k, -ENOENT);
				ASSERT_CONTAINS(log, msg);
			}
		}
	}
	btf__free(vmlinux);
	if (kernel_refused)
		test_skip("bpf() refused: kernel oracle skipped for %d cases", kernel_refused);
}

/* ==== raw kfunc calls by BTF id ==== */

/* "t = bpf_task_from_pid(1); if (t) bpf_task_release(t); return 0" with
 * the first call's BTF id from_id, in a program of type type with
 * license lic, through userbpf_bpf or bpf(): the fd or -errno; the log */
static int raw_kfunc_load(bool kernel, int32_t from_id, int32_t release_id, uint32_t type,
			  const char *lic, char *log, size_t log_sz)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1, .imm = 1 },
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = from_id },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 0, .off = 2, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 1, .src_reg = 0 },
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = release_id },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.prog_flags = type == BPF_PROG_TYPE_SYSCALL ? BPF_F_SLEEPABLE : 0;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uint64_t)(uintptr_t)lic;
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = (uint32_t)log_sz;
	attr.log_level = 1;
	log[0] = '\0';
	if (kernel) {
		fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (fd < 0)
			return -errno;
		close(fd);
		return fd;
	}
	fd = userbpf_bpf(BPF_PROG_LOAD, (union bpf_attr *)&attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	userbpf_close(fd);
	return fd;
}

TEST(verifier_ksym_kfunc_call)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int32_t from, rel, st;
	char log[4096];
	int kernel_refused = 0;
	size_t i;

	if (!vmlinux) {
		test_skip("no /sys/kernel/btf/vmlinux");
		return;
	}
	from = btf__find_by_name_kind(vmlinux, "bpf_task_from_pid", BTF_KIND_FUNC);
	rel = btf__find_by_name_kind(vmlinux, "bpf_task_release", BTF_KIND_FUNC);
	st = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT);
	ASSERT_TRUE(from > 0 && rel > 0 && st > 0);
	{
		/* clang-format off */
		const struct {
			const char *desc;
			int32_t from;
			uint32_t type;
			const char *lic;
			int err;
			const char *msg;
		} cases[] = {
			{ "a syscall program", from, BPF_PROG_TYPE_SYSCALL, "GPL", 0, NULL },
			{ "a tracepoint program", from, BPF_PROG_TYPE_TRACEPOINT, "GPL", 0, NULL },
			{ "a socket filter", from, BPF_PROG_TYPE_SOCKET_FILTER, "GPL", -EACCES, "calling kernel function bpf_task_from_pid is not allowed" },
			{ "a non-GPL program", from, BPF_PROG_TYPE_SYSCALL, "MIT", -EINVAL, "cannot call kernel function from non-GPL compatible program" },
			{ "a struct's id", st, BPF_PROG_TYPE_SYSCALL, "GPL", -EINVAL, "is not a function" },
		};
		/* clang-format on */

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int u = raw_kfunc_load(false, cases[i].from, rel, cases[i].type,
					       cases[i].lic, log, sizeof(log)),
			    k;

			if (cases[i].err ? u != cases[i].err : u < 0)
				fprintf(stderr, "%s: userbpf %d: %s\n", cases[i].desc, u, log);
			if (cases[i].err) {
				ASSERT_EQ(u, cases[i].err);
				ASSERT_CONTAINS(log, cases[i].msg);
			} else {
				ASSERT_TRUE(u >= 0);
			}
			k = raw_kfunc_load(true, cases[i].from, rel, cases[i].type, cases[i].lic,
					   log, sizeof(log));
			if (k == -EPERM) {
				kernel_refused++;
				continue;
			}
			if (cases[i].err ? k != cases[i].err : k < 0)
				fprintf(stderr, "%s: kernel %d: %s\n", cases[i].desc, k, log);
			if (cases[i].err) {
				ASSERT_EQ(k, cases[i].err);
				ASSERT_CONTAINS(log, cases[i].msg);
			} else {
				ASSERT_TRUE(k >= 0);
			}
		}
	}
	btf__free(vmlinux);
	if (kernel_refused)
		test_skip("bpf() refused: kernel oracle skipped for %d cases", kernel_refused);
}
