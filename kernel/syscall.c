// SPDX-License-Identifier: MIT
/*
 * kernel/syscall.c - system calls (int 0x80, Linux x86-64 numbers and
 * registers: rax = number, rdi rsi rdx r10 r8 r9 = arguments, rax =
 * result or -errno), the per-task file table and the console file.
 */
#include "kernel.h"

#define EBADF 9
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define EMFILE 24
#define ENOTTY 25
#define ESRCH 3
#define ENOSYS 38

/*
 * Files other than bpf objects take the highest free fd: the numbers of
 * maps, programs and BTF are the core's handles (lowest free from 3,
 * like Linux), installed at the same index (bpfk.c).
 */
int fd_install(struct file *f)
{
	for (int fd = MAX_FDS - 1; fd >= 3; fd--)
		if (!current->files[fd]) {
			current->files[fd] = f;
			return fd;
		}
	return -EMFILE;
}

static int fd_install_low(struct file *f)
{
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (!current->files[fd]) {
			current->files[fd] = f;
			return fd;
		}
	return -EMFILE;
}

struct file *fd_get(int fd)
{
	if (!current || fd < 0 || fd >= MAX_FDS)
		return NULL;
	return current->files[fd];
}

static long sys_close(int fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	current->files[fd] = NULL;
	if (--f->refs == 0) {
		if (f->ops->release)
			f->ops->release(f);
		kfree(f);
	}
	return 0;
}

static long console_write_user(struct file *f __unused, const char *ubuf, size_t n)
{
	char buf[256];
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done < sizeof(buf) ? n - done : sizeof(buf);

		if (copy_from_user(buf, ubuf + done, chunk))
			return done ? (long)done : -EFAULT;
		console_write(buf, chunk);
		done += chunk;
	}
	return (long)n;
}

static const struct file_ops console_ops = { .write = console_write_user };

int console_open(void)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->ops = &console_ops;
	f->refs = 1;
	return fd_install_low(f);
}

static long sys_read(int fd, char *ubuf, size_t n)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return f->ops->read ? f->ops->read(f, ubuf, n) : -EINVAL;
}

static long sys_write(int fd, const char *ubuf, size_t n)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return f->ops->write ? f->ops->write(f, ubuf, n) : -EINVAL;
}

static long sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

static long sys_mmap(uint64_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	uint64_t va;

	if (!len || (off & 0xfff))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	va = current->mmap_next;
	(void)addr;
	if (flags & 0x20) { /* MAP_ANONYMOUS */
		for (uint64_t o = 0; o < len; o += PAGE_SIZE) {
			uint64_t pa = page_alloc();

			if (!pa || map_page(current->pml4, va + o, pa,
					    PTE_U | PTE_NX | ((prot & 2) ? PTE_W : 0)))
				return -ENOMEM;
		}
	} else {
		struct file *f = fd_get(fd);
		long err;

		if (!f)
			return -EBADF;
		if (!f->ops->mmap)
			return -19;
		err = f->ops->mmap(f, va, len, off / PAGE_SIZE, prot);
		if (err)
			return err;
	}
	current->mmap_next += len + PAGE_SIZE; /* a guard page between mappings */
	return (long)va;
}

/* The probe target of the demo: kill(pid, sig) with no processes to signal. */
__noinline long ksys_kill(long pid, long sig)
{
	__asm__ volatile("" ::: "memory");
	if (current && pid == current->pid && sig == 0)
		return 0;
	return -ESRCH;
}

/* The benchmark target: a kprobe on it measures the cost of a hit. */
__noinline long kbench_target(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

/* userbpf kernel extension 500: call kbench_target n times, return TSC cycles */
static long sys_kbench(long n)
{
	long (*volatile fn)(long) = kbench_target;
	uint64_t t0 = rdtsc();

	for (long i = 0; i < n; i++)
		fn(i);
	return (long)(rdtsc() - t0);
}

void syscall_dispatch(struct pt_regs *regs)
{
	uint64_t a0 = regs->rdi, a1 = regs->rsi, a2 = regs->rdx, a3 = regs->r10, a4 = regs->r8,
		 a5 = regs->r9;
	long ret;

	regs->orig_rax = regs->rax;
	switch (regs->rax) {
	case 0:
		ret = sys_read((int)a0, (char *)a1, a2);
		break;
	case 1:
		ret = sys_write((int)a0, (const char *)a1, a2);
		break;
	case 2:
		ret = sys_open((const char *)a0, (int)a1);
		break;
	case 257: /* openat: absolute paths only */
		ret = sys_open((const char *)a1, (int)a2);
		break;
	case 500:
		ret = sys_kbench((long)a0);
		break;
	case 3:
		ret = sys_close((int)a0);
		break;
	case 9:
		ret = sys_mmap(a0, a1, (int)a2, (int)a3, (int)a4, a5);
		break;
	case 16:
		ret = sys_ioctl((int)a0, a1, a2);
		break;
	case 39:
		ret = current->pid;
		break;
	case 60:
	case 231:
		task_exit((int)a0);
	case 62:
		ret = ksys_kill((long)a0, (long)a1);
		break;
	case 298:
		ret = sys_perf_event_open((const void *)a0, (int)a1, (int)a2, (int)a3, a4);
		break;
	case 321:
		ret = sys_bpf((int)a0, (const void *)a1, (unsigned)a2);
		break;
	default:
		ret = -ENOSYS;
	}
	regs->rax = (uint64_t)ret;
}
