// SPDX-License-Identifier: MIT
/*
 * kernel/selftest.c - boot-time checks of the probe machinery without
 * eBPF: a kprobe and a kretprobe with C handlers on ksys_kill, a
 * symbolised stack trace from inside the handler, and the original
 * instruction bytes after disarming.  Prints "selftest: ... ok" or
 * panics (the QEMU test reads the console).
 */
#include "kernel.h"

static uint64_t seen_sum, seen_ret;
static bool traced;

static void on_entry(struct kprobe *kp __unused, struct pt_regs *regs)
{
	seen_sum += regs->rdi;
	if (!traced) {
		traced = true;
		kprintf("[selftest] stack at the probe (rip %lx):\n", regs->rip);
		dump_stack_from(regs->rbp, regs->rip);
	}
}

static void on_return(struct kprobe *kp __unused, struct pt_regs *regs)
{
	seen_ret = regs->rax;
}

static __noinline long selftest_caller(long pid)
{
	long (*volatile fn)(long, long) = ksys_kill;

	return fn(pid, 0) + 0 * (long)__builtin_frame_address(0);
}

static const char rodata_probe[] = "rodata";
static long data_probe = 1;

static uint64_t pte_of(const void *va)
{
	uint64_t *pte = pte_lookup(kernel_pml4(), (uint64_t)va, false, 0);

	return pte ? *pte : 0;
}

/* the kernel image's page permissions: text RX, rodata R+NX, data RW+NX */
static void check_wx(const uint8_t *slot)
{
	uint64_t t = pte_of((const void *)ksys_kill), r = pte_of(rodata_probe),
		 d = pte_of(&data_probe), s = pte_of(slot);

	if ((t & (PTE_P | PTE_W | PTE_NX)) != PTE_P ||
	    (r & (PTE_P | PTE_W | PTE_NX)) != (PTE_P | PTE_NX) ||
	    (d & (PTE_P | PTE_W | PTE_NX)) != (PTE_P | PTE_W | PTE_NX) ||
	    (s & (PTE_P | PTE_W | PTE_NX)) != PTE_P)
		panic("selftest: page permissions text %lx rodata %lx data %lx slot %lx", t, r, d,
		      s);
	kprintf("[selftest] page permissions: text RX, rodata R NX, data RW NX, kprobe slot RX: ok\n");
}

void kprobe_selftest(void);
void kprobe_selftest(void)
{
	struct kprobe kp = { .symbol = "ksys_kill", .handler = on_entry };
	struct kprobe rp = { .symbol = "ksys_kill", .handler = on_return, .is_ret = true };
	uint8_t before[16];
	long r = 0;
	int err;

	memcpy(before, (const void *)ksym_address("ksys_kill"), sizeof(before));
	if ((err = register_kprobe(&kp)) || (err = register_kprobe(&rp)))
		panic("selftest: register_kprobe: %d", err);
	check_wx(kprobe_slot(&kp));
	for (long pid = 100; pid < 103; pid++)
		r = selftest_caller(pid);
	if (kp.hits != 3 || rp.hits != 3 || seen_sum != 303 || (long)seen_ret != -3 || r != -3)
		panic("selftest: kprobe hits %lu, kretprobe hits %lu, arg sum %lu, ret %ld/%ld",
		      kp.hits, rp.hits, seen_sum, (long)seen_ret, r);
	unregister_kprobe(&rp);
	unregister_kprobe(&kp);
	if (memcmp(before, (const void *)ksym_address("ksys_kill"), sizeof(before)))
		panic("selftest: ksys_kill not restored");
	r = selftest_caller(5);
	if (kp.hits != 3 || r != -3)
		panic("selftest: probe still active after unregister");
	kprintf("[selftest] kprobe: 3 hits (arg sum 303), kretprobe: 3 hits (rax -3), "
		"text restored: ok\n");
}
