/* SPDX-License-Identifier: MIT */
/*
 * lsm.bpf.c - fixture of test_lsm.c: BPF LSM programs on the hooks a
 * process's syscalls reach (src/probe/lsm.c), reading the hooks' kernel
 * objects through CO-RE and denying some calls:
 *   lsm/file_open (two stacked): the first denies files named
 *     "lsm_deny_a" with -EPERM, the second "lsm_deny_b" with -EACCES;
 *     both record the ret they were given;
 *   lsm/path_unlink: denies unlinking "lsm_keep" (-EPERM);
 *   lsm/socket_connect: denies AF_INET connects to port 1 (-EPERM);
 *   lsm/bpf: denies BPF_MAP_CREATE of an array whose value_size is
 *     LSM_MAGIC (-EXDEV, which no bpf() path of the kernel gives).
 * and, around them, fexit/do_unlinkat and fentry/vfs_unlink (a denied
 * unlink returns the denial from the first and never reaches the second).
 * Only files named "lsm_*" are recorded, so the same object can run on
 * a kernel next to the rest of the system.
 */
#include "../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

#define EPERM 1
#define EACCES 13
#define EXDEV 18
#define AF_INET 2
#define LSM_MAGIC 0x4c53

struct qstr {
	union {
		struct {
			__u32 hash;
			__u32 len;
		};
		__u64 hash_len;
	};
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct dentry {
	struct qstr d_name;
	struct inode *d_inode;
} __attribute__((preserve_access_index));

struct path {
	void *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_flags;
	unsigned int f_mode;
} __attribute__((preserve_access_index));

struct socket {
	short type;
} __attribute__((preserve_access_index));

struct lsm_sockaddr_in {
	__u16 family;
	__u16 port; /* network order */
	__u32 addr;
};

struct lsm_rec {
	__u64 count;
	__s64 ret_seen; /* OR of the rets the program was given */
	__u64 x;
	__u64 y;
	char name[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct lsm_rec);
} rec SEC(".maps");

static __always_inline struct lsm_rec *slot(__u32 k)
{
	return bpf_map_lookup_elem(&rec, &k);
}

/* a's first bytes are b's, NUL included */
static __always_inline int same(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
		if (!b[i])
			return 1;
	}
	return 1;
}

static __always_inline int file_name(struct file *file, char *buf)
{
	const unsigned char *n = BPF_CORE_READ(file, f_path.dentry, d_name.name);

	if (bpf_probe_read_kernel_str(buf, 32, n) < 0)
		return 0;
	return same(buf, "lsm_", 4);
}

SEC("lsm/file_open")
int BPF_PROG(open_a, struct file *file, int ret)
{
	struct lsm_rec *r = slot(0);
	char buf[32];

	if (!r || !file_name(file, buf))
		return 0;
	r->count++;
	r->ret_seen |= ret;
	r->x = BPF_CORE_READ(file, f_flags);
	r->y = BPF_CORE_READ(file, f_inode, i_ino);
	__builtin_memcpy(r->name, buf, sizeof(buf));
	if (same(buf, "lsm_deny_a", 11))
		return -EPERM;
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(open_b, struct file *file, int ret)
{
	struct lsm_rec *r = slot(1), *a = slot(2);
	char buf[32];

	if (!r || !a || !file_name(file, buf))
		return 0;
	r->count++;
	r->ret_seen |= ret;
	r->x = BPF_CORE_READ(file, f_mode);
	if (same(buf, "lsm_deny_a", 11))
		a->count++; /* never: the first program ended the chain */
	if (same(buf, "lsm_deny_b", 11))
		return -EACCES;
	return 0;
}

SEC("lsm/path_unlink")
int BPF_PROG(unlink_hook, const struct path *dir, struct dentry *dentry, int ret)
{
	struct lsm_rec *r = slot(3);
	char buf[32], dname[32];

	if (!r || bpf_probe_read_kernel_str(buf, 32, BPF_CORE_READ(dentry, d_name.name)) < 0 ||
	    !same(buf, "lsm_", 4))
		return 0;
	r->count++;
	r->ret_seen |= ret;
	r->x = BPF_CORE_READ(dentry, d_inode, i_ino);
	bpf_probe_read_kernel_str(dname, 32, BPF_CORE_READ(dir, dentry, d_name.name));
	__builtin_memcpy(r->name, dname, sizeof(dname));
	if (same(buf, "lsm_keep", 9))
		return -EPERM;
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(connect_hook, struct socket *sock, struct lsm_sockaddr_in *address, int addrlen,
	     int ret)
{
	struct lsm_rec *r = slot(4);
	struct lsm_sockaddr_in sa = {};

	if (!r || addrlen < (int)sizeof(sa))
		return 0;
	bpf_probe_read_kernel(&sa, sizeof(sa), address);
	if (sa.family != AF_INET || sa.addr != __builtin_bswap32(0x7f000001))
		return 0;
	r->count++;
	r->ret_seen |= ret;
	r->x = __builtin_bswap16(sa.port);
	r->y = BPF_CORE_READ(sock, type);
	if (sa.port == __builtin_bswap16(1))
		return -EPERM;
	return 0;
}

SEC("lsm/bpf")
int BPF_PROG(bpf_hook, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	struct lsm_rec *r = slot(5);
	__u32 vsize = 0;

	if (!r || cmd != BPF_MAP_CREATE)
		return 0;
	bpf_probe_read_kernel(&vsize, sizeof(vsize), &attr->value_size);
	if (vsize != LSM_MAGIC)
		return 0;
	r->count++;
	r->x = size;
	return -EXDEV;
}

/* Around a denial: the outer function still runs and returns the
 * denial, the one below the hook is not reached. */
struct filename {
	const char *name;
} __attribute__((preserve_access_index));

static __always_inline int last_is(const char *path, const char *want)
{
	char buf[64];
	int i, last = 0;

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), path) < 0)
		return 0;
	for (i = 0; i < 63 && buf[i]; i++)
		if (buf[i] == '/')
			last = i + 1;
	return last < 56 && same(buf + (last & 63), want, 8);
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlinkat_exit, int dfd, struct filename *name, int ret)
{
	struct lsm_rec *r = slot(6);

	if (!r || !last_is(BPF_CORE_READ(name, name), "lsm_keep"))
		return 0;
	r->count++;
	r->ret_seen = ret;
	return 0;
}

SEC("fentry/vfs_unlink")
int BPF_PROG(vfs_unlink_entry, void *idmap, struct inode *dir, struct dentry *dentry)
{
	struct lsm_rec *r = slot(7);
	char buf[32];

	if (!r || bpf_probe_read_kernel_str(buf, 32, BPF_CORE_READ(dentry, d_name.name)) < 0 ||
	    !same(buf, "lsm_", 4))
		return 0;
	r->count++;
	__builtin_memcpy(r->name, buf, sizeof(buf));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
