/* SPDX-License-Identifier: MIT */
/*
 * hello.c - a libbpf application written the libbpf-bootstrap way
 * (bpftool-generated skeleton, Debian's libbpf), run by test_launch.c
 * under "userbpf launch" as an ordinary user: .rodata set before load,
 * skel->bss written and read while programs run, a tracepoint, a uprobe
 * and a uretprobe on lh_add, a ring buffer polled with ring_buffer__poll
 * (epoll), a hash map read with bpf_map__lookup_elem, prog info, a raw
 * sys_enter tracepoint.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hello.h"
#include "hello.skel.h"

static int got;

__attribute__((noinline)) int lh_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct hello_event *e = data;

	(void)ctx;
	if (size != sizeof(*e))
		return -1;
	if (e->kind == 0)
		printf("enter a=%d b=%d\n", e->a, e->b);
	else
		printf("exit ret=%d\n", e->a);
	got++;
	return 0;
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(void)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "lh_add");
	struct bpf_prog_info info;
	__u32 len = sizeof(info), key;
	__u64 val;
	struct ring_buffer *rb;
	struct hello_bpf *skel;
	struct bpf_link *l1, *l2;
	int i, tries;

	libbpf_set_print(print_fn);
	skel = hello_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->mult = 3;
	if (hello_bpf__load(skel)) {
		fprintf(stderr, "load failed\n");
		return 2;
	}
	skel->bss->my_pid = getpid();
	if (hello_bpf__attach(skel)) {
		fprintf(stderr, "attach failed\n");
		return 3;
	}
	l1 = bpf_program__attach_uprobe_opts(skel->progs.add_enter, 0, "/proc/self/exe", 0, &uo);
	uo.retprobe = true;
	l2 = bpf_program__attach_uprobe_opts(skel->progs.add_exit, -1, "/proc/self/exe", 0, &uo);
	if (!l1 || !l2) {
		fprintf(stderr, "uprobe attach failed\n");
		return 4;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ring_buffer__new failed\n");
		return 5;
	}
	for (i = 0; i < 3; i++) {
		printf("sum %d\n", lh_add(i, 10 * i));
		fflush(stdout);
	}
	val = skel->bss->writes;
	for (i = 0; i < 4; i++)
		getppid();
	printf("getppid %llu %llu\n", (unsigned long long)skel->bss->getppids,
	       (unsigned long long)skel->bss->getppids_tp);
	for (tries = 0; got < 6 && tries < 50; tries++)
		ring_buffer__poll(rb, 100);
	printf("writes %llu\n", (unsigned long long)val);
	key = 0;
	if (!bpf_map__lookup_elem(skel->maps.calls, &key, sizeof(key), &val, sizeof(val), 0))
		printf("calls %llu\n", (unsigned long long)val);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.handle_write), &info, &len))
		printf("prog %s type %u\n", info.name, info.type);
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	ring_buffer__free(rb);
	hello_bpf__destroy(skel);
	printf("done\n");
	return 0;
}
