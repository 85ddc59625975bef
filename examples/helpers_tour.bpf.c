// SPDX-License-Identifier: MIT
/*
 * helpers_tour - the general-purpose helper families in one program:
 * bpf_printk, bpf_snprintf, bpf_strncmp, bpf_get_current_comm and
 * pid/uid, bpf_probe_read_user(_str) of memory the context points at,
 * bpf_spin_lock on a map value, time and random numbers.  A syscall
 * program; the return value depends only on the context (so userbpf and
 * the kernel can be compared): the snprintf'd length plus the strncmp
 * result plus the probe-read word.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args {
	__u64 word_ptr; /* user address of a u64 */
	__u64 str_ptr;	/* user address of a string */
	__u32 x;
};

struct locked {
	struct bpf_spin_lock lock;
	__u64 total;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} state SEC(".maps");

SEC("syscall")
int tour(struct args *a)
{
	char comm[16], buf[32], name[16];
	__u64 fmt_args[2] = { a->x, a->x * 2 };
	__u64 word = 0, t0, t1;
	__u32 zero = 0;
	struct locked *l;
	long n, cmp;

	t0 = bpf_ktime_get_ns();
	bpf_get_current_comm(comm, sizeof(comm));
	bpf_printk("tour: x=%u pid=%u", a->x, (__u32)(bpf_get_current_pid_tgid() >> 32));
	n = bpf_snprintf(buf, sizeof(buf), "x=%u 2x=%u", fmt_args, sizeof(fmt_args));
	bpf_probe_read_user(&word, sizeof(word), (void *)a->word_ptr);
	bpf_probe_read_user_str(name, sizeof(name), (void *)a->str_ptr);
	cmp = bpf_strncmp(name, sizeof(name), "userbpf");
	l = bpf_map_lookup_elem(&state, &zero);
	if (l) {
		bpf_spin_lock(&l->lock);
		l->total += a->x;
		bpf_spin_unlock(&l->lock);
	}
	t1 = bpf_ktime_get_ns();
	if (t1 < t0 || bpf_get_prandom_u32() == 0xffffffff)
		return -1; /* time went backwards: never */
	return n + (cmp == 0 ? 1000 : 0) + word;
}

char LICENSE[] SEC("license") = "GPL";
