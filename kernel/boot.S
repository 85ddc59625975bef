/* SPDX-License-Identifier: MIT */
/*
 * kernel/boot.S - multiboot v1 entry.  QEMU's -kernel loads the flat
 * image at 1 MiB (the "a.out kludge": addresses in the header) and jumps
 * to _start32 in 32-bit protected mode with EAX = 0x2BADB002 and EBX =
 * the multiboot information.  We build boot page tables (identity map of
 * the first GiB plus the same GiB at 0xffffffff80000000), enable PAE,
 * long mode and NX, and jump to the higher half, where kmain() builds the
 * real page tables.
 */
#define KERNEL_VMA 0xffffffff80000000
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010003	/* page align, memory info, address kludge */

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long _phys_start	/* load_addr */
	.long _phys_end		/* load_end_addr */
	.long _phys_end		/* bss_end_addr */
	.long _start32		/* entry_addr */

	.section .boot.bss, "aw", @nobits
	.align 4096
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4096
boot_stack:	.skip 4096
boot_stack_top:

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
	.long 0

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	movl $boot_stack_top, %esp
	movl %ebx, %esi			/* multiboot info (physical) */
	movl %eax, %ebp			/* magic */

	/* PML4[0] and PML4[511]; PDPT_lo[0] and PDPT_hi[510] -> one PD of 2 MiB pages */
	movl $boot_pdpt_lo, %eax
	orl $3, %eax
	movl %eax, boot_pml4
	movl $boot_pdpt_hi, %eax
	orl $3, %eax
	movl %eax, boot_pml4 + 511 * 8
	movl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt_lo
	movl %eax, boot_pdpt_hi + 510 * 8
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* present, writable, 2 MiB */
	movl %eax, boot_pd(,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx		/* EFER: LME | NXE */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax		/* PG | WP | PE */
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $start64_low

	.code64
start64_low:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movabsq $start64_high, %rax
	jmp *%rax

	.section .text.entry, "ax"
start64_high:
	movabsq $kernel_stack_top, %rsp
	movl %esi, %edi			/* kmain(mb_info_phys, magic) */
	movl %ebp, %esi
	xorl %ebp, %ebp
	call kmain
2:	cli
	hlt
	jmp 2b
