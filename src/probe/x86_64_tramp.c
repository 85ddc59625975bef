/* SPDX-License-Identifier: MIT */
/*
 * x86_64_tramp.c - the x86-64 back end of in-process probes: trampolines,
 * relocation of displaced instructions, code patching and the SIGTRAP
 * handler of breakpoint probes.
 *
 * A site's entry trampoline, in executable memory within +-1.5 GiB of the
 * site (so displaced RIP-relative operands still reach their targets):
 *
 *   lea rsp,[rsp-552]        skip the red zone, room for pt_regs + xmm0-15
 *   pushfq; pop [rsp+144]    flags first: nothing below may change them
 *   mov [rsp+off],reg ...    struct pt_regs in the kernel's layout; ip = site,
 *   movdqu [rsp+168+16n],xmmN  sp = rsp at the site, cs/ss as the kernel's
 *                            (xmm0-7 only and no popfq at a function's
 *                            entry: struct save_kind)
 *   mov rbx,rsp; and rsp,-16; call probe_site_enter(site, regs); mov rsp,rbx
 *   restore registers, push [rsp+144]; popfq; lea rsp,[rsp+552]
 *   displaced instructions, relocated          (RIP-relative disp fixed up,
 *   jmp [rip]; dq site + displaced length       jmp/jcc/call made absolute)
 *
 * Patching (jump mode): int3 at the site, then the four tail bytes of
 * "jmp rel32", then its head byte (the kernel's text_poke_bp order), with
 * a core-serialising membarrier between steps; a thread that meets the
 * int3 meanwhile is sent to the trampoline by the SIGTRAP handler, so no
 * hit is lost.  Breakpoint mode keeps the int3: each hit traps and the
 * handler resumes the thread in the trampoline (the program runs there,
 * the first instruction runs out of line).  Code is written through
 * /proc/self/mem, so text and trampoline pages stay read+exec (W^X).
 * The syscall sites of a rewrite pass are patched together, each step
 * for all of them before its one barrier (batch_flush).
 *
 * A thread preempted between two instructions of the bytes being
 * replaced would resume inside the jump: before the jump's tail is
 * written, every other thread is stopped (stop_world: a real-time signal
 * parks each one in a handler) and the ones whose rip lies strictly
 * inside the replaced bytes are moved to the same instruction of the
 * trampoline's displaced copy; then the jump is written and all released
 * (the kernel uses synchronize_rcu_tasks for optprobes).
 * xmm0-15 are saved; the upper halves of ymm/zmm registers are not.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "probe_int.h"

#ifdef USERBPF_HAVE_ZYDIS
#include <Zydis/Zydis.h>

#define FRAME 552 /* red zone 128 + pt_regs 168 + xmm 256 */
#define REGS_XMM 168
#define TRAMP_SLOT 1024 /* bytes per trampoline */
#define CHUNK (64 * 1024)
#define NEAR_RANGE (1536ull << 20)
#define JMP_LEN 5

static int mem_fd = -1;
static bool have_sync_core;

/* ==== Code buffer ==== */

struct code {
	uint8_t buf[TRAMP_SLOT];
	size_t len;
	bool overflow;
};

static void emit(struct code *c, const void *bytes, size_t n)
{
	if (c->len + n > sizeof(c->buf)) {
		c->overflow = true;
		return;
	}
	memcpy(c->buf + c->len, bytes, n);
	c->len += n;
}

static void emit1(struct code *c, uint8_t b)
{
	emit(c, &b, 1);
}

static void emit4(struct code *c, uint32_t v)
{
	emit(c, &v, 4);
}

static void emit8(struct code *c, uint64_t v)
{
	emit(c, &v, 8);
}

/* register numbers: rax 0 rcx 1 rdx 2 rbx 3 rsp 4 rbp 5 rsi 6 rdi 7 r8.. */
static const struct {
	uint8_t reg;
	uint8_t off;
} gpr_slots[] = {
	{ 15, 0 }, { 14, 8 }, { 13, 16 }, { 12, 24 }, { 5, 32 }, { 3, 40 },  { 11, 48 }, { 10, 56 },
	{ 9, 64 }, { 8, 72 }, { 0, 80 },  { 1, 88 },  { 2, 96 }, { 6, 104 }, { 7, 112 },
};

/* mov [rsp+disp32],reg (store) or mov reg,[rsp+disp32] (load) */
static void emit_mov_rsp(struct code *c, bool load, uint8_t reg, uint32_t disp)
{
	emit1(c, 0x48 | (reg >= 8 ? 4 : 0)); /* REX.W (+R) */
	emit1(c, load ? 0x8b : 0x89);
	emit1(c, 0x84 | (reg & 7) << 3); /* mod=10 rm=SIB */
	emit1(c, 0x24);			 /* base rsp */
	emit4(c, disp);
}

/* movdqu [rsp+disp32],xmmN or movdqu xmmN,[rsp+disp32] */
static void emit_xmm_rsp(struct code *c, bool load, uint8_t n, uint32_t disp)
{
	emit1(c, 0xf3);
	if (n >= 8)
		emit1(c, 0x44); /* REX.R */
	emit1(c, 0x0f);
	emit1(c, load ? 0x6f : 0x7f);
	emit1(c, 0x84 | (n & 7) << 3);
	emit1(c, 0x24);
	emit4(c, disp);
}

/* lea rsp,[rsp+disp32] (flags untouched) */
static void emit_lea_rsp(struct code *c, int32_t disp)
{
	static const uint8_t op[] = { 0x48, 0x8d, 0xa4, 0x24 };

	emit(c, op, sizeof(op));
	emit4(c, (uint32_t)disp);
}

/* mov qword [rsp+disp32],simm32 */
static void emit_movq_imm_rsp(struct code *c, uint32_t disp, int32_t imm)
{
	static const uint8_t op[] = { 0x48, 0xc7, 0x84, 0x24 };

	emit(c, op, sizeof(op));
	emit4(c, disp);
	emit4(c, (uint32_t)imm);
}

/* jmp [rip+0]; dq target */
static void emit_jmp_abs(struct code *c, uint64_t target)
{
	static const uint8_t op[] = { 0xff, 0x25, 0, 0, 0, 0 };

	emit(c, op, sizeof(op));
	emit8(c, target);
}

/*
 * What a trampoline must preserve besides the general registers, by the
 * kind of spot it runs at:
 *   - anywhere (an offset inside a function, a USDT note, a syscall
 *     site): xmm0-15 and the flags (popfq costs about 5 ns);
 *   - a function's entry reached by a call: the ABI leaves no flag live
 *     across a call and xmm8-15 are dead (caller-saved, no argument in
 *     them): xmm0-7 only, flags recorded in regs->flags but not restored;
 *   - a return (the return trampoline): xmm0-1 (the return value) only.
 */
struct save_kind {
	uint8_t nxmm;	    /* xmm0..nxmm-1 saved and restored */
	bool restore_flags; /* popfq on the way out */
};
static const struct save_kind save_all = { 16, true };
static const struct save_kind save_entry = { 8, false };
static const struct save_kind save_return = { 2, false };

/*
 * Save every register as struct pt_regs at rsp (after lea rsp,[rsp-extra]),
 * call fn(arg or regs), and (if restore) restore them.  extra: bytes below
 * the original rsp the frame takes.  ip: value of regs->ip (0: none).
 */
static void emit_save(struct code *c, const struct save_kind *k, int32_t extra, int32_t sp_adjust,
		      uint64_t ip)
{
	static const uint8_t pushfq_pop[] = { 0x9c, 0x8f, 0x84, 0x24, 144, 0, 0, 0 };
	size_t i;

	emit_lea_rsp(c, -extra);
	emit(c, pushfq_pop, sizeof(pushfq_pop)); /* flags -> [rsp+144] */
	for (i = 0; i < sizeof(gpr_slots) / sizeof(gpr_slots[0]); i++)
		emit_mov_rsp(c, false, gpr_slots[i].reg, gpr_slots[i].off);
	for (i = 0; i < k->nxmm; i++)
		emit_xmm_rsp(c, false, (uint8_t)i, REGS_XMM + 16 * (uint32_t)i);
	/* lea rax,[rsp+extra+sp_adjust]; mov [rsp+152],rax */
	emit(c, (const uint8_t[]){ 0x48, 0x8d, 0x84, 0x24 }, 4);
	emit4(c, (uint32_t)(extra + sp_adjust));
	emit_mov_rsp(c, false, 0, 152);
	emit1(c, 0x48); /* mov rax,imm64 */
	emit1(c, 0xb8);
	emit8(c, ip);
	emit_mov_rsp(c, false, 0, 128);	 /* ip */
	emit_movq_imm_rsp(c, 120, -1);	 /* orig_ax */
	emit_movq_imm_rsp(c, 136, 0x33); /* cs */
	emit_movq_imm_rsp(c, 160, 0x2b); /* ss */
}

/* mov rbx,rsp; and rsp,-16; mov rdi,arg0|rsp; mov rsi,rbx; call fn; mov rsp,rbx */
static void emit_call(struct code *c, bool have_arg0, uint64_t arg0, uint64_t fn)
{
	emit(c, (const uint8_t[]){ 0x48, 0x89, 0xe3 }, 3);	 /* mov rbx,rsp */
	emit(c, (const uint8_t[]){ 0x48, 0x83, 0xe4, 0xf0 }, 4); /* and rsp,-16 */
	if (have_arg0) {
		emit(c, (const uint8_t[]){ 0x48, 0xbf }, 2); /* mov rdi,imm64 */
		emit8(c, arg0);
		emit(c, (const uint8_t[]){ 0x48, 0x89, 0xde }, 3); /* mov rsi,rbx */
	} else {
		emit(c, (const uint8_t[]){ 0x48, 0x89, 0xdf }, 3); /* mov rdi,rbx */
	}
	emit(c, (const uint8_t[]){ 0x48, 0xb8 }, 2); /* mov rax,imm64 */
	emit8(c, fn);
	emit(c, (const uint8_t[]){ 0xff, 0xd0 }, 2);	   /* call rax */
	emit(c, (const uint8_t[]){ 0x48, 0x89, 0xdc }, 3); /* mov rsp,rbx */
}

static void emit_restore(struct code *c, const struct save_kind *k, int32_t extra)
{
	static const uint8_t push_popfq[] = { 0xff, 0xb4, 0x24, 144, 0, 0, 0, 0x9d };
	size_t i;

	for (i = 0; i < k->nxmm; i++)
		emit_xmm_rsp(c, true, (uint8_t)i, REGS_XMM + 16 * (uint32_t)i);
	for (i = 0; i < sizeof(gpr_slots) / sizeof(gpr_slots[0]); i++)
		emit_mov_rsp(c, true, gpr_slots[i].reg, gpr_slots[i].off);
	if (k->restore_flags)
		emit(c, push_popfq, sizeof(push_popfq));
	emit_lea_rsp(c, extra);
}

/* ==== Executable memory near a site ==== */

struct chunk {
	struct chunk *next;
	uint64_t base;
	size_t used;
};
static struct chunk *chunks;

static bool near(uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) < NEAR_RANGE;
}

/* Map a read+exec chunk in a free gap of the address space near addr. */
static struct chunk *chunk_new(uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "re");
	uint64_t prev_end = 0x10000, best = 0, best_dist = ~0ull;
	char line[512];
	struct chunk *ch;
	void *p;

	if (!f)
		return NULL;
	for (;;) {
		uint64_t start = ~0ull, end = 0, cand;
		bool more = fgets(line, sizeof(line), f) != NULL;

		if (more && sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (!more)
			start = 0x7ffffffff000ull;
		if (start > prev_end && start - prev_end >= CHUNK) {
			/* the gap's end nearest to addr */
			cand = addr < prev_end ? prev_end : start - CHUNK;
			if (addr >= prev_end && addr < start)
				cand = (addr & ~(uint64_t)(CHUNK - 1));
			if (cand >= prev_end && cand + CHUNK <= start && near(cand, addr)) {
				uint64_t d = cand > addr ? cand - addr : addr - cand;

				if (d < best_dist) {
					best = cand;
					best_dist = d;
				}
			}
		}
		if (!more)
			break;
		if (end > prev_end)
			prev_end = end;
	}
	fclose(f);
	if (!best)
		return NULL;
	p = mmap((void *)best, CHUNK, PROT_READ | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if ((uint64_t)p != best) {
		munmap(p, CHUNK);
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		munmap(p, CHUNK);
		return NULL;
	}
	ch->base = best;
	ch->next = chunks;
	chunks = ch;
	return ch;
}

/* A TRAMP_SLOT-byte slot near addr (any address when addr is 0). */
static uint64_t slot_alloc(uint64_t addr)
{
	struct chunk *ch;

	for (ch = chunks; ch; ch = ch->next)
		if (ch->used + TRAMP_SLOT <= CHUNK && (!addr || near(ch->base, addr)))
			break;
	if (!ch)
		ch = chunk_new(addr ? addr : (uint64_t)(uintptr_t)&chunks);
	if (!ch)
		return 0;
	ch->used += TRAMP_SLOT;
	return ch->base + ch->used - TRAMP_SLOT;
}

/* ==== Writing code ==== */

static void sync_cores(void)
{
	if (have_sync_core)
		probe_sc_gate(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0, 0,
			      0, 0);
	else
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* /proc/self/mem on a high descriptor: the traced program's next open
 * gets the number it would get without userbpf (opensnoop's fd 3). */
static int open_mem(void)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC), hi;

	if (fd < 0)
		return -1;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 600);
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	return fd;
}

/*
 * Write code bytes through /proc/self/mem (pages stay read+exec).  The
 * file is the memory of the process that opened it: a forked child
 * opens its own (else it would write into its parent).
 */
static pid_t mem_pid;
static bool mem_checked; /* the pid checked for this batch (patch_batch) */
static bool batching;	 /* a rewrite pass is queueing its patches */

static int mem_check(void)
{
	pid_t me = (pid_t)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0);

	if (!mem_pid)
		mem_pid = me;
	if (mem_pid != me) {
		int fd = open_mem();

		if (fd < 0)
			return -errno;
		close(mem_fd);
		mem_fd = fd;
		mem_pid = me;
	}
	return 0;
}

/*
 * Direct writes (batch_flush): the read+exec file mappings holding the
 * sites of a pass are made read+write+exec for the pass (one mprotect
 * each way per mapping; pages stay executable throughout, so a thread
 * running there meanwhile is unaffected; the mapping is private: the
 * written pages become the process's own copies, as with /proc/self/mem)
 * and the jumps are plain stores.  Where mprotect refuses (a policy
 * forbidding W+X: SELinux execmod, PaX), or USERBPF_PATCH_PWRITE is set,
 * every write goes through /proc/self/mem as before.
 */
struct wmap {
	uint64_t lo, hi;
};
#define MAX_WMAPS 64
static struct wmap wmaps[MAX_WMAPS];
static int n_wmaps;
static bool direct_refused; /* an mprotect failed once: pwrite from then on */
unsigned long probe_arch_direct_writes;

static bool in_wmaps(uint64_t addr, size_t len)
{
	int i;

	for (i = 0; i < n_wmaps; i++)
		if (addr >= wmaps[i].lo && addr + len <= wmaps[i].hi)
			return true;
	return false;
}

static int code_write(uint64_t addr, const void *buf, size_t len)
{
	long n;

	if (n_wmaps && in_wmaps(addr, len)) {
		memcpy((void *)(uintptr_t)addr, buf, len);
		probe_arch_direct_writes++;
		return 0;
	}

	if (!mem_checked) {
		int ret = mem_check();

		if (ret)
			return ret;
		mem_checked = batching; /* once for the rest of the pass */
	}
	/* through the gate: a libc pwrite site may be trapped (a SIGSYS
	 * per write while raw_syscalls is attached) */
	n = probe_sc_gate(SYS_pwrite64, mem_fd, (long)(uintptr_t)buf, (long)len, (long)addr, 0, 0);
	if (n != (long)len)
		return n < 0 ? (int)n : -EIO;
	return 0;
}

/* ==== SIGTRAP: breakpoints and patches in progress ==== */

#define MAX_TRAPS 4096
static _Atomic uint64_t trap_addr[MAX_TRAPS];
static uint64_t trap_tramp[MAX_TRAPS];
static _Atomic int trap_cnt;
static size_t trap_len[MAX_TRAPS]; /* bytes displaced at trap_addr[i] */

/* An installed site whose displaced bytes overlap [addr, addr+len), or 0. */
static uint64_t overlapping(uint64_t addr, size_t len)
{
	int i, n = atomic_load(&trap_cnt);

	for (i = 0; i < n; i++) {
		uint64_t a = atomic_load(&trap_addr[i]);

		if (a < addr + len && addr < a + trap_len[i])
			return a;
	}
	return 0;
}
static struct sigaction old_trap;

static void trap_handler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t at = (uint64_t)uc->uc_mcontext.gregs[REG_RIP] - 1;
	int i, n = atomic_load_explicit(&trap_cnt, memory_order_acquire);

	/* a perf event's sample (perf_event_x86_64.c), not an int3 */
	if (si->si_code == PROBE_TRAP_PERF)
		n = 0;
	for (i = 0; i < n; i++) {
		if (atomic_load_explicit(&trap_addr[i], memory_order_acquire) == at) {
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)trap_tramp[i];
			return;
		}
	}
	/* not ours */
	if (old_trap.sa_flags & SA_SIGINFO) {
		if (old_trap.sa_sigaction)
			old_trap.sa_sigaction(sig, si, uc_);
		return;
	}
	if (old_trap.sa_handler == SIG_IGN)
		return;
	if (old_trap.sa_handler != SIG_DFL) {
		old_trap.sa_handler(sig);
		return;
	}
	signal(SIGTRAP, SIG_DFL);
	raise(SIGTRAP);
}

/* ==== Stopping the other threads while a jump is written ==== */

/*
 * Where a thread interrupted inside the bytes being replaced goes: the
 * instruction at addr + off[i] is at copy[i] in the trampoline (filled by
 * relocate(); i = 0 is the site itself, which the jump keeps).
 */
#define MAX_DISP 16
struct disp_map {
	uint64_t addr;
	size_t len;
	int n;
	uint8_t off[MAX_DISP];
	uint64_t copy[MAX_DISP];
};

bool probe_arch_stop_pass = true;
atomic_ulong probe_arch_stop_moved;

#define STOP_MAX_THREADS 4096
#define STOP_TIMEOUT_NS 2000000000ll /* then the patch goes on (docs/probes.md) */

static int stop_sig;		 /* 0: the application owns the signal, no pass */
static struct disp_map stop_map; /* the patch in progress */
/* odd while a pass runs; the parked threads wait for it to change */
static _Atomic uint32_t stop_gen;
static _Atomic uint32_t stop_narrived; /* futex: the patcher waits on it */
/* (gen << 32 | tid) of each thread parked in this pass */
static _Atomic uint64_t stop_arrived[STOP_MAX_THREADS];

/*
 * The pass's syscalls go through the probe module's gate, never through
 * libc: a libc site of a traced number is trapped by the seccomp filter
 * (raw_syscalls traces all of them), and the SIGSYS of a thread parked
 * with every signal blocked killed the process (a multi-threaded target
 * under "userbpf trace --pid" with syscount died during the injection).
 * They are the probe module's own, so no tracepoint sees them either.
 * The gate returns -errno.
 */
#define stop_sc(nr, a, b, c, d)                                                                    \
	probe_sc_gate((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static long futex_op(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return stop_sc(SYS_futex, uaddr, op, val, ts);
}

/*
 * Runs in every other thread during a pass: move a rip strictly inside
 * the replaced bytes to the displaced copy, say "arrived", wait for the
 * release.  Async-signal-safe: atomics and raw syscalls only.  Every
 * signal is blocked meanwhile (sa_mask), so no application handler runs
 * while the thread is parked.
 */
static void stop_handler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint32_t gen = atomic_load_explicit(&stop_gen, memory_order_acquire), slot;
	int saved = errno, i;
	uint64_t rip;

	(void)sig;
	if (!(gen & 1) || si->si_code != SI_TKILL ||
	    si->si_pid != (pid_t)stop_sc(SYS_getpid, 0, 0, 0, 0))
		goto out; /* a pass that ended, or not ours */
	rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	if (rip > stop_map.addr && rip < stop_map.addr + stop_map.len)
		for (i = 1; i < stop_map.n; i++)
			if (rip == stop_map.addr + stop_map.off[i]) {
				uc->uc_mcontext.gregs[REG_RIP] = (greg_t)stop_map.copy[i];
				atomic_fetch_add(&probe_arch_stop_moved, 1);
			}
	slot = atomic_fetch_add(&stop_narrived, 1);
	if (slot < STOP_MAX_THREADS)
		atomic_store(&stop_arrived[slot],
			     (uint64_t)gen << 32 | (uint32_t)stop_sc(SYS_gettid, 0, 0, 0, 0));
	futex_op(&stop_narrived, FUTEX_WAKE_PRIVATE, 1, NULL);
	while (atomic_load_explicit(&stop_gen, memory_order_acquire) == gen)
		futex_op(&stop_gen, FUTEX_WAIT_PRIVATE, gen, NULL);
out:
	errno = saved;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool stop_has_arrived(uint32_t gen, pid_t tid)
{
	uint32_t i, n = atomic_load(&stop_narrived);
	uint64_t want = (uint64_t)gen << 32 | (uint32_t)tid;

	for (i = 0; i < n && i < STOP_MAX_THREADS; i++)
		if (atomic_load(&stop_arrived[i]) == want)
			return true;
	return false;
}

struct linux_dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * Whether thread tid blocks the pass's signal (SigBlk of its status; raw
 * syscalls as below).  Such a thread would make the pass wait for its
 * whole timeout: it is left running instead.
 */
static bool stop_blocked(pid_t tid)
{
	char path[48] = "/proc/self/task/", buf[2048];
	int fd, i = 16, d = 0;
	pid_t t = tid;
	long got;

	do
		d++;
	while (t /= 10);
	for (t = tid; d; t /= 10)
		path[i + --d] = (char)('0' + t % 10);
	while (path[i])
		i++;
	memcpy(path + i, "/status", 8);
	fd = (int)stop_sc(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	got = stop_sc(SYS_read, fd, buf, sizeof(buf) - 1, 0);
	stop_sc(SYS_close, fd, 0, 0, 0);
	if (got <= 0)
		return false;
	buf[got] = 0;
	return probe_status_blocks(buf, stop_sig);
}

/*
 * Signal every thread of /proc/self/task not in tids[0..*n) but the
 * caller; the number signalled.  Raw syscalls: the threads parked so far
 * may hold any lock (malloc's, the sanitizers').
 */
static int stop_signal_new(pid_t *tids, int *n, pid_t self)
{
	char buf[4096] __attribute__((aligned(8)));
	pid_t pid = (pid_t)stop_sc(SYS_getpid, 0, 0, 0, 0);
	int fd, added = 0;
	long got;

	fd = (int)stop_sc(SYS_openat, AT_FDCWD, "/proc/self/task",
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	while ((got = stop_sc(SYS_getdents64, fd, buf, sizeof(buf), 0)) > 0) {
		long off;

		for (off = 0; off < got;) {
			struct linux_dirent64_ *d = (struct linux_dirent64_ *)(buf + off);
			pid_t tid;

			off += d->d_reclen;
			tid = probe_task_new_tid(d->d_name, self, tids, *n, STOP_MAX_THREADS);
			if (!tid)
				continue;
			if (stop_blocked(tid)) {
				tids[(*n)++] = -tid; /* known, not waited for */
				continue;
			}
			if (stop_sc(SYS_tgkill, pid, tid, stop_sig, 0) == 0) {
				tids[(*n)++] = tid;
				added++;
			}
		}
	}
	stop_sc(SYS_close, fd, 0, 0, 0);
	return added;
}

/*
 * Park every other thread of the process, fixing the rips inside m (the
 * task list is re-read until no new thread shows up).  A thread that does
 * not arrive within STOP_TIMEOUT_NS (it blocks the signal, or handles it
 * late as under TSan) is left running.  stop_release() ends the pass.
 */
static void stop_world(const struct disp_map *m)
{
	static pid_t tids[STOP_MAX_THREADS];
	pid_t self = (pid_t)stop_sc(SYS_gettid, 0, 0, 0, 0),
	      pid = (pid_t)stop_sc(SYS_getpid, 0, 0, 0, 0);
	int64_t deadline = now_ns() + STOP_TIMEOUT_NS;
	uint32_t gen;
	int n = 0;

	stop_map = *m;
	atomic_store(&stop_narrived, 0);
	gen = atomic_fetch_add_explicit(&stop_gen, 1, memory_order_acq_rel) + 1;
	for (;;) {
		bool timed_out = false;
		int added = stop_signal_new(tids, &n, self), i;

		for (;;) {
			uint32_t seen = atomic_load(&stop_narrived);
			int missing = 0;

			for (i = 0; i < n; i++) {
				if (tids[i] <= 0 || stop_has_arrived(gen, tids[i]))
					continue;
				if (stop_sc(SYS_tgkill, pid, tids[i], 0, 0) == -ESRCH)
					tids[i] = 0; /* exited */
				else
					missing++;
			}
			if (!missing)
				break;
			if (now_ns() > deadline) {
				timed_out = true;
				break;
			}
			futex_op(&stop_narrived, FUTEX_WAIT_PRIVATE, seen,
				 &(struct timespec){ .tv_nsec = 10000000 });
		}
		if (!added || timed_out)
			break;
	}
}

static void stop_release(void)
{
	atomic_fetch_add_explicit(&stop_gen, 1, memory_order_acq_rel);
	futex_op(&stop_gen, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

/* Whether the pass's signal is still ours (the application may have
 * taken it since). */
static bool stop_ours(void)
{
	return probe_sig_ours(stop_sig, stop_handler);
}

/* Take the pass's signal unless the application handles it already. */
static void stop_init(void)
{
	int sig = probe_sig_take(SIGRTMAX - 3, stop_handler);

	if (sig)
		stop_sig = sig;
}

static void batch_forked(void);

static int arch_init(void)
{
	static int done, result;
	struct sigaction sa;

	if (done)
		return result;
	done = 1;
	mem_fd = open_mem();
	if (mem_fd < 0)
		return result = -errno;
	have_sync_core = syscall(SYS_membarrier,
				 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTRAP, &sa, &old_trap))
		return result = -errno;
	stop_init();
	pthread_atfork(NULL, NULL, batch_forked);
	return result = 0;
}

/* ==== Relocation ==== */

static ZydisDecoder decoder;

/* arch_init() and the decoder, before any install; 0 or -errno with a
 * reason in err. */
static int arch_ready(char *err, size_t err_sz)
{
	int ret = arch_init();

	if (ret) {
		snprintf(err, err_sz, "cannot write code (/proc/self/mem): %s", strerror(-ret));
		return ret;
	}
	if (!decoder.machine_mode)
		ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	return 0;
}

/*
 * Copy instructions from addr until at least need bytes are covered into
 * c, relocated for their new place (c's final address is at).  *len gets
 * the bytes displaced.  0, or -EOPNOTSUPP with a reason.
 */
static int relocate(struct code *c, uint64_t at, uint64_t addr, size_t need, size_t *len,
		    struct disp_map *m, char *err, size_t err_sz)
{
	size_t done = 0;

	m->addr = addr;
	m->n = 0;
	while (done < need) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		const uint8_t *p = (const uint8_t *)(uintptr_t)(addr + done);
		uint64_t next = addr + done + 0, target;
		uint8_t bytes[16];
		int i;

		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, p, 15, &in, ops))) {
			snprintf(err, err_sz, "cannot decode the instruction at 0x%llx",
				 (unsigned long long)(addr + done));
			return -EOPNOTSUPP;
		}
		next += in.length;
		memcpy(bytes, p, in.length);
		if (m->n < MAX_DISP) {
			m->off[m->n] = (uint8_t)done;
			m->copy[m->n++] = at + c->len;
		}
		if (!(in.attributes & ZYDIS_ATTRIB_IS_RELATIVE)) {
			emit(c, bytes, in.length);
		} else if (in.raw.imm[0].is_relative) {
			target = next + (uint64_t)in.raw.imm[0].value.s;
			if (in.mnemonic == ZYDIS_MNEMONIC_JMP) {
				emit_jmp_abs(c, target);
			} else if (in.mnemonic == ZYDIS_MNEMONIC_CALL) {
				/* push the original return address, jump */
				emit1(c, 0x68); /* push imm32 */
				emit4(c, (uint32_t)next);
				emit(c, (const uint8_t[]){ 0xc7, 0x44, 0x24, 0x04 }, 4);
				emit4(c, (uint32_t)(next >> 32)); /* mov [rsp+4],imm32 */
				emit_jmp_abs(c, target);
			} else if (in.meta.category == ZYDIS_CATEGORY_COND_BR &&
				   in.mnemonic != ZYDIS_MNEMONIC_JCXZ &&
				   in.mnemonic != ZYDIS_MNEMONIC_JECXZ &&
				   in.mnemonic != ZYDIS_MNEMONIC_JRCXZ) {
				/* j!cc +14; jmp [rip]; dq target */
				emit1(c, 0x70 | ((in.opcode & 0xf) ^ 1));
				emit1(c, 14);
				emit_jmp_abs(c, target);
			} else {
				snprintf(err, err_sz, "cannot relocate the branch at 0x%llx",
					 (unsigned long long)(addr + done));
				return -EOPNOTSUPP;
			}
		} else {
			/* RIP-relative memory operand: move the displacement */
			int64_t disp;
			uint64_t new_next = at + c->len + in.length;

			for (i = 0; i < in.operand_count; i++)
				if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
				    ops[i].mem.base == ZYDIS_REGISTER_RIP)
					break;
			if (i == in.operand_count || in.raw.disp.size != 32) {
				snprintf(err, err_sz, "cannot relocate the instruction at 0x%llx",
					 (unsigned long long)(addr + done));
				return -EOPNOTSUPP;
			}
			target = next + (uint64_t)in.raw.disp.value;
			disp = (int64_t)(target - new_next);
			if (disp != (int32_t)disp) {
				snprintf(err, err_sz, "RIP-relative operand at 0x%llx out of reach",
					 (unsigned long long)(addr + done));
				return -EOPNOTSUPP;
			}
			int32_t d32 = (int32_t)disp;

			memcpy(bytes + in.raw.disp.offset, &d32, 4);
			emit(c, bytes, in.length);
		}
		done += in.length;
		if (done < need &&
		    (in.meta.category == ZYDIS_CATEGORY_RET ||
		     in.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		     in.mnemonic == ZYDIS_MNEMONIC_INT3 || in.mnemonic == ZYDIS_MNEMONIC_UD2)) {
			snprintf(err, err_sz, "the function ends after %zu bytes", done);
			return -EOPNOTSUPP;
		}
	}
	*len = done;
	m->len = done;
	return c->overflow ? -E2BIG : 0;
}

/* Whether a relative branch of the function lands in (addr, addr+len). */
static bool branch_into(uint64_t func, uint64_t size, uint64_t addr, size_t len)
{
	uint64_t off = 0;

	while (off < size) {
		ZydisDecodedInstruction in;
		const uint8_t *p = (const uint8_t *)(uintptr_t)(func + off);

		if (!ZYAN_SUCCESS(
			    ZydisDecoderDecodeInstruction(&decoder, NULL, p, size - off, &in)))
			return true; /* cannot tell: assume the worst */
		off += in.length;
		if (in.raw.imm[0].is_relative) {
			uint64_t t = func + off + (uint64_t)in.raw.imm[0].value.s;

			if (t > addr && t < addr + len)
				return true;
		}
	}
	return false;
}

/* ==== Trampolines ==== */

static uint64_t ret_tramp;

uint64_t probe_arch_ret_tramp(void)
{
	return ret_tramp;
}

static int make_ret_tramp(void)
{
	struct code c = { .len = 0 };
	const int32_t extra = FRAME - 128; /* no red zone needed after a ret */
	uint64_t at;

	if (ret_tramp)
		return 0;
	at = slot_alloc(0);
	if (!at)
		return -ENOMEM;
	emit_lea_rsp(&c, -8); /* the return address slot */
	emit_save(&c, &save_return, extra, 8, 0);
	emit_call(&c, false, 0, (uint64_t)(uintptr_t)probe_site_return);
	emit_mov_rsp(&c, false, 0, (uint32_t)extra); /* slot = rax */
	emit_restore(&c, &save_return, extra);
	/* lea rsp,[rsp+8]; jmp [rsp-8] (the red zone keeps the slot), not
	 * ret: the function's ret already took the return stack buffer's
	 * entry for this frame; another ret would take its caller's, and
	 * every return up the chain would then be mispredicted */
	emit_lea_rsp(&c, 8);
	emit(&c, (const uint8_t[]){ 0xff, 0x64, 0x24, 0xf8 }, 4);
	if (c.overflow || code_write(at, c.buf, c.len))
		return -EIO;
	ret_tramp = at;
	return 0;
}

/*
 * Send addr to the trampoline at: publish the trap redirection, int3,
 * then (jump) the tail of "jmp rel32" and its head, serialising the
 * cores between steps (the kernel's text_poke_bp order).  len: bytes the
 * trampoline displaced (overlap checks).  m: where the displaced
 * instructions are in the trampoline, NULL when a thread cannot be
 * between two of them (one instruction); with more than one, the other
 * threads are stopped (stop_world) from before the tail is written until
 * the head is.
 */
/*
 * Batched patching (probe_arch_patch_batch): the jumps of a syscall
 * rewrite pass are queued and written by batch_flush() in the same three
 * steps as patch()'s, each step for every queued site before the one
 * barrier that ends it: int3 everywhere, sync; tails, sync; heads, sync.
 * A thread running any of the sites meanwhile sees the old bytes, an
 * int3 (the SIGTRAP handler sends it to the site's trampoline, which is
 * written and registered before the int3) or the whole jump, as with one
 * site.  Only sites that need no stop pass are queued (a syscall site:
 * nothing displaced; a dynamic one with a single displaced instruction,
 * or a single-threaded stop-less process); the others are patched at
 * once.  Three barriers and one pid check per pass instead of per site.
 */
static struct {
	uint64_t addr;
	uint8_t jmp[JMP_LEN];
	bool ok;
} pend[MAX_TRAPS];
static size_t n_pend;

/* The trampolines of the pass, consecutive slots written as one. */
static uint8_t staged[CHUNK];
static uint64_t staged_at;
static size_t staged_len;

static int staged_write(void)
{
	int ret = staged_len ? code_write(staged_at, staged, staged_len) : 0;

	staged_len = 0;
	return ret;
}

/* A trampoline of the pass: staged while it extends the staged slots
 * (whole slots, each one ours), else the staged ones are written first. */
static int tramp_write(uint64_t at, const void *buf, size_t len)
{
	int ret;

	if (!batching || len > TRAMP_SLOT)
		return code_write(at, buf, len);
	if (!staged_len || at != staged_at + staged_len || staged_len + TRAMP_SLOT > CHUNK) {
		ret = staged_write();
		if (ret)
			return ret;
		staged_at = at;
	}
	memset(staged + staged_len, 0, TRAMP_SLOT);
	memcpy(staged + staged_len, buf, len);
	staged_len += TRAMP_SLOT;
	return 0;
}

/* One line of /proc/self/maps [line, end): a read+exec file mapping
 * holding a queued site becomes a candidate of wmaps. */
static void wmaps_line(const char *line, const char *end)
{
	uint64_t lo, hi;
	char *p;
	size_t i;

	lo = strtoull(line, &p, 16);
	if (*p != '-' || n_wmaps == MAX_WMAPS)
		return;
	hi = strtoull(p + 1, &p, 16);
	if (p >= end || strncmp(p, " r-xp ", 6) || !memchr(p, '/', (size_t)(end - p)))
		return; /* only read+exec file mappings */
	for (i = 0; i < n_pend; i++)
		if (pend[i].addr >= lo && pend[i].addr + JMP_LEN <= hi) {
			wmaps[n_wmaps++] = (struct wmap){ lo, hi };
			return;
		}
}

/*
 * The "r-xp" file mappings holding queued sites, made writable (wmaps).
 * /proc/self/maps read through the gate (no libc syscall in the pass),
 * whole, before any mprotect changes it.
 */
static void wmaps_open(void)
{
	static char buf[8192];
	long fd, r;
	size_t have = 0;
	char *line, *end;
	int i, n;

	n_wmaps = 0;
	if (direct_refused || getenv("USERBPF_PATCH_PWRITE"))
		return;
	fd = probe_sc_gate(SYS_open, (long)(uintptr_t)"/proc/self/maps", O_RDONLY | O_CLOEXEC, 0, 0,
			   0, 0);
	if (fd < 0)
		return;
	while ((r = probe_sc_gate(SYS_read, fd, (long)(uintptr_t)(buf + have),
				  (long)(sizeof(buf) - 1 - have), 0, 0, 0)) > 0) {
		have += (size_t)r;
		buf[have] = '\0';
		for (line = buf; (end = memchr(line, '\n', (size_t)(buf + have - line)));
		     line = end + 1)
			wmaps_line(line, end);
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			break; /* a line longer than the buffer: stop there */
	}
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	n = n_wmaps;
	n_wmaps = 0;
	for (i = 0; i < n; i++) {
		if (probe_sc_gate(SYS_mprotect, (long)wmaps[i].lo,
				  (long)(wmaps[i].hi - wmaps[i].lo),
				  PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0)) {
			direct_refused = true; /* the ones made writable stay in use */
			break;
		}
		n_wmaps = i + 1;
	}
}

static void wmaps_close(void)
{
	int i;

	for (i = 0; i < n_wmaps; i++)
		probe_sc_gate(SYS_mprotect, (long)wmaps[i].lo, (long)(wmaps[i].hi - wmaps[i].lo),
			      PROT_READ | PROT_EXEC, 0, 0, 0);
	n_wmaps = 0;
}

static void batch_flush(void)
{
	size_t i;

	if (staged_write() || !n_pend || mem_check()) {
		n_pend = 0; /* the slots stay registered; nothing is patched */
		return;
	}
	mem_checked = true; /* until probe_arch_patch_batch returns */
	wmaps_open();
	for (i = 0; i < n_pend; i++)
		pend[i].ok = !code_write(pend[i].addr, (const uint8_t[]){ 0xcc }, 1);
	sync_cores();
	/* a site whose tail cannot be written keeps its int3: still a hit */
	for (i = 0; i < n_pend; i++)
		if (pend[i].ok)
			pend[i].ok = !code_write(pend[i].addr + 1, pend[i].jmp + 1, 4);
	sync_cores();
	for (i = 0; i < n_pend; i++)
		if (pend[i].ok)
			code_write(pend[i].addr, pend[i].jmp, 1);
	sync_cores();
	wmaps_close();
	n_pend = 0;
}

/*
 * Whether the calling thread is the process's only one (one entry in
 * /proc/self/task, raw syscalls): read once per rewrite pass.  Then no
 * thread can be between two displaced instructions, and a site that would
 * need a stop pass is queued with the others: an exec'd image's agent
 * rewrites libc's ~70 dynamic sites from its constructor, before any
 * thread, and each cost a stop pass (the task list read, three barriers)
 * of its own (userbpf trace's startup, docs/probes.md).  Nothing else in
 * the process can create a thread meanwhile.
 */
static bool batch_alone;

static bool thread_alone(void)
{
	char buf[1024] __attribute__((aligned(8)));
	int fd = (int)stop_sc(SYS_openat, AT_FDCWD, "/proc/self/task",
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0),
	    n = 0;
	long got;

	if (fd < 0)
		return false;
	while ((got = stop_sc(SYS_getdents64, fd, buf, sizeof(buf), 0)) > 0) {
		long off;

		for (off = 0; off < got;) {
			struct linux_dirent64_ *d = (struct linux_dirent64_ *)(buf + off);

			off += d->d_reclen;
			n += d->d_name[0] != '.';
		}
	}
	stop_sc(SYS_close, fd, 0, 0, 0);
	return n == 1;
}

static int patch(uint64_t addr, uint64_t at, size_t len, bool jump, const struct disp_map *m,
		 bool may_queue, char *err, size_t err_sz)
{
	uint8_t jmp[JMP_LEN];
	bool stopped = false;
	int32_t rel;
	int ret, slot;

	slot = atomic_load(&trap_cnt);
	trap_tramp[slot] = at;
	trap_len[slot] = len;
	atomic_store_explicit(&trap_addr[slot], addr, memory_order_release);
	atomic_store_explicit(&trap_cnt, slot + 1, memory_order_release);

	if (may_queue && batching && jump &&
	    (batch_alone || !(m && m->n > 1 && stop_ours() && probe_arch_stop_pass)) &&
	    n_pend < MAX_TRAPS) {
		rel = (int32_t)(at - (addr + JMP_LEN));
		pend[n_pend].addr = addr;
		pend[n_pend].jmp[0] = 0xe9;
		memcpy(pend[n_pend].jmp + 1, &rel, 4);
		n_pend++;
		return 0;
	}
	if (may_queue && batching) {
		ret = staged_write(); /* this site's trampoline among them */
		if (ret) {
			snprintf(err, err_sz, "cannot write the trampoline");
			return ret;
		}
	}
	ret = code_write(addr, (const uint8_t[]){ 0xcc }, 1);
	if (ret) {
		snprintf(err, err_sz, "cannot patch 0x%llx: %s", (unsigned long long)addr,
			 strerror(-ret));
		return ret;
	}
	sync_cores();
	if (!jump)
		return 0;
	rel = (int32_t)(at - (addr + JMP_LEN));
	jmp[0] = 0xe9;
	memcpy(jmp + 1, &rel, 4);
	if (m && m->n > 1 && stop_ours() && probe_arch_stop_pass) {
		stop_world(m);
		stopped = true;
	}
	ret = code_write(addr + 1, jmp + 1, 4);
	sync_cores();
	if (!ret)
		ret = code_write(addr, jmp, 1);
	sync_cores();
	if (stopped)
		stop_release();
	if (ret) {
		snprintf(err, err_sz, "cannot patch 0x%llx: %s", (unsigned long long)addr,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * Executable chunks, trap slots and patches are shared by the uprobe
 * module (called under its probe lock) and the syscall module (under its
 * own): this innermost lock orders them.
 */
static pthread_mutex_t arch_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The pid is checked once for the pass (its trampoline writes too): a
 * child forked meanwhile by another thread drops the pass (batch_forked)
 * and checks its pid again before writing.
 */
void probe_arch_patch_batch(bool on)
{
	pthread_mutex_lock(&arch_lock);
	if (!on)
		batch_flush();
	batching = on;
	mem_checked = on && mem_fd >= 0 && !mem_check();
	batch_alone = on && thread_alone();
	pthread_mutex_unlock(&arch_lock);
}

static void batch_forked(void)
{
	batching = false;
	batch_alone = false;
	mem_checked = false;
	n_pend = 0;
}

static int arch_install(struct probe_site *site, int mode, uint64_t func_size, char *err,
			size_t err_sz);

int probe_arch_install(struct probe_site *site, int mode, uint64_t func_size, char *err,
		       size_t err_sz)
{
	int ret;

	pthread_mutex_lock(&arch_lock);
	ret = arch_install(site, mode, func_size, err, err_sz);
	pthread_mutex_unlock(&arch_lock);
	return ret;
}

static int arch_install(struct probe_site *site, int mode, uint64_t func_size, char *err,
			size_t err_sz)
{
	struct code c = { .len = 0 };
	uint64_t at, addr = site->addr;
	struct disp_map m;
	size_t len = 0, need;
	int ret;

	ret = arch_ready(err, err_sz);
	if (ret)
		return ret;
	ret = make_ret_tramp();
	if (ret) {
		snprintf(err, err_sz, "cannot allocate the return trampoline");
		return ret;
	}
	at = slot_alloc(addr);
	if (!at) {
		snprintf(err, err_sz, "no executable memory near 0x%llx", (unsigned long long)addr);
		return -ENOMEM;
	}
	if (atomic_load(&trap_cnt) >= MAX_TRAPS) {
		snprintf(err, err_sz, "too many probe sites");
		return -E2BIG;
	}
	if (overlapping(addr, 1)) { /* inside bytes another probe replaced */
		snprintf(err, err_sz, "overlaps the probe at 0x%llx",
			 (unsigned long long)overlapping(addr, 1));
		return -EBUSY;
	}
	memcpy(site->orig, (const void *)(uintptr_t)addr, sizeof(site->orig));
	need = mode == USERBPF_PROBE_BREAKPOINT ? 1 : JMP_LEN;
	/*
	 * Before decoding: at an address inside another probe's patched
	 * bytes the decoder would read that probe's jump (layout-dependent
	 * garbage).
	 */
	if (overlapping(addr, 1)) {
		snprintf(err, err_sz, "overlaps the probe at 0x%llx",
			 (unsigned long long)overlapping(addr, 1));
		return -EBUSY;
	}
	for (;;) {
		const struct save_kind *k = site->entry ? &save_entry : &save_all;

		c.len = 0;
		c.overflow = false;
		emit_save(&c, k, FRAME, 0, addr);
		emit_call(&c, true, (uint64_t)(uintptr_t)site,
			  (uint64_t)(uintptr_t)probe_site_enter);
		emit_restore(&c, k, FRAME);
		ret = relocate(&c, at, addr, need, &len, &m, err, err_sz);
		if (!ret && need == JMP_LEN && func_size && len > func_size) {
			snprintf(err, err_sz, "the function is shorter than a jump (%llu bytes)",
				 (unsigned long long)func_size);
			ret = -EOPNOTSUPP;
		}
		if (!ret && overlapping(addr, len)) {
			snprintf(err, err_sz, "overlaps the probe at 0x%llx",
				 (unsigned long long)overlapping(addr, len));
			ret = -EBUSY;
		}
		if (!ret && need == JMP_LEN && site->addr == site->func && func_size &&
		    branch_into(site->func, func_size, addr, len)) {
			snprintf(err, err_sz, "a branch lands inside the first %zu bytes", len);
			ret = -EOPNOTSUPP;
		}
		if (ret && ret != -EBUSY && need == JMP_LEN && mode == USERBPF_PROBE_AUTO) {
			need = 1; /* fall back to a breakpoint */
			continue;
		}
		break;
	}
	if (ret)
		return ret;
	emit_jmp_abs(&c, addr + len);
	if (c.overflow || code_write(at, c.buf, c.len)) {
		snprintf(err, err_sz, "cannot write the trampoline");
		return -EIO;
	}
	site->tramp = (uint8_t *)(uintptr_t)at;
	site->patch_len = need == 1 ? 1 : JMP_LEN;
	site->mode = need == 1 ? USERBPF_PROBE_BREAKPOINT : USERBPF_PROBE_TRAMPOLINE;

	return patch(addr, at, len, site->mode == USERBPF_PROBE_TRAMPOLINE, &m, false, err, err_sz);
}

/*
 * Syscall sites (syscall_rewrite_x86_64.c).  The trampoline of a site
 * "mov $nr,%eax; syscall" (or "mov $nr,%rax"), h = struct probe_sc_hooks:
 *
 *   mov rcx,&h->want[nr]; movzx ecx,byte [rcx]; jrcxz 1f; jmp 2f
 *   1: mov eax,nr; lea rsp,[rsp-128]; call h->gate_sc; lea rsp,[rsp+128]
 *      jmp [rip]; dq the instruction after the syscall
 *   2: lea rsp,[rsp-552]; save pt_regs + xmm0-15 (ip = after the syscall)
 *      call h->enter(nr, regs); mov r12,rax; test r12b,2; jnz 4f
 *      the six arguments back from regs; mov eax,nr; call h->gate_sc
 *      mov [rsp+80],rax (regs->ax)
 *   4: test r12,r12; jz 3f  (enter's 3: an LSM program denied the call)
 *      call h->exit(nr, regs)
 *   3: restore (rax = the result, flags popped); lea rsp,[rsp+552]
 *      jmp [rip]; dq the instruction after the syscall
 *
 * rax, rcx and r11 are free on the way in (the mov sets rax, the syscall
 * clobbers the other two) and jrcxz leaves the flags alone, so a number
 * no link wants costs one load and a call of the gate.  The syscall is
 * made in the trampoline itself, at the gate's address (the seccomp
 * filter lets it through): after it only the trampoline's lines, the
 * frame and (exit links only) the exit hook are touched.
 *
 * The mov becomes "jmp rel32" (int3 first, as for probes); the syscall
 * instruction stays, so code jumping straight to it still works (and is
 * seen by the seccomp trap).  Nothing is displaced: a thread is never
 * inside the mov, and one between the mov and the syscall still finds the
 * syscall there.  rcx and r11 come back as they were on the slow path and
 * clobbered on the fast one (the kernel leaves the return address and
 * flags in them; no code relies on either).
 */
static int syscall_site(uint64_t addr, size_t mov_len, int nr, const struct probe_sc_hooks *h,
			char *err, size_t err_sz);

int probe_arch_syscall_site(uint64_t addr, size_t mov_len, int nr,
			    const struct probe_sc_hooks *hooks, char *err, size_t err_sz)
{
	int ret;

	pthread_mutex_lock(&arch_lock);
	ret = syscall_site(addr, mov_len, nr, hooks, err, err_sz);
	pthread_mutex_unlock(&arch_lock);
	return ret;
}

/*
 * A trampoline slot near addr for a new site, or 0 with err filled:
 * *ret is -E2BIG (too many sites) or -ENOMEM (no executable memory).
 */
static uint64_t site_slot_alloc(uint64_t addr, int *ret, char *err, size_t err_sz)
{
	uint64_t at;

	if (atomic_load(&trap_cnt) >= MAX_TRAPS) {
		snprintf(err, err_sz, "too many probe sites");
		*ret = -E2BIG;
		return 0;
	}
	at = slot_alloc(addr);
	if (!at) {
		snprintf(err, err_sz, "no executable memory near 0x%llx", (unsigned long long)addr);
		*ret = -ENOMEM;
	}
	return at;
}

/* mov rcx,imm64; call rcx */
static void emit_call_rcx(struct code *c, const void *fn)
{
	emit(c, (const uint8_t[]){ 0x48, 0xb9 }, 2);
	emit8(c, (uint64_t)(uintptr_t)fn);
	emit(c, (const uint8_t[]){ 0xff, 0xd1 }, 2);
}

static int syscall_site(uint64_t addr, size_t mov_len, int nr, const struct probe_sc_hooks *h,
			char *err, size_t err_sz)
{
	/* the syscall's arguments: rdi rsi rdx r10 r8 r9 and their pt_regs slots */
	static const uint8_t arg_reg[6] = { 7, 6, 2, 10, 8, 9 },
			     arg_off[6] = { 112, 104, 96, 56, 72, 64 };
	struct code c = { .len = 0 };
	uint64_t at, after = addr + mov_len + 2;
	size_t jmp_slow, skip_exit, skip_sc, i;
	int32_t rel;
	int ret;

	ret = arch_ready(err, err_sz);
	if (ret)
		return ret;
	if (mov_len < JMP_LEN || overlapping(addr, mov_len + 2)) {
		snprintf(err, err_sz, "0x%llx is patched already", (unsigned long long)addr);
		return -EBUSY;
	}
	if (nr < 0 || nr >= 512)
		return -EINVAL;
	at = site_slot_alloc(addr, &ret, err, err_sz);
	if (!at)
		return ret;
	/* mov rcx,&want[nr]; movzx ecx,byte [rcx]; jrcxz +5; jmp slow */
	emit(&c, (const uint8_t[]){ 0x48, 0xb9 }, 2);
	emit8(&c, (uint64_t)(uintptr_t)&h->want[nr]);
	emit(&c, (const uint8_t[]){ 0x0f, 0xb6, 0x09, 0xe3, 0x05, 0xe9 }, 6);
	jmp_slow = c.len;
	emit4(&c, 0);
	/* the number no link wants: the syscall at once */
	emit1(&c, 0xb8);
	emit4(&c, (uint32_t)nr);
	emit_lea_rsp(&c, -128);
	emit_call_rcx(&c, h->gate_sc);
	emit_lea_rsp(&c, 128);
	emit_jmp_abs(&c, after);
	rel = (int32_t)(c.len - (jmp_slow + 4));
	memcpy(c.buf + jmp_slow, &rel, 4);
	/* wanted: enter hook, syscall, exit hook */
	emit_save(&c, &save_all, FRAME, 0, after);
	emit_call(&c, true, (uint64_t)nr, (uint64_t)(uintptr_t)h->enter);
	emit(&c, (const uint8_t[]){ 0x49, 0x89, 0xc4 }, 3); /* mov r12,rax */
	/* enter said 3 (an LSM program denied the call, regs->ax holds its
	 * result): no syscall.  test r12b,2; jnz past it */
	emit(&c, (const uint8_t[]){ 0x41, 0xf6, 0xc4, 0x02, 0x75, 0 }, 6);
	skip_sc = c.len;
	for (i = 0; i < 6; i++)
		emit_mov_rsp(&c, true, arg_reg[i], arg_off[i]);
	emit1(&c, 0xb8); /* mov eax,nr */
	emit4(&c, (uint32_t)nr);
	emit_call_rcx(&c, h->gate_sc);
	emit_mov_rsp(&c, false, 0, 80); /* regs->ax = result */
	if (c.len - skip_sc > 127)
		return -EINVAL; /* the jnz cannot reach: a bug */
	c.buf[skip_sc - 1] = (uint8_t)(c.len - skip_sc);
	emit(&c, (const uint8_t[]){ 0x4d, 0x85, 0xe4, 0x74, 0 }, 5); /* test r12,r12; jz */
	skip_exit = c.len;
	emit_call(&c, true, (uint64_t)nr, (uint64_t)(uintptr_t)h->exit);
	if (c.len - skip_exit > 127)
		return -EINVAL; /* the jz cannot reach: a bug */
	c.buf[skip_exit - 1] = (uint8_t)(c.len - skip_exit);
	emit_restore(&c, &save_all, FRAME);
	emit_jmp_abs(&c, after);
	if (c.overflow || tramp_write(at, c.buf, c.len)) {
		snprintf(err, err_sz, "cannot write the trampoline");
		return -EIO;
	}
	return patch(addr, at, mov_len, true, NULL, true, err, err_sz);
}

/*
 * Dynamic-number syscall sites (probe_int.h: probe_arch_syscall_dyn_site).
 * The displaced instructions D (>= 5 bytes, ending at the syscall, which
 * stays in place) become "jmp rel32"; the trampoline:
 *
 *   D, relocated                      at the site's rsp and flags
 *   lea rsp,[rsp-552]; save pt_regs + xmm0-15 (ip = after the syscall)
 *   call fn(arg, regs); mov [rsp+120],rax    1 made / 0 not, in orig_ax
 *   restore xmm0-15 and the registers (rax = regs->ax: the result, or
 *   the number when not made)
 *   mov rcx,[rsp+120]; jrcxz 1f             no flag is touched
 *   mov rcx,[rsp+88]; push [rsp+144]; popfq; lea rsp,[rsp+552]
 *   jmp [rip]; dq after the syscall
 *   1: the same tail; jmp [rip]; dq the syscall instruction
 *
 * A thread blocked in the syscall resumes after it: those bytes do not
 * change.  Refused: a call or another syscall among D, a branch of the
 * function landing inside D.
 */
static void emit_dyn_tail(struct code *c, uint64_t target)
{
	static const uint8_t tail[] = {
		0x48, 0x8b, 0x8c, 0x24, 88, 0, 0, 0, /* mov rcx,[rsp+88] */
		0xff, 0xb4, 0x24, 144,	0,  0, 0,    /* push [rsp+144] */
		0x9d,				     /* popfq */
	};

	emit(c, tail, sizeof(tail));
	emit_lea_rsp(c, FRAME);
	emit_jmp_abs(c, target);
}

static int syscall_dyn_site(uint64_t from, uint64_t fn_end, uint64_t sc, uint64_t fn, uint64_t arg,
			    char *err, size_t err_sz)
{
	struct code c = { .len = 0 };
	uint64_t at, a = from, start = 0;
	struct disp_map m;
	size_t len = 0, i;
	int ret;

	ret = arch_ready(err, err_sz);
	if (ret)
		return ret;
	/* the last instruction start at least 5 bytes before sc */
	while (a < sc) {
		ZydisDecodedInstruction in;

		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL,
								(const void *)(uintptr_t)a,
								ZYDIS_MAX_INSTRUCTION_LENGTH, &in)))
			break;
		if (sc - a >= JMP_LEN)
			start = a;
		a += in.length;
	}
	if (a != sc || !start) {
		snprintf(err, err_sz, "0x%llx: no 5 bytes of whole instructions before it",
			 (unsigned long long)sc);
		return -EOPNOTSUPP;
	}
	for (a = start; a < sc;) {
		ZydisDecodedInstruction in;

		ZydisDecoderDecodeInstruction(&decoder, NULL, (const void *)(uintptr_t)a,
					      ZYDIS_MAX_INSTRUCTION_LENGTH, &in);
		if (in.meta.category == ZYDIS_CATEGORY_CALL ||
		    in.mnemonic == ZYDIS_MNEMONIC_SYSCALL) {
			snprintf(err, err_sz, "0x%llx: a call or syscall among the bytes to move",
				 (unsigned long long)sc);
			return -EOPNOTSUPP;
		}
		a += in.length;
	}
	if (overlapping(start, sc + 2 - start)) {
		snprintf(err, err_sz, "0x%llx is patched already", (unsigned long long)start);
		return -EBUSY;
	}
	if (fn_end <= from || branch_into(from, fn_end - from, start, sc - start)) {
		snprintf(err, err_sz, "0x%llx: a branch lands inside the bytes to move",
			 (unsigned long long)sc);
		return -EOPNOTSUPP;
	}
	at = site_slot_alloc(start, &ret, err, err_sz);
	if (!at)
		return ret;
	ret = relocate(&c, at, start, sc - start, &len, &m, err, err_sz);
	if (ret)
		return ret;
	emit_save(&c, &save_all, FRAME, 0, sc + 2);
	emit_call(&c, true, arg, fn);
	emit_mov_rsp(&c, false, 0, 120); /* made? -> orig_ax slot */
	for (i = 0; i < 16; i++)
		emit_xmm_rsp(&c, true, (uint8_t)i, REGS_XMM + 16 * (uint32_t)i);
	for (i = 0; i < sizeof(gpr_slots) / sizeof(gpr_slots[0]); i++)
		emit_mov_rsp(&c, true, gpr_slots[i].reg, gpr_slots[i].off);
	emit(&c, (const uint8_t[]){ 0x48, 0x8b, 0x8c, 0x24, 120, 0, 0, 0 },
	     8);				    /* mov rcx,[rsp+120] */
	emit(&c, (const uint8_t[]){ 0xe3, 38 }, 2); /* jrcxz over the first tail (38 bytes) */
	{
		size_t before = c.len;

		emit_dyn_tail(&c, sc + 2);
		if (c.len - before != 38)
			return -EINVAL; /* the jrcxz distance is wrong: a bug */
	}
	emit_dyn_tail(&c, sc);
	if (c.overflow || tramp_write(at, c.buf, c.len)) {
		snprintf(err, err_sz, "cannot write the trampoline");
		return -EIO;
	}
	return patch(start, at, len, true, &m, true, err, err_sz);
}

int probe_arch_syscall_dyn_site(uint64_t from, uint64_t fn_end, uint64_t sc, uint64_t fn,
				uint64_t arg, char *err, size_t err_sz)
{
	int ret;

	pthread_mutex_lock(&arch_lock);
	ret = syscall_dyn_site(from, fn_end, sc, fn, arg, err, err_sz);
	pthread_mutex_unlock(&arch_lock);
	return ret;
}

/*
 * Whether a linear sweep of the code from "from" (an instruction start:
 * a function's) reaches "at" on an instruction boundary.
 */
bool probe_arch_insn_boundary(uint64_t from, uint64_t at)
{
	static ZydisDecoder d;
	static bool d_init;
	uint64_t a = from;

	if (!d_init) {
		ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		ZydisDecoderEnableMode(&d, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE);
		d_init = true;
	}
	while (a < at) {
		ZydisDecodedInstruction in;

		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL,
								(const void *)(uintptr_t)a,
								ZYDIS_MAX_INSTRUCTION_LENGTH, &in)))
			return false;
		a += in.length;
	}
	return a == at;
}

#else /* !USERBPF_HAVE_ZYDIS */

bool probe_arch_stop_pass = true;
atomic_ulong probe_arch_stop_moved;
unsigned long probe_arch_direct_writes;

void probe_arch_patch_batch(bool on)
{
	(void)on;
}

int probe_arch_install(struct probe_site *site, int mode, uint64_t func_size, char *err,
		       size_t err_sz)
{
	(void)site, (void)mode, (void)func_size;
	snprintf(err, err_sz, "built without an x86-64 instruction decoder (libzydis-dev)");
	return -EOPNOTSUPP;
}

uint64_t probe_arch_ret_tramp(void)
{
	return 0;
}

int probe_arch_syscall_site(uint64_t addr, size_t mov_len, int nr,
			    const struct probe_sc_hooks *hooks, char *err, size_t err_sz)
{
	(void)addr, (void)mov_len, (void)nr, (void)hooks;
	snprintf(err, err_sz, "built without an x86-64 instruction decoder (libzydis-dev)");
	return -EOPNOTSUPP;
}

bool probe_arch_insn_boundary(uint64_t from, uint64_t at)
{
	(void)from, (void)at;
	return false;
}

int probe_arch_syscall_dyn_site(uint64_t from, uint64_t fn_end, uint64_t sc, uint64_t fn,
				uint64_t arg, char *err, size_t err_sz)
{
	(void)from, (void)fn_end, (void)sc, (void)fn, (void)arg;
	snprintf(err, err_sz, "built without an x86-64 instruction decoder (libzydis-dev)");
	return -EOPNOTSUPP;
}

#endif
