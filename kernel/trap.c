// SPDX-License-Identifier: MIT
/*
 * kernel/trap.c - GDT and TSS, the IDT (exceptions, the PIC's interrupts,
 * int 0x80 for system calls), the PIT timer, and the exception reports
 * with symbolised stack traces.
 */
#include "kernel.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, reserved;
} __attribute__((packed));

static uint64_t gdt[7];
static struct tss tss;
static struct idt_entry idt[256];
extern const uint64_t isr_table[];
volatile uint64_t jiffies;

void set_kernel_stack(uint64_t top)
{
	tss.rsp0 = top;
}

static void set_gate(int vec, uint64_t handler, int dpl)
{
	idt[vec].off0 = handler & 0xffff;
	idt[vec].sel = 0x08;
	idt[vec].ist = 0;
	idt[vec].type = 0x8e | (dpl << 5); /* present, interrupt gate */
	idt[vec].off1 = (handler >> 16) & 0xffff;
	idt[vec].off2 = handler >> 32;
	idt[vec].reserved = 0;
}

void gdt_idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;
	uint64_t t = (uint64_t)&tss;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffUL; /* 0x08 kernel code */
	gdt[2] = 0x00cf92000000ffffUL; /* 0x10 kernel data */
	gdt[3] = 0x00cff2000000ffffUL; /* 0x18 user data (DPL 3) */
	gdt[4] = 0x00affa000000ffffUL; /* 0x20 user code (DPL 3) */
	gdt[5] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) | (0x89UL << 40) |
		 (((t >> 24) & 0xff) << 56);
	gdt[6] = t >> 32;
	tss.iomap_base = sizeof(tss);
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint64_t)gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "movw $0x28, %%ax\n\t"
			 "ltr %%ax" ::"m"(gdtr)
			 : "rax", "memory");

	for (int i = 0; i < 48; i++)
		set_gate(i, isr_table[i], 0);
	set_gate(0x80, isr_table[48], 3);
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" ::"m"(idtr));

	/* remap the PICs to 32-47, mask everything but the timer */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 32);
	outb(0xa1, 40);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xfe);
	outb(0xa1, 0xff);
}

void timer_init(unsigned hz)
{
	unsigned div = 1193182 / hz;

	outb(0x43, 0x36);
	outb(0x40, div & 0xff);
	outb(0x40, div >> 8);
}

void dump_stack_from(uint64_t rbp, uint64_t rip)
{
	uint64_t off;
	const char *name;

	kprintf("Call trace:\n");
	for (int depth = 0; depth < 16 && rip; depth++) {
		name = ksym_lookup(rip, &off);
		if (name)
			kprintf("  [<%016lx>] %s+0x%lx\n", rip, name, off);
		else
			kprintf("  [<%016lx>] ?\n", rip);
		if (rbp < KERNEL_VMA - (1UL << 40) || (rbp & 7))
			break;
		rip = ((uint64_t *)rbp)[1];
		rbp = ((uint64_t *)rbp)[0];
	}
}

__noinline void dump_stack(void)
{
	dump_stack_from((uint64_t)__builtin_frame_address(0), (uint64_t)&dump_stack);
}

static const char *const exc_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 FPU",
	"alignment check",
	"machine check",
	"SIMD",
	"virtualization",
};

static void die(struct pt_regs *regs, unsigned vec)
{
	kprintf("\nEXCEPTION %u (%s) err=%lx", vec,
		vec < 32 && exc_names[vec] ? exc_names[vec] : "?", regs->orig_rax);
	if (vec == 14)
		kprintf(" cr2=%016lx", read_cr2());
	kprintf(" rip=%016lx cs=%lx rflags=%lx rsp=%016lx", regs->rip, regs->cs, regs->eflags,
		regs->rsp);
	kprintf("\n rax=%lx rbx=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx rbp=%lx\n", regs->rax,
		regs->rbx, regs->rcx, regs->rdx, regs->rsi, regs->rdi, regs->rbp);
	if ((regs->cs & 3) == 3 && current) {
		kprintf("user task %s (pid %d) killed\n", current->name, current->pid);
		task_exit(-1);
	}
	dump_stack_from(regs->rbp, regs->rip);
	panic("fatal exception in the kernel");
}

void trap_dispatch(struct pt_regs *regs, unsigned vec);
void trap_dispatch(struct pt_regs *regs, unsigned vec)
{
	if (vec == 0x80) {
		syscall_dispatch(regs);
		return;
	}
	if (vec >= 32 && vec < 48) {
		if (vec == 32) {
			jiffies++;
			perf_sw_tick(regs);
		}
		if (vec >= 40)
			outb(0xa0, 0x20);
		outb(0x20, 0x20);
		return;
	}
	if (vec == 3 && (regs->cs & 3) == 0 && kprobe_int3(regs))
		return;
	if (vec == 1 && kprobe_debug(regs))
		return;
	die(regs, vec);
}
