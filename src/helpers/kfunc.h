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

#define UB_KFUNC_ID_BASE 256

/* The helper-table id of kfunc name ("bpf_sock_destroy"), or 0. */
uint32_t ub_kfunc_id(const char *name);

#endif
