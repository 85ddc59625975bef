/* SPDX-License-Identifier: MIT */
/*
 * dlsm.bpf.c - BPF LSM programs as libbpf-bootstrap's lsm example and the
 * eunomia tutorial's 19-lsm-connect write them: lsm/bpf denies every
 * bpf() command (-EPERM, bpf_printk), lsm/file_open denies opening files
 * named deny_name, lsm/socket_connect denies AF_INET connects to
 * deny_port; rename_hook (not loaded by default) is on a hook no
 * syscall of a process reaches here.  dlsm.c drives them.
 */
#include "../../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

#include "dlsm.h"

#define EPERM 1
#define AF_INET 2

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

struct dentry {
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct path {
	void *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
} __attribute__((preserve_access_index));

struct dlsm_sockaddr_in {
	__u16 family;
	__u16 port;
	__u32 addr;
};

char deny_name[DLSM_NAME_LEN] = {};
__u16 deny_port = 0;

SEC("lsm/file_open")
int BPF_PROG(lsm_open, struct file *file, int ret)
{
	char name[DLSM_NAME_LEN];
	int i;

	if (ret != 0)
		return -EPERM;
	if (bpf_probe_read_kernel_str(name, sizeof(name),
				      BPF_CORE_READ(file, f_path.dentry, d_name.name)) < 0)
		return 0;
	for (i = 0; i < DLSM_NAME_LEN; i++) {
		if (name[i] != deny_name[i])
			return 0;
		if (!name[i])
			break;
	}
	bpf_printk("LSM: denied open of %s", name);
	return -EPERM;
}

SEC("lsm/socket_connect")
int BPF_PROG(lsm_connect, struct socket *sock, struct dlsm_sockaddr_in *address, int addrlen,
	     int ret)
{
	struct dlsm_sockaddr_in sa = {};

	if (ret != 0)
		return -EPERM;
	if (addrlen < (int)sizeof(sa) || bpf_probe_read_kernel(&sa, sizeof(sa), address) ||
	    sa.family != AF_INET)
		return 0;
	if (sa.port != __builtin_bswap16(deny_port))
		return 0;
	bpf_printk("LSM: blocking connect to port %d", deny_port);
	return -EPERM;
}

/* Linux 6.14 gave security_bpf a fourth argument (bool kernel): ret
 * follows it.  "return ret" (libbpf-bootstrap's) needs the verifier to
 * know ret's range, [-4095, 0] (Linux 6.10's btf_ctx_access): userbpf's
 * does not yet, so a denial of its own instead.  Attached last: once
 * attached it denies the skeleton's own BPF_LINK_CREATE calls too. */
SEC("lsm/bpf")
int BPF_PROG(lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size, _Bool kernel, int ret)
{
	/* ret is the return value from the previous BPF program or 0 if
	 * it's the first hook */
	if (ret != 0)
		return -EPERM;
	bpf_printk("LSM: block bpf() worked");
	return -EPERM;
}

SEC("?lsm/inode_rename")
int BPF_PROG(rename_hook)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
