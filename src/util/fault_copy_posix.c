/* SPDX-License-Identifier: MIT */
/*
 * util/fault_copy_posix.c - the fast path of ub_safe_read (fault_copy.h
 * says when it is taken): two copy routines in assembly whose every load
 * is in an exception table, the fixup a fault there is sent to, the
 * checks that make a fault certain to reach the front handler (kernel
 * action, signal mask, stack), and the library's own front for hosts
 * without the agent.  Host-only (x86-64 Linux; elsewhere ub_fault_read
 * answers -EAGAIN and nothing is installed).
 *
 * Why not process_vm_readv: two system calls per read (gettid, the copy),
 * 1.5 us on a VM, and a per-thread cache of the thread id is wrong in a
 * vfork child, which shares the parent's TLS.  Here a read that does not
 * fault costs a few nanoseconds, and one that faults a signal delivery
 * and return.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "fault_copy.h"

#if defined(__x86_64__) && defined(__linux__)

/* ==== The copy routines ==== */

/*
 * int ub_fc_copy(void *dst, const void *src, size_t n): 0 (n > 0).
 * long ub_fc_copy_str(char *dst, const char *src, size_t n): bytes copied
 * incl. the NUL, or n when none was found (nothing written after a NUL;
 * aligned words are read only within one page, where the string's next
 * byte is).
 * Both are leaf functions that touch no stack, so that one fixup fits
 * every load: rax = -EFAULT, ret.  The table holds each load's offset
 * from ub_fc_begin (the kernel's _ASM_EXTABLE, position-independent).
 */
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".hidden ub_fc_begin, ub_fc_copy, ub_fc_copy_str, ub_fc_fault, ub_fc_extable, "
	"ub_fc_extable_end\n"
	"ub_fc_begin:\n"
	".type ub_fc_copy,@function\n"
	"ub_fc_copy:\n"
	"	cmp	$64, %rdx\n"
	"	jae	.Lfc_rep\n"
	"	cmp	$8, %rdx\n"
	"	jb	.Lfc_byte\n"
	".Lfc_word:\n"
	".Lfc_ld1:	mov	(%rsi), %rax\n"
	"	mov	%rax, (%rdi)\n"
	"	add	$8, %rsi\n"
	"	add	$8, %rdi\n"
	"	sub	$8, %rdx\n"
	"	cmp	$8, %rdx\n"
	"	jae	.Lfc_word\n"
	"	test	%rdx, %rdx\n"
	"	jz	.Lfc_done\n"
	".Lfc_byte:\n"
	".Lfc_ld2:	movzbl	(%rsi), %eax\n"
	"	mov	%al, (%rdi)\n"
	"	inc	%rsi\n"
	"	inc	%rdi\n"
	"	dec	%rdx\n"
	"	jnz	.Lfc_byte\n"
	".Lfc_done:\n"
	"	xor	%eax, %eax\n"
	"	ret\n"
	".Lfc_rep:\n"
	"	mov	%rdx, %rcx\n"
	".Lfc_ld3:	rep movsb\n"
	"	xor	%eax, %eax\n"
	"	ret\n"
	".size ub_fc_copy, .-ub_fc_copy\n"
	".p2align 4\n"
	".type ub_fc_copy_str,@function\n"
	"ub_fc_copy_str:\n"
	"	xor	%eax, %eax\n"
	"	movabs	$0x0101010101010101, %r8\n"
	"	movabs	$0x8080808080808080, %r9\n"
	".Lfs_next:\n"
	"	lea	(%rsi,%rax), %rcx\n"
	"	test	$7, %cl\n"
	"	jnz	.Lfs_byte\n"
	"	mov	%rdx, %rcx\n"
	"	sub	%rax, %rcx\n"
	"	cmp	$8, %rcx\n"
	"	jb	.Lfs_byte\n"
	".Lfs_ld1:	mov	(%rsi,%rax), %rcx\n"
	/* a zero byte in the word: (w - 0x01..) & ~w & 0x80.. != 0 */
	"	mov	%rcx, %r10\n"
	"	sub	%r8, %r10\n"
	"	mov	%rcx, %r11\n"
	"	not	%r11\n"
	"	and	%r11, %r10\n"
	"	and	%r9, %r10\n"
	"	jnz	.Lfs_byte\n"
	"	mov	%rcx, (%rdi,%rax)\n"
	"	add	$8, %rax\n"
	"	cmp	%rdx, %rax\n"
	"	jb	.Lfs_next\n"
	"	ret\n"
	".Lfs_byte:\n"
	".Lfs_ld2:	movzbl	(%rsi,%rax), %ecx\n"
	"	mov	%cl, (%rdi,%rax)\n"
	"	inc	%rax\n"
	"	test	%cl, %cl\n"
	"	jz	.Lfs_ret\n"
	"	cmp	%rdx, %rax\n"
	"	jb	.Lfs_next\n"
	".Lfs_ret:\n"
	"	ret\n"
	".size ub_fc_copy_str, .-ub_fc_copy_str\n"
	".type ub_fc_fault,@function\n"
	"ub_fc_fault:\n"
	"	mov	$-14, %rax\n" /* -EFAULT */
	"	ret\n"
	".size ub_fc_fault, .-ub_fc_fault\n"
	".popsection\n"
	".pushsection .rodata\n"
	".p2align 2\n"
	"ub_fc_extable:\n"
	"	.long	.Lfc_ld1 - ub_fc_begin\n"
	"	.long	.Lfc_ld2 - ub_fc_begin\n"
	"	.long	.Lfc_ld3 - ub_fc_begin\n"
	"	.long	.Lfs_ld1 - ub_fc_begin\n"
	"	.long	.Lfs_ld2 - ub_fc_begin\n"
	"ub_fc_extable_end:\n"
	".popsection\n");

#define FC_HIDDEN __attribute__((visibility("hidden")))
extern const char ub_fc_begin[] FC_HIDDEN, ub_fc_fault[] FC_HIDDEN;
extern const int32_t ub_fc_extable[] FC_HIDDEN, ub_fc_extable_end[] FC_HIDDEN;
int ub_fc_copy(void *dst, const void *src, size_t n) FC_HIDDEN;
long ub_fc_copy_str(char *dst, const char *src, size_t n) FC_HIDDEN;

/*
 * Per thread, initial-exec (no allocation on first use, safe in a signal
 * handler) and two words: the agent injected with --pid is dlopen'ed into
 * the static TLS space glibc keeps for that (trace_pid_agent_static_tls).
 * stack: the lowest address of this thread's stack (page-aligned) with
 * FC_ST_* in the low bits, 0 before it was looked for; its top is the
 * thread pointer (a glibc thread's control block sits at the top of its
 * stack block) or, for the main thread, fc_main_hi.  bad: the page that
 * faulted last, with the reads sent to the system call since in the low
 * bits (0: none).
 */
#define FC_ST_FOUND 1ul
#define FC_ST_MAIN 2ul
#define FC_ST_TRY 4ul /* times 0-7: the maps reads made */
static __thread __attribute__((tls_model("initial-exec"))) struct {
	uintptr_t stack, bad;
} fc_tls;
static uintptr_t fc_main_hi;

bool ub_fault_cache_off;

bool ub_fault_fixup(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t ip;
	const int32_t *e;

	/* a fault the kernel raised (si_code > 0), not a signal sent */
	if ((sig != SIGSEGV && sig != SIGBUS) || !si || si->si_code <= 0 || !uc)
		return false;
	ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	for (e = ub_fc_extable; e < ub_fc_extable_end; e++)
		if (ip == (uintptr_t)ub_fc_begin + (uintptr_t)(intptr_t)*e) {
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)ub_fc_fault;
			if (!ub_fault_cache_off)
				fc_tls.bad = (uintptr_t)si->si_addr & ~4095ul;
			return true;
		}
	return false;
}

/*
 * A fault costs a signal delivery and return, five times the system call
 * on a VM: the page that faulted last in this thread (noted by the fixup)
 * sends its next 64 reads to the system call.  Only the path changes, not
 * the answer: a page mapped since reads right.
 */
static bool known_bad(uintptr_t a, size_t size)
{
	uintptr_t page = fc_tls.bad & ~4095ul, hits = fc_tls.bad & 4095;

	if (!page || page < (a & ~4095ul) || page > ((a + size - 1) & ~4095ul))
		return false;
	/* forgotten after a while: the system call may be refused here (a
	 * sandbox), and the page mapped since */
	fc_tls.bad = hits + 1 >= 64 || ub_fault_cache_off ? 0 : page | (hits + 1);
	return !ub_fault_cache_off;
}

/* ==== When the fast path may be taken ==== */

/* Below: page 0 and the rest of the default mmap_min_addr (a mapping
 * there is possible but rare: the system call answers).  From the top:
 * x86-64's TASK_SIZE_MAX with 4-level paging; beyond, the system call
 * (5-level user space) or -EFAULT. */
#define FC_LOW 0x10000ul
#define FC_HIGH 0x7ffffffff000ul
/* Stack the front's signal frame may need below the stack pointer: the
 * largest frame (AT_MINSIGSTKSZ, 3.4 KiB with AVX-512; 11 KiB with AMX
 * state) and the handler, with room to spare. */
#define FC_STACK_ROOM (32u << 10)

static _Atomic int fc_on;
static ub_fault_front_fn fc_front;
static ub_fault_action_fn fc_read_action;
static pid_t fc_pid;		     /* the process that owns the front */
static _Atomic uintptr_t fc_held_tp; /* ub_fault_suspend's thread */

/*
 * Fast copies in progress, so that ub_fault_disable can wait for them
 * before the front is taken away: 16 counters on their own cache lines,
 * one chosen per thread.  A handler that disables it after interrupting a
 * copy of its own thread waits out the bound (50 ms).
 */
static struct {
	_Atomic long n;
	char pad[64 - sizeof(long)];
} fc_busy[16] __attribute__((aligned(64)));

static inline uintptr_t thread_pointer(void)
{
	uintptr_t tp;

	__asm__("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

static long raw_syscall4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * SIGSEGV and SIGBUS are deliverable in this thread.  rt_sigprocmask is
 * never trapped nor traced by the probe module (syscall_x86_64.c), so it
 * is made directly.  The mask cannot change within one program run (a
 * handler that interrupts it restores it on return), hence the run's
 * state byte.
 */
static bool fault_sigs_unblocked(uint8_t *state)
{
	uint64_t mask = 0;

	if (state && *state)
		return *state == UB_FAULT_MASK_OK;
	if (raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&mask, 8))
		mask = ~0ull;
	mask &= 1ull << (SIGSEGV - 1) | 1ull << (SIGBUS - 1);
	if (state)
		*state = mask ? UB_FAULT_MASK_BLOCKED : UB_FAULT_MASK_OK;
	return !mask;
}

static unsigned long hex_field(const char **p)
{
	unsigned long v = 0;

	for (;; (*p)++) {
		char c = **p;

		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (unsigned long)(c - 'a' + 10);
		else
			return v;
	}
}

/*
 * The mapping holding addr, from /proc/self/maps with system calls only
 * (this may run in a signal handler, inside malloc): true and [*lo, *hi).
 */
static bool mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	char buf[2048];
	size_t have = 0;
	bool found = false, skip = false;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			const char *p = line;
			unsigned long a = hex_field(&p), b = 0;

			if (!skip && *p == '-') {
				p++;
				b = hex_field(&p);
			}
			skip = false;
			if (addr >= a && addr < b) {
				*lo = a;
				*hi = b;
				found = true;
				goto out;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1) {
			/* a line longer than the buffer (a long path): its
			 * rest is not the start of a line */
			have = 0;
			skip = true;
		}
	}
out:
	close(fd);
	return found;
}

extern void *__libc_stack_end; /* ld.so: the top of the initial stack */

/*
 * This thread's own stack, from the mapping that holds sp: a glibc
 * thread's stack block holds its thread control block (the thread
 * pointer) at its top; the main thread's is the one __libc_stack_end is
 * in, which grows down within RLIMIT_STACK (the kernel keeps mmap's base
 * at least 128 MiB below the stack).  Any other mapping (an alternate
 * signal stack, a coroutine's, posix_spawn's child's) is not trusted.
 */
static void stack_find(uintptr_t sp)
{
	uintptr_t lo, hi, tp = thread_pointer(), top = (uintptr_t)__libc_stack_end;
	uintptr_t tries = (fc_tls.stack / FC_ST_TRY) & 7;

	if (tries >= 4) /* several foreign stacks: no more reads of maps */
		return;
	fc_tls.stack = ++tries * FC_ST_TRY;
	if (!mapping_of(sp, &lo, &hi))
		return;
	if (tp >= lo && tp < hi) {
		fc_tls.stack = lo | tries * FC_ST_TRY | FC_ST_FOUND;
	} else if (top > lo && top <= hi) {
		struct rlimit rl;
		uintptr_t max = 64ul << 20, low;

		if (!getrlimit(RLIMIT_STACK, &rl) && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < max)
			max = rl.rlim_cur;
		/* a quarter MiB short of the limit: the deepest frames of a
		 * stack at its limit take the system call */
		low = (hi - max + (256u << 10) + 4095) & ~4095ul;
		if (low > lo)
			low = lo;
		fc_main_hi = hi;
		fc_tls.stack = low | tries * FC_ST_TRY | FC_ST_FOUND | FC_ST_MAIN;
	}
}

/* This thread's own stack [*lo, *hi), looked for once: true when known. */
static bool own_stack(uintptr_t sp, uintptr_t *lo, uintptr_t *hi)
{
	if (!(fc_tls.stack & FC_ST_FOUND)) {
		stack_find(sp);
		if (!(fc_tls.stack & FC_ST_FOUND))
			return false;
	}
	*lo = fc_tls.stack & ~4095ul;
	*hi = fc_tls.stack & FC_ST_MAIN ? fc_main_hi : thread_pointer();
	return true;
}

static bool stack_room(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), lo, hi;

	/* another stack than the thread's own: the system call */
	return own_stack(sp, &lo, &hi) && sp >= lo + FC_STACK_ROOM && sp < hi;
}

bool ub_fault_own_stack(const void *p, size_t size)
{
	uintptr_t fa = (uintptr_t)__builtin_frame_address(0), a = (uintptr_t)p, lo, hi;

	if (!own_stack(fa, &lo, &hi) || fa < lo || fa >= hi)
		return false;
	return a >= fa && a + size >= a && a + size <= hi;
}

static void resume_after_vfork(void);

/* Enter a fast copy (true), or the reason it is not taken now. */
static bool fast_enter(uint8_t *state, _Atomic long **slot)
{
	/* off (launch, embedders): not even the counter */
	if (!atomic_load_explicit(&fc_on, memory_order_relaxed) &&
	    !atomic_load_explicit(&fc_held_tp, memory_order_relaxed))
		return false;
	*slot = &fc_busy[(thread_pointer() >> 12) & 15].n;
	atomic_fetch_add(*slot, 1); /* seq_cst: against ub_fault_disable's store */
	if (!atomic_load(&fc_on)) {
		if (atomic_load_explicit(&fc_held_tp, memory_order_relaxed) == thread_pointer())
			resume_after_vfork();
		if (!atomic_load(&fc_on))
			goto no;
	}
	if (!stack_room() || !fault_sigs_unblocked(state))
		goto no;
	return true;
no:
	atomic_fetch_sub(*slot, 1);
	return false;
}

static void fast_leave(_Atomic long *slot)
{
	atomic_fetch_sub_explicit(slot, 1, memory_order_release);
}

int ub_fault_read(void *dst, const void *src, size_t size, uint8_t *state)
{
	uintptr_t a = (uintptr_t)src;
	_Atomic long *slot;
	int ret;

	if (a + size < a || a >= (1ul << 56)) {
		memset(dst, 0, size); /* beyond any user address space */
		return -EFAULT;
	}
	if (a < FC_LOW || a + size > FC_HIGH || known_bad(a, size) || !fast_enter(state, &slot))
		return -EAGAIN;
	ret = ub_fc_copy(dst, src, size);
	fast_leave(slot);
	if (ret)
		memset(dst, 0, size);
	return ret;
}

long ub_fault_read_str(char *dst, const void *src, size_t size, uint8_t *state)
{
	uintptr_t a = (uintptr_t)src;
	_Atomic long *slot;
	size_t n = size;
	long ret;

	if (a >= (1ul << 56)) {
		memset(dst, 0, size);
		return -EFAULT;
	}
	if (a < FC_LOW || a >= FC_HIGH)
		return -EAGAIN;
	if (n > FC_HIGH - a)
		n = FC_HIGH - a; /* the string faults at the top page anyway */
	if (known_bad(a, n) || !fast_enter(state, &slot))
		return -EAGAIN;
	ret = ub_fc_copy_str(dst, src, n);
	fast_leave(slot);
	if (ret < 0 || ((size_t)ret == n && dst[n - 1] && n < size)) {
		memset(dst, 0, size);
		return -EFAULT;
	}
	if ((size_t)ret == n && dst[n - 1]) {
		dst[n - 1] = '\0'; /* truncated, as strncpy_from_user_nofault */
		return (long)n;
	}
	return ret;
}

/* ==== Turning it on and off ==== */

static int syscall_read_action(int sig, void **handler)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} k;

	if (syscall(SYS_rt_sigaction, sig, NULL, &k, 8))
		return -errno;
	*handler = k.handler;
	return 0;
}

static bool front_is_kernels(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS };
	size_t i;

	for (i = 0; i < 2; i++) {
		void *h = NULL;

		if (fc_read_action(sigs[i], &h) || h != (void *)fc_front)
			return false;
	}
	return true;
}

static void fc_atfork_child(void)
{
	fc_pid = getpid();
}

int ub_fault_enable(ub_fault_front_fn front, ub_fault_action_fn read_action)
{
	static _Atomic bool atfork;

	if (!atomic_exchange(&atfork, true))
		pthread_atfork(NULL, NULL, fc_atfork_child);
	fc_front = front;
	fc_read_action = read_action ? read_action : syscall_read_action;
	fc_pid = getpid();
	atomic_store(&fc_held_tp, 0);
	if (!front || !front_is_kernels()) {
		atomic_store(&fc_on, 0);
		return -ENOENT;
	}
	atomic_store(&fc_on, 1);
	return 0;
}

void ub_fault_disable(bool drain)
{
	struct timespec pause = { 0, 100000 };
	int i, k;

	atomic_store(&fc_on, 0);
	for (i = 0; drain && i < 600; i++) { /* 100 yields, then 50 ms at most */
		long busy = 0;

		for (k = 0; k < 16; k++)
			busy += atomic_load(&fc_busy[k].n);
		if (!busy)
			return;
		if (i < 100)
			sched_yield();
		else
			nanosleep(&pause, NULL);
	}
}

bool ub_fault_enabled(void)
{
	return atomic_load(&fc_on);
}

bool ub_fault_in_vfork_child(void)
{
	return fc_front && getpid() != fc_pid;
}

void ub_fault_suspend(void)
{
	atomic_store(&fc_on, 0);
	atomic_store(&fc_held_tp, thread_pointer());
}

/* The thread that made the vfork child runs again: once it is the parent
 * (the child has exec'd or exited), the kernel's actions are checked. */
static void resume_after_vfork(void)
{
	if (getpid() != fc_pid)
		return; /* still the child */
	atomic_store(&fc_held_tp, 0);
	if (front_is_kernels())
		atomic_store(&fc_on, 1);
}

/* ==== Delivery of everything else ==== */

void ub_fault_to_default(int sig)
{
	struct sigaction d;
	sigset_t set;

	/* a copy of another thread in flight may still fault: a moment */
	ub_fault_disable(true);
	memset(&d, 0, sizeof(d));
	d.sa_handler = SIG_DFL;
	sigemptyset(&d.sa_mask);
	sigaction(sig, &d, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void ub_fault_again(int sig, siginfo_t *si)
{
	/* an action-optional machine check is not raised again by returning */
	if (si && si->si_code > 0 && !(sig == SIGBUS && si->si_code == BUS_MCEERR_AO))
		return;
	if (si)
		syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, si);
	else
		syscall(SYS_tgkill, getpid(), gettid(), sig);
}

void ub_fault_deliver(int sig, siginfo_t *si, void *uc, const struct sigaction *a)
{
	sigset_t mask;

	if (!(a->sa_flags & SA_SIGINFO) && a->sa_handler == SIG_IGN) {
		if (!si || si->si_code <= 0)
			return; /* sent, and ignored */
				/* a fault with the signal ignored: the kernel forces the default */
	}
	if (!(a->sa_flags & SA_SIGINFO) && (a->sa_handler == SIG_DFL || a->sa_handler == SIG_IGN)) {
		ub_fault_to_default(sig);
		ub_fault_again(sig, si);
		return;
	}
	/* the front runs with nothing blocked (SA_NODEFER, empty mask); the
	 * mask the kernel would have set now, restored by the front's
	 * sigreturn from uc (or by the handler's siglongjmp) */
	mask = a->sa_mask;
	if (!(a->sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else
		a->sa_handler(sig);
}

/* ==== The library's own front ==== */

static struct sigaction lib_prev[2]; /* SIGSEGV, SIGBUS */
static bool lib_installed;

static void lib_front(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *a = &lib_prev[sig == SIGBUS];
	struct sigaction now = *a;

	if (ub_fault_fixup(sig, si, uc))
		return;
	if ((now.sa_flags & SA_RESETHAND) &&
	    ((now.sa_flags & SA_SIGINFO) || now.sa_handler != SIG_DFL)) {
		memset(a, 0, sizeof(*a));
		a->sa_handler = SIG_DFL;
	}
	ub_fault_deliver(sig, si, uc, &now);
}

int ub_fault_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS };
	struct sigaction f;
	int i, err;

	if (lib_installed)
		return 0;
	memset(&f, 0, sizeof(f));
	f.sa_sigaction = lib_front;
	f.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&f.sa_mask);
	for (i = 0; i < 2; i++)
		if (sigaction(sigs[i], &f, &lib_prev[i])) {
			err = -errno;
			if (i)
				sigaction(sigs[0], &lib_prev[0], NULL);
			return err;
		}
	lib_installed = true;
	err = ub_fault_enable(lib_front, NULL);
	if (err)
		ub_fault_uninstall();
	return err;
}

void ub_fault_uninstall(void)
{
	if (!lib_installed)
		return;
	ub_fault_disable(true);
	sigaction(SIGSEGV, &lib_prev[0], NULL);
	sigaction(SIGBUS, &lib_prev[1], NULL);
	lib_installed = false;
}

#else /* not x86-64 Linux: the system call every time */

bool ub_fault_cache_off;

static __thread uintptr_t stack_lo, stack_hi; /* hi 0: not read yet */

bool ub_fault_own_stack(const void *p, size_t size)
{
	uintptr_t fa = (uintptr_t)__builtin_frame_address(0), a = (uintptr_t)p;

	if (!stack_hi) {
		pthread_attr_t at;
		void *addr;
		size_t sz;

		stack_lo = stack_hi = 1; /* unknown: never matches */
		if (!pthread_getattr_np(pthread_self(), &at)) {
			if (!pthread_attr_getstack(&at, &addr, &sz)) {
				stack_lo = (uintptr_t)addr;
				stack_hi = stack_lo + sz;
			}
			pthread_attr_destroy(&at);
		}
	}
	if (fa < stack_lo || fa >= stack_hi)
		return false;
	return a >= fa && a + size >= a && a + size <= stack_hi;
}

int ub_fault_read(void *dst, const void *src, size_t size, uint8_t *state)
{
	(void)dst, (void)src, (void)size, (void)state;
	return -EAGAIN;
}

long ub_fault_read_str(char *dst, const void *src, size_t size, uint8_t *state)
{
	(void)dst, (void)src, (void)size, (void)state;
	return -EAGAIN;
}

bool ub_fault_fixup(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	return false;
}

int ub_fault_enable(ub_fault_front_fn front, ub_fault_action_fn read_action)
{
	(void)front, (void)read_action;
	return -ENOSYS;
}

void ub_fault_disable(bool drain)
{
	(void)drain;
}

bool ub_fault_enabled(void)
{
	return false;
}

bool ub_fault_in_vfork_child(void)
{
	return false;
}

void ub_fault_suspend(void)
{
}

void ub_fault_to_default(int sig)
{
	signal(sig, SIG_DFL);
}

void ub_fault_again(int sig, siginfo_t *si)
{
	if (!si || si->si_code <= 0)
		raise(sig);
}

void ub_fault_deliver(int sig, siginfo_t *si, void *uc, const struct sigaction *a)
{
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else if (a->sa_handler != SIG_IGN && a->sa_handler != SIG_DFL)
		a->sa_handler(sig);
	else if (a->sa_handler == SIG_DFL) {
		ub_fault_to_default(sig);
		ub_fault_again(sig, si);
	}
}

int ub_fault_install(void)
{
	return -ENOSYS;
}

void ub_fault_uninstall(void)
{
}
#endif
