// SPDX-License-Identifier: MIT
/*
 * iter_sock.bpf.c - programs whose verdict depends on the attach target:
 * an iter/bpf_map_elem program may write the element value (the kernel's
 * PTR_TO_BUF) but not the key; a tp_btf program passes a kernel socket to
 * bpf_get_socket_cookie (tracing's prototype takes a BTF socket, not the
 * context).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct bpf_iter_meta {
	void *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	void *map;
	void *key;
	void *value;
};

SEC("iter/bpf_map_elem")
int bump_value(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;

	if (val)
		*val += 1;
	return 0;
}

SEC("iter/bpf_map_elem")
int write_key(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;

	if (key)
		*key = 0;
	return 0;
}

__u64 cookies;

SEC("tp_btf/tcp_probe")
int sock_cookie(__u64 *ctx)
{
	cookies += bpf_get_socket_cookie((void *)ctx[0]);
	return 0;
}
