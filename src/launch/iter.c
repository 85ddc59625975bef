/* SPDX-License-Identifier: MIT */
/*
 * iter.c - BPF iterators under launch (SEC("iter/T") programs, as
 * libbpf's bpf_program__attach_iter and bpf_iter_create use them):
 * BPF_LINK_CREATE with BPF_TRACE_ITER makes a link holding the program
 * and its target (found at load from attach_btf_id, bpf.c), and
 * BPF_ITER_CREATE runs the iterator at once (userbpf_iter__run) and
 * returns a descriptor from which its output is read, as reading the
 * kernel's iterator file gives it.  The objects are userbpf's: for
 * "task", the calling thread only (a process sees no other task);
 * targets without objects here give only the final call's output.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "launch_int.h"
#include "userbpf/iter.h"
#include "userbpf/syscall.h"
#include "userbpf/userbpf.h"

#define ITER_MAX_OUTPUT (64u << 20)

long launch_iter_link(const union bpf_attr *a)
{
	struct userbpf_prog *prog;
	struct launch_meta m;
	struct lobj *p, *link;
	int err, h;

	p = lobj_get_kind((int)a->link_create.prog_fd, LOBJ_PROG, &err);
	if (!p)
		return err;
	prog = userbpf_prog_by_fd(p->h);
	if (!prog || !launch_meta_get(LOBJ_PROG, prog, &m) || !m.iter_target[0]) {
		lobj_put(p);
		return -EINVAL; /* not loaded as an iterator */
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
	link->id = launch_next_link_id();
	lobj_put(p);
	return launch_link_install(link);
}

long launch_iter_create(const union bpf_attr *a)
{
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
	/* the whole output at once, in a buffer that grows until it fits */
	for (; size <= ITER_MAX_OUTPUT; size *= 2) {
		char *bigger = realloc(buf, size);

		if (!bigger)
			break;
		buf = bigger;
		n = userbpf_iter__run(prog, link->tp, buf, size, NULL);
		if (n != -EOVERFLOW)
			break;
	}
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
