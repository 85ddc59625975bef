/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jit.c - differential fuzz target: JIT against interpreter.
 *
 * Input: 8 bytes of seed, 1 byte of mix, then patches (3 bytes each:
 * instruction index, byte within it, value XORed in).  The seed and mix
 * generate a program with the kernel oracle's generator
 * (tests/unit/oracle_gen.c: XDP programs whose whole state ends in the
 * packet); the patches mutate it.  Every program userbpf's verifier
 * accepts runs unchecked on the fast interpreter and on native code from
 * the same packet; r0, the error and the packet (registers and stack
 * dumped into it) must be identical, else abort(), unless the verifier
 * reports reads of uninitialised stack (their value is undefined) or the
 * interpreter's results change with the stack's address (a stored r10).  Bit 7 of the mix
 * byte compiles with constant blinding.  Programs are marked verified as
 * the loader does, so the JIT compiles with the verifier's facts.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/bpf.h>

#include "../tests/unit/oracle_gen.c"
#include "userbpf/userbpf.h"
#include "userbpf/verifier.h"
#include "vm/vm_int.h"

#define PKT_MAP (1 << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Packet buffer below 4 GiB: xdp_md holds 32-bit pointers. */
static uint8_t *packet_buf(void)
{
	static uint8_t *buf;

	if (!buf) {
		void *p = mmap(NULL, PKT_MAP, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

		if (p == MAP_FAILED || (uintptr_t)p + PKT_MAP > UINT32_MAX)
			abort();
		buf = p;
	}
	return buf;
}

static int run(const struct userbpf_prog *prog, const struct oracle_prog *p, uint8_t *buf,
	       uint32_t flags, uint64_t *r0)
{
	struct xdp_md md = {
		.data = (uint32_t)(uintptr_t)buf,
		.data_end = (uint32_t)(uintptr_t)(buf + p->pkt_len),
	};
	USERBPF_OPTS(userbpf_run_opts, o, .ctx = &md, .ctx_size = sizeof(md),
		     .flags = USERBPF_RUN_UNCHECKED | flags);

	memcpy(buf, p->pkt, p->pkt_len);
	*r0 = 0;
	return userbpf_prog__run(prog, &o, r0);
}

/*
 * The same run from a C stack 4 KiB deeper: the interpreter's BPF stack
 * (r10) moves, so a program that stores a stack address (root may leak
 * pointers) gives other bytes.
 */
__attribute__((noinline)) static int run_deeper(const struct userbpf_prog *prog,
						const struct oracle_prog *p, uint8_t *buf,
						uint32_t flags, uint64_t *r0)
{
	volatile uint8_t pad[4096];
	int err;

	pad[0] = 1;
	err = run(prog, p, buf, flags, r0);
	pad[4095] = pad[0];
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oracle_prog p;
	static uint8_t after_interp[ORACLE_MAX_PKT];
	uint8_t *buf = packet_buf();
	struct userbpf_prog *prog;
	uint64_t seed = 0, r_interp, r_jit;
	struct userbpf_verifier_stats vs = { 0 };
	size_t i;
	int e_interp, e_jit;
	bool addr_dep;

	if (size < 9)
		return 0;
	memcpy(&seed, data, 8);
	oracle_gen(&p, seed, (enum oracle_mix)(data[8] % ORACLE_MIX_LD_ABS)); /* XDP mixes */
	for (i = 9; i + 3 <= size; i += 3) {
		size_t at = data[i] % p.insn_cnt;

		((uint8_t *)&p.insns[at])[data[i + 1] % 8] ^= data[i + 2];
	}
	{
		USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = BPF_PROG_TYPE_XDP, .gpl = 1,
			     .stats = &vs);

		if (userbpf_verify(p.insns, p.insn_cnt, &vo))
			return 0; /* only verified programs may run unchecked */
	}
	prog = userbpf_prog__new(p.insns, p.insn_cnt, NULL);
	if (!prog)
		return 0;
	/* as the loader does: the verifier's facts go to the JIT */
	vm_prog_set_verified(prog, !vs.probe_mem_insns);
	userbpf_prog__set_jit_blinding(prog, data[8] & 0x80);
	e_interp = run_deeper(prog, &p, buf, USERBPF_RUN_INTERPRETER, &r_interp);
	memcpy(after_interp, buf, p.pkt_len);
	e_jit = run(prog, &p, buf, USERBPF_RUN_INTERPRETER, &r_jit);
	/* results that depend on where the stack is (a leaked r10) */
	addr_dep = e_interp != e_jit || r_interp != r_jit || memcmp(after_interp, buf, p.pkt_len);
	e_jit = run(prog, &p, buf, 0, &r_jit);
	/*
	 * A program that reads stack bytes it never wrote (root may) sees
	 * whatever each engine's stack held, one that stores a stack address
	 * sees each engine's own: both must still run, but their results
	 * are not comparable.
	 */
	if (!vs.uninit_stack_reads && !addr_dep &&
	    (e_interp != e_jit || r_interp != r_jit || memcmp(after_interp, buf, p.pkt_len)))
		abort(); /* the engines disagree on a verified program */
	userbpf_prog__free(prog);
	return 0;
}
