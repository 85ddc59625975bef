/* SPDX-License-Identifier: MIT */
/*
 * dloader.c - run by test_launch.c under "userbpf launch --domain D":
 * loads a write tracepoint, pins its counts map under the domain's
 * /sys/fs/bpf, then starts "CMD ARGS..." (its arguments) as a child in
 * the domain and reports what the program saw in the child: events
 * through the ring buffer, the child's count in the hash map.  Meanwhile
 * other processes of the domain (bpftool) can see its objects.
 * Usage: dloader CMD ARGS...
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app_util.h"
#include "dloader.h"
#include "dloader.skel.h"

static int events, child_pid;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct dl_event *e = data;

	(void)ctx;
	if (size != sizeof(*e) || (int)e->pid != child_pid)
		return 0;
	printf("event: comm=%s fd=%u count=%llu\n", e->comm, e->fd, e->count);
	events++;
	return 0;
}

int main(int argc, char **argv)
{
	struct dloader_bpf *skel;
	struct ring_buffer *rb;
	__u64 val = 0;
	__u32 key;
	int st, i;

	if (argc < 2)
		return 2;
	skel = dloader_bpf__open();
	if (!skel)
		return 1;
	skel->bss->loader_pid = getpid();
	if (dloader_bpf__load(skel) || dloader_bpf__attach(skel)) {
		fprintf(stderr, "load/attach failed\n");
		return 1;
	}
	if (bpf_map__pin(skel->maps.counts, "/sys/fs/bpf/dl_counts")) {
		fprintf(stderr, "pin failed\n");
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb)
		return 1;
	st = app_run_child(argv + 1, &child_pid);
	for (i = 0; i < 10; i++)
		ring_buffer__poll(rb, 50);
	printf("child exit %d, events %d\n", st, events);
	key = (__u32)child_pid;
	if (!bpf_map__lookup_elem(skel->maps.counts, &key, sizeof(key), &val, sizeof(val), 0))
		printf("child writes in map: %llu\n", (unsigned long long)val);
	else
		printf("child not in map\n");
	ring_buffer__free(rb);
	dloader_bpf__destroy(skel);
	return 0;
}
