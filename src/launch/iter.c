/* SPDX-License-Identifier: MIT */
/*
 * iter.c - BPF iterators under launch (SEC("iter/T") programs, as
 * libbpf's bpf_program__attach_iter and bpf_iter_create use them):
 * BPF_LINK_CREATE with BPF_TRACE_ITER makes a link holding the program
 * and its target (found at load from attach_btf_id, bpf.c), and
 * BPF_ITER_CREATE runs the iterator at once (userbpf_iter__run) and
 * returns a descriptor from which its output is read, as reading the
 * kernel's iterator file gives it.  The objects are userbpf's: for
 * "task", the threads of every process of the domain (of this process
 * outside a domain), narrowed by the link's bpf_iter_link_info.task as
 * the kernel narrows it; targets without objects here give only the
 * final call's output.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "util/alloc.h"
#include "userbpf/iter.h"
#include "userbpf/syscall.h"
#include "userbpf/userbpf.h"

#define ITER_MAX_OUTPUT (64u << 20)

/*
 * A task iterator's bpf_iter_link_info.task (the kernel's
 * bpf_iter_attach_task): at most one of tid, pid, pid_fd; a pid_fd names
 * its process.  0, or -errno.
 */
static int task_link_info(const union bpf_attr *a, int *tid, int *pid)
{
	union bpf_iter_link_info info;
	uint32_t len = a->link_create.iter_info_len;
	const void *src = (const void *)(uintptr_t)a->link_create.iter_info;

	*tid = *pid = 0;
	if (!src != !len)
		return -EINVAL;
	if (!src)
		return 0;
	memset(&info, 0, sizeof(info));
	if (ub_safe_read(&info, src, len < sizeof(info) ? len : sizeof(info)))
		return -EFAULT;
	if (!!info.task.tid + !!info.task.pid + !!info.task.pid_fd > 1)
		return -EINVAL;
	*tid = (int)info.task.tid;
	*pid = (int)info.task.pid;
	if (info.task.pid_fd) {
		char path[64], buf[4096], *line;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/self/fdinfo/%u", info.task.pid_fd);
		fd = launch_real.open(path, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0)
			return -EBADF;
		n = read(fd, buf, sizeof(buf) - 1);
		launch_real.close(fd);
		buf[n > 0 ? n : 0] = '\0';
		line = strstr(buf, "\nPid:\t");
		if (!line)
			return -EBADF; /* not a pidfd */
		*pid = atoi(line + 6);
		if (*pid <= 0)
			return -ESRCH;
	}
	return 0;
}

long launch_iter_link(const union bpf_attr *a)
{
	struct userbpf_prog *prog;
	struct launch_meta m;
	struct lobj *p, *link;
	int err, h, tid = 0, pid = 0;

	p = lobj_get_kind((int)a->link_create.prog_fd, LOBJ_PROG, &err);
	if (!p)
		return err;
	prog = userbpf_prog_by_fd(p->h);
	if (!prog || !launch_meta_get(LOBJ_PROG, prog, &m) || !m.iter_target[0]) {
		lobj_put(p);
		return -EINVAL; /* not loaded as an iterator */
	}
	if (!strcmp(m.iter_target, "task")) {
		err = task_link_info(a, &tid, &pid);
		if (err) {
			lobj_put(p);
			return err;
		}
	}
	launch_in_lib++;
	h = userbpf_prog_fd(prog); /* the link's reference */
	launch_in_lib--;
	link = h >= 0 ? lobj_new(LOBJ_LINK) : NULL;
	if (!link) {
		if (h >= 0)
			userbpf_close(h);
		lobj_put(p);
		return h < 0 ? h : -ENOMEM;
	}
	link->prog_h = h;
	link->prog_id = p->id;
	link->link_type = BPF_LINK_TYPE_ITER;
	link->attach_type = BPF_TRACE_ITER;
	snprintf(link->tp, sizeof(link->tp), "%s", m.iter_target);
	link->iter_tid = tid;
	link->iter_pid = pid;
	link->id = launch_next_link_id();
	lobj_put(p);
	return launch_link_install(link);
}

long launch_iter_create(const union bpf_attr *a)
{
	USERBPF_OPTS(userbpf_iter_opts, io);
	int *pids = NULL;
	struct lobj *link;
	struct userbpf_prog *prog;
	size_t size = 64u << 10;
	char *buf = NULL;
	long n = -ENOMEM;
	int err, fd;

	if (a->iter_create.flags)
		return -EINVAL;
	link = lobj_get_kind((int)a->iter_create.link_fd, LOBJ_LINK, &err);
	if (!link)
		return err;
	prog = link->link_type == BPF_LINK_TYPE_ITER && link->prog_h >= 0 ?
		       userbpf_prog_by_fd(link->prog_h) :
		       NULL;
	if (!prog) {
		lobj_put(link);
		return -EINVAL;
	}
	io.task_tid = link->iter_tid;
	io.task_pid = link->iter_pid;
	if (domain_active()) { /* every member's threads (some may join meanwhile) */
		int max = domain_member_count() + DOMAIN_MAX_MEMBERS;

		pids = malloc((size_t)max * sizeof(*pids));
		io.task_pid_cnt = pids ? (size_t)domain_member_pids(pids, max) : 0;
		io.task_pids = pids;
	}
	/* the whole output at once, in a buffer that grows until it fits */
	for (; size <= ITER_MAX_OUTPUT; size *= 2) {
		char *bigger = realloc(buf, size);

		if (!bigger)
			break;
		buf = bigger;
		n = userbpf_iter__run(prog, link->tp, buf, size, &io);
		if (n != -EOVERFLOW)
			break;
	}
	free(pids);
	lobj_put(link);
	if (n < 0) {
		free(buf);
		return n;
	}
	fd = launch_real.memfd_create("bpf_iter", MFD_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || lseek(fd, 0, SEEK_SET)) {
		err = -errno;
		if (fd >= 0)
			launch_real.close(fd);
		free(buf);
		return err ? err : -EIO;
	}
	free(buf);
	return fd;
}
#endif /* USERBPF_LAUNCH */
