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

struct sc_site {
	uint64_t addr; /* the mov; for a dynamic site (mov_len 0) the syscall */
	int nr;	       /* -1: set at run time (in rax) */
	uint8_t mov_len;
	bool done;	    /* rewritten, or failed for good */
	uint64_t from, end; /* dynamic site: its function */
};

static struct sc_site *sites;
static size_t n_sites, cap_sites;
/* Static sites of each number that a pass could not rewrite (a uprobe
 * holds their bytes, no trampoline memory): probe_sc_unrewritten. */
static uint16_t failed[512];
static unsigned n_failed;

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
	uint64_t base; /* load bias */
	char name[64];
} scanned[MAX_FILES];
static size_t n_scanned;

static void add_site(uint64_t addr, int nr, size_t mov_len, uint64_t from, uint64_t end)
{
	if (n_sites == cap_sites) {
		size_t cap = cap_sites ? cap_sites * 2 : 512;
		struct sc_site *s = realloc(sites, cap * sizeof(*s));

		if (!s)
			return;
		sites = s;
		cap_sites = cap;
	}
	sites[n_sites++] = (struct sc_site){ addr, nr, (uint8_t)mov_len, false, from, end };
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
		uint64_t sc = (uint64_t)(uintptr_t)p, mov = 0, from;
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
		if (!mov_len && ft) {
			uint64_t fend = 0, start = fn_bounds(ft, sc, &fend);

			if (start && start < sc && (!fend || fend > sc) && sc - start <= 65536)
				add_site(sc, -1, 0, start, fend ? fend : sc + 2);
			continue;
		}
		if (imm >= 1024)
			continue;
		from = ft ? fn_start(ft, mov) : lo;
		if (from < lo || from > mov || mov - from > (ft ? 65536 : 4u << 20))
			continue;
		if (probe_arch_insn_boundary(from, mov))
			add_site(mov, (int)imm, mov_len, 0, 0);
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
	size_t i;

	if (fd < 0)
		return;
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
		if (mapped)
			scan_code(lo, hi, have_ft ? &ft : NULL);
	}
out:
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
	for (k = 0; k < info->dlpi_phnum; k++) { /* the gate's module: never */
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];

		if (ph->p_type == PT_LOAD && gate >= info->dlpi_addr + ph->p_vaddr &&
		    gate < info->dlpi_addr + ph->p_vaddr + ph->p_memsz)
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
	if (n_scanned == MAX_FILES)
		return 0;
	scanned[n_scanned].base = info->dlpi_addr;
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
							 0, err, sizeof(err)))
				n++;
			continue;
		}
		if (s->done || (nr >= 0 && s->nr != nr) || !probe_sc_trappable(s->nr))
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
					     sizeof(err)))
			n++;
		else
			site_failed(s->nr);
	}
	probe_arch_patch_batch(false);
	return n;
}
