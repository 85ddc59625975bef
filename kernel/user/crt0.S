/* SPDX-License-Identifier: MIT */
/* kernel/user/crt0.S - user program entry: align the stack, main(), exit. */
	.text
	.globl _start
_start:
	andq $-16, %rsp
	xorl %ebp, %ebp
	call main
	movl %eax, %edi
	movl $60, %eax
	int $0x80
1:	jmp 1b
