// SPDX-License-Identifier: MIT
/*
 * kernel/mm.c - physical pages, the kernel's page tables, kmalloc, user
 * address spaces and executable memory.
 *
 * Virtual layout (4-level paging, NX enabled, CR0.WP set):
 *   0 .. 0x00007fffffffffff        user half, per task (PML4 0-255)
 *   0xffff800000000000 + phys     direct map of the first GiB, RW NX
 *   0xffffffff80000000 + phys     the kernel image in 4 KiB pages:
 *                                  text RX, rodata R NX, data RW NX
 *   0xffffffff81000000 (16 MiB)    executable area (kprobe slots, JIT):
 *                                  RW NX until sealed, then RX
 *   0xffffffff82000000 (32 MiB)    vmap area (ring buffers mapped twice)
 * The kernel half (PML4 256-511) is shared by every address space.
 */
#include "kernel.h"

#define MAX_PAGES (1UL << 18) /* 1 GiB */
#define KIMG_PTS 8	      /* 16 MiB of kernel image */
#define EXEC_PTS 8	      /* 16 MiB of executable area */
#define VMAP_PTS 16	      /* 32 MiB of vmap area (ring buffers) */

extern char _text[], _etext[], _erodata[], _end[];

static uint64_t kpml4[512] __attribute__((aligned(4096)));
static uint64_t dm_pdpt[512] __attribute__((aligned(4096)));
static uint64_t dm_pd[512] __attribute__((aligned(4096)));
static uint64_t k_pdpt[512] __attribute__((aligned(4096)));
static uint64_t k_pd[512] __attribute__((aligned(4096)));
static uint64_t k_pt[KIMG_PTS + EXEC_PTS + VMAP_PTS][512] __attribute__((aligned(4096)));
static uint8_t page_map[MAX_PAGES / 8];
static uint64_t npages, first_free, pages_used;
static uint8_t exec_map[EXEC_SIZE / PAGE_SIZE];
static uint8_t vmap_map[VMAP_SIZE / PAGE_SIZE];

static inline bool pg_test(uint64_t p)
{
	return page_map[p >> 3] & (1 << (p & 7));
}
static inline void pg_set(uint64_t p)
{
	page_map[p >> 3] |= 1 << (p & 7);
}
static inline void pg_clr(uint64_t p)
{
	page_map[p >> 3] &= ~(1 << (p & 7));
}

uint64_t *kernel_pml4(void)
{
	return kpml4;
}

void load_cr3(uint64_t *pml4)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(virt_to_phys(pml4)) : "memory");
}

uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	uint64_t *pte;

	if (v >= KERNEL_VMA && v < EXEC_BASE)
		return v - KERNEL_VMA;
	if (v >= DIRECT_MAP && v < DIRECT_MAP + (1UL << 30))
		return v - DIRECT_MAP;
	pte = pte_lookup(current ? current->pml4 : kpml4, v, false, 0);
	return pte && (*pte & PTE_P) ? (*pte & PTE_ADDR) + (v & 0xfff) : 0;
}

static uint64_t pages_alloc(uint64_t n)
{
	uint64_t f = irq_save();

	for (uint64_t p = first_free; p + n <= npages; p++) {
		uint64_t i;

		for (i = 0; i < n && !pg_test(p + i); i++)
			;
		if (i < n) {
			p += i;
			continue;
		}
		for (i = 0; i < n; i++)
			pg_set(p + i);
		pages_used += n;
		irq_restore(f);
		memset(phys_to_virt(p * PAGE_SIZE), 0, n * PAGE_SIZE);
		return p * PAGE_SIZE;
	}
	irq_restore(f);
	return 0;
}

static void pages_free(uint64_t pa, uint64_t n)
{
	uint64_t f = irq_save();

	for (uint64_t i = 0; i < n; i++)
		pg_clr(pa / PAGE_SIZE + i);
	pages_used -= n;
	irq_restore(f);
}

uint64_t page_alloc(void)
{
	return pages_alloc(1);
}

void page_free(uint64_t pa)
{
	pages_free(pa, 1);
}

void mm_stats(size_t *used, size_t *total)
{
	*used = pages_used;
	*total = npages - first_free;
}

void mm_init(uint64_t mem_top)
{
	uint64_t kend = (uint64_t)_end - KERNEL_VMA;

	if (mem_top > MAX_PAGES * PAGE_SIZE)
		mem_top = MAX_PAGES * PAGE_SIZE;
	if (kend > KIMG_PTS * 512 * PAGE_SIZE)
		panic("kernel image too large (%lu bytes)", kend);
	npages = mem_top / PAGE_SIZE;
	first_free = ALIGN_UP(kend, PAGE_SIZE) / PAGE_SIZE;
	for (uint64_t p = 0; p < first_free; p++)
		pg_set(p);

	/* direct map: 2 MiB pages, writable, not executable */
	for (int i = 0; i < 512; i++)
		dm_pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS | PTE_NX;
	dm_pdpt[0] = ((uint64_t)dm_pd - KERNEL_VMA) | PTE_P | PTE_W;
	kpml4[256] = ((uint64_t)dm_pdpt - KERNEL_VMA) | PTE_P | PTE_W;

	/* kernel image: 4 KiB pages with per-section permissions */
	for (uint64_t i = 0; i < KIMG_PTS * 512; i++) {
		uint64_t va = KERNEL_VMA + i * PAGE_SIZE, fl = PTE_P;

		if (va < (uint64_t)_text || va >= (uint64_t)_erodata)
			fl |= PTE_W | PTE_NX;
		else if (va >= (uint64_t)_etext)
			fl |= PTE_NX;
		k_pt[i / 512][i % 512] = i * PAGE_SIZE | fl;
	}
	for (int i = 0; i < KIMG_PTS + EXEC_PTS + VMAP_PTS; i++)
		k_pd[i] = ((uint64_t)k_pt[i] - KERNEL_VMA) | PTE_P | PTE_W;
	k_pdpt[510] = ((uint64_t)k_pd - KERNEL_VMA) | PTE_P | PTE_W;
	kpml4[511] = ((uint64_t)k_pdpt - KERNEL_VMA) | PTE_P | PTE_W;
	load_cr3(kpml4);
}

uint64_t *pte_lookup(uint64_t *pml4, uint64_t va, bool create, uint64_t flags)
{
	uint64_t *table = pml4;

	for (int level = 3; level > 0; level--) {
		unsigned idx = (va >> (12 + 9 * level)) & 511;
		uint64_t e = table[idx];

		if (!(e & PTE_P)) {
			uint64_t pa;

			if (!create || !(pa = page_alloc()))
				return NULL;
			e = pa | PTE_P | PTE_W | (flags & PTE_U);
			table[idx] = e;
		}
		if (e & PTE_PS)
			return NULL;
		table = phys_to_virt(e & PTE_ADDR);
		if ((uint64_t)table >= DIRECT_MAP + (1UL << 30))
			return NULL;
	}
	return &table[(va >> 12) & 511];
}

int map_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = pte_lookup(pml4, va, true, flags);

	if (!pte)
		return -12;
	*pte = pa | flags | PTE_P;
	invlpg(va);
	return 0;
}

uint64_t *pml4_new_user(void)
{
	uint64_t pa = page_alloc();
	uint64_t *p;

	if (!pa)
		return NULL;
	p = phys_to_virt(pa);
	for (int i = 256; i < 512; i++)
		p[i] = kpml4[i];
	return p;
}

static void free_level(uint64_t *table, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(table[i] & PTE_P))
			continue;
		if (level > 0)
			free_level(phys_to_virt(table[i] & PTE_ADDR), level - 1);
		if (level > 0 || !(table[i] & PTE_SHARED))
			page_free(table[i] & PTE_ADDR);
	}
}

void pml4_free_user(uint64_t *pml4)
{
	for (int i = 0; i < 256; i++)
		if (pml4[i] & PTE_P) {
			free_level(phys_to_virt(pml4[i] & PTE_ADDR), 2);
			page_free(pml4[i] & PTE_ADDR);
		}
	page_free(virt_to_phys(pml4));
}

/*
 * Write kernel code: the PTE of each page gets PTE_W for the copy and
 * loses it again (CR0.WP makes read-only binding for ring 0 too).
 */
int kernel_text_poke(void *addr, const void *src, size_t n)
{
	uint64_t f = irq_save();
	uint8_t *d = addr;
	const uint8_t *s = src;

	while (n) {
		uint64_t va = (uint64_t)d, chunk = PAGE_SIZE - (va & 0xfff);
		uint64_t *pte = pte_lookup(kpml4, va, false, 0);

		if (chunk > n)
			chunk = n;
		if (!pte || !(*pte & PTE_P)) {
			irq_restore(f);
			return -14;
		}
		uint64_t old = *pte;
		*pte = old | PTE_W;
		invlpg(va);
		memcpy(d, s, chunk);
		*pte = old;
		invlpg(va);
		d += chunk;
		s += chunk;
		n -= chunk;
	}
	__asm__ volatile("mfence" ::: "memory");
	irq_restore(f);
	return 0;
}

void *exec_alloc(size_t size)
{
	uint64_t n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, f = irq_save();

	for (uint64_t p = 0; p + n <= ARRAY_SIZE(exec_map); p++) {
		uint64_t i;

		for (i = 0; i < n && !exec_map[p + i]; i++)
			;
		if (i < n) {
			p += i;
			continue;
		}
		for (i = 0; i < n; i++) {
			uint64_t pa = page_alloc();

			if (!pa)
				break;
			exec_map[p + i] = 1;
			/* writable, not executable until exec_seal() */
			k_pt[KIMG_PTS + (p + i) / 512][(p + i) % 512] = pa | PTE_P | PTE_W | PTE_NX;
			invlpg(EXEC_BASE + (p + i) * PAGE_SIZE);
		}
		if (i < n) {
			irq_restore(f);
			exec_free((void *)(EXEC_BASE + p * PAGE_SIZE), i * PAGE_SIZE);
			return NULL;
		}
		irq_restore(f);
		return (void *)(EXEC_BASE + p * PAGE_SIZE);
	}
	irq_restore(f);
	return NULL;
}

void exec_free(void *ptr, size_t size)
{
	uint64_t p = ((uint64_t)ptr - EXEC_BASE) / PAGE_SIZE;
	uint64_t n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t *pte = &k_pt[KIMG_PTS + (p + i) / 512][(p + i) % 512];

		page_free(*pte & PTE_ADDR);
		*pte = 0;
		invlpg(EXEC_BASE + (p + i) * PAGE_SIZE);
		exec_map[p + i] = 0;
	}
}

/* W^X: the pages become read + execute, never writable again (but
 * through kernel_text_poke, which kprobe slots use) */
int exec_seal(void *ptr, size_t size)
{
	uint64_t p = ((uint64_t)ptr - EXEC_BASE) / PAGE_SIZE;
	uint64_t n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t *pte = &k_pt[KIMG_PTS + (p + i) / 512][(p + i) % 512];

		if (!exec_map[p + i])
			return -22;
		*pte = (*pte & PTE_ADDR) | PTE_P;
		invlpg(EXEC_BASE + (p + i) * PAGE_SIZE);
	}
	return 0;
}

/*
 * vmap: npages_map virtual pages backed by the physical pages pas[]
 * (entries may repeat: a ring buffer's data is mapped twice); RW, NX.
 */
void *vmap_pages(const uint64_t *pas, size_t n)
{
	uint64_t f = irq_save();

	for (uint64_t p = 0; p + n <= ARRAY_SIZE(vmap_map); p++) {
		uint64_t i;

		for (i = 0; i < n && !vmap_map[p + i]; i++)
			;
		if (i < n) {
			p += i;
			continue;
		}
		for (i = 0; i < n; i++) {
			uint64_t j = p + i;

			vmap_map[j] = 1;
			k_pt[KIMG_PTS + EXEC_PTS + j / 512][j % 512] = pas[i] | PTE_P | PTE_W |
								       PTE_NX;
			invlpg(VMAP_BASE + j * PAGE_SIZE);
		}
		irq_restore(f);
		return (void *)(VMAP_BASE + p * PAGE_SIZE);
	}
	irq_restore(f);
	return NULL;
}

void vunmap_pages(void *va, size_t n)
{
	uint64_t p = ((uint64_t)va - VMAP_BASE) / PAGE_SIZE;

	for (uint64_t i = 0; i < n; i++) {
		k_pt[KIMG_PTS + EXEC_PTS + (p + i) / 512][(p + i) % 512] = 0;
		invlpg(VMAP_BASE + (p + i) * PAGE_SIZE);
		vmap_map[p + i] = 0;
	}
}

void *pages_alloc_virt(size_t n)
{
	uint64_t pa = pages_alloc(n);

	return pa ? phys_to_virt(pa) : NULL;
}

void pages_free_virt(void *va, size_t n)
{
	pages_free(virt_to_phys(va), n);
}

/* the physical address behind a kernel-half address, 0 if unmapped */
uint64_t kernel_va_to_phys(uint64_t va)
{
	uint64_t *t = kpml4;

	if (va < DIRECT_MAP)
		return 0;
	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_P))
			return 0;
		if (level == 0)
			return (e & PTE_ADDR) + (va & 0xfff);
		if (e & PTE_PS) {
			uint64_t sz = 1UL << (12 + 9 * level);

			return (e & PTE_ADDR & ~(sz - 1)) + (va & (sz - 1));
		}
		t = phys_to_virt(e & PTE_ADDR);
	}
	return 0;
}

int exec_write(void *dst, const void *src, size_t n)
{
	return kernel_text_poke(dst, src, n);
}

/* kmalloc: power-of-two classes 32..2048 carved from pages, larger
 * requests as contiguous pages; a 16-byte header holds the size. */
struct kmhdr {
	uint64_t size; /* class size, or page count << 32 */
	uint64_t magic;
};
#define KM_MAGIC 0x6b6d616c6c6f6321UL
static void *free_lists[7];
static size_t kmalloc_live; /* bytes handed out and not freed */

size_t kmalloc_live_bytes(void)
{
	return kmalloc_live;
}

void *kmalloc(size_t size)
{
	size_t need = size + sizeof(struct kmhdr);
	struct kmhdr *h;

	if (need <= 2048) {
		int c = 0;
		size_t cs = 32;
		uint64_t f;

		while (cs < need)
			cs <<= 1, c++;
		f = irq_save();
		if (!free_lists[c]) {
			uint64_t pa = page_alloc();

			if (!pa) {
				irq_restore(f);
				return NULL;
			}
			for (size_t off = 0; off + cs <= PAGE_SIZE; off += cs) {
				void **blk = (void **)((char *)phys_to_virt(pa) + off);
				*blk = free_lists[c];
				free_lists[c] = blk;
			}
		}
		h = free_lists[c];
		free_lists[c] = *(void **)h;
		irq_restore(f);
		h->size = cs;
	} else {
		uint64_t n = ALIGN_UP(need, PAGE_SIZE) / PAGE_SIZE, pa = pages_alloc(n);

		if (!pa)
			return NULL;
		h = phys_to_virt(pa);
		h->size = n << 32;
	}
	h->magic = KM_MAGIC;
	kmalloc_live += h->size >> 32 ? (h->size >> 32) * PAGE_SIZE : h->size;
	return h + 1;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct kmhdr *h;

	if (!p)
		return;
	h = (struct kmhdr *)p - 1;
	if (h->magic != KM_MAGIC)
		panic("kfree: bad pointer %p", p);
	h->magic = 0;
	kmalloc_live -= h->size >> 32 ? (h->size >> 32) * PAGE_SIZE : h->size;
	if (h->size >> 32) {
		pages_free(virt_to_phys(h), h->size >> 32);
	} else {
		int c = 0;
		uint64_t f;

		while ((32UL << c) < h->size)
			c++;
		f = irq_save();
		*(void **)h = free_lists[c];
		free_lists[c] = h;
		irq_restore(f);
	}
}
