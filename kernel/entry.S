/* SPDX-License-Identifier: MIT */
/*
 * kernel/entry.S - trap entry and exit.  Every vector builds Linux's
 * x86-64 struct pt_regs on the stack (the CPU's frame, the error code in
 * orig_rax, then the general registers) and calls trap_dispatch(regs,
 * vector); whatever the handlers leave in the frame is what iretq
 * resumes.  Also: entering a user task (enter_user / leave_user) and the
 * kretprobe return trampoline.
 */
	.text

.macro ISR_NOERR n
	.align 16
isr\n:
	pushq $0
	pushq %rdi
	movl $\n, %edi
	jmp isr_common
.endm
.macro ISR_ERR n
	.align 16
isr\n:
	pushq %rdi
	movl $\n, %edi
	jmp isr_common
.endm

.macro SAVE_REST
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro RESTORE_ALL
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
.endm

isr_common:
	SAVE_REST
	cld
	movl %edi, %esi
	movq %rsp, %rdi
	subq $8, %rsp
	call trap_dispatch
	addq $8, %rsp
	RESTORE_ALL
	addq $8, %rsp
	iretq

/* vectors 0-31: exceptions (8, 10-14, 17, 21, 29, 30 push an error code) */
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR 8
ISR_NOERR 9
ISR_ERR 10
ISR_ERR 11
ISR_ERR 12
ISR_ERR 13
ISR_ERR 14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR 17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR 21
.irp n, 22,23,24,25,26,27,28
ISR_NOERR \n
.endr
ISR_ERR 29
ISR_ERR 30
ISR_NOERR 31
/* 32-47: PIC interrupts; 128: int 0x80 system calls */
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
ISR_NOERR \n
.endr
ISR_NOERR 128

	.section .rodata
	.globl isr_table
	.align 8
isr_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr\n
.endr
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad isr\n
.endr
	.quad isr128
	.text

/*
 * long enter_user(uint64_t rip, uint64_t rsp, uint64_t *saved_rsp):
 * save the kernel's callee-saved registers, remember the stack, and iretq
 * to ring 3.  Returns (through leave_user) the task's exit code.
 */
	.globl enter_user
enter_user:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdx)
	pushq $0x1b		/* user data, RPL 3 */
	pushq %rsi
	pushq $0x202		/* IF */
	pushq $0x23		/* user code, RPL 3 */
	pushq %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	iretq

/* void leave_user(uint64_t saved_rsp, long code): back into enter_user's caller */
	.globl leave_user
leave_user:
	movq %rdi, %rsp
	movq %rsi, %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/*
 * Functions probed by a kretprobe return here: build a pt_regs (rax is
 * the return value), let kretprobe_handler() run the handlers and store
 * the real return address in the slot above the frame, then return there.
 */
	.globl kretprobe_trampoline
kretprobe_trampoline:
	subq $56, %rsp		/* return slot, orig_rax and the 5-word CPU frame */
	pushq %rdi
	SAVE_REST
	movq %rsp, %rdi
	call kretprobe_handler
	RESTORE_ALL
	addq $48, %rsp
	ret
