// SPDX-License-Identifier: MIT
/*
 * kernel/task.c - user tasks: an ELF64 executable linked into the image
 * is loaded into a fresh address space (the user half of a new PML4),
 * given a stack, and entered in ring 3; the kernel waits in
 * enter_user() until the task calls exit.  Also the user-memory copy
 * functions, which walk the task's page tables (user pages only).
 */
#include "kernel.h"

#define USER_STACK_TOP 0x00007fffff000000UL
#define USER_STACK_PAGES 32
#define USER_MMAP_BASE 0x0000100000000000UL
#define KSTACK_SIZE (64 * 1024)

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct task *current;
static int next_pid = 1;
static uint8_t task_kstack[KSTACK_SIZE] __attribute__((aligned(16)));

long enter_user(uint64_t rip, uint64_t rsp, uint64_t *saved_rsp);
void leave_user(uint64_t saved_rsp, long code) __attribute__((noreturn));

static int load_elf(struct task *t, const uint8_t *img, size_t len, uint64_t *entry)
{
	const struct elf64_ehdr *eh = (const void *)img;

	if (len < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->machine != 62 || eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > len ||
	    eh->phnum > (len - eh->phoff) / sizeof(struct elf64_phdr))
		return -8; /* ENOEXEC */
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(img + eh->phoff + i * sizeof(*ph));
		uint64_t flags = PTE_U | PTE_P;

		if (ph->type != 1) /* PT_LOAD */
			continue;
		if (ph->offset > len || ph->filesz > len - ph->offset || ph->filesz > ph->memsz ||
		    ph->vaddr >= USER_MMAP_BASE || ph->memsz > USER_MMAP_BASE - ph->vaddr)
			return -8;
		if (ph->flags & 2)
			flags |= PTE_W;
		if (!(ph->flags & 1))
			flags |= PTE_NX;
		for (uint64_t va = ph->vaddr & ~0xfffUL; va < ph->vaddr + ph->memsz;
		     va += PAGE_SIZE) {
			uint64_t *pte = pte_lookup(t->pml4, va, true, PTE_U);
			uint64_t pa;

			if (!pte)
				return -12;
			if (*pte & PTE_P) {
				pa = *pte & PTE_ADDR;
				*pte |= flags & PTE_W;
				if (!(flags & PTE_NX))
					*pte &= ~PTE_NX;
			} else {
				if (!(pa = page_alloc()))
					return -12;
				*pte = pa | flags;
			}
			/* copy the part of the file that falls in this page */
			uint64_t lo = va > ph->vaddr ? va : ph->vaddr;
			uint64_t hi = va + PAGE_SIZE < ph->vaddr + ph->filesz ?
					      va + PAGE_SIZE :
					      ph->vaddr + ph->filesz;
			if (lo < hi)
				memcpy((char *)phys_to_virt(pa) + (lo - va),
				       img + ph->offset + (lo - ph->vaddr), hi - lo);
		}
	}
	*entry = eh->entry;
	return 0;
}

static void files_close(struct task *t)
{
	for (int fd = 0; fd < MAX_FDS; fd++) {
		struct file *f = t->files[fd];

		t->files[fd] = NULL;
		if (f && --f->refs == 0) {
			if (f->ops->release)
				f->ops->release(f);
			kfree(f);
		}
	}
}

int task_run(const char *name, const void *elf, size_t len)
{
	struct task *t = kzalloc(sizeof(*t));
	uint64_t entry;
	long code;
	int err;

	if (!t)
		return -12;
	t->pid = next_pid++;
	t->name = name;
	t->mmap_next = USER_MMAP_BASE;
	t->pml4 = pml4_new_user();
	if (!t->pml4) {
		kfree(t);
		return -12;
	}
	err = load_elf(t, elf, len, &entry);
	for (uint64_t i = 1; !err && i <= USER_STACK_PAGES; i++) {
		uint64_t pa = page_alloc();

		err = pa ? map_page(t->pml4, USER_STACK_TOP - i * PAGE_SIZE, pa,
				    PTE_U | PTE_W | PTE_NX) :
			   -12;
	}
	if (err) {
		kprintf("task %s: cannot load (%d)\n", name, err);
		pml4_free_user(t->pml4);
		kfree(t);
		return err;
	}
	current = t;
	for (int i = 0; i < 3 && !err; i++)
		err = console_open() < 0;
	if (err)
		panic("no memory for the console files");
	kprintf("[kernel] starting user task %s (pid %d, entry %lx)\n", name, t->pid, entry);
	t->kstack_top = (uint64_t)task_kstack + sizeof(task_kstack);
	current = t;
	set_kernel_stack(t->kstack_top);
	load_cr3(t->pml4);
	code = enter_user(entry, USER_STACK_TOP - 64, &t->saved_rsp);
	load_cr3(kernel_pml4());
	files_close(t);
	current = NULL;
	pml4_free_user(t->pml4);
	bpfk_task_exit(t);
	kprintf("[kernel] user task %s exited with code %ld\n", name, code);
	kfree(t);
	return (int)code;
}

void task_exit(int code)
{
	__asm__ volatile("cli");
	leave_user(current->saved_rsp, code);
}

/* the physical address behind a user address, or 0 if not a user page */
static uint64_t user_page(uint64_t va, bool write)
{
	uint64_t *pte;

	if (!current || va >= USER_TOP)
		return 0;
	pte = pte_lookup(current->pml4, va, false, 0);
	if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U) || (write && !(*pte & PTE_W)))
		return 0;
	return (*pte & PTE_ADDR) + (va & 0xfff);
}

bool user_range_ok(const void *uaddr, size_t n)
{
	uint64_t va = (uint64_t)uaddr;

	return va < USER_TOP && n <= USER_TOP - va;
}

/* every page of [uaddr, uaddr + n) is a present user page (writable if asked) */
bool user_range_mapped(const void *uaddr, size_t n, bool write)
{
	uint64_t va = (uint64_t)uaddr;

	if (!n)
		return true;
	if (!user_range_ok(uaddr, n))
		return false;
	for (uint64_t p = va & ~0xfffUL; p < va + n; p += PAGE_SIZE)
		if (!user_page(p, write))
			return false;
	return true;
}

static int copy_user(void *kbuf, uint64_t va, size_t n, bool to_user)
{
	uint8_t *k = kbuf;

	if (!user_range_ok((void *)va, n))
		return -14;
	while (n) {
		size_t chunk = PAGE_SIZE - (va & 0xfff);
		uint64_t pa = user_page(va, to_user);

		if (!pa)
			return -14;
		if (chunk > n)
			chunk = n;
		if (to_user)
			memcpy(phys_to_virt(pa), k, chunk);
		else
			memcpy(k, phys_to_virt(pa), chunk);
		k += chunk;
		va += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	return copy_user(dst, (uint64_t)usrc, n, false);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	return copy_user((void *)src, (uint64_t)udst, n, true);
}

long strncpy_from_user(char *dst, const char *usrc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (copy_from_user(&dst[i], usrc + i, 1))
			return -14;
		if (!dst[i])
			return (long)i;
	}
	return -36; /* ENAMETOOLONG */
}
