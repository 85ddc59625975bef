/* SPDX-License-Identifier: MIT */
/*
 * kernel/kernel.h - declarations shared by the kernel's files: console,
 * string functions, memory management, interrupts, tasks, files,
 * system calls, kprobes and the symbol table.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

#define KERNEL_VMA 0xffffffff80000000UL
#define DIRECT_MAP 0xffff800000000000UL
#define EXEC_BASE 0xffffffff81000000UL /* out-of-line slots and JIT code */
#define EXEC_SIZE (16UL << 20)
#define VMAP_BASE 0xffffffff82000000UL /* ring buffers */
#define VMAP_SIZE (32UL << 20)
#define PAGE_SIZE 4096UL
#define USER_TOP 0x0000800000000000UL

#define __unused __attribute__((unused))
#define __noinline __attribute__((noinline))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* Linux's x86-64 struct pt_regs: the frame every trap builds. */
struct pt_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax;
	uint64_t rip, cs, eflags, rsp, ss;
};

/* console.c */
void serial_init(void);
void console_write(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void qemu_exit(int code) __attribute__((noreturn));

/* lib.c */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* cpu */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}
static inline uint64_t irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}
static inline void irq_restore(uint64_t f)
{
	if (f & 0x200)
		__asm__ volatile("sti" ::: "memory");
}

/* mm.c */
#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PS (1UL << 7)
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL
static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP);
}
uint64_t virt_to_phys(const void *va);
void mm_init(uint64_t mem_top);
uint64_t page_alloc(void); /* a zeroed physical page, 0 when none */
void page_free(uint64_t pa);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
uint64_t *pte_lookup(uint64_t *pml4, uint64_t va, bool create, uint64_t flags);
int map_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags);
uint64_t *kernel_pml4(void);
uint64_t *pml4_new_user(void);
void pml4_free_user(uint64_t *pml4);
void load_cr3(uint64_t *pml4);
int kernel_text_poke(void *addr, const void *src, size_t n);
void *exec_alloc(size_t size); /* RW NX pages near the kernel text */
void exec_free(void *p, size_t size);
int exec_seal(void *p, size_t size);
void *vmap_pages(const uint64_t *pas, size_t n);
void vunmap_pages(void *va, size_t n);
void *pages_alloc_virt(size_t n); /* contiguous, zeroed, direct-mapped */
void pages_free_virt(void *va, size_t n);
uint64_t kernel_va_to_phys(uint64_t va);
#define PTE_SHARED (1UL << 9) /* user mapping of kernel memory: not freed with the task */
int exec_write(void *dst, const void *src, size_t n);
void mm_stats(size_t *pages_used, size_t *pages_total);
size_t kmalloc_live_bytes(void);

/* trap.c */
void gdt_idt_init(void);
void timer_init(unsigned hz);
extern volatile uint64_t jiffies;
void set_kernel_stack(uint64_t top);
void dump_stack_from(uint64_t rbp, uint64_t rip);
void dump_stack(void);

/* ksym.c */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
uint64_t ksym_address(const char *name);
size_t ksym_count(void);

/* task.c */
struct file;
#define MAX_FDS 64
struct task {
	int pid;
	const char *name;
	uint64_t *pml4;
	uint64_t brk, mmap_next;
	struct file *files[MAX_FDS];
	int exit_code;
	uint64_t kstack_top;
	uint64_t saved_rsp; /* kernel rsp to return to when the task exits */
	void *mapped[16];   /* maps with pages mapped into the task */
	int nmapped;
};
extern struct task *current;
int task_run(const char *name, const void *elf, size_t len);
void task_exit(int code) __attribute__((noreturn));
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
long strncpy_from_user(char *dst, const char *usrc, size_t n);
bool user_range_ok(const void *uaddr, size_t n);
bool user_range_mapped(const void *uaddr, size_t n, bool write);

/* syscall.c */
void syscall_dispatch(struct pt_regs *regs);
struct file_ops {
	long (*read)(struct file *f, char *ubuf, size_t n);
	long (*write)(struct file *f, const char *ubuf, size_t n);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	long (*mmap)(struct file *f, uint64_t uaddr, size_t len, uint64_t pgoff, int prot);
	void (*release)(struct file *f);
};
struct file {
	const struct file_ops *ops;
	int refs;
	int kind;
	void *priv;
	int handle; /* core handle for bpf objects */
};
int fd_install(struct file *f);
int console_open(void);
struct file *fd_get(int fd);

/* kprobe.c */
struct kprobe;
typedef void (*kprobe_handler_t)(struct kprobe *kp, struct pt_regs *regs);
struct kprobe {
	const char *symbol;
	uint64_t addr;
	bool is_ret;
	kprobe_handler_t handler;
	void *data;
	uint64_t hits;
	struct kprobe *next; /* on the same probe point */
	struct kprobe_point *point;
};
int register_kprobe(struct kprobe *kp);
void unregister_kprobe(struct kprobe *kp);
bool kprobe_int3(struct pt_regs *regs);
bool kprobe_debug(struct pt_regs *regs);
int insn_length(const uint8_t *p);
const uint8_t *kprobe_slot(const struct kprobe *kp); /* its out-of-line slot */

/* bpfk.c: the core, embedded */
void bpfk_init(void);
void bpfk_task_exit(struct task *t);
long sys_bpf(int cmd, const void *uattr, unsigned size);
long sys_perf_event_open(const void *uattr, int pid, int cpu, int group_fd, unsigned long flags);
long sys_open(const char *upath, int flags);
void perf_sw_tick(struct pt_regs *regs);

/* the probe targets */
long ksys_kill(long pid, long sig);
long kbench_target(long x);

#endif
