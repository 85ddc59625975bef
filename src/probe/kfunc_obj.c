/* SPDX-License-Identifier: MIT */
/*
 * kfunc_obj.c - the kernel objects kfunc.c's functions take (struct file,
 * struct path, struct dentry, struct inode, struct super_block, struct
 * socket, struct sock / inet_sock), built from what the process can ask
 * about its own descriptors and paths (fstat, fcntl, lseek, readlink of
 * /proc/self/fd, getsockname, getpeername, getsockopt: system calls
 * through the probe layer's gate, never traced), with each field at the
 * running kernel's offset (read once from /sys/kernel/btf/vmlinux, the
 * BTF CO-RE relocations resolve against).  Fields the kernel does not
 * have are left out; every other byte is zero.
 *
 * Objects live in static tables, not on the stack: a program keeps a
 * pointer from entry to exit (a kprobe's map keyed by thread), or from
 * one call to another (filelife keys a dentry from its creation to its
 * unlink), and reads it later, as the kernel's objects stay.  A dentry
 * and its inode are one slot per (device, inode number), so the same
 * file gives the same pointers in every call; a file is one slot per
 * descriptor number, a socket one per socket inode.  The tables are
 * small (about 200 kB in all): they are part of every process userbpf
 * is loaded into, and a library whose mappings reach 2 MB is placed
 * 2 MB-aligned, which changed where the agent lands next to other
 * preloaded libraries (test_trace_shared.c's fallback case).  Under launch the
 * tables are at the same address in every process of the domain
 * (addresses are not randomised), so a dentry pointer one process keys
 * is the one another process's unlink of that file finds.  Two files
 * hashing to one slot share its pointer (the later build wins).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kfunc_int.h"
#include "loader/loader_int.h"
#include "probe_int.h"
#include "userbpf/object.h"

/* ==== Offsets from the kernel's BTF ==== */

/* clang-format off */
#define KO_FIELDS(X) \
	X(FILE_PATH,       "file",        "f_path") \
	X(FILE_PATH_MNT,   "file",        "f_path.mnt") \
	X(FILE_PATH_DENTRY,"file",        "f_path.dentry") \
	X(FILE_INODE,      "file",        "f_inode") \
	X(FILE_FLAGS,      "file",        "f_flags") \
	X(FILE_MODE,       "file",        "f_mode") \
	X(FILE_POS,        "file",        "f_pos") \
	X(DENTRY_HASH,     "dentry",      "d_name.hash") \
	X(DENTRY_LEN,      "dentry",      "d_name.len") \
	X(DENTRY_NAME,     "dentry",      "d_name.name") \
	X(DENTRY_INODE,    "dentry",      "d_inode") \
	X(DENTRY_PARENT,   "dentry",      "d_parent") \
	X(DENTRY_SB,       "dentry",      "d_sb") \
	X(INODE_MODE,      "inode",       "i_mode") \
	X(INODE_UID,       "inode",       "i_uid") \
	X(INODE_GID,       "inode",       "i_gid") \
	X(INODE_INO,       "inode",       "i_ino") \
	X(INODE_SB,        "inode",       "i_sb") \
	X(INODE_RDEV,      "inode",       "i_rdev") \
	X(INODE_SIZE,      "inode",       "i_size") \
	X(INODE_NLINK,     "inode",       "__i_nlink") \
	X(SB_DEV,          "super_block", "s_dev") \
	X(SOCKET_STATE,    "socket",      "state") \
	X(SOCKET_TYPE,     "socket",      "type") \
	X(SOCKET_SK,       "socket",      "sk") \
	X(SK_FAMILY,       "sock",        "__sk_common.skc_family") \
	X(SK_STATE,        "sock",        "__sk_common.skc_state") \
	X(SK_DADDR,        "sock",        "__sk_common.skc_daddr") \
	X(SK_RCV_SADDR,    "sock",        "__sk_common.skc_rcv_saddr") \
	X(SK_DPORT,        "sock",        "__sk_common.skc_dport") \
	X(SK_NUM,          "sock",        "__sk_common.skc_num") \
	X(SK_BOUND_DEV_IF, "sock",        "__sk_common.skc_bound_dev_if") \
	X(SK_REUSE,        "sock",        "__sk_common.skc_reuse") \
	X(SK_REUSEPORT,    "sock",        "__sk_common.skc_reuseport") \
	X(SK_V6_DADDR,     "sock",        "__sk_common.skc_v6_daddr") \
	X(SK_V6_RCV_SADDR, "sock",        "__sk_common.skc_v6_rcv_saddr") \
	X(SK_PROTOCOL,     "sock",        "sk_protocol") \
	X(SK_TYPE,         "sock",        "sk_type") \
	X(SK_SOCKET,       "sock",        "sk_socket") \
	X(KIOCB_FILP,      "kiocb",       "ki_filp") \
	X(KIOCB_POS,       "kiocb",       "ki_pos") \
	X(IOV_ITER_COUNT,  "iov_iter",    "count") \
	X(INET_SADDR,      "inet_sock",   "inet_saddr") \
	X(INET_SPORT,      "inet_sock",   "inet_sport")
/* clang-format on */

#define KO_ENUM(id, s, p) KO_##id,
enum ko_field { KO_FIELDS(KO_ENUM) KO_NFIELDS };
#undef KO_ENUM
#define KO_DESC(id, s, p) { s, p },
static const struct {
	const char *type, *path;
} ko_desc[KO_NFIELDS] = { KO_FIELDS(KO_DESC) };
#undef KO_DESC

struct ko_off {
	uint32_t bit;  /* offset in bits */
	uint32_t bits; /* bitfield size, 0: a whole member */
	uint32_t size; /* the member's size in bytes */
	bool ok;
};

static struct ko_off ko_off[KO_NFIELDS];

/* The objects' room: each at least the kernel's struct (checked at init). */
#define KO_FILE_SZ 256
#define KO_DENTRY_SZ 256
#define KO_INODE_SZ 1024
#define KO_SB_SZ 2048
#define KO_SOCKET_SZ 256
#define KO_SOCK_SZ 2048
#define KO_NFILE 32
#define KO_NDENT 64
#define KO_NSB 4
#define KO_NSOCK 16
#define KO_NAME_MAX 256

/* Member name (len bytes) of composite tid, anonymous members searched
 * as C does: its offset (bits), bitfield size and type. */
static bool find_member(const struct userbpf_btf *k, uint32_t tid, const char *name, size_t len,
			int depth, uint32_t *bit, uint32_t *bits, uint32_t *mtype)
{
	const struct ub_btf_type *t = ub_btf_skip_mods_typedefs(k, tid, &tid);
	uint32_t i;

	if (!t || !ub_btf_is_composite(t) || depth > 8)
		return false;
	for (i = 0; i < ub_btf_vlen(t); i++) {
		const struct ub_btf_member *m = &ub_btf_members(t)[i];
		const char *n = ub_btf_str(k, m->name_off);
		uint32_t off = ub_btf_member_bit_offset(t, i), sub;

		if (!n)
			continue;
		if (!*n) {
			if (find_member(k, m->type, name, len, depth + 1, &sub, bits, mtype)) {
				*bit = off + sub;
				return true;
			}
			continue;
		}
		if (strlen(n) == len && !strncmp(n, name, len)) {
			*bit = off;
			*bits = ub_btf_member_bitfield_size(t, i);
			*mtype = m->type;
			return true;
		}
	}
	return false;
}

/* "a.b.c" in struct sname: its place, or ok = false. */
static void resolve(const struct userbpf_btf *k, const char *sname, const char *path,
		    struct ko_off *out)
{
	int64_t id = ub_btf_find_by_name_kind(k, sname, USERBPF_BTF_KIND_STRUCT);
	uint32_t tid = id > 0 ? (uint32_t)id : 0, bit = 0, bits = 0;
	int64_t size;

	memset(out, 0, sizeof(*out));
	if (!tid)
		return;
	while (*path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		uint32_t sub, mtype;

		if (!find_member(k, tid, path, len, 0, &sub, &bits, &mtype))
			return;
		bit += sub;
		tid = mtype;
		path += len + (dot != NULL);
	}
	size = ub_btf_resolve_size(k, tid);
	if (size <= 0 || (!bits && bit % 8))
		return;
	out->bit = bit;
	out->bits = bits;
	out->size = (uint32_t)size;
	out->ok = true;
}

/* A struct's size in the kernel's BTF, or 0. */
static int64_t struct_size(const struct userbpf_btf *k, const char *name)
{
	int64_t id = ub_btf_find_by_name_kind(k, name, USERBPF_BTF_KIND_STRUCT);

	return id > 0 ? ub_btf_resolve_size(k, (uint32_t)id) : 0;
}

static bool ko_ready;

bool kf_obj_init(const struct userbpf_btf *k)
{
	static const struct {
		const char *name;
		int64_t room;
	} fit[] = { { "file", KO_FILE_SZ },	{ "dentry", KO_DENTRY_SZ },
		    { "inode", KO_INODE_SZ },	{ "super_block", KO_SB_SZ },
		    { "socket", KO_SOCKET_SZ }, { "inet_sock", KO_SOCK_SZ },
		    { "kiocb", KF_KIOCB_SZ },	{ "iov_iter", KF_IOV_ITER_SZ } };
	size_t i;

	if (!k)
		return false;
	for (i = 0; i < sizeof(fit) / sizeof(fit[0]); i++)
		if (struct_size(k, fit[i].name) > fit[i].room)
			return false;
	for (i = 0; i < KO_NFIELDS; i++)
		resolve(k, ko_desc[i].type, ko_desc[i].path, &ko_off[i]);
	ko_ready = true;
	return true;
}

/* A value into field f of obj (bitfields bit by bit, little-endian). */
static void put(uint8_t *obj, enum ko_field f, uint64_t v)
{
	const struct ko_off *o = &ko_off[f];
	uint32_t i;

	if (!o->ok)
		return;
	if (o->bits) {
		for (i = 0; i < o->bits && i < 64; i++) {
			uint8_t *b = obj + (o->bit + i) / 8,
				mask = (uint8_t)(1u << ((o->bit + i) % 8));

			*b = (uint8_t)((v >> i) & 1 ? *b | mask : *b & ~mask);
		}
		return;
	}
	memcpy(obj + o->bit / 8, &v, o->size < 8 ? o->size : 8);
}

static void put_bytes(uint8_t *obj, enum ko_field f, const void *p, size_t n)
{
	const struct ko_off *o = &ko_off[f];

	if (o->ok && !o->bits && o->size >= n)
		memcpy(obj + o->bit / 8, p, n);
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ==== The tables ==== */

struct ko_dent {
	uint8_t dentry[KO_DENTRY_SZ];
	uint8_t inode[KO_INODE_SZ];
	char name[KO_NAME_MAX];
};

struct ko_file {
	uint8_t file[KO_FILE_SZ];
	int fd; /* the descriptor its name was read for, -1 none */
	uint64_t dev, ino;
	char name[KO_NAME_MAX];
};

struct ko_sock {
	uint8_t socket[KO_SOCKET_SZ];
	uint8_t sock[KO_SOCK_SZ];
	int tcp_state;
};

static struct ko_dent ko_dents[KO_NDENT] __attribute__((aligned(64)));
static uint8_t ko_sbs[KO_NSB][KO_SB_SZ] __attribute__((aligned(64)));
static struct ko_file ko_files[KO_NFILE] __attribute__((aligned(64)));
static struct ko_sock ko_socks[KO_NSOCK] __attribute__((aligned(64)));
static uint8_t ko_zero[256] __attribute__((aligned(64))); /* nop_mnt_idmap, vfsmount */
/* directories' inodes given as a function's dir argument: a table of
 * their own, so the dentry built next to one never lands on it */
#define KO_NDIR 8
static uint8_t ko_dirs[KO_NDIR][KO_INODE_SZ] __attribute__((aligned(64)));

long kf_sys(long nr, long a1, long a2, long a3, long a4, long a5)
{
	return probe_sc_gate(nr, a1, a2, a3, a4, a5, 0);
}

uint64_t kf_obj_idmap(void)
{
	return ptr(ko_zero);
}

/* The kernel's dev_t (MKDEV: major << 20 | minor) of a user dev_t. */
static uint64_t kdev(dev_t d)
{
	return ((uint64_t)major(d) << 20) | minor(d);
}

static uint8_t *sb_of(dev_t dev)
{
	uint8_t *sb = ko_sbs[kdev(dev) % KO_NSB];

	memset(sb, 0, KO_SB_SZ);
	put(sb, KO_SB_DEV, kdev(dev));
	return sb;
}

static struct ko_dent *dent_slot(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ull ^ kdev(st->st_dev);

	return &ko_dents[(h >> 32) % KO_NDENT];
}

static void fill_inode(uint8_t *in, const struct stat *st)
{
	memset(in, 0, KO_INODE_SZ);
	put(in, KO_INODE_MODE, st->st_mode);
	put(in, KO_INODE_UID, st->st_uid);
	put(in, KO_INODE_GID, st->st_gid);
	put(in, KO_INODE_INO, st->st_ino);
	put(in, KO_INODE_SB, ptr(sb_of(st->st_dev)));
	put(in, KO_INODE_RDEV, kdev(st->st_rdev));
	put(in, KO_INODE_SIZE, (uint64_t)st->st_size);
	put(in, KO_INODE_NLINK, st->st_nlink);
}

uint64_t kf_obj_dentry(const struct stat *st, const char *name, bool negative)
{
	struct ko_dent *d = dent_slot(st);
	size_t len = strnlen(name, KO_NAME_MAX - 1);

	if (!ko_ready)
		return 0;
	memset(d->dentry, 0, sizeof(d->dentry));
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	fill_inode(d->inode, st);
	put(d->dentry, KO_DENTRY_LEN, len);
	put(d->dentry, KO_DENTRY_NAME, ptr(d->name));
	put(d->dentry, KO_DENTRY_INODE, negative ? 0 : ptr(d->inode));
	put(d->dentry, KO_DENTRY_PARENT, ptr(d->dentry)); /* a root: walks stop here */
	put(d->dentry, KO_DENTRY_SB, ptr(sb_of(st->st_dev)));
	return ptr(d->dentry);
}

uint64_t kf_obj_dir_inode(const struct stat *st)
{
	uint8_t *in = ko_dirs[(st->st_ino ^ kdev(st->st_dev)) % KO_NDIR];

	if (!ko_ready)
		return 0;
	fill_inode(in, st);
	return ptr(in);
}

uint64_t kf_obj_inode(const struct stat *st)
{
	struct ko_dent *d = dent_slot(st);

	if (!ko_ready)
		return 0;
	fill_inode(d->inode, st);
	return ptr(d->inode);
}

/* The dentry name of what /proc/self/fd/N links to: a path's last
 * component; the protocol's name for a socket (sock_alloc_file names
 * the dentry after sk_prot_creator->name), "" for a pipe, the name of an
 * anonymous inode ("[eventfd]"). */
static void fd_name(int fd, char *out, size_t size)
{
	char p[40], link[KO_NAME_MAX + 64];
	const char *base;
	long n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = kf_sys(SYS_readlinkat, AT_FDCWD, (long)(uintptr_t)p, (long)(uintptr_t)link,
		   sizeof(link) - 1, 0);
	out[0] = '\0';
	if (n <= 0)
		return;
	link[n] = '\0';
	if (!strncmp(link, "socket:", 7)) {
		int dom = 0, proto = 0, type = 0;
		socklen_t l = sizeof(int);

		kf_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, (long)(uintptr_t)&dom,
		       (long)(uintptr_t)&l);
		l = sizeof(int);
		kf_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PROTOCOL, (long)(uintptr_t)&proto,
		       (long)(uintptr_t)&l);
		l = sizeof(int);
		kf_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, (long)(uintptr_t)&type,
		       (long)(uintptr_t)&l);
		base = dom == AF_INET && proto == IPPROTO_TCP  ? "TCP" :
		       dom == AF_INET && proto == IPPROTO_UDP  ? "UDP" :
		       dom == AF_INET6 && proto == IPPROTO_TCP ? "TCPv6" :
		       dom == AF_INET6 && proto == IPPROTO_UDP ? "UDPv6" :
		       dom == AF_UNIX && type == SOCK_STREAM   ? "UNIX-STREAM" :
		       dom == AF_UNIX			       ? "UNIX" :
								 "";
	} else if (!strncmp(link, "pipe:", 5)) {
		base = "";
	} else if (!strncmp(link, "anon_inode:", 11)) {
		base = link + 11;
	} else {
		base = strrchr(link, '/');
		base = base && base[1] ? base + 1 : link;
	}
	n = (long)strnlen(base, size - 1);
	memmove(out, base, (size_t)n);
	out[n] = '\0';
}

/* fmode_t bits (include/linux/fs.h): stable since 4.x */
#define KF_FMODE_READ 0x1u
#define KF_FMODE_WRITE 0x2u
#define KF_FMODE_LSEEK 0x4u
#define KF_FMODE_PREAD 0x8u
#define KF_FMODE_PWRITE 0x10u
#define KF_FMODE_CAN_READ 0x20000u
#define KF_FMODE_CAN_WRITE 0x40000u
#define KF_FMODE_OPENED 0x80000u
#define KF_FMODE_CREATED 0x100000u

/* kf_obj_file, with f_flags as_flags instead of fd's own when not -1
 * (kf_obj_file_as). */
static uint64_t file_build(int fd, struct stat *stp, long *flagsp, long as_flags)
{
	struct ko_file *f;
	struct stat st;
	long flags;
	uint32_t mode;
	uint64_t dentry;

	if (!ko_ready || fd < 0 || kf_sys(SYS_fstat, fd, (long)(uintptr_t)&st, 0, 0, 0))
		return 0;
	if (stp)
		*stp = st;
	flags = as_flags != -1 ? as_flags : kf_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0);
	if (flags < 0)
		return 0;
	if (flagsp)
		*flagsp = flags;
	f = &ko_files[fd % KO_NFILE];
	if (f->fd != fd || f->dev != (uint64_t)st.st_dev || f->ino != (uint64_t)st.st_ino) {
		fd_name(fd, f->name, sizeof(f->name));
		f->fd = fd;
		f->dev = (uint64_t)st.st_dev;
		f->ino = (uint64_t)st.st_ino;
	}
	memset(f->file, 0, sizeof(f->file));
	dentry = kf_obj_dentry(&st, f->name, false);
	mode = KF_FMODE_OPENED;
	if ((flags & O_ACCMODE) != O_WRONLY)
		mode |= KF_FMODE_READ | KF_FMODE_CAN_READ;
	if ((flags & O_ACCMODE) != O_RDONLY)
		mode |= KF_FMODE_WRITE | KF_FMODE_CAN_WRITE;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))
		mode |= KF_FMODE_LSEEK | KF_FMODE_PREAD | KF_FMODE_PWRITE;
	if (flags & 010000000) /* O_PATH: FMODE_PATH only */
		mode = 0x4000u | KF_FMODE_OPENED;
	put(f->file, KO_FILE_FLAGS, (uint64_t)flags);
	put(f->file, KO_FILE_MODE, mode);
	put(f->file, KO_FILE_PATH_MNT, ptr(ko_zero));
	put(f->file, KO_FILE_PATH_DENTRY, dentry);
	put(f->file, KO_FILE_INODE, kf_obj_inode(&st));
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
		long pos = kf_sys(SYS_lseek, fd, 0, SEEK_CUR, 0, 0);

		put(f->file, KO_FILE_POS, pos < 0 ? 0 : (uint64_t)pos);
	}
	return ptr(f->file);
}

uint64_t kf_obj_file(int fd, struct stat *stp, long *flagsp)
{
	return file_build(fd, stp, flagsp, -1);
}

uint64_t kf_obj_file_as(int fd, long flags)
{
	return file_build(fd, NULL, NULL, flags);
}

void kf_obj_file_created(uint64_t file)
{
	uint8_t *f = (uint8_t *)(uintptr_t)file;
	const struct ko_off *o = &ko_off[KO_FILE_MODE];
	uint32_t mode = 0;

	if (!file || !o->ok || o->size < 4)
		return;
	memcpy(&mode, f + o->bit / 8, 4);
	put(f, KO_FILE_MODE, mode | KF_FMODE_CREATED);
}

uint64_t kf_obj_file_path(uint64_t file)
{
	const struct ko_off *o = &ko_off[KO_FILE_PATH];

	return file && o->ok ? file + o->bit / 8 : 0;
}

/* ==== Sockets ==== */

static int sockopt(int fd, int level, int name)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (kf_sys(SYS_getsockopt, fd, level, name, (long)(uintptr_t)&v, (long)(uintptr_t)&l))
		return 0;
	return v;
}

/* socket_state (include/uapi/linux/net.h) and the TCP states (net/tcp_states.h) */
#define KF_SS_UNCONNECTED 1
#define KF_SS_CONNECTING 2
#define KF_SS_CONNECTED 3
#define KF_TCP_ESTABLISHED 1
#define KF_TCP_CLOSE 7

uint64_t kf_obj_socket(int fd, int *family, int *type, int *protocol)
{
	struct sockaddr_storage la, ra;
	socklen_t ll = sizeof(la), rl = sizeof(ra);
	struct ko_sock *s;
	struct stat st;
	bool peer;
	int state;

	if (!ko_ready || fd < 0 || kf_sys(SYS_fstat, fd, (long)(uintptr_t)&st, 0, 0, 0) ||
	    !S_ISSOCK(st.st_mode))
		return 0;
	s = &ko_socks[st.st_ino % KO_NSOCK];
	memset(s->socket, 0, sizeof(s->socket));
	memset(s->sock, 0, sizeof(s->sock));
	*family = sockopt(fd, SOL_SOCKET, SO_DOMAIN);
	*type = sockopt(fd, SOL_SOCKET, SO_TYPE);
	*protocol = sockopt(fd, SOL_SOCKET, SO_PROTOCOL);
	memset(&la, 0, sizeof(la));
	memset(&ra, 0, sizeof(ra));
	kf_sys(SYS_getsockname, fd, (long)(uintptr_t)&la, (long)(uintptr_t)&ll, 0, 0);
	peer = !kf_sys(SYS_getpeername, fd, (long)(uintptr_t)&ra, (long)(uintptr_t)&rl, 0, 0);
	if (*protocol == IPPROTO_TCP) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);

		memset(&ti, 0, sizeof(ti));
		state = kf_sys(SYS_getsockopt, fd, IPPROTO_TCP, TCP_INFO, (long)(uintptr_t)&ti,
			       (long)(uintptr_t)&tl) ?
				KF_TCP_CLOSE :
				ti.tcpi_state;
	} else {
		state = peer ? KF_TCP_ESTABLISHED : KF_TCP_CLOSE;
	}
	s->tcp_state = state;
	put(s->socket, KO_SOCKET_STATE,
	    peer			  ? KF_SS_CONNECTED :
	    state == 2 /* TCP_SYN_SENT */ ? KF_SS_CONNECTING :
					    KF_SS_UNCONNECTED);
	put(s->socket, KO_SOCKET_TYPE, (uint64_t)*type);
	put(s->socket, KO_SOCKET_SK, ptr(s->sock));
	put(s->sock, KO_SK_FAMILY, (uint64_t)*family);
	put(s->sock, KO_SK_STATE, (uint64_t)state);
	put(s->sock, KO_SK_PROTOCOL, (uint64_t)*protocol);
	put(s->sock, KO_SK_TYPE, (uint64_t)*type);
	put(s->sock, KO_SK_SOCKET, ptr(s->socket));
	put(s->sock, KO_SK_REUSE, sockopt(fd, SOL_SOCKET, SO_REUSEADDR) ? 1 : 0);
	put(s->sock, KO_SK_REUSEPORT, sockopt(fd, SOL_SOCKET, SO_REUSEPORT) ? 1 : 0);
	put(s->sock, KO_SK_BOUND_DEV_IF, (uint64_t)(uint32_t)sockopt(fd, SOL_SOCKET, 62));
	if (*family == AF_INET) {
		const struct sockaddr_in *l4 = (const void *)&la, *r4 = (const void *)&ra;

		put(s->sock, KO_SK_RCV_SADDR, l4->sin_addr.s_addr);
		put(s->sock, KO_INET_SADDR, l4->sin_addr.s_addr);
		put(s->sock, KO_SK_NUM, ntohs(l4->sin_port));
		put(s->sock, KO_INET_SPORT, l4->sin_port);
		if (peer) {
			put(s->sock, KO_SK_DADDR, r4->sin_addr.s_addr);
			put(s->sock, KO_SK_DPORT, r4->sin_port);
		}
	} else if (*family == AF_INET6) {
		const struct sockaddr_in6 *l6 = (const void *)&la, *r6 = (const void *)&ra;

		put_bytes(s->sock, KO_SK_V6_RCV_SADDR, &l6->sin6_addr, 16);
		put(s->sock, KO_SK_NUM, ntohs(l6->sin6_port));
		put(s->sock, KO_INET_SPORT, l6->sin6_port);
		if (peer) {
			put_bytes(s->sock, KO_SK_V6_DADDR, &r6->sin6_addr, 16);
			put(s->sock, KO_SK_DPORT, r6->sin6_port);
		}
	}
	return ptr(s->socket);
}

uint64_t kf_obj_sock_of(uint64_t socket)
{
	return socket ? ptr(((struct ko_sock *)(uintptr_t)socket)->sock) : 0;
}

int kf_obj_sock_state(uint64_t socket)
{
	return socket ? ((struct ko_sock *)(uintptr_t)socket)->tcp_state : 0;
}

void kf_obj_sock_set_peer(uint64_t socket, const void *sa, int len)
{
	struct ko_sock *s = (struct ko_sock *)(uintptr_t)socket;
	struct sockaddr_in6 a;

	if (!socket || len < 2)
		return;
	memset(&a, 0, sizeof(a));
	memcpy(&a, sa, (size_t)len < sizeof(a) ? (size_t)len : sizeof(a));
	if (a.sin6_family == AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *a4 = (const void *)&a;

		put(s->sock, KO_SK_DADDR, a4->sin_addr.s_addr);
		put(s->sock, KO_SK_DPORT, a4->sin_port);
	} else if (a.sin6_family == AF_INET6 && len >= (int)sizeof(struct sockaddr_in6)) {
		put_bytes(s->sock, KO_SK_V6_DADDR, &a.sin6_addr, 16);
		put(s->sock, KO_SK_DPORT, a.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr)) /* tcp_v4_connect's view */
			put(s->sock, KO_SK_DADDR, a.sin6_addr.s6_addr32[3]);
	}
}

/* ==== File systems ==== */

void kf_obj_kiocb(void *kiocb, void *iter, uint64_t file, int64_t pos, uint64_t count)
{
	memset(kiocb, 0, KF_KIOCB_SZ);
	memset(iter, 0, KF_IOV_ITER_SZ);
	put(kiocb, KO_KIOCB_FILP, file);
	put(kiocb, KO_KIOCB_POS, (uint64_t)pos);
	put(iter, KO_IOV_ITER_COUNT, count);
}

/* The file system magic of a few devices, as statfs gave it (a device
 * keeps its file system while mounted). */
static struct {
	uint64_t dev;
	long magic;
} fs_cache[16];

long kf_obj_fs_magic(uint64_t dev, long nr, long arg1)
{
	struct statfs_k {
		long f_type;
		long rest[15];
	} sfs;
	unsigned i, slot = (unsigned)(dev % 16);

	for (i = 0; i < 16; i++)
		if (fs_cache[i].magic && fs_cache[i].dev == dev)
			return fs_cache[i].magic;
	if (kf_sys(nr, arg1, (long)(uintptr_t)&sfs, 0, 0, 0))
		return 0;
	fs_cache[slot].dev = dev;
	fs_cache[slot].magic = sfs.f_type;
	return sfs.f_type;
}

void kf_obj_sk_set_state(uint64_t sk, int state)
{
	if (sk)
		put((uint8_t *)(uintptr_t)sk, KO_SK_STATE, (uint64_t)state);
}
