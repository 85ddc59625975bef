/* SPDX-License-Identifier: MIT */
/*
 * scbranch.c - a library whose getppid site ("mov $110,%eax; syscall")
 * is also reached by a branch of the same function straight to its
 * syscall instruction, with 110 in eax (scbranch_jump): the site is
 * rewritten, but the branch bypasses it, so the coverage proof of the
 * syscall module fails for getppid while this library is mapped and
 * the default mode keeps its seccomp filter (tests/probe/
 * test_syscall_covered.c).  Built into $(BUILD)/probe/libscbranch.so by
 * mk/probe.mk.
 */
long scbranch_getppid(void);
long scbranch_jump(void);

__asm__(".text\n"
	".globl scbranch_getppid\n.type scbranch_getppid,@function\n"
	".globl scbranch_jump\n"
	"scbranch_getppid:\n"
	" .cfi_startproc\n"
	" mov $110,%eax\n"
	"1: syscall\n"
	" ret\n"
	"scbranch_jump:\n"
	" mov $110,%eax\n"
	" jmp 1b\n"
	" .cfi_endproc\n"
	".size scbranch_getppid,.-scbranch_getppid\n");
