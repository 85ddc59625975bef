/* SPDX-License-Identifier: MIT */
/*
 * durb.c - run by test_launch.c: libbpf's user_ring_buffer on a
 * BPF_MAP_TYPE_USER_RINGBUF (mmap of its consumer page read-only and its
 * producer page and data writable, epoll for room), drained by the
 * loader's own getppid() (durb.bpf.c): samples submitted are drained
 * (their values read through the callback's dynptr and summed), a
 * discarded one is not; a full ring refuses a reservation, and
 * a blocking reservation waits until a drain (another thread's getppid)
 * makes room, woken through epoll.  Then the kernel's rules for writable
 * mappings of both ring kinds.  Prints one line per check.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "durb.h"
#include "durb.skel.h"

static void *drain_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	getppid();
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *mmap_err(int fd, size_t len, int prot, off_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return "ok";
	}
	return errno == EPERM ? "EPERM" : strerror(errno);
}

int main(void)
{
	struct durb_bpf *skel;
	struct user_ring_buffer *urb;
	struct durb_sample *s;
	long pg = sysconf(_SC_PAGESIZE);
	pthread_t t;
	double t0, waited;
	int i, fit, ufd, rfd;

	skel = durb_bpf__open();
	if (!skel)
		return 1;
	skel->bss->loader_pid = getpid();
	if (durb_bpf__load(skel) || durb_bpf__attach(skel)) {
		fprintf(stderr, "load/attach failed\n");
		return 1;
	}
	urb = user_ring_buffer__new(bpf_map__fd(skel->maps.samples), NULL);
	printf("user_ring_buffer__new: %s\n", urb ? "ok" : strerror(errno));
	if (!urb)
		return 1;
	for (i = 1; i <= 4; i++) {
		s = user_ring_buffer__reserve(urb, sizeof(*s));
		if (!s)
			return 1;
		s->val = (unsigned long long)i * 10;
		if (i == 3)
			user_ring_buffer__discard(urb, s);
		else
			user_ring_buffer__submit(urb, s);
	}
	getppid();
	printf("drained %llu, sum %llu\n", (unsigned long long)skel->bss->drained,
	       (unsigned long long)skel->bss->sum);
	for (fit = 0; (s = user_ring_buffer__reserve(urb, sizeof(*s))); fit++) {
		s->val = 1;
		user_ring_buffer__submit(urb, s);
	}
	printf("full after %d samples: %s\n", fit, errno == ENOSPC ? "ENOSPC" : strerror(errno));
	s = user_ring_buffer__reserve_blocking(urb, sizeof(*s), 50);
	printf("blocking reserve on a full ring, 50 ms: %s\n", s	       ? "got one" :
							       errno == ENOSPC ? "ENOSPC" :
										 strerror(errno));
	if (pthread_create(&t, NULL, drain_later, NULL))
		return 1;
	t0 = now();
	s = user_ring_buffer__reserve_blocking(urb, sizeof(*s), 5000);
	waited = now() - t0;
	pthread_join(t, NULL);
	printf("blocking reserve, drained meanwhile: %s, woken before the timeout: %s\n",
	       s ? "got one" : strerror(errno), waited < 4.0 ? "yes" : "no");
	if (s)
		user_ring_buffer__discard(urb, s);
	printf("drained %llu\n", (unsigned long long)skel->bss->drained);
	ufd = bpf_map__fd(skel->maps.samples);
	rfd = bpf_map__fd(skel->maps.events);
	printf("user ring, consumer page writable: %s\n",
	       mmap_err(ufd, pg, PROT_READ | PROT_WRITE, 0));
	printf("user ring, producer page writable: %s\n",
	       mmap_err(ufd, pg, PROT_READ | PROT_WRITE, pg));
	printf("ring, consumer page writable: %s\n", mmap_err(rfd, pg, PROT_READ | PROT_WRITE, 0));
	printf("ring, producer page writable: %s\n", mmap_err(rfd, pg, PROT_READ | PROT_WRITE, pg));
	printf("ring, consumer and producer pages writable: %s\n",
	       mmap_err(rfd, 2 * pg, PROT_READ | PROT_WRITE, 0));
	printf("ring, producer page read-only: %s\n", mmap_err(rfd, pg, PROT_READ, pg));
	user_ring_buffer__free(urb);
	durb_bpf__destroy(skel);
	return 0;
}
