/* SPDX-License-Identifier: MIT */
/*
 * kfunc.h - the kernel functions (kfuncs) userbpf implements.  A program
 * calls a kfunc through a __ksym extern (BPF_PSEUDO_KFUNC_CALL); the
 * loader (src/loader/relo.c) turns such a call into a call of the
 * helper-table entry of the same name, whose id is past every kernel
 * helper id (the kernel froze its helper list at 211), so the
 * interpreter, the JIT, checked mode and the verifier treat it as a
 * helper with a prototype.  A kfunc not in the table stays a load error
 * naming it (or, declared __weak, is absent as libbpf makes it).
 */
#ifndef USERBPF_HELPERS_KFUNC_H
#define USERBPF_HELPERS_KFUNC_H

#include "util/ubc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/vm.h"

#define UB_KFUNC_ID_BASE 256

/* The helper-table id of kfunc name ("bpf_sock_destroy"), or 0. */
uint32_t ub_kfunc_id(const char *name);
/* Its helper-table row, or NULL. */
const struct userbpf_helper *ub_kfunc_by_name(const char *name);

struct userbpf_btf;
struct userbpf_insn;

/*
 * ksym.c: kernel symbols named by BTF id in btf (the kernel's BTF), with
 * the kernel's errno and, into msg, its verifier message (NULL btf: a
 * kernel without BTF).
 *
 * ub_ksym_resolve: lddw BPF_PSEUDO_BTF_ID imm=id, second slot btf_fd:
 * the symbol's address into *addr (a kfunc's implementation); -ENOENT
 * for a symbol userbpf does not have (any VAR), -EINVAL for a module
 * BTF or a type that is no VAR or FUNC.
 *
 * ub_kfunc_resolve: call BPF_PSEUDO_KFUNC_CALL imm=id off=off in a
 * program of prog_type: the kfunc's helper-table id into *helper_id.
 *
 * ub_ksym_prepare: both over a program, in the kernel's order, turning
 * its kfunc calls into calls of their helper-table rows (in place); the
 * lddw keep their BTF id (the verifier types them, the ld_imm64
 * resolver gives the address).  0 or the first error.
 */
int ub_ksym_resolve(const struct userbpf_btf *btf, int32_t id, int32_t btf_fd, uint64_t *addr,
		    char *msg, size_t size);
int ub_kfunc_resolve(const struct userbpf_btf *btf, int32_t id, int16_t off, uint32_t prog_type,
		     bool gpl, uint32_t *helper_id, char *msg, size_t size);
/* Whether a program names kernel symbols (a BTF-id lddw, a kfunc call
 * by BTF id or by helper-table row): it needs the kernel's BTF. */
bool ub_ksym_used(const struct userbpf_insn *insns, size_t cnt);
/* ub_ksym_resolve over the program's BTF-id lddw; 0 or the first error. */
int ub_ksym_check(const struct userbpf_insn *insns, size_t cnt, const struct userbpf_btf *btf,
		  char *msg, size_t size);
/*
 * At load, for a program that calls the task kfuncs: the task_struct
 * layout and images their runs use are made now (ub_task_prepare), not
 * on a first run inside the probed code, which must not allocate.
 */
void ub_kfunc_prepare(const struct userbpf_prog *prog);
int ub_ksym_prepare(struct userbpf_insn *insns, size_t cnt, const struct userbpf_btf *btf,
		    uint32_t prog_type, bool gpl, char *msg, size_t size);

#endif
