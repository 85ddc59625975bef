/* SPDX-License-Identifier: MIT */
/*
 * util/fault_copy.h - reads of this process's memory that never fault it
 * and make no system call, the way the kernel's copy_from_user_nofault
 * works (util/fault_copy_posix.c, x86-64 Linux; elsewhere every call
 * answers -EAGAIN and the callers keep process_vm_readv).
 *
 * A copy routine whose loads are listed in an exception table, and a
 * SIGSEGV/SIGBUS handler in front of the program's ("the front": the
 * agent's, or ub_fault_install's) that sends a fault at one of those
 * loads to the routine's fixup (-EFAULT) and every other signal on as
 * the kernel would have delivered it.  The fast path is taken only while
 * it is certain that a fault there reaches the front:
 *
 *  - the front is the kernel's action for SIGSEGV and SIGBUS, read back
 *    with rt_sigaction when it was enabled (ub_fault_enable): whoever
 *    installs it keeps that true or turns the fast path off first;
 *  - neither signal is blocked in the calling thread (a blocked fault
 *    kills the process): one rt_sigprocmask per program run (the
 *    caller's state byte), or per call without one;
 *  - the stack pointer is on the thread's own stack (found once per
 *    thread in /proc/self/maps) with room for a signal frame below: not
 *    on an alternate signal stack, a coroutine's stack or the separate
 *    stack of posix_spawn's child;
 *  - the range lies in [64 KiB, 0x7ffffffff000): page 0 and the rest of
 *    the mmap_min_addr pages, and the non-canonical and kernel halves,
 *    are answered by the system call (no access is attempted).
 */
#ifndef USERBPF_UTIL_FAULT_COPY_H
#define USERBPF_UTIL_FAULT_COPY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The per-run state byte (ub_safe_read_cached): zero at the run's start. */
#define UB_FAULT_MASK_UNKNOWN 0
#define UB_FAULT_MASK_OK 1	/* SIGSEGV and SIGBUS deliverable */
#define UB_FAULT_MASK_BLOCKED 2 /* one of them blocked: system calls */

/*
 * Copy size bytes (> 0) from src: 0, or -EFAULT with dst zeroed (some
 * byte unreadable); -EAGAIN when the fast path cannot be taken now (dst
 * untouched).  state: NULL, or the run's byte (above).
 */
int ub_fault_read(void *dst, const void *src, size_t size, uint8_t *state);
/*
 * strncpy_from_user_nofault: the string and its NUL (never a byte after
 * it) into dst, the count incl. the NUL; size when no NUL is in the first
 * size bytes (dst[size - 1] is then set to NUL); -EFAULT (dst zeroed) when
 * the string reaches an unreadable byte first; -EAGAIN as above.
 */
long ub_fault_read_str(char *dst, const void *src, size_t size, uint8_t *state);

/* Tests: true makes every read of a page that faulted before fault
 * again (normally the last such page of a thread goes to the system
 * call for its next 64 reads: a fault costs more than the call). */
extern bool ub_fault_cache_off;

/* [p, p + size) lies between the caller's frame and the top of the
 * calling thread's own stack: mapped and writable while the caller runs
 * (posix_vm_copy's copies of attrs on the caller's stack). */
bool ub_fault_own_stack(const void *p, size_t size);

/* A fault at one of the copy routine's loads: the context is sent to its
 * fixup (true).  Anything else: false, the context untouched. */
bool ub_fault_fixup(int sig, siginfo_t *si, void *uc);

typedef void (*ub_fault_front_fn)(int sig, siginfo_t *si, void *uc);
/* The kernel's handler of sig, as rt_sigaction reads it: 0 or -errno. */
typedef int (*ub_fault_action_fn)(int sig, void **handler);

/*
 * Take the fast path from now on: front must be the kernel's handler of
 * SIGSEGV and SIGBUS (checked through read_action, NULL: libc's
 * syscall()): 0, or -ENOENT (it is not: off), -ENOSYS (no fast path on
 * this architecture).  The process that enabled it owns it: a fork child
 * keeps it (pthread_atfork), a vfork child sharing our memory must call
 * ub_fault_suspend before it changes either action.
 */
int ub_fault_enable(ub_fault_front_fn front, ub_fault_action_fn read_action);
/* Off; with drain, once no other thread is inside a fast copy (a second
 * at most), so that the front may then be removed. */
void ub_fault_disable(bool drain);
bool ub_fault_enabled(void);
/* This process is a vfork child of the one that enabled it (getpid). */
bool ub_fault_in_vfork_child(void);
/* In a vfork child: off until the parent's thread that made the child
 * runs again (the child then has exec'd or exited), which checks the
 * kernel's actions again before turning it back on. */
void ub_fault_suspend(void);

/*
 * Deliver a signal the copy did not cause as the kernel would have with
 * action a: a handler is called with its mask (and sig unless
 * SA_NODEFER) blocked, as SA_SIGINFO says; SIG_IGN ignores a signal sent
 * and kills on a fault; SIG_DFL kills (ub_fault_to_default, then
 * ub_fault_again).  SA_RESETHAND is the caller's to apply.
 */
void ub_fault_deliver(int sig, siginfo_t *si, void *uc, const struct sigaction *a);
/* The default action from here on: the fast path off, SIG_DFL for sig
 * (sigaction), sig unblocked. */
void ub_fault_to_default(int sig);
/* After ub_fault_to_default: a fault returns to the instruction (which
 * faults again, now fatally, core dump and all); a signal sent (kill,
 * raise, an action-optional memory error) is sent again. */
void ub_fault_again(int sig, siginfo_t *si);

/*
 * Without the agent (embedders, tests, benchmarks): put the library's own
 * front on SIGSEGV and SIGBUS, chaining to the actions found there, and
 * enable the fast path: 0 or -errno.  Nothing may change either action
 * afterwards until ub_fault_uninstall, which restores them.
 */
int ub_fault_install(void);
void ub_fault_uninstall(void);

#endif
