// SPDX-License-Identifier: MIT
/*
 * kernel/bpfk.c - the embedded userbpf core: its platform (allocation,
 * TSC clock, executable memory, user copies, ring memory mapped twice),
 * the bpf() system call, maps / programs / BTF as kernel file objects
 * (the fd number is the core's handle), perf_event_open with the
 * "kprobe" PMU and software events, their ioctl/read/close, mmap of ring
 * buffers, and running attached programs from kprobe handlers with the
 * trap frame as struct pt_regs.
 */
#include <linux/perf_event.h>

#include "kernel.h"
#include "userbpf/jit.h"
#include "userbpf/map.h"
#include "userbpf/platform.h"
#include "userbpf/syscall.h"
#include "userbpf/vm.h"

#define EPERM 1
#define ENOENT 2
#define EBADF 9
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define EMFILE 24
#define E2BIG 7
#define EOPNOTSUPP 95

enum { F_MAP = 1, F_PROG, F_BTF, F_PERF, F_SYSFS };
#define KPROBE_PMU_TYPE 6 /* /sys/bus/event_source/devices/kprobe/type */

static uint64_t tsc_hz;
static uint64_t rng_state;

/* ---- platform ---- */

static void *p_alloc(size_t size, void *c __unused)
{
	return kzalloc(size);
}

static void p_free(void *ptr, void *c __unused)
{
	kfree(ptr);
}

static uint64_t tsc_ns(void)
{
	uint64_t t = rdtsc();

	return (t / tsc_hz) * 1000000000UL + (t % tsc_hz) * 1000000000UL / tsc_hz;
}

static uint64_t p_clock(int id __unused, void *c __unused)
{
	return tsc_ns();
}

static bool kernel_range_mapped(uint64_t va, size_t n)
{
	for (uint64_t p = va & ~0xfffUL; p < va + n; p += PAGE_SIZE)
		if (!kernel_va_to_phys(p))
			return false;
	return true;
}

static int p_read_mem(void *dst, const void *src, size_t n, void *c __unused)
{
	uint64_t va = (uint64_t)src;

	if (va + n < va)
		return -EFAULT;
	if (va >= DIRECT_MAP) {
		if (!kernel_range_mapped(va, n))
			return -EFAULT;
		memcpy(dst, src, n);
		return 0;
	}
	return copy_from_user(dst, src, n);
}

static void *p_exec_alloc(size_t size, void *c __unused)
{
	return exec_alloc(size);
}

static int p_exec_seal(void *ptr, size_t size, void *c __unused)
{
	return exec_seal(ptr, size);
}

static void p_exec_free(void *ptr, size_t size, void *c __unused)
{
	exec_free(ptr, size);
}

static uint32_t p_cpu_count(void *c __unused)
{
	return 1;
}

static uint32_t p_cpu_id(void *c __unused)
{
	return 0;
}

static void p_log(enum userbpf_print_level level __unused, const char *msg, void *c __unused)
{
	size_t n = strlen(msg);

	kprintf("[userbpf] %s%s", msg, n && msg[n - 1] == '\n' ? "" : "\n");
}

static int p_copy_from_user(void *dst, const void *usrc, size_t n, void *c __unused)
{
	return copy_from_user(dst, usrc, n);
}

static int p_copy_to_user(void *udst, const void *src, size_t n, void *c __unused)
{
	return copy_to_user(udst, src, n);
}

static int p_random(void *buf, size_t n, void *c __unused)
{
	uint8_t *b = buf;

	for (size_t i = 0; i < n; i++) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		b[i] = (uint8_t)rng_state;
	}
	return 0;
}

static void *p_pages_alloc(size_t size, void *c __unused)
{
	return pages_alloc_virt(size / PAGE_SIZE);
}

static void p_pages_free(void *ptr, size_t size, void *c __unused)
{
	pages_free_virt(ptr, size / PAGE_SIZE);
}

/* ring memory: head pages, then the data pages twice, in the vmap area */
struct ring_mem {
	size_t npages;
	uint64_t pas[];
};

static void *p_ring_alloc(size_t head, size_t data, void **handle, void *c __unused)
{
	size_t hp = head / PAGE_SIZE, dp = data / PAGE_SIZE, n = hp + 2 * dp;
	struct ring_mem *rm = kzalloc(sizeof(*rm) + n * sizeof(uint64_t));
	void *va;

	if (!rm)
		return NULL;
	rm->npages = hp + dp;
	for (size_t i = 0; i < hp + dp; i++)
		if (!(rm->pas[i] = page_alloc()))
			goto fail;
	for (size_t i = 0; i < dp; i++)
		rm->pas[hp + dp + i] = rm->pas[hp + i];
	va = vmap_pages(rm->pas, n);
	if (!va)
		goto fail;
	*handle = rm;
	return va;
fail:
	for (size_t i = 0; i < hp + dp; i++)
		if (rm->pas[i])
			page_free(rm->pas[i]);
	kfree(rm);
	return NULL;
}

static void p_ring_free(void *region, size_t head, size_t data, void *handle, void *c __unused)
{
	struct ring_mem *rm = handle;

	vunmap_pages(region, (head + 2 * data) / PAGE_SIZE);
	for (size_t i = 0; i < rm->npages; i++)
		page_free(rm->pas[i]);
	kfree(rm);
}

static const struct userbpf_platform platform = {
	.sz = sizeof(struct userbpf_platform),
	.alloc = p_alloc,
	.free = p_free,
	.clock_ns = p_clock,
	.read_mem = p_read_mem,
	.exec_alloc = p_exec_alloc,
	.exec_seal = p_exec_seal,
	.exec_free = p_exec_free,
	.cpu_count = p_cpu_count,
	.cpu_id = p_cpu_id,
	.log = p_log,
	.copy_from_user = p_copy_from_user,
	.copy_to_user = p_copy_to_user,
	.random = p_random,
	.pages_alloc = p_pages_alloc,
	.pages_free = p_pages_free,
	.ring_alloc = p_ring_alloc,
	.ring_free = p_ring_free,
};

void bpfk_init(void)
{
	uint64_t t0, t1, j;
	int err;

	/* calibrate the TSC against 10 PIT ticks (100 ms) */
	j = jiffies;
	while (jiffies == j)
		__asm__ volatile("hlt");
	t0 = rdtsc();
	j = jiffies;
	while (jiffies < j + 10)
		__asm__ volatile("hlt");
	t1 = rdtsc();
	tsc_hz = (t1 - t0) * 10;
	rng_state = t1 | 1;
	err = userbpf_set_platform(&platform);
	if (err)
		panic("userbpf_set_platform: %d", err);
	kprintf("[bpf] userbpf core embedded; TSC %lu MHz\n", tsc_hz / 1000000);
}

/* ---- file objects ---- */

static void bpf_release(struct file *f)
{
	userbpf_close(f->handle);
}

static long map_mmap(struct file *f, uint64_t uaddr, size_t len, uint64_t pgoff, int prot)
{
	struct userbpf_map *map = userbpf_map_by_fd(f->handle);
	void *cons, *prod, *data;
	size_t data_size, avail;
	uint8_t *base;

	if (!map)
		return -EBADF;
	if (userbpf_map__type(map) == BPF_MAP_TYPE_RINGBUF) {
		if (userbpf_ringbuf_map__areas(map, &cons, &prod, &data, &data_size))
			return -EINVAL;
		base = cons;
		avail = 2 * PAGE_SIZE + 2 * data_size;
		/* only the consumer page may be written, as on Linux */
		if ((prot & 2) && (pgoff > 0 || len > PAGE_SIZE))
			return -EPERM;
	} else {
		base = userbpf_map__mmap_ptr(map, &avail);
		if (!base)
			return -ENODEV;
	}
	if (pgoff * PAGE_SIZE > avail || len > avail - pgoff * PAGE_SIZE)
		return -EINVAL;
	/* the mapping keeps the map alive until the task exits, as a vma would */
	if (current->nmapped == ARRAY_SIZE(current->mapped))
		return -ENOMEM;
	current->mapped[current->nmapped++] = userbpf_map__get(map);
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pa = kernel_va_to_phys((uint64_t)base + pgoff * PAGE_SIZE + off);

		if (!pa || map_page(current->pml4, uaddr + off, pa & PTE_ADDR,
				    PTE_U | PTE_NX | PTE_SHARED | ((prot & 2) ? PTE_W : 0)))
			return -ENOMEM;
	}
	return 0;
}

static const struct file_ops map_ops = { .mmap = map_mmap, .release = bpf_release };
static const struct file_ops bpf_ops = { .release = bpf_release };

/* the task is gone (its page tables too): drop what its mappings held */
void bpfk_task_exit(struct task *t)
{
	while (t->nmapped)
		userbpf_map__put(t->mapped[--t->nmapped]);
}

/* install core handle h at fd h of the current task */
static long install_handle(int h, int kind)
{
	struct file *f;

	if (h < 0 || h >= MAX_FDS || current->files[h]) {
		userbpf_close(h);
		return -EMFILE;
	}
	f = kzalloc(sizeof(*f));
	if (!f) {
		userbpf_close(h);
		return -ENOMEM;
	}
	f->ops = kind == F_MAP ? &map_ops : &bpf_ops;
	f->refs = 1;
	f->kind = kind;
	f->handle = h;
	current->files[h] = f;
	return h;
}

static struct userbpf_prog *prog_of_fd(int fd)
{
	struct file *f = fd_get(fd);

	return f && f->kind == F_PROG ? userbpf_prog_by_fd(f->handle) : NULL;
}

#define U(p) ((const void *)(uintptr_t)(p))

static bool ustr_ok(uint64_t p, size_t max)
{
	char c;

	for (size_t i = 0; i < max; i++) {
		if (copy_from_user(&c, (const char *)U(p) + i, 1))
			return false;
		if (!c)
			return true;
	}
	return true; /* the reader stops at max anyway */
}

/*
 * The core copies union bpf_attr through the platform's user-copy
 * functions but dereferences the pointers inside it (keys, values,
 * instructions, log and info buffers) directly: check here that each
 * range the command will touch is mapped user memory (writable where the
 * core writes), so a task can neither make the kernel fault nor point it
 * at kernel memory.  No preemption and one CPU: the mappings cannot
 * change before the core runs.  Nested pointers the kernel does not check
 * (fd_array, func_info, line_info, most bpf_prog_info arrays) are refused.
 */
static int check_attr_ranges(int cmd, const union bpf_attr *a, unsigned size)
{
	struct userbpf_map *map = NULL;
	uint32_t ks = 0, vs = 0, tok;

	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		map = userbpf_map_by_fd((int)a->map_fd);
		break;
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		map = userbpf_map_by_fd((int)a->batch.map_fd);
		break;
	}
	if (map) {
		ks = userbpf_map__key_size(map);
		vs = userbpf_map__sys_value_size(map);
	}
	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		return user_range_mapped(U(a->key), ks, false) &&
				       user_range_mapped(U(a->value), vs, true) ?
			       0 :
			       -EFAULT;
	case BPF_MAP_UPDATE_ELEM:
		return user_range_mapped(U(a->key), ks, false) &&
				       user_range_mapped(U(a->value), vs, false) ?
			       0 :
			       -EFAULT;
	case BPF_MAP_DELETE_ELEM:
		return user_range_mapped(U(a->key), ks, false) ? 0 : -EFAULT;
	case BPF_MAP_GET_NEXT_KEY:
		return user_range_mapped(U(a->key), a->key ? ks : 0, false) &&
				       user_range_mapped(U(a->next_key), ks, true) ?
			       0 :
			       -EFAULT;
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH: {
		bool out = cmd == BPF_MAP_LOOKUP_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH;
		uint64_t n = a->batch.count;

		tok = ks > 4 ? ks : 4; /* hash maps: a 4-byte bucket index */
		if (size < 48)
			return 0; /* the core rejects a short attr */
		return user_range_mapped(U(a->batch.in_batch), a->batch.in_batch ? tok : 0,
					 false) &&
				       user_range_mapped(U(a->batch.out_batch),
							 a->batch.out_batch ? tok : 0, true) &&
				       user_range_mapped(U(a->batch.keys), n * ks, out) &&
				       user_range_mapped(U(a->batch.values),
							 cmd == BPF_MAP_DELETE_BATCH ? 0 : n * vs,
							 out) ?
			       0 :
			       -EFAULT;
	}
	case BPF_PROG_LOAD:
		if (a->fd_array || a->func_info || a->line_info)
			return -EINVAL;
		return user_range_mapped(U(a->insns), (uint64_t)a->insn_cnt * 8, false) &&
				       (!a->license || ustr_ok(a->license, 128)) &&
				       user_range_mapped(U(a->log_buf),
							 a->log_buf ? a->log_size : 0, true) ?
			       0 :
			       -EFAULT;
	case BPF_BTF_LOAD:
		return user_range_mapped(U(a->btf), a->btf_size, false) &&
				       user_range_mapped(U(a->btf_log_buf),
							 a->btf_log_buf ? a->btf_log_size : 0,
							 true) ?
			       0 :
			       -EFAULT;
	case BPF_PROG_TEST_RUN:
		return user_range_mapped(U(a->test.data_in), a->test.data_size_in, false) &&
				       user_range_mapped(U(a->test.data_out),
							 a->test.data_out ? a->test.data_size_out :
									    0,
							 true) &&
				       user_range_mapped(U(a->test.ctx_in), a->test.ctx_size_in,
							 false) &&
				       user_range_mapped(U(a->test.ctx_out),
							 a->test.ctx_out ? a->test.ctx_size_out : 0,
							 true) ?
			       0 :
			       -EFAULT;
	case BPF_OBJ_GET_INFO_BY_FD: {
		struct file *f = fd_get((int)a->info.bpf_fd);
		struct bpf_prog_info pi;
		size_t n = a->info.info_len < sizeof(pi) ? a->info.info_len : sizeof(pi);

		if (!user_range_mapped(U(a->info.info), a->info.info_len, true))
			return -EFAULT;
		if (!f || f->kind != F_PROG)
			return 0;
		memset(&pi, 0, sizeof(pi));
		if (copy_from_user(&pi, U(a->info.info), n))
			return -EFAULT;
		if (pi.jited_ksyms || pi.jited_func_lens || pi.func_info || pi.line_info ||
		    pi.jited_line_info || pi.prog_tags)
			return -EINVAL;
		return user_range_mapped(U(pi.xlated_prog_insns), pi.xlated_prog_len, true) &&
				       user_range_mapped(U(pi.jited_prog_insns), pi.jited_prog_len,
							 true) &&
				       user_range_mapped(U(pi.map_ids), (uint64_t)pi.nr_map_ids * 4,
							 true) ?
			       0 :
			       -EFAULT;
	}
	}
	return 0;
}

long sys_bpf(int cmd, const void *uattr, unsigned size)
{
	union bpf_attr a;
	int ret, kind = 0;

	if (!user_range_ok(uattr, size))
		return -EFAULT;
	/* fds name core handles: refuse ones this task does not hold */
	if (cmd != BPF_MAP_CREATE && cmd != BPF_PROG_LOAD && cmd != BPF_BTF_LOAD &&
	    cmd != BPF_MAP_GET_FD_BY_ID && cmd != BPF_PROG_GET_FD_BY_ID && size >= 4) {
		uint32_t fd;

		if (cmd == BPF_MAP_LOOKUP_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH ||
		    cmd == BPF_MAP_UPDATE_BATCH || cmd == BPF_MAP_DELETE_BATCH) {
			if (size < 40 || copy_from_user(&fd, (const char *)uattr + 36, 4))
				return -EFAULT;
		} else if (copy_from_user(&fd, uattr, 4)) {
			return -EFAULT;
		}
		{
			struct file *f = fd_get((int)fd);

			if (!f || f->kind < F_MAP || f->kind > F_BTF)
				return -EBADF;
		}
	}
	memset(&a, 0, sizeof(a));
	if (copy_from_user(&a, uattr, size < sizeof(a) ? size : sizeof(a)))
		return -EFAULT;
	ret = check_attr_ranges(cmd, &a, size);
	if (ret)
		return ret;
	ret = userbpf_bpf(cmd, (union bpf_attr *)uattr, size);
	if (ret < 0)
		return -userbpf_errno();
	switch (cmd) {
	case BPF_MAP_CREATE:
	case BPF_MAP_GET_FD_BY_ID:
		kind = F_MAP;
		break;
	case BPF_PROG_LOAD:
	case BPF_PROG_GET_FD_BY_ID:
		kind = F_PROG;
		break;
	case BPF_BTF_LOAD:
		kind = F_BTF;
		break;
	}
	if (!kind)
		return ret;
	if (cmd == BPF_PROG_LOAD) {
		struct userbpf_prog *prog = userbpf_prog_by_fd(ret);
		const void *code;
		size_t jsz = 0;

		if (prog && userbpf_prog__verified(prog) && userbpf_prog__jit(prog) == 0 &&
		    (code = userbpf_prog__jited(prog, &jsz))) {
			uint64_t *pte = pte_lookup(kernel_pml4(), (uint64_t)code, false, 0);
			bool rx = pte && (*pte & (PTE_P | PTE_W | PTE_NX)) == PTE_P;

			kprintf("[bpf] prog '%s': verified, %lu insns, JIT %lu bytes at %p (%s)\n",
				userbpf_prog__name(prog), userbpf_prog__insn_cnt(prog), jsz, code,
				rx ? "RX" : "NOT read+execute only");
		} else if (prog)
			kprintf("[bpf] prog '%s': verified, %lu insns, interpreter (%s)\n",
				userbpf_prog__name(prog), userbpf_prog__insn_cnt(prog),
				userbpf_prog__jit_error(prog) ? userbpf_prog__jit_error(prog) :
								"no JIT");
	}
	return install_handle(ret, kind);
}

/* ---- perf events ---- */

struct perf_ev {
	uint32_t type;
	uint64_t config;
	bool enabled, kprobe_on;
	struct kprobe kp;
	struct userbpf_prog *prog;
	uint64_t count;
	char func[64];
	const char *comm;
	int pid;
	struct perf_ev *next_sw;
};

static struct perf_ev *sw_events;
uint64_t kprobe_prog_runs;

static void trace_line(void *cookie, const char *line, size_t len)
{
	struct perf_ev *ev = cookie;
	char buf[160];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = 0;
	kprintf("%s-%d [000] %lu: bpf_trace_printk: %s\n", ev->comm, ev->pid,
		(unsigned long)(tsc_ns() / 1000), buf);
}

static void run_prog(struct perf_ev *ev, void *ctx, size_t ctx_size, uint64_t ip)
{
	struct userbpf_run_opts opts;
	uint64_t r0;

	memset(&opts, 0, sizeof(opts));
	opts.sz = sizeof(opts);
	opts.ctx = ctx;
	opts.ctx_size = ctx_size;
	opts.flags = USERBPF_RUN_HOST_READ;
	opts.cookie = ev;
	opts.trace_fn = trace_line;
	opts.func_ip = ip;
	kprobe_prog_runs++;
	userbpf_prog__run(ev->prog, &opts, &r0);
}

static void perf_kprobe_handler(struct kprobe *kp, struct pt_regs *regs)
{
	struct perf_ev *ev = kp->data;

	if (!ev->enabled)
		return;
	ev->count++;
	if (ev->prog)
		run_prog(ev, regs, sizeof(*regs), kp->addr);
}

/* from the timer interrupt: software cpu-clock events */
void perf_sw_tick(struct pt_regs *regs)
{
	struct {
		struct pt_regs regs;
		uint64_t sample_period, addr;
	} ctx;

	for (struct perf_ev *ev = sw_events; ev; ev = ev->next_sw) {
		if (!ev->enabled)
			continue;
		ev->count += 10000000; /* ns per 100 Hz tick */
		if (ev->prog) {
			ctx.regs = *regs;
			ctx.sample_period = 10000000;
			ctx.addr = 0;
			run_prog(ev, &ctx, sizeof(ctx), regs->rip);
		}
	}
}

static long perf_read(struct file *f, char *ubuf, size_t n)
{
	struct perf_ev *ev = f->priv;

	if (n < 8)
		return -EINVAL;
	return copy_to_user(ubuf, &ev->count, 8) ? -EFAULT : 8;
}

static long perf_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct perf_ev *ev = f->priv;
	struct userbpf_prog *prog;
	uint32_t want;

	switch (cmd) {
	case PERF_EVENT_IOC_ENABLE:
		ev->enabled = true;
		return 0;
	case PERF_EVENT_IOC_DISABLE:
		ev->enabled = false;
		return 0;
	case PERF_EVENT_IOC_RESET:
		ev->count = 0;
		return 0;
	case PERF_EVENT_IOC_SET_BPF:
		prog = prog_of_fd((int)arg);
		if (!prog)
			return -EBADF;
		want = ev->type == KPROBE_PMU_TYPE ? BPF_PROG_TYPE_KPROBE :
						     BPF_PROG_TYPE_PERF_EVENT;
		if (userbpf_prog__type(prog) != want)
			return -EINVAL;
		if (ev->prog)
			return -EEXIST;
		ev->prog = userbpf_prog__get(prog);
		return 0;
	}
	return -25; /* ENOTTY */
}

static void perf_release(struct file *f)
{
	struct perf_ev *ev = f->priv, **pp;

	ev->enabled = false;
	if (ev->kprobe_on)
		unregister_kprobe(&ev->kp);
	for (pp = &sw_events; *pp; pp = &(*pp)->next_sw)
		if (*pp == ev) {
			*pp = ev->next_sw;
			break;
		}
	if (ev->prog)
		userbpf_prog__put(ev->prog);
	kfree(ev);
}

static const struct file_ops perf_ops = {
	.read = perf_read,
	.ioctl = perf_ioctl,
	.release = perf_release,
};

long sys_perf_event_open(const void *uattr, int pid, int cpu, int group_fd, unsigned long flags)
{
	struct perf_event_attr attr;
	uint32_t usize;
	struct perf_ev *ev;
	struct file *f;
	long fd, err;

	if (copy_from_user(&usize, (const char *)uattr + 4, 4))
		return -EFAULT;
	if (usize < PERF_ATTR_SIZE_VER0)
		return -E2BIG;
	memset(&attr, 0, sizeof(attr));
	if (copy_from_user(&attr, uattr, usize < sizeof(attr) ? usize : sizeof(attr)))
		return -EFAULT;
	if ((pid != -1 && pid != 0) || cpu < -1 || cpu > 0 || group_fd != -1 ||
	    (flags & ~PERF_FLAG_FD_CLOEXEC))
		return -EINVAL;
	if (attr.type != KPROBE_PMU_TYPE &&
	    !(attr.type == PERF_TYPE_SOFTWARE && attr.config == PERF_COUNT_SW_CPU_CLOCK))
		return -ENOENT;
	ev = kzalloc(sizeof(*ev));
	f = kzalloc(sizeof(*f));
	if (!ev || !f) {
		kfree(ev);
		kfree(f);
		return -ENOMEM;
	}
	ev->type = attr.type;
	ev->config = attr.config;
	ev->enabled = !attr.disabled;
	ev->comm = current->name;
	ev->pid = current->pid;
	if (attr.type == KPROBE_PMU_TYPE) {
		if (attr.config & ~1UL) {
			err = -EINVAL;
			goto fail;
		}
		err = strncpy_from_user(ev->func, (const char *)attr.config1, sizeof(ev->func));
		if (err < 0)
			goto fail;
		ev->kp.symbol = ev->func;
		ev->kp.is_ret = attr.config & 1; /* format/retprobe: config:0 */
		ev->kp.handler = perf_kprobe_handler;
		ev->kp.data = ev;
		if (attr.config2) /* probe_offset */
			ev->kp.addr = ksym_address(ev->func) + attr.config2;
		if ((err = register_kprobe(&ev->kp)))
			goto fail;
		ev->kprobe_on = true;
	} else {
		ev->next_sw = sw_events;
		sw_events = ev;
	}
	f->ops = &perf_ops;
	f->refs = 1;
	f->kind = F_PERF;
	f->priv = ev;
	fd = fd_install(f);
	if (fd < 0)
		perf_release(f), kfree(f);
	return fd;
fail:
	kfree(ev);
	kfree(f);
	return err;
}

/* ---- the two sysfs files a kprobe user reads ---- */

struct sysfs_file {
	const char *text;
	size_t pos;
};

static long sysfs_read(struct file *f, char *ubuf, size_t n)
{
	struct sysfs_file *s = f->priv;
	size_t len = strlen(s->text) - s->pos;

	if (n > len)
		n = len;
	if (copy_to_user(ubuf, s->text + s->pos, n))
		return -EFAULT;
	s->pos += n;
	return (long)n;
}

static void sysfs_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops sysfs_ops = { .read = sysfs_read, .release = sysfs_release };

long sys_open(const char *upath, int flags)
{
	static const struct {
		const char *path, *text;
	} files[] = {
		{ "/sys/bus/event_source/devices/kprobe/type", "6\n" },
		{ "/sys/bus/event_source/devices/kprobe/format/retprobe", "config:0\n" },
	};
	char path[128];
	long fd;

	if (strncpy_from_user(path, upath, sizeof(path)) < 0)
		return -EFAULT;
	if (flags & 3)
		return -EPERM;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct file *f;
		struct sysfs_file *s;

		if (strcmp(path, files[i].path))
			continue;
		f = kzalloc(sizeof(*f));
		s = kzalloc(sizeof(*s));
		if (!f || !s) {
			kfree(f);
			kfree(s);
			return -ENOMEM;
		}
		s->text = files[i].text;
		f->ops = &sysfs_ops;
		f->refs = 1;
		f->kind = F_SYSFS;
		f->priv = s;
		fd = fd_install(f);
		if (fd < 0) {
			kfree(s);
			kfree(f);
		}
		return fd;
	}
	return -ENOENT;
}
