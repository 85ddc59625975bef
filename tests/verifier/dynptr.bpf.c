// SPDX-License-Identifier: MIT
/* Dynptr programs (test_verifier_dynptr.c): a user ring buffer drained
 * with bpf_dynptr_read and with bpf_dynptr_data, a ringbuf dynptr
 * written, read back and submitted, a local dynptr over a global; and
 * two the kernel refuses (a leaked ringbuf dynptr, a slice used after
 * submit).  Each runs on the kernel and on userbpf, with the same
 * results. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} out SEC(".maps");

struct acc {
	__u64 sum;
	__u64 n;
};

__u64 buf[4];

static long on_read(struct bpf_dynptr *d, void *ctx)
{
	struct acc *a = ctx;
	__u64 v;

	if (bpf_dynptr_read(&v, sizeof(v), d, 0, 0))
		return 1;
	a->sum += v;
	a->n++;
	return 0;
}

static long on_data(struct bpf_dynptr *d, void *ctx)
{
	struct acc *a = ctx;
	const __u64 *p = bpf_dynptr_data(d, 0, sizeof(*p));

	if (!p)
		return 1;
	a->sum += *p;
	a->n++;
	return 0;
}

/* sum * 1000 + samples drained */
SEC("syscall")
int sum_read(void *ctx)
{
	struct acc a = { 0 };

	bpf_user_ringbuf_drain(&samples, on_read, &a, 0);
	return (int)(a.sum * 1000 + a.n);
}

SEC("syscall")
int sum_data(void *ctx)
{
	struct acc a = { 0 };

	bpf_user_ringbuf_drain(&samples, on_data, &a, 0);
	return (int)(a.sum * 1000 + a.n);
}

/* 42 written at 8, 7 stored through the slice at 0: 49; a reservation
 * larger than the ring fails (-EINVAL) and is discarded all the same */
SEC("syscall")
int ringbuf_rw(void *ctx)
{
	struct bpf_dynptr d;
	__u64 v = 42, got = 0, *p;
	long err;

	if (bpf_ringbuf_reserve_dynptr(&out, 16, 0, &d)) {
		bpf_ringbuf_discard_dynptr(&d, 0);
		return -1;
	}
	bpf_dynptr_write(&d, 8, &v, sizeof(v), 0);
	p = bpf_dynptr_data(&d, 0, 16);
	if (p) {
		p[0] = 7;
		got = p[0] + p[1];
	}
	bpf_ringbuf_submit_dynptr(&d, 0);
	err = bpf_ringbuf_reserve_dynptr(&out, 1 << 20, 0, &d);
	bpf_ringbuf_discard_dynptr(&d, 0);
	return (int)(got * 100 - err);
}

/* 5 written at 8 and read back: 500; a read past the end: -E2BIG */
SEC("syscall")
int local_rw(void *ctx)
{
	struct bpf_dynptr d;
	__u64 v = 5, w = 0, x = 0;
	long err;

	bpf_dynptr_from_mem(buf, sizeof(buf), 0, &d);
	bpf_dynptr_write(&d, 8, &v, sizeof(v), 0);
	bpf_dynptr_read(&w, sizeof(w), &d, 8, 0);
	err = bpf_dynptr_read(&x, sizeof(x), &d, 32, 0);
	return (int)(w * 100 - err);
}

SEC("?syscall")
int leak(void *ctx)
{
	struct bpf_dynptr d;

	bpf_ringbuf_reserve_dynptr(&out, 16, 0, &d);
	return 0;
}

SEC("?syscall")
int slice_after_submit(void *ctx)
{
	struct bpf_dynptr d;
	__u64 *p;

	bpf_ringbuf_reserve_dynptr(&out, 16, 0, &d);
	p = bpf_dynptr_data(&d, 0, 8);
	bpf_ringbuf_submit_dynptr(&d, 0);
	if (p)
		*p = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
