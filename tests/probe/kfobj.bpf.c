/* SPDX-License-Identifier: MIT */
/*
 * kfobj.bpf.c - fixture of test_kfunc_obj.c: programs written as bcc's
 * libbpf-tools write theirs (vfsstat / filetop / filelife / fsslower /
 * bindsnoop / solisten / tcpconnect), reading the kernel objects the
 * emulated functions are given through CO-RE: struct file, dentry, inode,
 * kiocb, socket, sock.  Only the calls of a process named "kfobj_app"
 * on files named "kfobj_*" are recorded (one record per program: the
 * last call's fields and a count), so the same object can run on a
 * kernel next to the rest of the system.
 */
#include "../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

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
	unsigned short i_mode;
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct dentry {
	struct qstr d_name;
	struct inode *d_inode;
	struct dentry *d_parent;
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

struct kiocb {
	struct file *ki_filp;
	long long ki_pos;
} __attribute__((preserve_access_index));

struct iov_iter {
	__u64 count;
} __attribute__((preserve_access_index));

struct sock_common {
	__u32 skc_daddr;
	__u32 skc_rcv_saddr;
	__u16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
} __attribute__((preserve_access_index));

struct inet_sock {
	struct sock sk;
	__u16 inet_sport;
} __attribute__((preserve_access_index));

struct socket {
	short type;
	struct sock *sk;
} __attribute__((preserve_access_index));

struct kfobj_rec {
	__u64 count;
	__u64 a, b, c, d;
	char name[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct kfobj_rec);
} rec SEC(".maps");

/* threads inside a recorded call (entry -> return): the sock or 1 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} pending SEC(".maps");

static __always_inline int our_task(void)
{
	static const char want[] = "kfobj_app";
	char comm[16] = {};
	int i;

	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < 10; i++)
		if (comm[i] != want[i])
			return 0;
	return 1;
}

static __always_inline int ours(const unsigned char *s)
{
	char buf[7] = {};

	if (!our_task() || bpf_probe_read_kernel_str(buf, sizeof(buf), s) < 0)
		return 0;
	return buf[0] == 'k' && buf[1] == 'f' && buf[2] == 'o' && buf[3] == 'b' && buf[4] == 'j' &&
	       buf[5] == '_';
}

static __always_inline struct kfobj_rec *put(__u32 key, __u64 a, __u64 b, __u64 c, __u64 d,
					     const unsigned char *name)
{
	struct kfobj_rec *r = bpf_map_lookup_elem(&rec, &key);

	if (!r)
		return 0;
	__sync_fetch_and_add(&r->count, 1);
	r->a = a;
	r->b = b;
	r->c = c;
	r->d = d;
	if (name)
		bpf_probe_read_kernel_str(r->name, sizeof(r->name), name);
	return r;
}

static __always_inline const unsigned char *file_name(struct file *f)
{
	return BPF_CORE_READ(f, f_path.dentry, d_name.name);
}

/* filetop: the inode, the bytes, the position, the access mode */
SEC("kprobe/vfs_write")
int BPF_KPROBE(kp_vfs_write, struct file *file, const char *buf, __u64 count, long long *pos)
{
	const unsigned char *n = file_name(file);
	__u64 id = bpf_get_current_pid_tgid(), one = 1;
	long long p = -1;

	if (!ours(n))
		return 0;
	if (pos)
		bpf_probe_read_kernel(&p, sizeof(p), pos);
	bpf_map_update_elem(&pending, &id, &one, BPF_ANY);
	put(0, BPF_CORE_READ(file, f_inode, i_ino), count, p, BPF_CORE_READ(file, f_flags) & 03, n);
	return 0;
}

SEC("kretprobe/vfs_write")
int BPF_KRETPROBE(kretp_vfs_write, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!bpf_map_lookup_elem(&pending, &id))
		return 0;
	bpf_map_delete_elem(&pending, &id);
	put(1, ret, 0, 0, 0, 0);
	return 0;
}

/* filelife: the dentry going, its inode, the directory's */
SEC("fentry/vfs_unlink")
int BPF_PROG(fe_vfs_unlink, void *idmap, struct inode *dir, struct dentry *dentry)
{
	if (!ours(dentry->d_name.name))
		return 0;
	put(2, dentry->d_inode->i_ino, dir->i_ino, dentry->d_inode->i_mode & 0170000,
	    dentry->d_name.len, dentry->d_name.name);
	return 0;
}

/* filelife / vfsstat: FMODE_CREATED counted over the calls */
SEC("fexit/vfs_open")
int BPF_PROG(fx_vfs_open, struct path *path, struct file *file, int ret)
{
	const unsigned char *n = path->dentry->d_name.name;
	struct kfobj_rec *r;

	if (!ours(n))
		return 0;
	r = put(3, ret, 0, path->dentry->d_inode->i_ino, file->f_inode->i_ino, n);
	if (r)
		r->b = file->f_mode & 0x100000 ? 1 : 0; /* FMODE_CREATED */
	return 0;
}

/* vfsstat's mkdir: the mode, a negative dentry at the entry */
SEC("kprobe/vfs_mkdir")
int BPF_KPROBE(kp_vfs_mkdir, void *idmap, struct inode *dir, struct dentry *dentry,
	       unsigned short mode)
{
	const unsigned char *n = BPF_CORE_READ(dentry, d_name.name);

	if (!ours(n))
		return 0;
	put(4, mode, BPF_CORE_READ(dentry, d_inode) == 0, BPF_CORE_READ(dir, i_ino), 0, n);
	return 0;
}

/* bindsnoop: the socket kept from the entry, its port read at the return */
SEC("kprobe/inet_bind")
int BPF_KPROBE(kp_inet_bind, struct socket *sock)
{
	__u64 id = bpf_get_current_pid_tgid(), s = (__u64)sock;

	if (our_task())
		bpf_map_update_elem(&pending, &id, &s, BPF_ANY);
	return 0;
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(kretp_inet_bind, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *s = bpf_map_lookup_elem(&pending, &id);
	struct socket *sock;
	struct sock *sk;

	if (!s)
		return 0;
	sock = (struct socket *)*s;
	bpf_map_delete_elem(&pending, &id);
	sk = BPF_CORE_READ(sock, sk);
	put(5, (__u32)ret, __builtin_bswap16(BPF_CORE_READ((struct inet_sock *)sk, inet_sport)),
	    BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sock, type), 0);
	return 0;
}

/* tcpconnect: the sock kept from the entry, read at the return */
SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(kp_tcp_v4_connect, struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid() + 1, s = (__u64)sk;

	if (our_task())
		bpf_map_update_elem(&pending, &id, &s, BPF_ANY);
	return 0;
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(kretp_tcp_v4_connect, int ret)
{
	__u64 id = bpf_get_current_pid_tgid() + 1, *s = bpf_map_lookup_elem(&pending, &id);
	struct sock *sk;

	if (!s)
		return 0;
	sk = (struct sock *)*s;
	bpf_map_delete_elem(&pending, &id);
	put(6, (__u32)ret, BPF_CORE_READ(sk, __sk_common.skc_daddr),
	    __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport)),
	    BPF_CORE_READ(sk, __sk_common.skc_num), 0);
	return 0;
}

/* solisten: the backlog, the bound port, the state before */
SEC("kprobe/inet_listen")
int BPF_KPROBE(kp_inet_listen, struct socket *sock, int backlog)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);

	if (!our_task())
		return 0;
	put(7, backlog, __builtin_bswap16(BPF_CORE_READ((struct inet_sock *)sk, inet_sport)),
	    BPF_CORE_READ(sk, __sk_common.skc_state), BPF_CORE_READ(sk, sk_protocol), 0);
	return 0;
}

/* fsslower: the kiocb's file and position, the iov_iter's count */
SEC("kprobe/ext4_file_read_iter")
int BPF_KPROBE(kp_ext4_read, struct kiocb *iocb, struct iov_iter *to)
{
	struct file *f = BPF_CORE_READ(iocb, ki_filp);
	const unsigned char *n = file_name(f);

	if (!ours(n))
		return 0;
	put(8, BPF_CORE_READ(iocb, ki_pos), BPF_CORE_READ(to, count),
	    BPF_CORE_READ(f, f_inode, i_ino), 0, n);
	return 0;
}

/* tcptop: the bytes sent, the peer's port */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(kp_tcp_sendmsg, struct sock *sk, void *msg, __u64 size)
{
	if (!our_task())
		return 0;
	put(9, size, __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport)),
	    BPF_CORE_READ(sk, __sk_common.skc_num), 0, 0);
	return 0;
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(kp_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	if (!our_task())
		return 0;
	put(10, copied, BPF_CORE_READ(sk, __sk_common.skc_num), 0, 0, 0);
	return 0;
}

/* tcptracer / tcpstates: the transitions, old and new */
SEC("kprobe/tcp_set_state")
int BPF_KPROBE(kp_tcp_set_state, struct sock *sk, int state)
{
	__u32 key = 11;
	struct kfobj_rec *r = bpf_map_lookup_elem(&rec, &key);
	__u64 old = BPF_CORE_READ(sk, __sk_common.skc_state), prev = r ? r->c : 0;

	if (!our_task())
		return 0;
	r = put(11, state, old, prev, 0, 0);
	/* the connect's two transitions, in order: old << 8 | new of each */
	if (r && r->count <= 2)
		r->c = prev << 16 | old << 8 | state;
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(kretp_inet_csk_accept, struct sock *sk)
{
	if (!our_task())
		return 0;
	put(12, BPF_CORE_READ(sk, __sk_common.skc_num),
	    __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport)),
	    BPF_CORE_READ(sk, __sk_common.skc_state), 0, 0);
	return 0;
}

SEC("kprobe/tcp_close")
int BPF_KPROBE(kp_tcp_close, struct sock *sk)
{
	if (!our_task())
		return 0;
	put(13, BPF_CORE_READ(sk, __sk_common.skc_state), BPF_CORE_READ(sk, __sk_common.skc_num), 0,
	    0, 0);
	return 0;
}

/* tcpconnlat: the answer to the SYN, the sock still in SYN_SENT */
SEC("kprobe/tcp_rcv_state_process")
int BPF_KPROBE(kp_tcp_rcv_state_process, struct sock *sk)
{
	if (!our_task())
		return 0;
	put(14, BPF_CORE_READ(sk, __sk_common.skc_state),
	    __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport)),
	    BPF_CORE_READ(sk, __sk_common.skc_num), 0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
