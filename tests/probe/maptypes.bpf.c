/* SPDX-License-Identifier: MIT */
/*
 * maptypes.bpf.c - maps whose keys and values the trace CLI prints by
 * their BTF types (test_trace_maptypes.c): a char-array key, a struct
 * value with a negative int, a bool, an enum and a pointer, and global
 * data with two variables; and a ring-buffer record of no known type,
 * mostly zeros.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

enum mt_kind { MT_NONE, MT_WRITE };

struct mt_val {
	__s32 neg;
	bool seen;
	enum mt_kind kind;
	void *ptr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, char[16]);
	__type(value, struct mt_val);
} by_comm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} big SEC(".maps");

int writes = 0;
char tag[8] = "abc";

SEC("tp/syscalls/sys_enter_write")
int on_write(void *ctx)
{
	struct mt_val v = { .neg = -7, .seen = true, .kind = MT_WRITE, .ptr = (void *)0x1000 };
	char comm[16] = {};

	bpf_get_current_comm(comm, sizeof(comm));
	bpf_map_update_elem(&by_comm, comm, &v, BPF_ANY);
	writes = -1;
	/* a 256-byte record of which only the first byte is set */
	__u8 *rec = bpf_ringbuf_reserve(&big, 256, 0);

	if (rec) {
		__builtin_memset(rec, 0, 256);
		rec[0] = 42;
		bpf_ringbuf_submit(rec, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
