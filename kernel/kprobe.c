// SPDX-License-Identifier: MIT
/*
 * kernel/kprobe.c - kprobes and kretprobes on kernel functions.
 *
 * Arming a probe point copies the function's first instruction to an
 * out-of-line slot (the executable area, written through the kernel's
 * page tables) and patches an int3 over its first byte (the text page is
 * made writable for the store and read-only again).  On the breakpoint
 * the handlers run with the trap frame as struct pt_regs (regs->rip =
 * the probed address), then the CPU single-steps the copy in the slot
 * with the trap flag and the debug trap resumes after the original
 * instruction.  A kretprobe replaces the return address on the stack by
 * kretprobe_trampoline (entry.S), which builds a pt_regs at return and
 * goes back to the real caller.  Disarming writes the original byte back
 * and checks that the instruction is intact.
 *
 * One CPU, handlers run with interrupts off; a probe hit inside a handler
 * (recursion) is counted as missed and the instruction is just stepped.
 */
#include "kernel.h"

#define SLOT_SIZE 32
#define RET_STACK 64
#define TF (1UL << 8)
#define IF (1UL << 9)

struct kprobe_point {
	uint64_t addr;
	uint8_t orig[16];
	int len;
	uint8_t *slot;
	struct kprobe *entry, *ret;
	struct kprobe_point *next;
};

static struct kprobe_point *points;
static uint8_t *slot_page;
static uint32_t slots_used;
static uint32_t slots_bits[4];
static struct kprobe_point *stepping;
static uint64_t step_flags;
static bool in_handler;
uint64_t kprobe_missed;
static struct {
	uint64_t ret, sp;
	struct kprobe_point *pt;
} ret_stack[RET_STACK];
static int ret_depth;
extern char _text[], _etext[];
void kretprobe_trampoline(void);
void kretprobe_handler(struct pt_regs *regs);

static int rip_disp_at; /* set by modrm_len: offset of a RIP-relative disp32 */

/* length of a ModRM operand (ModRM, SIB, displacement) */
static int modrm_len(const uint8_t *p)
{
	uint8_t m = p[0], mod = m >> 6, rm = m & 7;
	int n = 1;

	if (mod == 3)
		return 1;
	if (rm == 4) {
		n++;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;
	}
	if (mod == 0 && rm == 5) {
		rip_disp_at = 1; /* relative to the ModRM byte; fixed up below */
		return 5;
	}
	if (mod == 1)
		n += 1;
	if (mod == 2)
		n += 4;
	return n;
}

/*
 * The length of the instruction at p, for the instructions a function
 * starts with (push, mov, lea, sub/add/and/cmp/xor/test with immediates or
 * registers, endbr64, nop); *rip_disp receives the offset of a
 * RIP-relative displacement (-1 if none), which must be adjusted when the
 * instruction runs from its slot.  Negative for anything else, relative
 * branches included (stepping those out of line needs an emulation this
 * kernel does not do).
 */
static int insn_decode(const uint8_t *p, int *rip_disp)
{
	int len = insn_length(p);

	*rip_disp = -1;
	if (len > 0 && rip_disp_at)
		*rip_disp = rip_disp_at;
	return len;
}

int insn_length(const uint8_t *p)
{
	const uint8_t *s = p;
	bool opsize = false, rexw = false;
	int m;

	rip_disp_at = 0;

	while (*p == 0x66 || *p == 0xf2 || *p == 0xf3) {
		opsize |= *p == 0x66;
		p++;
	}
	if ((*p & 0xf0) == 0x40) {
		rexw = *p & 8;
		p++;
	}
	uint8_t op = *p++;

	if ((op >= 0x50 && op <= 0x5f) || op == 0x90 || op == 0xc3 || op == 0xcc)
		return (int)(p - s);
	if (op >= 0xb8 && op <= 0xbf)
		return (int)(p - s) + (rexw ? 8 : opsize ? 2 : 4);
	switch (op) {
	case 0x01:
	case 0x03:
	case 0x09:
	case 0x0b:
	case 0x21:
	case 0x23:
	case 0x29:
	case 0x2b:
	case 0x31:
	case 0x33:
	case 0x39:
	case 0x3b:
	case 0x85:
	case 0x89:
	case 0x8b:
	case 0x8d:
		m = modrm_len(p);
		rip_disp_at = rip_disp_at ? (int)(p - s) + 1 : 0;
		return (int)(p - s) + m;
	case 0x83:
	case 0xc6:
		m = modrm_len(p);
		rip_disp_at = rip_disp_at ? (int)(p - s) + 1 : 0;
		return (int)(p - s) + m + 1;
	case 0x81:
	case 0xc7:
		m = modrm_len(p);
		rip_disp_at = rip_disp_at ? (int)(p - s) + 1 : 0;
		return (int)(p - s) + m + (opsize ? 2 : 4);
	case 0x0f:
		if (*p == 0x1e || *p == 0x1f) { /* endbr64 (f3 0f 1e fa), nopw */
			m = modrm_len(p + 1);
			rip_disp_at = rip_disp_at ? (int)(p + 1 - s) + 1 : 0;
			return (int)(p + 1 - s) + m;
		}
		return -1;
	}
	return -1;
}

static uint8_t *slot_alloc(void)
{
	if (!slot_page) {
		slot_page = exec_alloc(PAGE_SIZE);
		if (!slot_page)
			return NULL;
		memset(slot_page, 0xcc, PAGE_SIZE);
		exec_seal(slot_page, PAGE_SIZE);
	}
	for (int i = 0; i < (int)(PAGE_SIZE / SLOT_SIZE); i++)
		if (!(slots_bits[i / 32] & (1U << (i % 32)))) {
			slots_bits[i / 32] |= 1U << (i % 32);
			slots_used++;
			return slot_page + i * SLOT_SIZE;
		}
	return NULL;
}

static void slot_free(uint8_t *slot)
{
	int i = (int)((slot - slot_page) / SLOT_SIZE);

	slots_bits[i / 32] &= ~(1U << (i % 32));
	slots_used--;
}

static void print_bytes(const char *what, const uint8_t *b, int n)
{
	kprintf("%s", what);
	for (int i = 0; i < n; i++)
		kprintf(" %02x", b[i]);
	kprintf("\n");
}

int register_kprobe(struct kprobe *kp)
{
	struct kprobe_point *pt;
	uint64_t addr = kp->addr, off;
	const char *name;
	uint8_t int3 = 0xcc, nops[SLOT_SIZE];
	int err;

	if (!addr && kp->symbol)
		addr = ksym_address(kp->symbol);
	if (!addr || addr < (uint64_t)_text || addr >= (uint64_t)_etext)
		return -2; /* ENOENT: no such kernel function */
	name = ksym_lookup(addr, &off);
	kp->addr = addr;
	for (pt = points; pt && pt->addr != addr; pt = pt->next)
		;
	if (!pt) {
		int rip_disp, len = insn_decode((const uint8_t *)addr, &rip_disp);

		if (len <= 0 || len > 15) {
			kprintf("[kprobe] %s+0x%lx: first instruction cannot be stepped out of line\n",
				name, off);
			return -95; /* EOPNOTSUPP */
		}
		pt = kzalloc(sizeof(*pt));
		if (!pt)
			return -12;
		pt->addr = addr;
		pt->len = len;
		memcpy(pt->orig, (const void *)addr, len);
		pt->slot = slot_alloc();
		if (!pt->slot) {
			kfree(pt);
			return -12;
		}
		memset(nops, 0xcc, sizeof(nops));
		memcpy(nops, pt->orig, len);
		if (rip_disp >= 0) { /* keep a RIP-relative operand's target */
			int32_t disp;

			memcpy(&disp, nops + rip_disp, 4);
			disp += (int32_t)(addr - (uint64_t)pt->slot);
			memcpy(nops + rip_disp, &disp, 4);
		}
		err = exec_write(pt->slot, nops, sizeof(nops));
		if (!err)
			err = kernel_text_poke((void *)addr, &int3, 1);
		if (err) {
			slot_free(pt->slot);
			kfree(pt);
			return err;
		}
		pt->next = points;
		points = pt;
		kprintf("[kprobe] armed %s+0x%lx (%lx), slot %lx:", name, off, addr,
			(uint64_t)pt->slot);
		print_bytes(" original", pt->orig, len);
		print_bytes("[kprobe] patched:", (const uint8_t *)addr, len);
	}
	kp->point = pt;
	kp->hits = 0;
	if (kp->is_ret) {
		kp->next = pt->ret;
		pt->ret = kp;
	} else {
		kp->next = pt->entry;
		pt->entry = kp;
	}
	return 0;
}

void unregister_kprobe(struct kprobe *kp)
{
	struct kprobe_point *pt = kp->point, **pp;
	struct kprobe **l;
	uint64_t off;
	const char *name;

	if (!pt)
		return;
	for (l = kp->is_ret ? &pt->ret : &pt->entry; *l; l = &(*l)->next)
		if (*l == kp) {
			*l = kp->next;
			break;
		}
	kp->point = NULL;
	if (pt->entry || pt->ret)
		return;
	/* last probe on this point: write the original byte back */
	kernel_text_poke((void *)pt->addr, pt->orig, 1);
	name = ksym_lookup(pt->addr, &off);
	print_bytes("[kprobe] disarmed: now", (const uint8_t *)pt->addr, pt->len);
	kprintf("[kprobe] %s+0x%lx: original instruction bytes %s\n", name, off,
		memcmp((const void *)pt->addr, pt->orig, pt->len) ? "NOT RESTORED" : "restored");
	for (pp = &points; *pp; pp = &(*pp)->next)
		if (*pp == pt) {
			*pp = pt->next;
			break;
		}
	slot_free(pt->slot);
	kfree(pt);
}

const uint8_t *kprobe_slot(const struct kprobe *kp)
{
	return kp->point ? kp->point->slot : NULL;
}

static void run_handlers(struct kprobe *kp, struct pt_regs *regs)
{
	for (; kp; kp = kp->next) {
		kp->hits++;
		kp->handler(kp, regs);
	}
}

bool kprobe_int3(struct pt_regs *regs)
{
	uint64_t addr = regs->rip - 1;
	struct kprobe_point *pt;

	for (pt = points; pt && pt->addr != addr; pt = pt->next)
		;
	if (!pt)
		return false;
	if (in_handler || stepping) {
		kprobe_missed++;
	} else {
		in_handler = true;
		regs->rip = addr;
		run_handlers(pt->entry, regs);
		if (pt->ret && ret_depth < RET_STACK) {
			uint64_t *sp = (uint64_t *)regs->rsp;

			ret_stack[ret_depth].ret = *sp;
			ret_stack[ret_depth].sp = regs->rsp;
			ret_stack[ret_depth].pt = pt;
			ret_depth++;
			*sp = (uint64_t)kretprobe_trampoline;
		} else if (pt->ret) {
			kprobe_missed++;
		}
		in_handler = false;
	}
	/* single-step the original instruction in its slot */
	stepping = pt;
	step_flags = regs->eflags;
	regs->rip = (uint64_t)pt->slot;
	regs->eflags = (regs->eflags | TF) & ~IF;
	return true;
}

bool kprobe_debug(struct pt_regs *regs)
{
	struct kprobe_point *pt = stepping;
	uint64_t slot;

	if (!pt)
		return false;
	slot = (uint64_t)pt->slot;
	stepping = NULL;
	if (regs->rip >= slot && regs->rip <= slot + (uint64_t)pt->len)
		regs->rip = pt->addr + (regs->rip - slot);
	regs->eflags = (regs->eflags & ~(TF | IF)) | (step_flags & (TF | IF));
	__asm__ volatile("mov %0, %%dr6" ::"r"(0UL));
	return true;
}

void kretprobe_handler(struct pt_regs *regs)
{
	uint64_t *ret_slot = (uint64_t *)(regs + 1);
	uint64_t flags = irq_save(); /* handlers run with interrupts off */
	struct kprobe_point *pt;

	if (ret_depth <= 0)
		panic("kretprobe trampoline without a saved return address");
	ret_depth--;
	pt = ret_stack[ret_depth].pt;
	*ret_slot = ret_stack[ret_depth].ret;
	regs->rip = *ret_slot;
	regs->rsp = (uint64_t)(ret_slot + 1);
	regs->cs = 0x08;
	regs->ss = 0x10;
	regs->orig_rax = ~0UL;
	regs->eflags = flags;
	if (!in_handler) {
		in_handler = true;
		run_handlers(pt->ret, regs);
		in_handler = false;
	} else {
		kprobe_missed++;
	}
	irq_restore(flags);
}
