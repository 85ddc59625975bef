/* SPDX-License-Identifier: MIT */
/*
 * insn_facts.h - per-instruction facts for the JIT (insn_facts.c).
 */
#ifndef USERBPF_VERIFIER_INSN_FACTS_H
#define USERBPF_VERIFIER_INSN_FACTS_H

#include "verifier_int.h"

/*
 * Called by the main loop for every state st about to execute insn idx
 * (before step()): merges what st proves about idx into this thread's
 * fact table (VM_FACT_*, src/vm/vm_int.h).  The table of a verification
 * starts at its first processed instruction; vm_prog_set_verified() takes
 * it over when it marks a program with the same instructions verified.
 * Never fails a verification: without memory there are no facts.
 */
void verif_insn_facts_record(struct verif_env *env, struct verif_state *st, int idx);

/*
 * This thread's fact record and its instruction copy (NULL when none),
 * this process's alone (a launch domain frees them when the process is
 * killed, src/domain/arena.c); verif_facts_forget, in a child forked
 * without exec (src/launch/sync.c), starts with none, never touching the
 * parent's.
 */
void verif_facts_mine(void **rec, void **insns);
void verif_facts_forget(void);

#endif /* USERBPF_VERIFIER_INSN_FACTS_H */
