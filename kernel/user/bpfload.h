/* SPDX-License-Identifier: MIT */
/*
 * kernel/user/bpfload.h - a small eBPF object loader for the kernel's
 * user programs, doing what libbpf does on Linux with the same system
 * calls: parse a clang-compiled .bpf.o (ELF64, BTF-defined maps in .maps,
 * .rodata as a frozen array map, programs per SEC("kprobe/<func>") and
 * SEC("kretprobe/<func>")), create the maps, relocate the map references
 * and load each program with BPF_PROG_LOAD.
 */
#ifndef KERNEL_USER_BPFLOAD_H
#define KERNEL_USER_BPFLOAD_H
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BO_MAX_MAPS 8
#define BO_MAX_PROGS 8

struct bo_map {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t type, key_size, value_size, max_entries, flags;
	int shndx;	  /* a data section (.rodata ...) backs it, or -1 */
	const void *init; /* initial value of a data map */
	int fd;
};

struct bo_prog {
	char name[64];
	const char *sec;
	const char *func; /* the probed kernel function */
	bool is_ret;
	uint32_t type;
	int shndx;
	uint64_t off; /* in its section */
	size_t cnt;
	struct bpf_insn *insns;
	int fd;
};

struct bo_obj {
	const uint8_t *img;
	size_t size;
	const void *shdrs;
	unsigned shnum;
	const char *shstr;
	const void *syms;
	size_t nsyms;
	const char *strtab;
	char license[64];
	struct bo_map maps[BO_MAX_MAPS];
	int nmaps;
	struct bo_prog progs[BO_MAX_PROGS];
	int nprogs;
};

/** Parse an object image: 0 or a negative errno, with a message printed. */
int bo_open(struct bo_obj *obj, const void *img, size_t size);
/** Create the maps (BPF_MAP_CREATE, data maps filled and frozen). */
int bo_create_maps(struct bo_obj *obj);
/** Relocate and load one program; the verifier's log goes to log. */
int bo_load_prog(struct bo_obj *obj, struct bo_prog *prog, char *log, size_t log_size);
struct bo_map *bo_map_by_name(struct bo_obj *obj, const char *name);
struct bo_prog *bo_prog_by_name(struct bo_obj *obj, const char *name);

/* thin bpf() wrappers (return what the system call returns: >= 0 or -errno) */
long bpf_map_create(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
		    uint32_t max_entries, uint32_t flags);
long bpf_map_update(int fd, const void *key, const void *value, uint64_t flags);
long bpf_map_lookup(int fd, const void *key, void *value);
long bpf_map_delete(int fd, const void *key);
long bpf_map_next_key(int fd, const void *key, void *next);
long bpf_map_lookup_and_delete(int fd, const void *key, void *value);
long bpf_map_freeze(int fd);
long bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
			  uint32_t *count);
#endif
