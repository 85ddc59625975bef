/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_objects.c - every example object (build/examples) and
 * test object (build/elf) passes the verifier; every insn.def row has a
 * verifier rule (a program using it is never refused as an unknown
 * opcode); the log names the instruction and its source line.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "isa/isa.h"
#include "../unit/test.h"

/* The loader fixtures under build/elf hand a task_struct to raw test runs
 * as their context, sized by the shipped context BTF; they are verified
 * against that BTF (CORE_TARGET_CTX), the examples against the default. */
static void verify_dir(const char *sub, uint32_t core_target, int *progs)
{
	char dir[512], path[1024];
	static char log[1 << 16];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", test_build_dir(), sub);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct userbpf_object *obj;
		struct userbpf_program *p = NULL;

		if (!strstr(de->d_name, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		{
			USERBPF_OPTS(userbpf_object_open_opts, oo, .core_target = core_target);

			obj = userbpf_object__open_file(path, &oo);
		}
		if (!obj) {
			test_fail(__FILE__, __LINE__, "%s: cannot open", path);
			continue;
		}
		while ((p = userbpf_object__next_program(obj, p))) {
			USERBPF_OPTS(userbpf_verifier_opts, o, .log_buf = log,
				     .log_size = sizeof(log));
			int err;

			/* SEC("?..."): a program kept from loading (the loader
			 * tests' deliberately unloadable ones) */
			if (!userbpf_program__autoload(p))
				continue;
			err = userbpf_program__verify(obj, p, &o);

			(*progs)++;
			if (err)
				test_fail(__FILE__, __LINE__, "%s: %s rejected (%d):\n%s",
					  de->d_name, userbpf_program__name(p), err, log);
		}
		userbpf_object__close(obj);
	}
	closedir(d);
}

TEST(verifier_objects)
{
	int progs = 0;

	verify_dir("examples", USERBPF_CORE_TARGET_AUTO, &progs);
	verify_dir("elf", USERBPF_CORE_TARGET_CTX, &progs);
	if (!progs) {
		test_skip("no objects built");
		return;
	}
	printf("verifier: %d programs of the example and test objects accepted\n", progs);
}

/* one minimal program per insn.def row, by its class */
TEST(verifier_every_row_has_rule)
{
	static char log[4096];
	int op;

	for (op = 0; op < ISA_OP_COUNT; op++) {
		const struct isa_info *r = &isa_table[op];
		struct userbpf_insn p[8];
		struct userbpf_insn *x;
		size_t n = 0;
		int err;
		USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 1, .gpl = 1, .log_buf = log,
			     .log_size = sizeof(log));

		memset(p, 0, sizeof(p));
		p[n++] = USERBPF_MOV64_IMM(0, 0);
		p[n++] = USERBPF_MOV64_IMM(2, 1);
		p[n++] = USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0);
		x = &p[n++];
		x->code = r->opcode;
		if (r->match == M_OFF)
			x->off = (int16_t)r->mval;
		else if (r->match == M_IMM)
			x->imm = r->mval;
		else if (r->match == M_SRC)
			x->src_reg = (uint8_t)r->mval;
		if (r->flags & (F_LOAD | F_STORE | F_ATOMIC)) {
			x->dst_reg = (r->flags & F_LOAD) ? 0 : 10;
			x->src_reg = (r->flags & F_LOAD) ? 10 : ((r->fields & U_SRC) ? 2 : 0);
			x->off = -8;
		} else if (r->flags & F_LDDW) {
			x->dst_reg = 3;
			n++; /* second slot */
		} else if (r->flags & F_CALL) {
			if (op == ISA_CALL)
				x->imm = 5; /* ktime_get_ns */
			else if (op == ISA_CALL_LOCAL)
				x->imm = 1;
			else if (op == ISA_CALLX)
				x->dst_reg = 2;
		} else if (r->flags & F_EXIT) {
			*x = USERBPF_EXIT_INSN();
		} else if (r->flags & F_LDPKT) {
			p[0] = USERBPF_MOV64_REG(6, 1);
			x->src_reg = (r->fields & U_SRC) ? 2 : 0;
		} else {
			x->dst_reg = 0;
			if (r->fields & U_SRC)
				x->src_reg = 2;
			if ((r->fields & U_IMM) && op != ISA_JA32)
				x->imm = x->imm ? x->imm : 1;
		}
		if (op != ISA_EXIT) {
			if (op == ISA_CALL_LOCAL) {
				p[n++] = USERBPF_EXIT_INSN();
				p[n++] = USERBPF_MOV64_IMM(0, 0);
			}
			p[n++] = USERBPF_MOV64_IMM(0, 0);
			p[n++] = USERBPF_EXIT_INSN();
		}
		err = userbpf_verify(p, n, &o);
		if (strstr(log, "unknown opcode") && op != ISA_CALLX)
			test_fail(__FILE__, __LINE__, "row %s has no verifier rule:\n%s", r->name,
				  log);
		/* rows a plain socket filter may use are accepted */
		if (err && !(r->flags & F_LDDW && r->match == M_SRC && r->mval) &&
		    op != ISA_CALL_KFUNC && op != ISA_CALLX && op != ISA_CALL_LOCAL)
			test_fail(__FILE__, __LINE__, "row %s rejected (%d):\n%s", r->name, err,
				  log);
	}
}

TEST(verifier_log_names_insn_and_line)
{
	static char log[4096];
	struct userbpf_verifier_line line = { 1, 42, "prog.bpf.c", "x = *p;" };
	struct userbpf_insn p[] = { USERBPF_MOV64_IMM(1, 0), USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 0),
				    USERBPF_EXIT_INSN() };
	struct userbpf_verifier_stats st;
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 1, .log_buf = log,
		     .log_size = sizeof(log), .lines = &line, .line_cnt = 1, .stats = &st);

	ASSERT_EQ(userbpf_verify(p, 3, &o), -EACCES);
	ASSERT_TRUE(strstr(log, "R1 invalid mem access 'scalar'") != NULL);
	ASSERT_TRUE(strstr(log, "x = *p; @ prog.bpf.c:42") != NULL);
	ASSERT_TRUE(strstr(log, "1: (79) r0 = *(u64 *)(r1 + 0)") != NULL);
	ASSERT_TRUE(strstr(log, "verification failed at insn 1") != NULL);
	ASSERT_EQ(st.error_insn, 1);
	/* level 2 prints states */
	o.log_level = 2;
	ASSERT_EQ(userbpf_verify(p, 3, &o), -EACCES);
	ASSERT_TRUE(strstr(log, "R10=fp0") != NULL);
}

TEST(verifier_complexity_limit)
{
	/* a counter loop of 2^20 iterations exceeds 1M processed insns */
	static char log[1 << 16];
	struct userbpf_insn p[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_ALU64_IMM(USERBPF_ADD, 0, 1),
				    USERBPF_JMP_IMM(USERBPF_JLT, 0, 1 << 20, -2),
				    USERBPF_EXIT_INSN() };
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 1, .log_buf = log,
		     .log_size = sizeof(log));

	ASSERT_EQ(userbpf_verify(p, 4, &o), -E2BIG);
	ASSERT_TRUE(strstr(log, "BPF program is too large. Processed 1000001 insn") != NULL);
}
