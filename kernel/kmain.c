// SPDX-License-Identifier: MIT
/*
 * kernel/kmain.c - boot sequence: console, descriptor tables, paging,
 * SSE, timer, the embedded eBPF core, then the user tasks linked into the
 * image, one after another; finally leave QEMU with the isa-debug-exit
 * device (exit status 0 when every task exited with 0).
 */
#include "kernel.h"

uint8_t kernel_stack[64 * 1024] __attribute__((aligned(16)));
extern uint8_t kernel_stack_top[];
__asm__(".globl kernel_stack_top\n.set kernel_stack_top, kernel_stack + 65536");

struct mb_info {
	uint32_t flags, mem_lower, mem_upper;
	uint32_t boot_device, cmdline;
};

/* the user programs (kernel/user/), see user_progs.S */
struct user_prog {
	const char *name;
	const uint8_t *start;
	const uint8_t *end;
};
extern const struct user_prog _user_progs_start[], _user_progs_end[];

static void sse_init(void)
{
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 &= ~(1UL << 2); /* EM */
	cr0 |= 1UL << 1;    /* MP */
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1UL << 9) | (1UL << 10); /* OSFXSR, OSXMMEXCPT */
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}

/* is name in the comma-separated list at p (ended by a space or NUL)? */
static bool in_list(const char *p, const char *name)
{
	size_t nl = strlen(name);

	while (*p && *p != ' ') {
		if (!strncmp(p, name, nl) && (p[nl] == ',' || p[nl] == ' ' || !p[nl]))
			return true;
		while (*p && *p != ' ' && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return false;
}

static const char *cmdline_arg(const char *cmdline, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = cmdline; p && *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, kl) && p[kl] == '=')
			return p + kl + 1;
	return NULL;
}

void kprobe_selftest(void);
void kmain(uint32_t mb_info_phys, uint32_t magic);
void kmain(uint32_t mb_info_phys, uint32_t magic)
{
	const struct mb_info *mbi = (const void *)(KERNEL_VMA + mb_info_phys);
	uint64_t mem_top = 64UL << 20;
	char cmdline[128] = "";
	const char *only;
	int failed = 0, ran = 0;

	serial_init();
	kprintf("\nuserbpf kernel: booting (multiboot magic %x)\n", magic);
	if (magic == 0x2BADB002 && (mbi->flags & 1))
		mem_top = (1UL << 20) + (uint64_t)mbi->mem_upper * 1024;
	if (magic == 0x2BADB002 && (mbi->flags & 4) && mbi->cmdline) {
		const char *c = (const char *)(KERNEL_VMA + mbi->cmdline);
		size_t i;

		for (i = 0; c[i] && i < sizeof(cmdline) - 1; i++)
			cmdline[i] = c[i];
		cmdline[i] = 0;
	}
	gdt_idt_init();
	mm_init(mem_top);
	sse_init();
	timer_init(100);
	__asm__ volatile("sti");
	{
		size_t used, total;

		mm_stats(&used, &total);
		kprintf("[kernel] memory: %lu KiB free, %lu symbols, cmdline '%s'\n",
			(total - used) * 4, ksym_count(), cmdline);
	}
	kprobe_selftest();
	bpfk_init();
	{
		size_t used, total;

		mm_stats(&used, &total);
		kprintf("[kernel] before the tasks: %lu KiB of pages in use, %lu bytes kmalloc'ed\n",
			used * 4, kmalloc_live_bytes());
	}

	only = cmdline_arg(cmdline, "run");
	for (const struct user_prog *p = _user_progs_start; p < _user_progs_end; p++) {
		if (only && !in_list(only, p->name))
			continue;
		ran++;
		if (task_run(p->name, p->start, p->end - p->start))
			failed++;
	}
	{
		size_t used, total;

		mm_stats(&used, &total);
		kprintf("[kernel] %d task(s) run, %d failed; uptime %lu ticks; %lu KiB of pages in "
			"use, %lu bytes kmalloc'ed; halting\n",
			ran, failed, (unsigned long)jiffies, used * 4, kmalloc_live_bytes());
	}
	qemu_exit(failed);
}
