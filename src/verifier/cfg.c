/* SPDX-License-Identifier: MIT */
/*
 * cfg.c - the verifier's structure pass and register liveness.
 *
 * verif_check_structure(): every slot decodes to an insn.def row (or is
 * lddw's second slot), registers are r0-r10, subprograms are found from
 * local calls and lddw func references, jumps stay inside their
 * subprogram and never land in lddw's second slot, every subprogram ends
 * in exit or goto, every instruction is reachable.  It also marks the
 * prune points (jump targets, conditional fall-throughs, callback entries)
 * where the exploration stores states.  Messages are the kernel's
 * ("jump out of range from insn 3 to 9", "unreachable insn 5").
 *
 * verif_compute_liveness(): the registers each instruction may read
 * before writing, per subprogram (backward dataflow to a fixpoint); state
 * comparison ignores dead registers.
 */
#include "util/ubc.h"

#include "verifier_int.h"
#include "util/alloc.h"

static bool is_lddw2(const struct verif_env *env, long i)
{
	return i >= 0 && (size_t)i < env->cnt && env->ops[i] < 0;
}

/* jump target of a branch row, or -1 */
static long branch_target(const struct verif_env *env, size_t i)
{
	int op = env->ops[i];
	const struct userbpf_insn *insn = &env->insns[i];

	if (op == ISA_JA32)
		return (long)i + 1 + insn->imm;
	if (isa_table[op].flags & F_JMP)
		return (long)i + 1 + insn->off;
	return -1;
}

static long call_target(const struct verif_env *env, size_t i)
{
	int op = env->ops[i];

	if (op == ISA_CALL_LOCAL || op == ISA_LDDW_FUNC)
		return (long)i + 1 + env->insns[i].imm;
	return -1;
}

static int add_subprog(struct verif_env *env, long start)
{
	int i;

	for (i = 0; i < env->nsubprogs; i++)
		if (env->subprogs[i].start == start)
			return 0;
	if (env->nsubprogs >= VERIF_MAX_SUBPROGS) {
		verif_log(env, "too many subprograms: %d\n", env->nsubprogs + 1);
		return -E2BIG;
	}
	env->subprogs[env->nsubprogs++].start = (int)start;
	return 0;
}

static int cmp_subprog(const void *a, const void *b)
{
	return ((const struct verif_subprog *)a)->start - ((const struct verif_subprog *)b)->start;
}

int verif_check_structure(struct verif_env *env)
{
	size_t i, cnt = env->cnt;
	int s, err;
	long *work = NULL;
	uint8_t *seen = NULL;
	size_t top = 0;

	if (!cnt) {
		verif_log(env, "empty program\n");
		return -EINVAL;
	}
	/* decode */
	for (i = 0; i < cnt; i++) {
		const struct userbpf_insn *insn = &env->insns[i];
		const char *why = "unknown opcode";
		int op = isa_decode(insn, &why);
		uint8_t f;

		if (op < 0) {
			env->cur_insn = (int)i;
			if (!isa_last_by_opcode[insn->code])
				verif_log(env, "unknown opcode %02x\n", insn->code);
			else
				verif_log(env, "invalid insn %zu: %s\n", i, why);
			return -EINVAL;
		}
		env->ops[i] = (int16_t)op;
		f = isa_table[op].fields;
		if (((f & U_DST) || (isa_table[op].flags & F_CALL)) && insn->dst_reg > 10) {
			verif_log(env, "R%d is invalid\n", insn->dst_reg);
			return -EINVAL;
		}
		if ((f & U_SRC) && insn->src_reg > 10) {
			verif_log(env, "R%d is invalid\n", insn->src_reg);
			return -EINVAL;
		}
		if (isa_table[op].flags & F_LDDW) {
			if (i + 1 >= cnt || insn[1].code || insn[1].dst_reg || insn[1].src_reg ||
			    insn[1].off) {
				env->cur_insn = (int)i;
				verif_log(env, "invalid bpf_ld_imm64 insn\n");
				return -EINVAL;
			}
			env->ops[++i] = -1;
		}
	}
	/* subprograms */
	env->nsubprogs = 0;
	if ((err = add_subprog(env, 0)))
		return err;
	for (i = 0; i < cnt; i++) {
		long t;

		if (env->ops[i] != ISA_CALL_LOCAL && env->ops[i] != ISA_LDDW_FUNC)
			continue;
		t = call_target(env, i);
		if (t < 0 || (size_t)t >= cnt || is_lddw2(env, t)) {
			env->cur_insn = (int)i;
			verif_log(env, "jump out of range from insn %zu to %ld\n", i, t);
			return -EINVAL;
		}
		if ((err = add_subprog(env, t)))
			return err;
	}
	qsort(env->subprogs, (size_t)env->nsubprogs, sizeof(env->subprogs[0]), cmp_subprog);
	for (s = 0; s < env->nsubprogs; s++) {
		env->subprogs[s].end = s + 1 < env->nsubprogs ? env->subprogs[s + 1].start :
								(int)cnt;
		env->subprogs[s].stack_depth = 0;
		for (i = (size_t)env->subprogs[s].start; i < (size_t)env->subprogs[s].end; i++)
			env->subprog_of[i] = s;
	}
	/* jumps */
	for (i = 0; i < cnt; i++) {
		long t;

		if (env->ops[i] < 0 ||
		    (!(isa_table[env->ops[i]].flags & F_JMP) && env->ops[i] != ISA_JA32))
			continue;
		t = branch_target(env, i);
		if (t < 0 || (size_t)t >= cnt) {
			env->cur_insn = (int)i;
			verif_log(env, "jump out of range from insn %zu to %ld\n", i, t);
			return -EINVAL;
		}
		if (is_lddw2(env, t)) {
			env->cur_insn = (int)i;
			verif_log(env, "jump into the middle of ldimm64 insn %ld\n", t - 1);
			return -EINVAL;
		}
		if (env->subprog_of[t] != env->subprog_of[i]) {
			env->cur_insn = (int)i;
			verif_log(env, "jump out of range from insn %zu to %ld\n", i, t);
			return -EINVAL;
		}
		/* the kernel's prune points (visit_insn): a jump's target and a
		 * conditional jump itself (not its fall-through) */
		env->prune[t] |= 1;
		if (isa_table[env->ops[i]].flags & F_COND)
			env->prune[i] |= 1;
	}
	/* ... and the insn after every call, helper or local (where a
	 * callee's exit lands: visit_func_call_insn), and a local call */
	for (i = 0; i + 1 < cnt; i++) {
		if (env->ops[i] < 0 || !(isa_table[env->ops[i]].flags & F_CALL))
			continue;
		env->prune[i + 1] |= 1;
		if (env->ops[i] == ISA_CALL_LOCAL)
			env->prune[i] |= 1;
	}
	for (s = 0; s < env->nsubprogs; s++) {
		int last = env->subprogs[s].end - 1;
		int op = env->ops[last];

		if (op < 0 || (op != ISA_EXIT && op != ISA_JA && op != ISA_JA32)) {
			env->cur_insn = last;
			verif_log(env, "last insn is not an exit or jmp\n");
			return -EINVAL;
		}
		env->prune[env->subprogs[s].start] |= 1;
	}
	/* after a helper that calls a callback, every iteration's exit lands
	 * here: a checkpoint always (the kernel's force checkpoint at the
	 * callsite, where its iterations return), so a later iteration's exit
	 * prunes against an earlier one instead of exploring the rest of the
	 * program again */
	for (i = 0; i + 1 < cnt; i++)
		if (env->ops[i] == ISA_CALL && env->insns[i].src_reg == 0 &&
		    (env->insns[i].imm == 181 || env->insns[i].imm == 164 ||
		     env->insns[i].imm == 209))
			env->prune[i + 1] |= 1 | 4;
	/* reachability */
	work = ub_calloc(cnt * 2 + 2, sizeof(*work));
	seen = ub_calloc(cnt, 1);
	if (!work || !seen) {
		ub_free(work);
		ub_free(seen);
		return -ENOMEM;
	}
	work[top++] = 0;
	seen[0] = 1;
	while (top) {
		long cur = work[--top], next[3];
		int op = env->ops[cur], n = 0, k;
		uint16_t fl = (uint16_t)isa_table[op].flags;

		if (op == ISA_CALL_LOCAL || op == ISA_LDDW_FUNC) {
			next[n++] = call_target(env, (size_t)cur);
			if (op == ISA_LDDW_FUNC)
				env->prune[next[n - 1]] |= 2; /* callback entry */
		}
		if (fl & F_EXIT) {
			/* no successor */
		} else if (op == ISA_JA || op == ISA_JA32) {
			next[n++] = branch_target(env, (size_t)cur);
		} else {
			if (fl & F_COND)
				next[n++] = branch_target(env, (size_t)cur);
			next[n++] = cur + (long)isa_slots(op);
		}
		for (k = 0; k < n; k++) {
			if (next[k] < 0 || (size_t)next[k] >= cnt) {
				env->cur_insn = (int)cur;
				verif_log(env, "jump out of range from insn %ld to %ld\n", cur,
					  next[k]);
				ub_free(work);
				ub_free(seen);
				return -EINVAL;
			}
			if (!seen[next[k]]) {
				seen[next[k]] = 1;
				work[top++] = next[k];
			}
		}
	}
	for (i = 0; i < cnt; i++) {
		if (env->ops[i] >= 0 && !seen[i]) {
			env->cur_insn = (int)i;
			verif_log(env, "unreachable insn %zu\n", i);
			ub_free(work);
			ub_free(seen);
			return -EINVAL;
		}
	}
	ub_free(work);
	ub_free(seen);
	return 0;
}

/* ==== liveness ==== */

#define R(N) (1u << (N))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))
#define CALLER_SAVED (R(0) | ARGS)

static void use_def(const struct verif_env *env, size_t i, uint16_t *use, uint16_t *def)
{
	const struct userbpf_insn *insn = &env->insns[i];
	int op = env->ops[i];
	uint16_t fl = (uint16_t)isa_table[op].flags, fields = isa_table[op].fields;
	uint16_t u = 0, d = 0;

	if (fl & F_CALL) {
		u = ARGS;
		if (op == ISA_CALLX)
			u |= R(isa_callx_reg(insn) & 15);
		d = CALLER_SAVED;
	} else if (fl & F_EXIT) {
		u = R(0);
	} else if (fl & F_LDPKT) {
		u = R(6) | ((fields & U_SRC) ? R(insn->src_reg) : 0);
		d = CALLER_SAVED;
	} else if (fl & F_LDDW) {
		d = R(insn->dst_reg);
	} else if (fl & F_ALU) {
		if (op != ISA_MOV64_IMM && op != ISA_MOV32_IMM &&
		    !(fields & U_SRC &&
		      (op == ISA_MOV64_REG || op == ISA_MOV32_REG || op == ISA_MOVSX64_8 ||
		       op == ISA_MOVSX64_16 || op == ISA_MOVSX64_32 || op == ISA_MOVSX32_8 ||
		       op == ISA_MOVSX32_16)))
			u |= R(insn->dst_reg);
		if (fields & U_SRC)
			u |= R(insn->src_reg);
		d = R(insn->dst_reg);
	} else if (fl & F_LOAD) {
		u = R(insn->src_reg);
		d = R(insn->dst_reg);
	} else if (fl & (F_STORE | F_ATOMIC)) {
		u = R(insn->dst_reg);
		if (fields & U_SRC)
			u |= R(insn->src_reg);
		if (fl & F_W0)
			u |= R(0);
		if (fl & F_WSRC)
			d |= R(insn->src_reg);
		if (fl & F_W0)
			d |= R(0);
	} else if (fl & F_COND) {
		u = R(insn->dst_reg);
		if (fields & U_SRC)
			u |= R(insn->src_reg);
	}
	*use = u & 0x7ff;
	*def = d & 0x7ff;
}

void verif_compute_liveness(struct verif_env *env)
{
	bool changed = true;
	size_t cnt = env->cnt;
	long i;

	memset(env->live, 0, cnt * sizeof(env->live[0]));
	while (changed) {
		changed = false;
		for (i = (long)cnt - 1; i >= 0; i--) {
			int op = env->ops[i];
			uint16_t use, def, out = 0, in;
			uint16_t fl;

			if (op < 0)
				continue;
			fl = (uint16_t)isa_table[op].flags;
			use_def(env, (size_t)i, &use, &def);
			if (!(fl & F_EXIT)) {
				long t = branch_target(env, (size_t)i);

				if (op == ISA_JA || op == ISA_JA32) {
					out = env->live[t];
				} else {
					long n = i + (long)isa_slots(op);

					if ((size_t)n < cnt)
						out = env->live[n];
					if ((fl & F_COND) && t >= 0 && (size_t)t < cnt)
						out |= env->live[t];
				}
			}
			in = (uint16_t)(use | (out & ~def));
			if (in != env->live[i]) {
				env->live[i] = in;
				changed = true;
			}
		}
	}
}

/* ==== precision ==== */

/*
 * Registers whose exact value may matter for safety from insn i on (the
 * static counterpart of the kernel's precision marking): values reaching
 * a memory address, a helper argument, a branch, a store (it may be
 * loaded back) or a subprogram's return.  The main program's return value
 * and values that only feed dead or unchecked computations do not.  The
 * comparison treats any two scalars as equal in a register outside this
 * set, so such paths prune.
 */
static uint16_t precise_in(const struct verif_env *env, size_t i, uint16_t out)
{
	const struct userbpf_insn *insn = &env->insns[i];
	int op = env->ops[i];
	uint16_t fl = (uint16_t)isa_table[op].flags, fields = isa_table[op].fields;
	uint16_t d = (uint16_t)R(insn->dst_reg & 15), in;

	if (fl & F_CALL) {
		in = (uint16_t)((out & ~CALLER_SAVED) | ARGS);
		if (op == ISA_CALLX)
			in |= (uint16_t)R(isa_callx_reg(insn) & 15);
		return in;
	}
	if (fl & F_EXIT)
		return env->subprog_of[i] == 0 && !env->ret_checked ? 0 : R(0);
	if (fl & F_LDPKT) {
		in = (uint16_t)((out & ~CALLER_SAVED) | R(6));
		if (fields & U_SRC)
			in |= (uint16_t)R(insn->src_reg);
		return in;
	}
	if (fl & F_LDDW)
		return (uint16_t)(out & ~d);
	if (fl & F_ALU) {
		bool mov = op == ISA_MOV64_IMM || op == ISA_MOV32_IMM || op == ISA_MOV64_REG ||
			   op == ISA_MOV32_REG || op == ISA_MOVSX64_8 || op == ISA_MOVSX64_16 ||
			   op == ISA_MOVSX64_32 || op == ISA_MOVSX32_8 || op == ISA_MOVSX32_16;

		in = (uint16_t)(out & ~d);
		if (out & d) {
			if (!mov)
				in |= d;
			if (fields & U_SRC)
				in |= (uint16_t)R(insn->src_reg);
		}
		return in;
	}
	if (fl & F_LOAD)
		return (uint16_t)((out & ~d) | R(insn->src_reg));
	if (fl & (F_STORE | F_ATOMIC)) {
		in = (uint16_t)(out | d);
		if (fields & U_SRC)
			in |= (uint16_t)R(insn->src_reg);
		if (fl & F_W0)
			in |= R(0);
		return in;
	}
	if (fl & F_COND) {
		in = (uint16_t)(out | d);
		if (fields & U_SRC)
			in |= (uint16_t)R(insn->src_reg);
		return in;
	}
	return out;
}

void verif_compute_precise(struct verif_env *env)
{
	bool changed = true;
	size_t cnt = env->cnt;
	long i;

	memset(env->precise, 0, cnt * sizeof(env->precise[0]));
	while (changed) {
		changed = false;
		for (i = (long)cnt - 1; i >= 0; i--) {
			int op = env->ops[i];
			uint16_t out = 0, in;
			uint16_t fl;

			if (op < 0)
				continue;
			fl = (uint16_t)isa_table[op].flags;
			if (!(fl & F_EXIT)) {
				long t = branch_target(env, (size_t)i);

				if (op == ISA_JA || op == ISA_JA32) {
					out = env->precise[t];
				} else {
					long n = i + (long)isa_slots(op);

					if ((size_t)n < cnt)
						out = env->precise[n];
					if ((fl & F_COND) && t >= 0 && (size_t)t < cnt)
						out |= env->precise[t];
				}
			}
			in = (uint16_t)(precise_in(env, (size_t)i, out) & 0x7ff);
			if (in != env->precise[i]) {
				env->precise[i] = in;
				changed = true;
			}
		}
	}
}
