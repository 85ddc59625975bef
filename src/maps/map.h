/* SPDX-License-Identifier: MIT */
/*
 * maps/map.h - internal interface of the maps layer.
 *
 * Owns: struct ub_map (the object behind the public struct userbpf_map),
 * the per-type vtable struct ub_map_ops, the enum-indexed registry
 * ub_map_ops_by_type[] / ub_map_type_names[], the program-side entry
 * points the helper layer calls (ub_map_lookup_elem() returns a pointer
 * into the map, like the kernel helper), the CPU-id hooks used by per-CPU
 * maps, a small RCU-like grace-period facility, and shared utilities
 * (kernel-identical jhash, race-tolerant value copies, spinlocks).
 *
 * Does not own: file descriptors, BTF, the verifier's view of maps.
 */
#ifndef USERBPF_MAPS_MAP_H
#define USERBPF_MAPS_MAP_H

#include "util/ubc.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/map.h"

#define UB_ENOTSUPP USERBPF_ENOTSUPP
#define UB_OBJ_NAME_LEN 16
#define UB_PAGE_SIZE 4096u
/* Kernel limits we mirror. */
#define UB_KMALLOC_MAX_SIZE (4u << 20) /* x86-64 SLUB: 4 MiB */
#define UB_PCPU_MIN_UNIT_SIZE (32u << 10)
#define UB_NUMA_NO_NODE (-1)

#define UB_F_ACCESS_MASK                                                                           \
	(USERBPF_F_RDONLY | USERBPF_F_RDONLY_PROG | USERBPF_F_WRONLY | USERBPF_F_WRONLY_PROG)

/* fmode bits: what a handle may do from the syscall side. */
#define UB_FMODE_READ 1u
#define UB_FMODE_WRITE 2u

static inline uint32_t ub_round_up(uint32_t x, uint32_t align)
{
	return (x + align - 1) / align * align;
}

static inline uint64_t ub_roundup_pow2_u64(uint64_t x)
{
	if (x <= 1)
		return 1;
	return 1ULL << (64 - __builtin_clzll(x - 1));
}

/* ==== Spinlock (test-and-test-and-set, acquire/release) ==== */

typedef struct {
	atomic_int locked;
} ub_spinlock_t;

static inline void ub_spin_lock(ub_spinlock_t *l)
{
	for (;;) {
		if (!atomic_exchange_explicit(&l->locked, 1, memory_order_acquire))
			return;
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			ub_cpu_relax();
	}
}

static inline bool ub_spin_trylock(ub_spinlock_t *l)
{
	return !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire);
}

static inline void ub_spin_unlock(ub_spinlock_t *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

/* ==== The map object ==== */

struct ub_map;
struct ub_map_ops;

/* Creation attributes, after userbpf_map__create() unpacked its options. */
struct ub_map_attr {
	uint32_t map_type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t map_extra;
	int numa_node;		  /* UB_NUMA_NO_NODE unless F_NUMA_NODE */
	struct ub_map *inner_map; /* map-in-map template, or NULL */
};

/* One batch command, pointers straight from the caller. */
struct ub_map_batch {
	const void *in_batch;
	void *out_batch;
	void *keys;
	void *values;
	uint32_t *count;
	uint64_t elem_flags;
	uint64_t flags;
};

/*
 * bpf_for_each_map_elem() callback: returns 0 to continue, 1 to stop.
 * value is the calling CPU's slot for per-CPU maps.
 */
typedef long (*ub_map_for_each_cb)(struct ub_map *map, const void *key, void *value, void *ctx);

struct ub_map {
	const struct ub_map_ops *ops;
	uint32_t map_type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t map_extra;
	int numa_node;
	uint32_t id;
	char name[UB_OBJ_NAME_LEN];
	atomic_int refcnt;
	atomic_bool frozen;
	atomic_long writecnt; /* active syscall writers + writable mmaps */
	unsigned fmode;	      /* UB_FMODE_* from RDONLY/WRONLY at create */
	ub_spinlock_t freeze_lock;
	/* bpf_spin_lock in the value: offset + 1, or 0 (BPF_F_LOCK -> EINVAL) */
	uint32_t spin_lock_off1;
	/* Map-in-map: template copied at create (its type/sizes/flags). */
	struct ub_map *inner_map_meta;
	bool inner_map_meta_owned;
};

/*
 * The vtable.  Program-side operations (lookup, update, delete, push,
 * pop, peek, for_each) may run on many threads at once, concurrently with
 * the syscall-side ones.  Every int-returning op returns 0 or -errno.
 * A NULL op means "not supported" with the kernel's errno for that slot
 * (see map.c).
 */
/*
 * A program-side lookup without the helper, for the JIT (the kernel's
 * map_gen_lookup and its direct map_lookup_elem calls): UB_DIRECT_ARRAY:
 * the value of u32 index i is base + i * stride for i < max_entries, else
 * none; UB_DIRECT_CALL: fn(map, key), exactly what the helper does in an
 * unchecked run.  Valid for the map's lifetime.
 */
enum ub_direct_kind { UB_DIRECT_NONE, UB_DIRECT_CALL, UB_DIRECT_ARRAY };
struct ub_map_direct {
	enum ub_direct_kind kind;
	void *(*fn)(struct ub_map *map, const void *key);
	unsigned char *base;
	uint32_t stride;
	uint32_t max_entries;
};

struct ub_map_ops {
	/* Validate attributes before allocation (kernel map_alloc_check). */
	int (*alloc_check)(const struct ub_map_attr *attr);
	/* Allocate the type's object, whose first member is struct ub_map. */
	int (*alloc)(const struct ub_map_attr *attr, struct ub_map **out);
	void (*free)(struct ub_map *map);

	/* Program side: pointer to the value in place, or NULL. */
	void *(*lookup)(struct ub_map *map, const void *key);
	/* Program side update (per-CPU maps: this CPU's slot only). */
	int (*update)(struct ub_map *map, const void *key, const void *value, uint64_t flags);
	int (*delete)(struct ub_map *map, const void *key);
	int (*get_next_key)(struct ub_map *map, const void *key, void *next_key);
	/* Syscall side; value in the syscall layout. */
	int (*lookup_and_delete)(struct ub_map *map, const void *key, void *value, uint64_t flags);
	int (*push)(struct ub_map *map, const void *value, uint64_t flags);
	int (*pop)(struct ub_map *map, void *value);
	int (*peek)(struct ub_map *map, void *value);

	/*
	 * Syscall-side copies in the syscall value layout (per-CPU: every
	 * CPU; fd maps: u32 handles).  NULL: lookup + copy value_size bytes,
	 * and update() respectively.
	 */
	int (*sys_lookup)(struct ub_map *map, const void *key, void *value, uint64_t flags);
	int (*sys_update)(struct ub_map *map, const void *key, const void *value, uint64_t flags);

	/* Batch operations; NULL → ENOTSUPP. */
	int (*lookup_batch)(struct ub_map *map, const struct ub_map_batch *b);
	int (*lookup_and_delete_batch)(struct ub_map *map, const struct ub_map_batch *b);
	int (*update_batch)(struct ub_map *map, const struct ub_map_batch *b);
	int (*delete_batch)(struct ub_map *map, const struct ub_map_batch *b);

	/* How the JIT may inline lookups (NULL: call lookup); see below. */
	void (*direct_lookup)(struct ub_map *map, struct ub_map_direct *d);
	/* mmap-able storage (BPF_F_MMAPABLE arrays, ring buffers). */
	void *(*mmap_ptr)(struct ub_map *map, size_t *size);
	/* bpf_for_each_map_elem(): number of elements visited, or -errno. */
	long (*for_each)(struct ub_map *map, ub_map_for_each_cb cb, void *ctx, uint64_t flags);
	/* Inner-map compatibility beyond the generic rule, or NULL. */
	bool (*meta_equal)(const struct ub_map *meta, const struct ub_map *map);
};

/* Registry: enum-indexed by map type; names as bpftool prints them. */
extern const struct ub_map_ops *const ub_map_ops_by_type[USERBPF_MAP_TYPE_MAX];
extern const char *const ub_map_type_names[USERBPF_MAP_TYPE_MAX];

extern const struct ub_map_ops ub_array_map_ops;
extern const struct ub_map_ops ub_percpu_array_map_ops;
extern const struct ub_map_ops ub_hash_map_ops;
extern const struct ub_map_ops ub_stack_trace_map_ops;
extern const struct ub_map_ops ub_percpu_hash_map_ops;
extern const struct ub_map_ops ub_lru_hash_map_ops;
extern const struct ub_map_ops ub_lru_percpu_hash_map_ops;
extern const struct ub_map_ops ub_queue_map_ops;
extern const struct ub_map_ops ub_stack_map_ops;
extern const struct ub_map_ops ub_lpm_trie_map_ops;
extern const struct ub_map_ops ub_bloom_map_ops;
extern const struct ub_map_ops ub_ringbuf_map_ops;
extern const struct ub_map_ops ub_perf_event_array_map_ops UB_HOST_OPTIONAL;
extern const struct ub_map_ops ub_prog_array_map_ops;
extern const struct ub_map_ops ub_cgroup_array_map_ops UB_HOST_OPTIONAL;
extern const struct ub_map_ops ub_array_of_maps_map_ops;
extern const struct ub_map_ops ub_hash_of_maps_map_ops;
extern const struct ub_map_ops ub_sockmap_map_ops;
extern const struct ub_map_ops ub_sockhash_map_ops;
extern const struct ub_map_ops ub_user_ringbuf_map_ops;

static inline struct ub_map *ub_map_from(const struct userbpf_map *map)
{
	return (struct ub_map *)map;
}

static inline struct userbpf_map *ub_map_to_public(struct ub_map *map)
{
	return (struct userbpf_map *)map;
}

/* Fill the common part of a freshly allocated map from attr. */
void ub_map_init_from_attr(struct ub_map *map, const struct ub_map_attr *attr);
/* Kernel bpf_map_flags_access_ok(). */
bool ub_map_flags_access_ok(uint32_t flags);

struct ub_map *ub_map_get(struct ub_map *map);
void ub_map_put(struct ub_map *map);
/* A new reference unless the last one is already gone (the map is being
 * destroyed): map, or NULL.  The caller keeps the memory valid otherwise
 * (a lock the destroying side takes before freeing it). */
struct ub_map *ub_map_get_unless_zero(struct ub_map *map);
/* Map by ID with a new reference, or NULL. */
struct ub_map *ub_map_get_by_id(uint32_t id);

/* ==== CPUs ==== */

int ub_num_possible_cpus(void);
/*
 * The CPU a per-CPU map slot is chosen by: the thread's override if one
 * is set (ub_set_current_cpu(n), n < 0 clears it), else sched_getcpu()
 * clamped to [0, possible CPUs).  The VM pins one value per program run.
 */
int ub_current_cpu(void);
void ub_set_current_cpu(int cpu);
/*
 * Per-CPU slots shared with other processes whose maps live in the same
 * shared memory (a launch domain): the runs' slot words move to mem
 * (ub_map_run_slots_size() bytes, zeroed, 64-byte aligned, mapped in
 * every such process), so a slot is exclusive across the processes as
 * within one.  Runs then announce RCU readers through the process's
 * counters, not the shared word (grace periods stay per process).  Call
 * before the first run.
 */
size_t ub_map_run_slots_size(void);
void ub_map_share_run_slots(void *mem);
/* Shared slots: a run marks its busy slot with tag (the process id); a
 * slot whose tag dead() names a dead owner (killed mid-run) is freed by
 * ub_map_run_slots_reclaim(), which a claim finding every slot busy also
 * calls.  Returns the number freed. */
void ub_map_run_slots_owner(uint32_t tag, bool (*dead)(uint32_t tag));
int ub_map_run_slots_reclaim(void);

/* ==== Program-side entry points (the helpers call these) ==== */

void *ub_map_lookup_elem(struct ub_map *map, const void *key);
void ub_map_direct_lookup(struct ub_map *map, struct ub_map_direct *d);
/* Whether ptr is a map of this process that has not been freed. */
bool ub_map_is_live(const void *ptr);
long ub_map_update_elem(struct ub_map *map, const void *key, const void *value, uint64_t flags);
long ub_map_delete_elem(struct ub_map *map, const void *key);
long ub_map_push_elem(struct ub_map *map, const void *value, uint64_t flags);
long ub_map_pop_elem(struct ub_map *map, void *value);
long ub_map_peek_elem(struct ub_map *map, void *value);
long ub_map_for_each_elem(struct ub_map *map, ub_map_for_each_cb cb, void *ctx, uint64_t flags);

/* ==== Syscall side with an explicit fmode (for the bpf() fd layer) ==== */

/* Read/write rights of a handle opened with fmode, minus write if frozen. */
unsigned ub_map_sys_perms(const struct ub_map *map, unsigned fmode);
/* fmode implied by the map's own RDONLY/WRONLY flags. */
unsigned ub_map_default_fmode(const struct ub_map *map);
/* Syscall value size (see userbpf_map__sys_value_size()). */
uint32_t ub_map_sys_value_size(const struct ub_map *map);
/* bpf_map_copy_value(): one element in the syscall layout. */
int ub_map_copy_value(struct ub_map *map, const void *key, void *value, uint64_t flags);
/* bpf_map_update_value(). */
int ub_map_update_value(struct ub_map *map, const void *key, const void *value, uint64_t flags);

int ub_map_sys_lookup_elem(struct ub_map *map, unsigned fmode, const void *key, void *value,
			   uint64_t flags);
int ub_map_sys_update_elem(struct ub_map *map, unsigned fmode, const void *key, const void *value,
			   uint64_t flags);
int ub_map_sys_delete_elem(struct ub_map *map, unsigned fmode, const void *key);
int ub_map_sys_get_next_key(struct ub_map *map, unsigned fmode, const void *key, void *next_key);
int ub_map_sys_lookup_and_delete_elem(struct ub_map *map, unsigned fmode, const void *key,
				      void *value, uint64_t flags);
int ub_map_sys_freeze(struct ub_map *map, unsigned fmode);
/* cmd: 0 lookup, 1 lookup_and_delete, 2 update, 3 delete. */
int ub_map_sys_batch(struct ub_map *map, unsigned fmode, int cmd, const struct ub_map_batch *b);

/* array_map_get_next_key(): index order; a missing or out-of-range key
 * restarts at 0 (shared by the array and fd-array maps). */
int ub_array_get_next_key(struct ub_map *map, const void *key, void *next_key);

/* Generic batch implementations (kernel generic_map_*_batch). */
int ub_map_generic_lookup_batch(struct ub_map *map, const struct ub_map_batch *b);
int ub_map_generic_update_batch(struct ub_map *map, const struct ub_map_batch *b);
int ub_map_generic_delete_batch(struct ub_map *map, const struct ub_map_batch *b);

/* Writable mmap accounting: freeze fails with EBUSY while one exists. */
int ub_map_mmap_writable_get(struct ub_map *map);
void ub_map_mmap_writable_put(struct ub_map *map);

/* ==== Handles stored in maps (map-in-map, prog array, perf array) ==== */

/*
 * Programs are opaque to the maps layer.  The VM registers how to take
 * and drop a reference on one, and how to turn a syscall-side u32 handle
 * (fd or ID, its choice) into a referenced program.  Without ops,
 * syscall-side prog-array updates fail with EBADF.
 */
struct ub_prog_ref_ops {
	void (*get)(void *prog);
	void (*put)(void *prog);
	/* Resolve a handle: referenced program + its ID, or NULL + *err. */
	void *(*from_handle)(uint32_t handle, uint32_t *prog_id, int *err);
};
void ub_prog_array_set_ref_ops(const struct ub_prog_ref_ops *ops);
/* Store prog (NULL clears) at index with a new reference. 0 or -errno. */
int ub_prog_array_set(struct ub_map *map, uint32_t index, void *prog, uint32_t prog_id);
/* Tail-call target at index, or NULL; valid inside an RCU read section. */
void *ub_prog_array_get(struct ub_map *map, uint32_t index);

/* Resolver for map handles stored in map-in-map values (default: IDs). */
typedef struct ub_map *(*ub_map_handle_resolver)(uint32_t handle, int *err);
void ub_map_set_handle_resolver(ub_map_handle_resolver fn);
struct ub_map *ub_map_from_handle(uint32_t handle, int *err);
/* bpf_map_meta_equal() plus the array max_entries rule. */
bool ub_map_meta_equal(const struct ub_map *meta, const struct ub_map *map);

/* ==== Ring buffer and perf event array (program side) ==== */

void *ub_ringbuf_reserve(struct ub_map *map, uint64_t size, uint64_t flags);
void ub_ringbuf_submit(void *sample, uint64_t flags);
void ub_ringbuf_discard(void *sample, uint64_t flags);
/*
 * Commit a record of this ring (the ring is given, not read from the
 * record header): -EINVAL when sample is not a reserved, uncommitted
 * record of map, which is then left untouched.
 */
int ub_ringbuf_commit(struct ub_map *map, void *sample, uint64_t flags, bool discard);
long ub_ringbuf_output(struct ub_map *map, const void *data, uint64_t size, uint64_t flags);
uint64_t ub_ringbuf_query(struct ub_map *map, uint64_t flags);
/* bpf_perf_event_output(): flags' low 32 bits are the index. */
long ub_perf_event_output(struct ub_map *map, uint64_t flags, const void *data, uint64_t size);

/* ==== Grace periods ====
 *
 * Program runs hold an RCU-like read section; objects a program may still
 * be using (inner maps, tail-call programs) are released only after
 * ub_map_rcu_synchronize() returns.  Read sections nest and are cheap.
 */
void ub_map_rcu_read_lock(void);
void ub_map_rcu_read_unlock(void);
void ub_map_rcu_synchronize(void);
/* Depth of this thread's read sections (0: outside any). */
unsigned ub_map_rcu_nesting(void);
/*
 * Run fn(arg) after a grace period.  Queued work runs at the end of the
 * next syscall-side command (outside every map lock) or when a map is
 * freed; ub_map_defer_flush() forces it.  May be called under locks.
 */
void ub_map_defer(void (*fn)(void *), void *arg);
void ub_map_defer_flush(void);

/* ==== Utilities ==== */

/* The kernel's __jhash_final(): the hash c of the last block a, b, c. */
static inline uint32_t ub_jhash_final(uint32_t a, uint32_t b, uint32_t c)
{
/* One step: x ^= y; x -= y rotated left by s. */
#define UB_JHASH_MIX(x, y, s)                                                                      \
	do {                                                                                       \
		x ^= y;                                                                            \
		x -= ((y) << (s)) | ((y) >> (32 - (s)));                                           \
	} while (0)
	UB_JHASH_MIX(c, b, 14);
	UB_JHASH_MIX(a, c, 11);
	UB_JHASH_MIX(b, a, 25);
	UB_JHASH_MIX(c, b, 16);
	UB_JHASH_MIX(a, c, 4);
	UB_JHASH_MIX(b, a, 14);
	UB_JHASH_MIX(c, b, 24);
#undef UB_JHASH_MIX
	return c;
}

/* jhash2() of one or two words, inline (the 4- and 8-byte key lookups). */
static inline uint32_t ub_jhash_1word(uint32_t w0, uint32_t initval)
{
	uint32_t a = 0xdeadbeef + 4 + initval;

	return ub_jhash_final(a + w0, a, a);
}

static inline uint32_t ub_jhash_2words(uint32_t w0, uint32_t w1, uint32_t initval)
{
	uint32_t a = 0xdeadbeef + 8 + initval;

	return ub_jhash_final(a + w0, a + w1, a);
}

uint32_t ub_jhash(const void *key, uint32_t length, uint32_t initval);
uint32_t ub_jhash2(const uint32_t *k, uint32_t length, uint32_t initval);
/* htab_map_hash(): jhash2 for multiples of 4 bytes, else jhash. */
static inline uint32_t ub_map_hash(const void *key, uint32_t len, uint32_t seed)
{
	if (len % 4 == 0)
		return ub_jhash2((const uint32_t *)key, len / 4, seed);
	return ub_jhash(key, len, seed);
}
uint32_t ub_map_random_u32(void);

/*
 * Copies between map storage (8-byte aligned) and caller memory, done with
 * relaxed atomic accesses so that concurrent program-side atomics on the
 * same value are data-race free (values may tear between words, as in
 * the kernel).
 */
void ub_map_copy_from(void *dst, const void *map_src, size_t size);
void ub_map_copy_to(void *map_dst, const void *src, size_t size);
void ub_map_zero(void *map_dst, size_t size);

/*
 * The map id table's memory is this process's alone (a launch domain
 * frees it when the process is killed, src/domain/arena.c):
 * ub_map_ids_mem_each calls fn(its memory) under the table's lock (a lock
 * taken before the domain's); ub_map_ids_forget, in a child forked
 * without exec (src/launch/sync.c), starts an empty table of the child's
 * own, never touching the parent's.
 */
void ub_map_ids_mem_each(void (*fn)(void *mem));
void ub_map_ids_forget(void);

#endif /* USERBPF_MAPS_MAP_H */
