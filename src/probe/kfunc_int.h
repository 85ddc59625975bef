/* SPDX-License-Identifier: MIT */
/*
 * kfunc_int.h - between kfunc.c (the functions and their runs) and
 * kfunc_obj.c (the kernel objects their arguments point to: struct file,
 * struct dentry, struct inode, struct socket, struct sock, built from
 * what the process can ask about its descriptors and paths, at the
 * running kernel's offsets).
 */
#ifndef USERBPF_PROBE_KFUNC_INT_H
#define USERBPF_PROBE_KFUNC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct userbpf_btf;
/* Read the kernel's layouts from its BTF k, once (at the first attach).
 * Returns false when an object the functions need does not fit the
 * tables (a kernel whose struct is larger than userbpf's slots): the
 * objects are then NULL pointers. */
bool kf_obj_init(const struct userbpf_btf *k);

/* A system call through the probe layer's gate (never traced). */
long kf_sys(long nr, long a1, long a2, long a3, long a4, long a5);

/* struct file * for descriptor fd (an open file of this process), its
 * path, dentry and inode filled; 0 when fd is not open.  *st gets fd's
 * fstat and *flags its F_GETFL flags when not NULL. */
uint64_t kf_obj_file(int fd, struct stat *st, long *flags);
/* The same for an O_PATH descriptor fd of a file about to be opened
 * with f_flags flags (lsm.c's file_open: the file the open will get):
 * f_flags and f_mode as such an open sets them. */
uint64_t kf_obj_file_as(int fd, long flags);
/* Add FMODE_CREATED to a file built by kf_obj_file. */
void kf_obj_file_created(uint64_t file);
/* struct dentry * for the file st describes, named name (its last path
 * component); negative (d_inode NULL) when negative is set. */
uint64_t kf_obj_dentry(const struct stat *st, const char *name, bool negative);
/* struct inode * for the file st describes (with a dentry of its own). */
uint64_t kf_obj_inode(const struct stat *st);
/* struct inode * of directory st given as a dir argument (a table of its
 * own: never the slot of the dentry built next to it). */
uint64_t kf_obj_dir_inode(const struct stat *st);
/* struct path * of a file built by kf_obj_file. */
uint64_t kf_obj_file_path(uint64_t file);
/* struct socket * for socket descriptor fd (its struct sock filled from
 * getsockname, getpeername and getsockopt), 0 if fd is not a socket.
 * family, type, protocol: the socket's (SO_DOMAIN, SO_TYPE, SO_PROTOCOL). */
uint64_t kf_obj_socket(int fd, int *family, int *type, int *protocol);
/* struct sock * of a socket built by kf_obj_socket. */
uint64_t kf_obj_sock_of(uint64_t socket);
/* Set the peer (skc_daddr / skc_v6_daddr, skc_dport) of a socket built
 * by kf_obj_socket from a sockaddr (connect's: set before the handshake
 * ends, when getpeername does not answer yet). */
void kf_obj_sock_set_peer(uint64_t socket, const void *sa, int len);
/* Set skc_state of a struct sock built by kf_obj_socket (the old state
 * tcp_set_state's callers see). */
void kf_obj_sk_set_state(uint64_t sk, int state);
/* The TCP state of the socket built (the kernel's TCP_* numbers). */
int kf_obj_sock_state(uint64_t socket);
/* The mnt_idmap every mount of a process without idmapped mounts has
 * (nop_mnt_idmap): a pointer to zeroes. */
uint64_t kf_obj_idmap(void);

/* struct kiocb { ki_filp = file, ki_pos = pos } and struct iov_iter
 * { count } into kiocb and iter (KF_KIOCB_SZ, KF_IOV_ITER_SZ bytes). */
#define KF_KIOCB_SZ 128
#define KF_IOV_ITER_SZ 128
void kf_obj_kiocb(void *kiocb, void *iter, uint64_t file, int64_t pos, uint64_t count);
/* The file system magic (statfs f_type) of device dev: cached, else
 * asked by system call nr (SYS_fstatfs or SYS_statfs) on arg1; 0 if
 * unknown. */
long kf_obj_fs_magic(uint64_t dev, long nr, long arg1);

#endif
