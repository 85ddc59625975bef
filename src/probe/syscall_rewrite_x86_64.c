/* SPDX-License-Identifier: MIT */
/*
 * syscall_rewrite_x86_64.c - syscall tracepoints without a trap: the
 * syscall sites of the loaded files rewritten into jumps to trampolines.
 *
 * Most of libc's syscall wrappers (436 of the 526 syscall instructions of
 * Debian 12's libc.so.6) set the number with "mov $NR,%eax" (5 bytes)
 * right before "syscall".  The mov becomes "jmp rel32" to a per-site
 * trampoline near the library (x86_64_tramp.c: probe_arch_syscall_site),
 * which makes the call through the gate's syscall instruction at once when
 * no link wants the number, else runs the hooks of probe_sc_hooks
 * (syscall_x86_64.c: enter programs, the syscall through the gate, exit
 * programs) and jumps back after the syscall instruction.  The syscall bytes stay: a jump straight to them
 * still works, and the seccomp trap sees those calls and every site that
 * is not of this form.
 *
 * Where the sites are: every file the dynamic linker has loaded
 * (dl_iterate_phdr: the main image, ld.so, libc, the other libraries),
 * except the module holding the gate (this library or the agent); in each
 * file the sections with SHF_EXECINSTR (read from the file's section
 * headers) are swept linearly with the instruction decoder from their
 * start, so a "mov" is only taken at an instruction boundary.  A file is
 * scanned once (at the first attach that needs it, later attaches scan
 * only files loaded since); its sites are rewritten for the numbers
 * traced, a site once rewritten stays so (its trampoline runs the links
 * that are attached, if any).
 *
 * Dynamic sites (the number is set at run time: libc's syscall(), read's
 * and the other cancellable wrappers' "xor %eax,%eax") are rewritten once
 * any syscall is traced: the instructions before the syscall (at least 5
 * bytes) move to the trampoline, which reads rax and lets untraced and
 * untrappable numbers run the original syscall instruction
 * (probe_arch_syscall_dyn_site).
 *
 * Not rewritten: sites of numbers that cannot be traced (clone, execve,
 * rt_sigreturn...: probe_sc_trappable), sites whose bytes a uprobe
 * already displaced (EBUSY), dynamic sites with a call or a branch target
 * among the 5 bytes before them, code generated at run time.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe_int.h"

/*
 * The numbers rax may hold when a syscall instruction is reached one way
 * (coverage proof, probe_sc_covered): a few constants, or any.
 */
#define NRSET_MAX 6
struct nr_set {
	int16_t nr[NRSET_MAX];
	uint8_t n;
	bool any;
};

struct sc_site {
	uint64_t addr; /* the mov; for a dynamic site (mov_len 0) the syscall */
	int nr;	       /* -1: set at run time (in rax) */
	uint8_t mov_len;
	bool done;	    /* rewritten, or failed for good */
	bool rewritten;	    /* done and its jump in place */
	uint64_t from, end; /* dynamic site: its function */
	/* numbers reaching the syscall instruction by falling into it (for
	 * a static site: nr) and by a direct branch to it (bypassing the
	 * rewritten bytes): reach_sets */
	struct nr_set linear, branch;
};

static struct sc_site *sites;
static size_t n_sites, cap_sites;
/* Static sites of each number that a pass could not rewrite (a uprobe
 * holds their bytes, no trampoline memory): probe_sc_unrewritten. */
static uint16_t failed[512];
static unsigned n_failed;
/* Syscall instructions of scanned code that no site stands for (no
 * function bounds known, too far from the function's start), and files
 * or sites the scan could not record: each makes the coverage proof fail
 * (probe_sc_covered). */
static unsigned n_unknown, n_gaps;

static void site_failed(int nr)
{
	if (nr >= 0 && nr < 512 && failed[nr] < UINT16_MAX)
		failed[nr]++;
	n_failed++;
}

int probe_sc_unrewritten(int nr)
{
	return nr < 0 ? (int)n_failed : nr < 512 ? failed[nr] : 0;
}

#define MAX_FILES 256
static struct {
	uint64_t base;	   /* load bias */
	uint64_t xlo, xhi; /* its executable segments, lowest to highest */
	char name[64];
} scanned[MAX_FILES];
static size_t n_scanned;
/* The executable segments of the gate's module (never scanned). */
static uint64_t gate_xlo, gate_xhi;

static struct sc_site *add_site(uint64_t addr, int nr, size_t mov_len, uint64_t from, uint64_t end)
{
	if (n_sites == cap_sites) {
		size_t cap = cap_sites ? cap_sites * 2 : 512;
		struct sc_site *s = realloc(sites, cap * sizeof(*s));

		if (!s) {
			n_gaps++;
			return NULL;
		}
		sites = s;
		cap_sites = cap;
	}
	sites[n_sites] = (struct sc_site){
		.addr = addr, .nr = nr, .mov_len = (uint8_t)mov_len, .from = from, .end = end
	};
	return &sites[n_sites++];
}

/*
 * Function starts: the binary-search table of .eh_frame_hdr (every
 * function the compiler or glibc's assembly macros gave CFI has an entry,
 * sorted by start).  Only the usual encodings (a datarel sdata4 table).
 */
struct fn_table {
	const uint8_t *hdr;
	const int32_t *t; /* pairs: start, fde (hdr-relative) */
	uint32_t n;
};

static bool fn_table_of(const struct dl_phdr_info *info, struct fn_table *ft)
{
	int k;

	for (k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
		const uint8_t *h;

		if (ph->p_type != PT_GNU_EH_FRAME || ph->p_memsz < 12)
			continue;
		h = (const uint8_t *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr);
		/* version 1; eh_frame_ptr 4 bytes; count udata4; table datarel sdata4 */
		if (h[0] != 1 || (h[1] & 0x0f) % 8 != 3 || h[2] != 0x03 || h[3] != 0x3b)
			return false;
		ft->hdr = h;
		memcpy(&ft->n, h + 8, 4);
		ft->t = (const int32_t *)(const void *)(h + 12);
		return ph->p_memsz >= 12 + (uint64_t)ft->n * 8;
	}
	return false;
}

/* The start of the function holding addr (0: none known); *end (if set)
 * gets the next function's start, or 0 for the last one. */
static uint64_t fn_bounds(const struct fn_table *ft, uint64_t addr, uint64_t *end)
{
	uint32_t lo = 0, hi = ft->n;
	uint64_t base = (uint64_t)(uintptr_t)ft->hdr;

	while (hi - lo > 1) { /* t[lo] <= addr < t[hi] */
		uint32_t mid = lo + (hi - lo) / 2;

		if (base + (uint64_t)(int64_t)ft->t[2 * mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (!ft->n || base + (uint64_t)(int64_t)ft->t[2 * lo] > addr)
		return 0;
	if (end)
		*end = lo + 1 < ft->n ? base + (uint64_t)(int64_t)ft->t[2 * (lo + 1)] : 0;
	return base + (uint64_t)(int64_t)ft->t[2 * lo];
}

static uint64_t fn_start(const struct fn_table *ft, uint64_t addr)
{
	return fn_bounds(ft, addr, NULL);
}

/* ==== Coverage proof: which numbers reach a syscall instruction ==== */

static void set_add(struct nr_set *s, int nr)
{
	int i;

	if (s->any)
		return;
	for (i = 0; i < s->n; i++)
		if (s->nr[i] == nr)
			return;
	if (s->n == NRSET_MAX)
		s->any = true;
	else
		s->nr[s->n++] = (int16_t)nr;
}

static bool set_has(const struct nr_set *s, int nr)
{
	int i;

	if (s->any)
		return true;
	for (i = 0; i < s->n; i++)
		if (s->nr[i] == nr)
			return true;
	return false;
}

#ifdef USERBPF_HAVE_ZYDIS
#include <Zydis/Zydis.h>

enum {
	IN_FALL = 1,   /* the next instruction may follow it */
	IN_CONST = 2,  /* writes k to register dst: mov $k, xor dst,dst */
	IN_COPY = 4,   /* copies register src to dst: mov %src,%dst (32 or 64 bits) */
	IN_BRANCH = 8, /* a direct jmp, jcc or call to target */
	IN_CALL = 16,  /* a call: where it lands no register is known */
};

struct insn {
	uint64_t addr, target;
	int32_t k;
	int32_t pred; /* first instruction branching here (-1), then next_pred */
	int32_t next_pred;
	uint16_t wmask; /* general registers written (0 = rax ... 15 = r15) */
	uint8_t flags;
	int8_t dst, src;
};

/* Queue "register r after instruction p" unless done: its value there is
 * the constant p writes, the source's value before a copy, any after
 * another write, or (no write) r's value before p. */
static int reg_push(struct insn *in, int p, int r, uint16_t *seen, int *stack, int sp,
		    struct nr_set *out)
{
	if (in[p].wmask >> r & 1) {
		if ((in[p].flags & IN_CONST) && in[p].dst == r) {
			set_add(out, in[p].k);
			return sp;
		}
		if (!(in[p].flags & IN_COPY) || in[p].dst != r) {
			out->any = true;
			return sp;
		}
		r = in[p].src; /* what the source held before p */
	}
	if (!(seen[p] >> r & 1)) {
		seen[p] |= (uint16_t)(1u << r);
		stack[sp++] = p << 4 | r;
	}
	return sp;
}

/*
 * The values register reg may hold after instruction p, added to out,
 * followed back through the predecessors (the instruction before when it
 * falls through, the direct branches to it) with an explicit stack of
 * (instruction, register) "value before it" items, each pair once.
 */
static void reg_after(struct insn *in, int p, int reg, uint16_t *seen, int *stack,
		      struct nr_set *out)
{
	int sp = reg_push(in, p, reg, seen, stack, 0, out);

	while (sp && !out->any) {
		int i = stack[sp - 1] >> 4, r = stack[sp - 1] & 15, j;

		sp--;
		if (i == 0) { /* the function's entry: the caller's registers */
			out->any = true;
			return;
		}
		if (in[i - 1].flags & IN_FALL)
			sp = reg_push(in, i - 1, r, seen, stack, sp, out);
		for (j = in[i].pred; j >= 0 && !out->any; j = in[j].next_pred) {
			if (in[j].flags & IN_CALL) { /* a call into the function */
				out->any = true;
				return;
			}
			sp = reg_push(in, j, r, seen, stack, sp, out);
		}
	}
}

static int gpr_index(ZydisRegister r)
{
	static const ZydisRegister gpr[16] = {
		ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
		ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI,
		ZYDIS_REGISTER_R8,  ZYDIS_REGISTER_R9,	ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11,
		ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
	};
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	int i;

	for (i = 0; i < 16; i++)
		if (gpr[i] == big)
			return i;
	return -1;
}

/* A whole 32- or 64-bit general register (writing it sets all 64 bits). */
static int gpr_whole(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_GPR32 || c == ZYDIS_REGCLASS_GPR64 ? gpr_index(r) : -1;
}

/*
 * The numbers rax may hold at the syscall instruction at sc, in the
 * function [from, end) decoded linearly from its start: falling into it
 * (linear) and by a direct branch of the function to it (branch).  Each
 * path is followed back through falls and direct branches to the last
 * write of rax: "mov $k" or "xor %eax,%eax" give k, any other write (a
 * call's result, a load), the function's entry, an indirect jump in the
 * function (it could land anywhere) give any.  Branches from other
 * functions are not seen (compilers branch between functions only to
 * their entries: tail calls).  false when sc is not an instruction of the
 * sweep (bytes inside another instruction: never executed as a syscall).
 */
static bool reach_sets(uint64_t from, uint64_t end, uint64_t sc, struct nr_set *linear,
		       struct nr_set *branch)
{
	static ZydisDecoder d;
	static bool d_init;
	struct insn *in;
	uint16_t *seen;
	int *stack;
	uint64_t a = from;
	int n = 0, cap = 256, s = -1, i, j;
	bool odd = false;

	memset(linear, 0, sizeof(*linear));
	memset(branch, 0, sizeof(*branch));
	if (!d_init) {
		ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		d_init = true;
	}
	in = malloc((size_t)cap * sizeof(*in));
	if (!in)
		goto any;
	while (a < end) {
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		struct insn *x;
		int k;

		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, (const void *)(uintptr_t)a, end - a,
							 &zi, ops)))
			break;
		if (n == cap) {
			struct insn *m = realloc(in, (size_t)cap * 2 * sizeof(*in));

			if (!m)
				goto any;
			in = m;
			cap *= 2;
		}
		x = &in[n];
		memset(x, 0, sizeof(*x));
		x->addr = a;
		x->pred = x->next_pred = -1;
		if (a == sc)
			s = n;
		if (zi.meta.category != ZYDIS_CATEGORY_UNCOND_BR &&
		    zi.meta.category != ZYDIS_CATEGORY_RET)
			x->flags |= IN_FALL;
		if (zi.meta.category == ZYDIS_CATEGORY_CALL) /* the caller-saved registers */
			x->flags |= IN_CALL, x->wmask |= 0x0fc7;
		if (zi.mnemonic == ZYDIS_MNEMONIC_SYSCALL) /* rax, rcx, r11 */
			x->wmask |= 0x0803;
		if (zi.raw.imm[0].is_relative && (zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
						  zi.meta.category == ZYDIS_CATEGORY_COND_BR ||
						  zi.meta.category == ZYDIS_CATEGORY_CALL)) {
			x->flags |= IN_BRANCH;
			x->target = a + zi.length + (uint64_t)zi.raw.imm[0].value.s;
		}
		for (k = 0; k < zi.operand_count; k++) {
			int r = ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER ?
					gpr_index(ops[k].reg.value) :
					-1;

			if (r >= 0 && (ops[k].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
				x->wmask |= (uint16_t)(1u << r);
		}
		if (zi.mnemonic == ZYDIS_MNEMONIC_MOV && zi.operand_count_visible == 2 &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    gpr_whole(ops[0].reg.value) >= 0) {
			x->dst = (int8_t)gpr_whole(ops[0].reg.value);
			if (ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
				x->flags |= IN_CONST;
				x->k = ops[1].imm.value.s >= 0 && ops[1].imm.value.s < 1024 ?
					       (int32_t)ops[1].imm.value.s :
					       1024; /* no syscall: ENOSYS */
			} else if (ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
				   gpr_whole(ops[1].reg.value) >= 0) {
				x->flags |= IN_COPY;
				x->src = (int8_t)gpr_whole(ops[1].reg.value);
			}
		} else if ((zi.mnemonic == ZYDIS_MNEMONIC_XOR ||
			    zi.mnemonic == ZYDIS_MNEMONIC_SUB) &&
			   zi.operand_count_visible == 2 &&
			   ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			   ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			   ops[0].reg.value == ops[1].reg.value &&
			   gpr_whole(ops[0].reg.value) >= 0) {
			x->flags |= IN_CONST;
			x->dst = (int8_t)gpr_whole(ops[0].reg.value);
			x->k = 0;
		}
		a += zi.length;
		n++;
	}
	if (s < 0) { /* not an instruction of the sweep, or the sweep broke */
		free(in);
		if (a < end && sc >= a) /* undecodable before it: cannot tell */
			goto any_nofree;
		return false;
	}
	/* branch targets -> the instructions they land on (binary search) */
	for (j = 0; j < n; j++) {
		int lo = 0, hi = n - 1;

		if (!(in[j].flags & IN_BRANCH) || in[j].target < from || in[j].target >= end)
			continue;
		while (lo < hi) {
			int mid = (lo + hi + 1) / 2;

			if (in[mid].addr <= in[j].target)
				lo = mid;
			else
				hi = mid - 1;
		}
		if (in[lo].addr != in[j].target) {
			odd = true; /* into an instruction: cannot tell */
			continue;
		}
		in[j].next_pred = in[lo].pred;
		in[lo].pred = j;
	}
	if (odd) {
		free(in);
		goto any_nofree;
	}
	seen = calloc((size_t)n, sizeof(*seen));
	stack = malloc((size_t)n * 16 * sizeof(*stack));
	if (!seen || !stack) {
		free(seen);
		free(stack);
		goto any;
	}
	if (s > 0 && (in[s - 1].flags & IN_FALL))
		reg_after(in, s - 1, 0, seen, stack, linear);
	else if (s == 0)
		linear->any = true;
	memset(seen, 0, (size_t)n * sizeof(*seen));
	seen[s] = 1;
	for (i = in[s].pred; i >= 0 && !branch->any; i = in[i].next_pred)
		if (in[i].flags & IN_CALL)
			branch->any = true;
		else
			reg_after(in, i, 0, seen, stack, branch);
	free(stack);
	free(seen);
	free(in);
	return true;
any:
	free(in);
any_nofree:
	linear->any = branch->any = true;
	return true;
}
#else
static bool reach_sets(uint64_t from, uint64_t end, uint64_t sc, struct nr_set *linear,
		       struct nr_set *branch)
{
	(void)from, (void)end, (void)sc;
	memset(linear, 0, sizeof(*linear));
	memset(branch, 0, sizeof(*branch));
	linear->any = branch->any = true;
	return true;
}
#endif

/*
 * The sites of the code in [lo, hi): each "syscall" (0f 05) right after
 * "mov $nr,%eax" (b8 imm32) or "mov $nr,%rax" (48 c7 c0 imm32), taken when
 * decoding from the start of its function (or of the section, when the
 * file has no function table) lands on the mov.  Any other syscall of a
 * function the table knows is a dynamic site (number in rax at run time:
 * syscall(), read's "xor %eax,%eax"), checked when it is rewritten.
 */
static void scan_code(uint64_t lo, uint64_t hi, const struct fn_table *ft)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)lo, *end = (const uint8_t *)(uintptr_t)hi;

	while ((p = memmem(p, (size_t)(end - p), "\x0f\x05", 2))) {
		uint64_t sc = (uint64_t)(uintptr_t)p, mov = 0, from, fend = 0, start;
		struct nr_set linear, branch;
		struct sc_site *site;
		size_t mov_len = 0;
		uint32_t imm = 1024;

		if (sc >= lo + 5 && p[-5] == 0xb8) {
			mov_len = 5;
		} else if (sc >= lo + 7 && p[-7] == 0x48 && p[-6] == 0xc7 && p[-5] == 0xc0) {
			mov_len = 7;
		}
		if (mov_len) {
			mov = sc - mov_len;
			memcpy(&imm, p - 4, 4);
		}
		p += 2;
		start = ft ? fn_bounds(ft, sc, &fend) : 0;
		if (!fend)
			fend = hi;
		/* the function holding it, as far as the coverage proof goes */
		if (!start || start >= sc || fend <= sc || sc - start > 65536) {
			/* no function known: a static site is taken from the
			 * section's start, nothing else can be rewritten */
			if (mov_len && imm < 1024 && !ft && mov - lo <= (4u << 20) &&
			    probe_arch_insn_boundary(lo, mov)) {
				site = add_site(mov, (int)imm, mov_len, 0, 0);
				if (site) /* branches to it are not known */
					site->branch.any = true;
			}
			n_unknown++;
			continue;
		}
		/* a signal trampoline's entry in the table lies one byte
		 * before its code (the "S" augmentation's convention:
		 * glibc's __restore_rt) */
		if (mov_len && !probe_arch_insn_boundary(start, mov) &&
		    probe_arch_insn_boundary(start + 1, mov))
			start++;
		if (!reach_sets(start, fend, sc, &linear, &branch))
			continue; /* bytes inside another instruction */
		from = mov_len ? fn_start(ft, mov) : 0;
		if (mov_len && imm < 1024 && (from == start || from + 1 == start) &&
		    probe_arch_insn_boundary(start, mov)) {
			site = add_site(mov, (int)imm, mov_len, 0, 0);
			if (site) {
				memset(&site->linear, 0, sizeof(site->linear));
				set_add(&site->linear, (int)imm);
				site->branch = branch;
			}
		} else {
			/* number in rax at run time: a dynamic site; one after
			 * a mov that is not an instruction of the sweep, or of
			 * no syscall number, is recorded, never rewritten */
			site = add_site(sc, -1, 0, start, fend);
			if (site) {
				site->linear = linear;
				site->branch = branch;
				site->done = mov_len != 0;
			}
		}
		if (p >= end)
			break;
	}
}

/* The executable sections of the file at path, loaded at bias. */
static void scan_file(const char *path, uint64_t bias, const struct dl_phdr_info *info)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	struct fn_table ft;
	bool have_ft = fn_table_of(info, &ft);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t i, n_code = 0;

	if (fd < 0) {
		n_gaps++; /* its code is not known */
		return;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !eh.e_shnum || eh.e_shnum > 4096)
		goto out;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || pread(fd, sh, eh.e_shnum * sizeof(*sh), (off_t)eh.e_shoff) !=
			   (ssize_t)(eh.e_shnum * sizeof(*sh)))
		goto out;
	for (i = 0; i < eh.e_shnum; i++) {
		uint64_t lo = bias + sh[i].sh_addr, hi = lo + sh[i].sh_size;
		bool mapped = false;
		int k;

		if (sh[i].sh_type != SHT_PROGBITS || !(sh[i].sh_flags & SHF_EXECINSTR) ||
		    !sh[i].sh_size)
			continue;
		/* the section must lie in one loaded executable segment */
		for (k = 0; k < info->dlpi_phnum; k++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[k];

			if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
			    sh[i].sh_addr >= ph->p_vaddr &&
			    sh[i].sh_addr + sh[i].sh_size <= ph->p_vaddr + ph->p_memsz)
				mapped = true;
		}
		if (mapped) {
			scan_code(lo, hi, have_ft ? &ft : NULL);
			n_code++;
		}
	}
out:
	if (!n_code) /* no section header, or none executable: not scanned */
		n_gaps++;
	free(sh);
	close(fd);
}

static int scan_one(struct dl_phdr_info *info, size_t size, void *ctx)
{
	uint64_t gate = (uint64_t)(uintptr_t)probe_sc_gate_end;
	char exe[512];
	const char *path = info->dlpi_name;
	size_t i, len;
	int k;

	(void)size, (void)ctx;
	uint64_t xlo = UINT64_MAX, xhi = 0;

	for (k = 0; k < info->dlpi_phnum; k++) { /* the gate's module: never */
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_flags & PF_X) {
			xlo = a < xlo ? a : xlo;
			xhi = a + ph->p_memsz > xhi ? a + ph->p_memsz : xhi;
		}
	}
	if (gate >= xlo && gate < xhi) {
		gate_xlo = xlo;
		gate_xhi = xhi;
		return 0;
	}
	if (!path || !path[0]) { /* the main image */
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n <= 0)
			return 0;
		exe[n] = '\0';
		path = exe;
	}
	if (!strchr(path, '/')) /* the vDSO ("linux-vdso.so.1") */
		return 0;
	for (i = 0; i < n_scanned; i++)
		if (scanned[i].base == info->dlpi_addr &&
		    !strncmp(scanned[i].name, path, sizeof(scanned[i].name) - 1))
			return 0;
	if (n_scanned == MAX_FILES) {
		n_gaps++;
		return 0;
	}
	scanned[n_scanned].base = info->dlpi_addr;
	scanned[n_scanned].xlo = xlo;
	scanned[n_scanned].xhi = xhi;
	len = strnlen(path, sizeof(scanned[n_scanned].name) - 1);
	memcpy(scanned[n_scanned].name, path, len);
	scanned[n_scanned].name[len] = '\0';
	n_scanned++;
	scan_file(path, info->dlpi_addr, info);
	return 0;
}

int probe_sc_rewrite(int nr)
{
	char err[128];
	size_t i;
	int n = 0;

	dl_iterate_phdr(scan_one, NULL);
	probe_arch_patch_batch(true); /* one cross-modification for the pass */
	for (i = 0; i < n_sites; i++) {
		struct sc_site *s = &sites[i];

		if (!s->done && !s->mov_len) { /* dynamic: whatever is traced */
			s->done = true;
			if (!memcmp((const void *)(uintptr_t)s->addr, "\x0f\x05", 2) &&
			    !probe_arch_syscall_dyn_site(s->from, s->end, s->addr,
							 (uint64_t)(uintptr_t)probe_sc_site_run_dyn,
							 0, err, sizeof(err))) {
				s->rewritten = true;
				n++;
			}
			continue;
		}
		if (s->done || (nr >= 0 && s->nr != nr) || !probe_sc_routable(s->nr))
			continue;
		/* the bytes may have changed since the scan (a uprobe) */
		if (memcmp((const void *)(uintptr_t)(s->addr + s->mov_len), "\x0f\x05", 2) ||
		    (s->mov_len == 5 && *(const uint8_t *)(uintptr_t)s->addr != 0xb8) ||
		    (s->mov_len == 7 && *(const uint8_t *)(uintptr_t)s->addr != 0x48)) {
			s->done = true;
			site_failed(s->nr);
			continue;
		}
		s->done = true;
		if (!probe_arch_syscall_site(s->addr, s->mov_len, s->nr, &probe_sc_hooks, err,
					     sizeof(err))) {
			s->rewritten = true;
			n++;
		} else
			site_failed(s->nr);
	}
	probe_arch_patch_batch(false);
	return n;
}

/*
 * Whether every syscall instruction of the process's code that can make
 * nr does so only through a rewritten site (docs/probes.md, "Filter only
 * where needed"): every file with executable mappings was scanned (the
 * gate's module aside), every syscall instruction found belongs to a
 * site with known function bounds, no site that was not rewritten can be
 * reached with nr in rax, and no direct branch can reach a syscall
 * instruction with nr in rax past its site's rewritten bytes.  Not
 * covered either way: the vDSO and code generated at run time.  For
 * nr < 0, every trappable number.  0: proved; else -errno with why
 * filled.
 */
static int sites_cover(int nr, char *why, size_t why_sz)
{
	size_t i;

	if (n_gaps || n_unknown) {
		snprintf(
			why, why_sz,
			"%u files or sites not scanned, %u syscall instructions outside known functions",
			n_gaps, n_unknown);
		return -ENOENT;
	}
	for (i = 0; i < n_sites; i++) {
		const struct sc_site *s = &sites[i];

		if (set_has(&s->branch, nr) || (!s->rewritten && set_has(&s->linear, nr))) {
			snprintf(why, why_sz,
				 "the syscall instruction at 0x%llx can make syscall %d%s",
				 (unsigned long long)(s->addr + s->mov_len), nr,
				 s->rewritten ? " through a branch to it" : "");
			return -ENOENT;
		}
	}
	return 0;
}

int probe_sc_covered(int nr, char *why, size_t why_sz)
{
	char line[512];
	FILE *f;
	size_t i;
	int k;

	if (nr >= 0 && sites_cover(nr, why, why_sz))
		return -ENOENT;
	for (k = 0; nr < 0 && k < 512; k++)
		if (probe_sc_trappable(k) && sites_cover(k, why, why_sz))
			return -ENOENT;
	/* every executable mapping of a file lies in a scanned file */
	f = fopen("/proc/self/maps", "re");
	if (!f) {
		snprintf(why, why_sz, "cannot read /proc/self/maps");
		return -EIO;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];
		int path_at = 0;
		bool known = false;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &lo, &hi, perms, &path_at) < 3 ||
		    !path_at || line[path_at] != '/' || perms[2] != 'x' ||
		    !strncmp(line + path_at, "/memfd:", 7) || (lo < gate_xhi && hi > gate_xlo))
			continue;
		for (i = 0; i < n_scanned && !known; i++)
			known = lo < scanned[i].xhi && hi > scanned[i].xlo;
		if (!known) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(why, why_sz, "code not scanned: %.200s", line);
			fclose(f);
			return -ENOENT;
		}
	}
	fclose(f);
	return 0;
}
