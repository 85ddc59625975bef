/* SPDX-License-Identifier: MIT */
/*
 * ustksys.c - a library test_uprobe_stack.c dlopens: getppid made by a
 * syscall instruction in code with frame pointers (usys_top calls
 * usys_call), outside the mapping that holds userbpf (whose own syscalls
 * are never trapped), with labels at the return addresses.
 * Built into $(BUILD)/probe/libustksys.so by mk/probe.mk.
 */
__asm__(".text\n"
	".type usys_call,@function\n"
	"usys_call:\n push %rbp\n mov %rsp,%rbp\n mov $110,%eax\n syscall\n"
	".globl usys_after\nusys_after:\n pop %rbp\n ret\n"
	".size usys_call,.-usys_call\n"
	".globl usys_top\n.type usys_top,@function\n"
	"usys_top:\n push %rbp\n mov %rsp,%rbp\n call usys_call\n"
	".globl usys_top_ret\nusys_top_ret:\n pop %rbp\n ret\n"
	".size usys_top,.-usys_top\n");
