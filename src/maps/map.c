/* SPDX-License-Identifier: MIT */
/*
 * maps/map.c - the map-type-independent half of the maps layer.
 *
 * Owns: the type registry, map creation (the checks of the kernel's
 * map_create() in its order), IDs and reference counts, the syscall-side
 * commands (map_lookup_elem(), map_update_elem(), ... of kernel/bpf/
 * syscall.c: access rights, freeze, key/value layout), the generic batch
 * operations, the program-side entry points, CPU numbering, grace periods
 * and the shared utilities declared in map.h.
 *
 * Does not own: any element storage (one file per map type does).
 *
 * Entry points: userbpf_map__create(), userbpf_map__*_elem(),
 * userbpf_map__*_batch(), userbpf_map__freeze(), ub_map_lookup_elem() ...
 */
#include "util/ubc.h"

#include "map.h"
#include "sock_map.h"
#include "util/alloc.h"
#include "util/platform_int.h"
#include "vm/vm_int.h"

/* ==== Registry ==== */

const struct ub_map_ops *const ub_map_ops_by_type[USERBPF_MAP_TYPE_MAX] = {
	[USERBPF_MAP_TYPE_HASH] = &ub_hash_map_ops,
	[USERBPF_MAP_TYPE_ARRAY] = &ub_array_map_ops,
	[USERBPF_MAP_TYPE_PROG_ARRAY] = &ub_prog_array_map_ops,
	[USERBPF_MAP_TYPE_PERF_EVENT_ARRAY] = &ub_perf_event_array_map_ops,
	[USERBPF_MAP_TYPE_PERCPU_HASH] = &ub_percpu_hash_map_ops,
	[USERBPF_MAP_TYPE_PERCPU_ARRAY] = &ub_percpu_array_map_ops,
	[USERBPF_MAP_TYPE_STACK_TRACE] = &ub_stack_trace_map_ops,
	[USERBPF_MAP_TYPE_LRU_HASH] = &ub_lru_hash_map_ops,
	[USERBPF_MAP_TYPE_LRU_PERCPU_HASH] = &ub_lru_percpu_hash_map_ops,
	[USERBPF_MAP_TYPE_LPM_TRIE] = &ub_lpm_trie_map_ops,
	[USERBPF_MAP_TYPE_ARRAY_OF_MAPS] = &ub_array_of_maps_map_ops,
	[USERBPF_MAP_TYPE_HASH_OF_MAPS] = &ub_hash_of_maps_map_ops,
	[USERBPF_MAP_TYPE_QUEUE] = &ub_queue_map_ops,
	[USERBPF_MAP_TYPE_STACK] = &ub_stack_map_ops,
	[USERBPF_MAP_TYPE_RINGBUF] = &ub_ringbuf_map_ops,
	[USERBPF_MAP_TYPE_BLOOM_FILTER] = &ub_bloom_map_ops,
	[USERBPF_MAP_TYPE_CGROUP_ARRAY] = &ub_cgroup_array_map_ops,
	[USERBPF_MAP_TYPE_SOCKMAP] = &ub_sockmap_map_ops,
	[USERBPF_MAP_TYPE_SOCKHASH] = &ub_sockhash_map_ops,
	[USERBPF_MAP_TYPE_USER_RINGBUF] = &ub_user_ringbuf_map_ops,
};

/* libbpf's map_type_name[] (what bpftool prints). */
const char *const ub_map_type_names[USERBPF_MAP_TYPE_MAX] = {
	[USERBPF_MAP_TYPE_UNSPEC] = "unspec",
	[USERBPF_MAP_TYPE_HASH] = "hash",
	[USERBPF_MAP_TYPE_ARRAY] = "array",
	[USERBPF_MAP_TYPE_PROG_ARRAY] = "prog_array",
	[USERBPF_MAP_TYPE_PERF_EVENT_ARRAY] = "perf_event_array",
	[USERBPF_MAP_TYPE_PERCPU_HASH] = "percpu_hash",
	[USERBPF_MAP_TYPE_PERCPU_ARRAY] = "percpu_array",
	[USERBPF_MAP_TYPE_STACK_TRACE] = "stack_trace",
	[USERBPF_MAP_TYPE_CGROUP_ARRAY] = "cgroup_array",
	[USERBPF_MAP_TYPE_LRU_HASH] = "lru_hash",
	[USERBPF_MAP_TYPE_LRU_PERCPU_HASH] = "lru_percpu_hash",
	[USERBPF_MAP_TYPE_LPM_TRIE] = "lpm_trie",
	[USERBPF_MAP_TYPE_ARRAY_OF_MAPS] = "array_of_maps",
	[USERBPF_MAP_TYPE_HASH_OF_MAPS] = "hash_of_maps",
	[14] = "devmap",
	[USERBPF_MAP_TYPE_SOCKMAP] = "sockmap",
	[16] = "cpumap",
	[17] = "xskmap",
	[USERBPF_MAP_TYPE_SOCKHASH] = "sockhash",
	[19] = "cgroup_storage",
	[20] = "reuseport_sockarray",
	[21] = "percpu_cgroup_storage",
	[USERBPF_MAP_TYPE_QUEUE] = "queue",
	[USERBPF_MAP_TYPE_STACK] = "stack",
	[24] = "sk_storage",
	[25] = "devmap_hash",
	[26] = "struct_ops",
	[USERBPF_MAP_TYPE_RINGBUF] = "ringbuf",
	[28] = "inode_storage",
	[29] = "task_storage",
	[USERBPF_MAP_TYPE_BLOOM_FILTER] = "bloom_filter",
	[USERBPF_MAP_TYPE_USER_RINGBUF] = "user_ringbuf",
	[32] = "cgrp_storage",
	[33] = "arena",
};

const char *userbpf_map_type_name(uint32_t map_type)
{
	if (map_type >= USERBPF_MAP_TYPE_MAX)
		return NULL;
	return ub_map_type_names[map_type];
}

static bool is_percpu_type(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_PERCPU_HASH || type == USERBPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == USERBPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool is_fd_map_type(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_PROG_ARRAY || type == USERBPF_MAP_TYPE_PERF_EVENT_ARRAY ||
	       type == USERBPF_MAP_TYPE_CGROUP_ARRAY || type == USERBPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       type == USERBPF_MAP_TYPE_HASH_OF_MAPS;
}

static bool is_queue_like(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_QUEUE || type == USERBPF_MAP_TYPE_STACK ||
	       type == USERBPF_MAP_TYPE_BLOOM_FILTER;
}

static bool is_hash_family(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_HASH || type == USERBPF_MAP_TYPE_PERCPU_HASH ||
	       type == USERBPF_MAP_TYPE_LRU_HASH || type == USERBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* ==== CPUs ==== */

static atomic_int possible_cpus;
static UB_TLS int cpu_override = -1;

/* The platform's possible CPUs (/sys/devices/system/cpu/possible hosted). */
static int read_possible_cpus(void)
{
	uint32_t n = ub_platform_cpu_count();

	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int ub_num_possible_cpus(void)
{
	int n = atomic_load_explicit(&possible_cpus, memory_order_relaxed);

	if (n > 0)
		return n;
	n = read_possible_cpus();
	atomic_store_explicit(&possible_cpus, n, memory_order_relaxed);
	return n;
}

int userbpf_num_possible_cpus(void)
{
	return ub_num_possible_cpus();
}

/*
 * Around every program run (installed into the VM with the first map):
 * a read-side critical section, so values and inner maps a program holds
 * outlive concurrent deletes, and a per-CPU slot owned by the run for its
 * whole length.  Threads migrate and outnumber CPUs, so the slot is not
 * simply the CPU the run started on: each slot has an ownership word that
 * the outermost run claims with one CAS (its current CPU's first, then
 * the slot it had last time and the others; if every slot is busy it yields
 * and tries again) and releases at exit.  Two runs therefore never share
 * a slot, so the kernel idiom "v = lookup(percpu, k); *v += 1" stays
 * exact.  Nested runs on the same thread (callbacks, a program run from
 * a helper) keep the slot.  A thread that chose its CPU with
 * ub_set_current_cpu() claims nothing.
 *
 * The same CAS is the run's RCU announcement: the word carries SLOT_READER
 * and the grace-period phase the reader entered (see the RCU section), so
 * the common case costs one uncontended CAS at entry and one release
 * store at exit, no shared counter.  Words sit on cache lines of their
 * own: runs on different CPUs never share a line.
 */
#define SLOT_FLAGS 512 /* runs at once; machines with more CPUs use the first 512 */
#define SLOT_BUSY 2ul
#define SLOT_READER 4ul /* bit 0: the phase the reader announced */

struct run_slot {
	atomic_ulong w;
	char pad[64 - sizeof(atomic_ulong)];
};
static struct run_slot local_run_slots[SLOT_FLAGS];
static struct run_slot *run_slots = local_run_slots;
static bool run_slots_shared; /* another process's runs claim them too */
static UB_TLS unsigned run_depth;
static UB_TLS int run_slot = -1;
static UB_TLS int last_slot = -1;
static UB_TLS bool rcu_slot_section; /* the outermost section is run_slot's */
/* Shared slots: this process's owner tag in a busy word's high half, and
 * the test of a tag whose owner died (ub_map_run_slots_owner). */
static unsigned long run_slot_tag;
static bool (*run_slot_dead)(uint32_t tag);

static unsigned long rcu_phase_now(void);
static void rcu_slot_entered(unsigned phase);
static void rcu_slot_left(void);

/*
 * Try slot: with announce, the word becomes BUSY | READER | phase and is
 * re-published until the phase it names is still current after the
 * publication (the reader protocol of ub_map_rcu_read_lock()).
 */
static bool slot_try(int slot, bool announce)
{
	atomic_ulong *w = &run_slots[slot].w;
	unsigned long free_ = 0, p;

	if (atomic_load_explicit(w, memory_order_relaxed))
		return false;
	p = announce ? SLOT_READER | (rcu_phase_now() & 1) : run_slot_tag;
	if (!atomic_compare_exchange_strong(w, &free_, SLOT_BUSY | p))
		return false;
	if (announce) {
		for (;;) {
			unsigned long q = rcu_phase_now() & 1;

			if (q == (p & 1))
				break;
			p = SLOT_READER | q;
			atomic_store(w, SLOT_BUSY | p);
		}
		rcu_slot_entered((unsigned)(p & 1));
	}
	return true;
}

static int slot_claim(bool announce)
{
	int n = ub_num_possible_cpus();
	int cpu, i, spins = 0;

	if (n > SLOT_FLAGS)
		n = SLOT_FLAGS;
	/* the CPU the thread runs on first: bpf_get_smp_processor_id() is
	 * then the CPU, as in the kernel (a per-CPU perf event's program
	 * sees its event's CPU) */
	cpu = (int)ub_platform_cpu_id();
	cpu = cpu < 0 ? 0 : cpu % n;
	if (slot_try(cpu, announce))
		return last_slot = cpu;
	if (last_slot >= 0 && last_slot < n && slot_try(last_slot, announce))
		return last_slot;
	for (;;) {
		cpu = (int)ub_platform_cpu_id();
		cpu = cpu < 0 ? 0 : cpu % n;
		for (i = 0; i < n; i++) {
			int slot = (cpu + i) % n;

			if (slot_try(slot, announce))
				return last_slot = slot;
		}
		if (++spins > 8) {
			if (run_slot_dead)
				ub_map_run_slots_reclaim();
			ub_platform_yield();
		}
	}
}

void ub_map_run_slots_owner(uint32_t tag, bool (*dead)(uint32_t tag))
{
	run_slot_tag = (unsigned long)tag << 32;
	run_slot_dead = dead;
}

int ub_map_run_slots_reclaim(void)
{
	int i, freed = 0;

	for (i = 0; run_slot_dead && i < SLOT_FLAGS; i++) {
		unsigned long w = atomic_load_explicit(&run_slots[i].w, memory_order_relaxed);

		/* a run of a process that died mid-run never releases it */
		if ((w & SLOT_BUSY) && (w >> 32) && run_slot_dead((uint32_t)(w >> 32)) &&
		    atomic_compare_exchange_strong(&run_slots[i].w, &w, 0))
			freed++;
	}
	return freed;
}

size_t ub_map_run_slots_size(void)
{
	return sizeof(local_run_slots);
}

static void install_run_hooks(void);
static ub_once_t run_hooks_once = UB_ONCE_INIT;

/* The process runs programs over maps another process created: the hooks
 * go in now (they otherwise come with the first map made here). */
void ub_map_share_run_slots(void *mem)
{
	run_slots = mem;
	run_slots_shared = true;
	ub_once(&run_hooks_once, install_run_hooks);
}

static void run_enter(void)
{
	if (run_depth++ == 0 && cpu_override < 0) {
		/* a shared word also holds other processes' announcements,
		 * of their phases: this process's readers use its counters */
		bool announce = !run_slots_shared && !rcu_slot_section && ub_map_rcu_nesting() == 0;

		run_slot = slot_claim(announce);
		cpu_override = run_slot;
		if (announce) {
			rcu_slot_section = true;
			return;
		}
	}
	ub_map_rcu_read_lock();
}

/*
 * The thread's state is cleared before the slot is released (a probe may
 * interrupt this function and run a program of its own on this thread).
 */
static void run_exit(void)
{
	if (--run_depth == 0 && run_slot >= 0) {
		int slot = run_slot;
		bool section = rcu_slot_section;

		run_slot = -1;
		rcu_slot_section = false;
		cpu_override = -1;
		atomic_signal_fence(memory_order_seq_cst);
		if (section)
			rcu_slot_left();
		else
			ub_map_rcu_read_unlock();
		atomic_store_explicit(&run_slots[slot].w, 0, memory_order_release);
		return;
	}
	ub_map_rcu_read_unlock();
}

static void install_run_hooks(void)
{
	/* read now: run_enter's slot_claim needs the count, and a run may
	 * be a probe's in a signal handler that interrupted malloc, where
	 * reading the platform's file (fopen) corrupted the heap */
	ub_num_possible_cpus();
	vm_set_run_hooks(run_enter, run_exit);
}

void ub_set_current_cpu(int cpu)
{
	cpu_override = cpu;
}

int ub_current_cpu(void)
{
	int n = ub_num_possible_cpus();
	int cpu = cpu_override;

	if (cpu < 0) {
		cpu = (int)ub_platform_cpu_id();
		if (cpu < 0)
			cpu = 0;
	}
	return cpu < n ? cpu : cpu % n;
}

/* ==== IDs and references ==== */

static ub_lock_t id_lock = UB_LOCK_INIT;
static uint32_t next_id;
static struct ub_map **id_maps; /* sorted by id (ids only grow) */
static size_t id_count, id_cap;

static int id_register(struct ub_map *map)
{
	int err = 0;

	ub_lock(&id_lock);
	if (id_count == id_cap) {
		size_t cap = id_cap ? id_cap * 2 : 64;
		struct ub_map **n = ub_calloc(cap, sizeof(*n));

		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		if (id_count)
			memcpy(n, id_maps, id_count * sizeof(*n));
		ub_free(id_maps);
		id_maps = n;
		id_cap = cap;
	}
	if (next_id == INT32_MAX) {
		err = -ENOSPC;
		goto out;
	}
	map->id = ++next_id;
	id_maps[id_count++] = map;
out:
	ub_unlock(&id_lock);
	return err;
}

/* fn(the id table's memory) under the table's lock, when there is one:
 * this process's alone, which a launch domain frees when the process is
 * killed (src/domain/arena.c). */
void ub_map_ids_mem_each(void (*fn)(void *mem))
{
	ub_lock(&id_lock);
	if (id_maps)
		fn(id_maps);
	ub_unlock(&id_lock);
}

/* A child forked without exec whose memory, this table among it, is its
 * parent's too (the arena of a launch domain): it starts an empty table
 * of its own and never touches the parent's.  Called in the child right
 * after fork, by src/launch/sync.c only. */
void ub_map_ids_forget(void)
{
	id_lock = (ub_lock_t)UB_LOCK_INIT;
	id_maps = NULL;
	id_count = id_cap = 0;
}

static size_t id_find(uint32_t id)
{
	size_t lo = 0, hi = id_count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (id_maps[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Called with id_lock held, refcnt already 0. */
static void id_unregister_locked(struct ub_map *map)
{
	size_t i = id_find(map->id);

	if (i < id_count && id_maps[i] == map) {
		memmove(&id_maps[i], &id_maps[i + 1], (id_count - i - 1) * sizeof(*id_maps));
		id_count--;
	}
}

struct ub_map *ub_map_get(struct ub_map *map)
{
	atomic_fetch_add_explicit(&map->refcnt, 1, memory_order_relaxed);
	return map;
}

struct ub_map *ub_map_get_unless_zero(struct ub_map *map)
{
	int old = atomic_load_explicit(&map->refcnt, memory_order_relaxed);

	/* a put that saw 1 decrements under id_lock and rechecks, so one
	 * taken here between its load and its decrement keeps the map */
	do {
		if (old <= 0)
			return NULL;
	} while (!atomic_compare_exchange_weak_explicit(
		&map->refcnt, &old, old + 1, memory_order_acquire, memory_order_relaxed));
	return map;
}

static void map_destroy(struct ub_map *map)
{
	struct ub_map *meta = map->inner_map_meta;
	bool owned = map->inner_map_meta_owned;

	map->ops->free(map);
	if (meta && owned)
		ub_map_put(meta);
	ub_map_defer_flush();
}

void ub_map_put(struct ub_map *map)
{
	if (!map)
		return;
	/* Lock only for the final put, so get_by_id cannot revive it. */
	for (;;) {
		int old = atomic_load_explicit(&map->refcnt, memory_order_relaxed);

		if (old > 1) {
			if (atomic_compare_exchange_weak_explicit(&map->refcnt, &old, old - 1,
								  memory_order_release,
								  memory_order_relaxed))
				return;
			continue;
		}
		ub_lock(&id_lock);
		if (atomic_fetch_sub_explicit(&map->refcnt, 1, memory_order_acq_rel) == 1) {
			id_unregister_locked(map);
			ub_unlock(&id_lock);
			map_destroy(map);
			return;
		}
		ub_unlock(&id_lock);
		return;
	}
}

struct ub_map *ub_map_get_by_id(uint32_t id)
{
	struct ub_map *map = NULL;
	size_t i;

	ub_lock(&id_lock);
	i = id_find(id);
	if (i < id_count && id_maps[i]->id == id) {
		map = id_maps[i];
		if (atomic_load(&map->refcnt) > 0)
			ub_map_get(map);
		else
			map = NULL;
	}
	ub_unlock(&id_lock);
	return map;
}

struct userbpf_map *userbpf_map__get_by_id(uint32_t id)
{
	struct ub_map *map = ub_map_get_by_id(id);

	if (!map)
		errno = ENOENT;
	return ub_map_to_public(map);
}

struct userbpf_map *userbpf_map__get(struct userbpf_map *map)
{
	return ub_map_to_public(ub_map_get(ub_map_from(map)));
}

void userbpf_map__put(struct userbpf_map *map)
{
	ub_map_put(ub_map_from(map));
}

void userbpf_map__free(struct userbpf_map *map)
{
	ub_map_put(ub_map_from(map));
}

/* Handle → map resolver for map-in-map values; default: map IDs. */
static struct ub_map *resolve_by_id(uint32_t handle, int *err)
{
	struct ub_map *map = ub_map_get_by_id(handle);

	if (!map)
		*err = -EBADF;
	return map;
}

static _Atomic(ub_map_handle_resolver) handle_resolver = resolve_by_id;

void ub_map_set_handle_resolver(ub_map_handle_resolver fn)
{
	atomic_store(&handle_resolver, fn ? fn : resolve_by_id);
}

struct ub_map *ub_map_from_handle(uint32_t handle, int *err)
{
	ub_map_handle_resolver fn = atomic_load(&handle_resolver);

	*err = 0;
	return fn(handle, err);
}

/* ==== Creation ==== */

bool ub_map_flags_access_ok(uint32_t flags)
{
	return (flags & (USERBPF_F_RDONLY_PROG | USERBPF_F_WRONLY_PROG)) !=
	       (USERBPF_F_RDONLY_PROG | USERBPF_F_WRONLY_PROG);
}

void ub_map_init_from_attr(struct ub_map *map, const struct ub_map_attr *attr)
{
	map->map_type = attr->map_type;
	map->key_size = attr->key_size;
	map->value_size = attr->value_size;
	map->max_entries = attr->max_entries;
	/* bpf_map_flags_retain_permanent(): RDONLY/WRONLY are fd modes */
	map->map_flags = attr->map_flags & ~(USERBPF_F_RDONLY | USERBPF_F_WRONLY);
	map->map_extra = attr->map_extra;
	map->numa_node = attr->numa_node;
}

static bool numa_node_ok(uint32_t node)
{
	if (node == 0)
		return true;
	if (node >= 1024)
		return false;
	return ub_numa_node_online(node);
}

/* bpf_obj_name_cpy(): [A-Za-z0-9_.] only. */
static int name_copy(char *dst, const char *src)
{
	size_t i;

	memset(dst, 0, UB_OBJ_NAME_LEN);
	if (!src)
		return 0;
	for (i = 0; i < UB_OBJ_NAME_LEN - 1 && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		if (!isalnum(c) && c != '_' && c != '.')
			return -EINVAL;
		dst[i] = (char)c;
	}
	return 0;
}

static bool opts_tail_zero(const void *opts, size_t known, size_t sz)
{
	const unsigned char *p = opts;
	size_t i;

	for (i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

static int map_create(const struct ub_map_attr *attr, const char *name, struct ub_map **out)
{
	const struct ub_map_ops *ops;
	struct ub_map *map = NULL;
	unsigned fmode = UB_FMODE_READ | UB_FMODE_WRITE;
	int err;

	if (attr->map_flags & USERBPF_F_TOKEN_FD)
		return -EINVAL; /* no BPF tokens here */
	if (attr->map_type != USERBPF_MAP_TYPE_BLOOM_FILTER && attr->map_type != 33 /* arena */ &&
	    attr->map_extra)
		return -EINVAL;
	/* bpf_get_file_flag() */
	if ((attr->map_flags & USERBPF_F_RDONLY) && (attr->map_flags & USERBPF_F_WRONLY))
		return -EINVAL;
	if (attr->map_flags & USERBPF_F_RDONLY)
		fmode = UB_FMODE_READ;
	else if (attr->map_flags & USERBPF_F_WRONLY)
		fmode = UB_FMODE_WRITE;
	if (attr->numa_node != UB_NUMA_NO_NODE && !numa_node_ok((uint32_t)attr->numa_node))
		return -EINVAL;
	if (attr->map_type >= USERBPF_MAP_TYPE_MAX)
		return -EINVAL;
	ops = ub_map_ops_by_type[attr->map_type];
	if (!ops)
		return -EINVAL;
	if (ops->alloc_check) {
		err = ops->alloc_check(attr);
		if (err)
			return err;
	}
	err = ops->alloc(attr, &map);
	if (err)
		return err;
	map->ops = ops;
	map->map_type = attr->map_type;
	atomic_init(&map->refcnt, 1);
	atomic_init(&map->frozen, false);
	atomic_init(&map->writecnt, 0);
	map->fmode = fmode;
	err = name_copy(map->name, name);
	if (!err)
		err = id_register(map);
	if (err) {
		map_destroy(map);
		return err;
	}
	*out = map;
	return 0;
}

struct userbpf_map *userbpf_map__create(uint32_t map_type, const char *name, uint32_t key_size,
					uint32_t value_size, uint32_t max_entries,
					const struct userbpf_map_create_opts *opts)
{
	struct ub_map_attr attr = { 0 };
	struct ub_map *map = NULL;
	int err;

	ub_once(&run_hooks_once, install_run_hooks);
	if (opts) {
		if (opts->sz < sizeof(size_t) ||
		    (opts->sz > sizeof(*opts) && !opts_tail_zero(opts, sizeof(*opts), opts->sz))) {
			errno = EINVAL;
			return NULL;
		}
	}
	uint32_t lock_off1;

	attr.map_type = map_type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.numa_node = UB_NUMA_NO_NODE;
#define OPT(field, def)                                                                            \
	(opts && opts->sz >= offsetof(struct userbpf_map_create_opts, field) +                     \
					 sizeof(opts->field) ?                                     \
		 opts->field :                                                                     \
		 (def))
	attr.map_flags = OPT(map_flags, 0);
	attr.map_extra = OPT(map_extra, 0);
	if (attr.map_flags & USERBPF_F_NUMA_NODE)
		attr.numa_node = (int)OPT(numa_node, 0);
	attr.inner_map = ub_map_from(OPT(inner_map, NULL));
	if (OPT(name, NULL))
		name = OPT(name, NULL);
	lock_off1 = OPT(spin_lock_off1, 0);
#undef OPT
	if (lock_off1 && (lock_off1 - 1) % 4) {
		errno = EINVAL;
		return NULL;
	}
	if (lock_off1 && (uint64_t)lock_off1 - 1 + 4 > value_size) {
		errno = EINVAL;
		return NULL;
	}
	/* like map_check_btf(): spin locks only in array and hash values */
	if (lock_off1 && map_type != USERBPF_MAP_TYPE_ARRAY && map_type != USERBPF_MAP_TYPE_HASH) {
		errno = UB_ENOTSUPP;
		return NULL;
	}
	err = map_create(&attr, name, &map);
	if (err) {
		errno = -err;
		return NULL;
	}
	map->spin_lock_off1 = lock_off1;
	return ub_map_to_public(map);
}

/* ==== Getters ==== */

uint32_t userbpf_map__type(const struct userbpf_map *map)
{
	return ub_map_from(map)->map_type;
}

uint32_t userbpf_map__key_size(const struct userbpf_map *map)
{
	return ub_map_from(map)->key_size;
}

uint32_t userbpf_map__value_size(const struct userbpf_map *map)
{
	return ub_map_from(map)->value_size;
}

uint32_t userbpf_map__max_entries(const struct userbpf_map *map)
{
	return ub_map_from(map)->max_entries;
}

uint32_t userbpf_map__flags(const struct userbpf_map *map)
{
	return ub_map_from(map)->map_flags;
}

uint64_t userbpf_map__map_extra(const struct userbpf_map *map)
{
	return ub_map_from(map)->map_extra;
}

const char *userbpf_map__name(const struct userbpf_map *map)
{
	return ub_map_from(map)->name;
}

uint32_t userbpf_map__id(const struct userbpf_map *map)
{
	return ub_map_from(map)->id;
}

bool userbpf_map__is_frozen(const struct userbpf_map *map)
{
	return atomic_load(&ub_map_from(map)->frozen);
}

uint32_t ub_map_sys_value_size(const struct ub_map *map)
{
	if (is_percpu_type(map->map_type))
		return ub_round_up(map->value_size, 8) * (uint32_t)ub_num_possible_cpus();
	if (is_fd_map_type(map->map_type))
		return sizeof(uint32_t);
	return map->value_size;
}

uint32_t userbpf_map__sys_value_size(const struct userbpf_map *map)
{
	return ub_map_sys_value_size(ub_map_from(map));
}

void *userbpf_map__mmap_ptr(struct userbpf_map *pmap, size_t *size)
{
	struct ub_map *map = ub_map_from(pmap);

	if (!map->ops->mmap_ptr) {
		errno = EINVAL;
		return NULL;
	}
	return map->ops->mmap_ptr(map, size);
}

/* ==== Syscall side ==== */

unsigned ub_map_default_fmode(const struct ub_map *map)
{
	return map->fmode;
}

unsigned ub_map_sys_perms(const struct ub_map *map, unsigned fmode)
{
	if (atomic_load_explicit(&map->frozen, memory_order_acquire))
		fmode &= ~UB_FMODE_WRITE;
	return fmode;
}

static void write_active_inc(struct ub_map *map)
{
	atomic_fetch_add(&map->writecnt, 1);
}

static void write_active_dec(struct ub_map *map)
{
	atomic_fetch_sub(&map->writecnt, 1);
}

int ub_map_mmap_writable_get(struct ub_map *map)
{
	int err = 0;

	ub_spin_lock(&map->freeze_lock);
	if (atomic_load(&map->frozen))
		err = -EPERM;
	else
		write_active_inc(map);
	ub_spin_unlock(&map->freeze_lock);
	return err;
}

void ub_map_mmap_writable_put(struct ub_map *map)
{
	write_active_dec(map);
}

/* __bpf_copy_key(): a key-less map must get a NULL key. */
static int check_key(const struct ub_map *map, const void *key)
{
	if (map->key_size == 0)
		return key ? -EINVAL : 0;
	return key ? 0 : -EFAULT;
}

int ub_map_copy_value(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	void *ptr;

	if (is_queue_like(map->map_type))
		return map->ops->peek ? map->ops->peek(map, value) : -UB_ENOTSUPP;
	if (map->ops->sys_lookup)
		return map->ops->sys_lookup(map, key, value, flags);
	if (!map->ops->lookup)
		return -UB_ENOTSUPP;
	ub_map_rcu_read_lock();
	ptr = map->ops->lookup(map, key);
	if (ptr)
		ub_map_copy_from(value, ptr, map->value_size);
	ub_map_rcu_read_unlock();
	return ptr ? 0 : -ENOENT;
}

int ub_map_update_value(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	if (is_queue_like(map->map_type))
		return map->ops->push ? map->ops->push(map, value, flags) : -UB_ENOTSUPP;
	if (map->ops->sys_update)
		return map->ops->sys_update(map, key, value, flags);
	if (!map->ops->update)
		return -UB_ENOTSUPP;
	return map->ops->update(map, key, value, flags);
}

/* ==== BPF_F_LOCK: copies under the value's bpf_spin_lock ==== */

static void value_lock(struct ub_map *map, void *value)
{
	uint32_t *lock = (uint32_t *)((uint8_t *)value + map->spin_lock_off1 - 1);
	uint32_t expected = 0;

	while (!__atomic_compare_exchange_n(lock, &expected, 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		expected = 0;
		ub_platform_yield();
	}
}

static void value_unlock(struct ub_map *map, void *value)
{
	__atomic_store_n((uint32_t *)((uint8_t *)value + map->spin_lock_off1 - 1), 0,
			 __ATOMIC_RELEASE);
}

/* copy_map_value_locked(): the lock word itself is never copied. */
static void copy_locked(struct ub_map *map, void *dst, const void *src, void *locked)
{
	uint32_t off = map->spin_lock_off1 - 1;

	value_lock(map, locked);
	memcpy(dst, src, off);
	memcpy((uint8_t *)dst + off + 4, (const uint8_t *)src + off + 4, map->value_size - off - 4);
	value_unlock(map, locked);
}

static int lookup_locked(struct ub_map *map, const void *key, void *value)
{
	void *v;
	int err = 0;

	ub_map_rcu_read_lock();
	v = map->ops->lookup ? map->ops->lookup(map, key) : NULL;
	if (v) {
		copy_locked(map, value, v, v);
		memset((uint8_t *)value + map->spin_lock_off1 - 1, 0, 4);
	} else {
		err = -ENOENT;
	}
	ub_map_rcu_read_unlock();
	return err;
}

/*
 * Update with BPF_F_LOCK: an existing element is overwritten in place
 * under its lock (array elements always exist); a missing hash key is
 * inserted normally.
 */
static int update_locked(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	uint64_t mode = flags & ~(uint64_t)USERBPF_F_LOCK;
	void *v;
	int err;

	if (mode > USERBPF_EXIST)
		return -EINVAL;
	if (map->map_type == USERBPF_MAP_TYPE_ARRAY) {
		uint32_t index;

		memcpy(&index, key, sizeof(index));
		if (index >= map->max_entries)
			return -E2BIG;
		if (mode == USERBPF_NOEXIST)
			return -EEXIST;
	}
	ub_map_rcu_read_lock();
	v = map->ops->lookup(map, key);
	if (v) {
		err = mode == USERBPF_NOEXIST ? -EEXIST : 0;
		if (!err)
			copy_locked(map, v, value, v);
	} else if (mode == USERBPF_EXIST) {
		err = -ENOENT;
	} else {
		err = map->ops->update(map, key, value, mode);
	}
	ub_map_rcu_read_unlock();
	return err;
}

int ub_map_sys_lookup_elem(struct ub_map *map, unsigned fmode, const void *key, void *value,
			   uint64_t flags)
{
	int err;

	if (flags & ~(uint64_t)USERBPF_F_LOCK)
		return -EINVAL;
	if (!(ub_map_sys_perms(map, fmode) & UB_FMODE_READ))
		return -EPERM;
	if ((flags & USERBPF_F_LOCK) && !map->spin_lock_off1)
		return -EINVAL; /* no bpf_spin_lock in the value */
	err = check_key(map, key);
	if (err)
		return err;
	if (!value)
		return -EFAULT;
	if (flags & USERBPF_F_LOCK)
		return lookup_locked(map, key, value);
	return ub_map_copy_value(map, key, value, flags);
}

int ub_map_sys_update_elem(struct ub_map *map, unsigned fmode, const void *key, const void *value,
			   uint64_t flags)
{
	int err;

	write_active_inc(map);
	if (!(ub_map_sys_perms(map, fmode) & UB_FMODE_WRITE)) {
		err = -EPERM;
		goto out;
	}
	if ((flags & USERBPF_F_LOCK) && !map->spin_lock_off1) {
		err = -EINVAL;
		goto out;
	}
	err = check_key(map, key);
	if (err)
		goto out;
	if (!value) {
		err = -EFAULT;
		goto out;
	}
	if (flags & USERBPF_F_LOCK)
		err = update_locked(map, key, value, flags);
	else
		err = ub_map_update_value(map, key, value, flags);
out:
	write_active_dec(map);
	return err;
}

int ub_map_sys_delete_elem(struct ub_map *map, unsigned fmode, const void *key)
{
	int err;

	write_active_inc(map);
	if (!(ub_map_sys_perms(map, fmode) & UB_FMODE_WRITE)) {
		err = -EPERM;
		goto out;
	}
	err = check_key(map, key);
	if (err)
		goto out;
	err = map->ops->delete ? map->ops->delete(map, key) : -UB_ENOTSUPP;
out:
	write_active_dec(map);
	return err;
}

int ub_map_sys_get_next_key(struct ub_map *map, unsigned fmode, const void *key, void *next_key)
{
	if (!(ub_map_sys_perms(map, fmode) & UB_FMODE_READ))
		return -EPERM;
	if (key && map->key_size == 0)
		return -EINVAL;
	if (!next_key && map->key_size)
		return -EFAULT;
	if (!map->ops->get_next_key)
		return -UB_ENOTSUPP;
	return map->ops->get_next_key(map, key, next_key);
}

int ub_map_sys_lookup_and_delete_elem(struct ub_map *map, unsigned fmode, const void *key,
				      void *value, uint64_t flags)
{
	unsigned perms;
	int err;

	if (flags & ~(uint64_t)USERBPF_F_LOCK)
		return -EINVAL;
	write_active_inc(map);
	perms = ub_map_sys_perms(map, fmode);
	if (!(perms & UB_FMODE_READ) || !(perms & UB_FMODE_WRITE)) {
		err = -EPERM;
		goto out;
	}
	if (flags &&
	    (map->map_type == USERBPF_MAP_TYPE_QUEUE || map->map_type == USERBPF_MAP_TYPE_STACK)) {
		err = -EINVAL;
		goto out;
	}
	if (flags & USERBPF_F_LOCK) {
		err = -EINVAL;
		goto out;
	}
	err = check_key(map, key);
	if (err)
		goto out;
	if (!value) {
		err = -EFAULT;
		goto out;
	}
	err = -UB_ENOTSUPP;
	if (map->map_type == USERBPF_MAP_TYPE_QUEUE || map->map_type == USERBPF_MAP_TYPE_STACK) {
		err = map->ops->pop(map, value);
	} else if (is_hash_family(map->map_type) && map->ops->lookup_and_delete) {
		err = map->ops->lookup_and_delete(map, key, value, flags);
	}
out:
	write_active_dec(map);
	return err;
}

int ub_map_sys_freeze(struct ub_map *map, unsigned fmode)
{
	int err = 0;

	if (!(ub_map_sys_perms(map, fmode) & UB_FMODE_WRITE))
		return -EPERM;
	ub_spin_lock(&map->freeze_lock);
	if (atomic_load(&map->writecnt))
		err = -EBUSY;
	else if (atomic_load(&map->frozen))
		err = -EBUSY;
	else
		atomic_store_explicit(&map->frozen, true, memory_order_release);
	ub_spin_unlock(&map->freeze_lock);
	return err;
}

int ub_map_sys_batch(struct ub_map *map, unsigned fmode, int cmd, const struct ub_map_batch *b)
{
	bool has_read = cmd == 0 || cmd == 1;
	bool has_write = cmd != 0;
	int (*fn)(struct ub_map *, const struct ub_map_batch *) = NULL;
	int err;

	if (has_write)
		write_active_inc(map);
	if (has_read && !(ub_map_sys_perms(map, fmode) & UB_FMODE_READ)) {
		err = -EPERM;
		goto out;
	}
	if (has_write && !(ub_map_sys_perms(map, fmode) & UB_FMODE_WRITE)) {
		err = -EPERM;
		goto out;
	}
	switch (cmd) {
	case 0:
		fn = map->ops->lookup_batch;
		break;
	case 1:
		fn = map->ops->lookup_and_delete_batch;
		break;
	case 2:
		fn = map->ops->update_batch;
		break;
	case 3:
		fn = map->ops->delete_batch;
		break;
	}
	err = fn ? fn(map, b) : -UB_ENOTSUPP;
out:
	if (has_write)
		write_active_dec(map);
	return err;
}

/* ---- generic batch (kernel generic_map_*_batch) ---- */

int ub_map_generic_lookup_batch(struct ub_map *map, const struct ub_map_batch *b)
{
	uint32_t value_size = ub_map_sys_value_size(map);
	uint32_t max_count, cp;
	unsigned char *key_a = NULL, *key_b = NULL, *value = NULL;
	unsigned char *prev_key, *key, *tmp;
	int err;

	if (b->elem_flags & ~(uint64_t)USERBPF_F_LOCK)
		return -EINVAL;
	if (b->elem_flags & USERBPF_F_LOCK)
		return -EINVAL; /* no bpf_spin_lock field */
	if (!b->count)
		return -EFAULT;
	max_count = *b->count;
	if (!max_count)
		return 0;
	*b->count = 0;
	key_a = ub_alloc(map->key_size);
	key_b = ub_alloc(map->key_size);
	value = ub_alloc(value_size);
	if (!key_a || !key_b || !value) {
		err = -ENOMEM;
		goto out;
	}
	prev_key = NULL;
	if (b->in_batch) {
		memcpy(key_a, b->in_batch, map->key_size);
		prev_key = key_a;
	}
	key = key_b;
	err = 0;
	for (cp = 0; cp < max_count;) {
		err = map->ops->get_next_key(map, prev_key, key);
		if (err)
			break;
		err = ub_map_copy_value(map, key, value, b->elem_flags);
		if (err != -ENOENT) {
			if (err)
				goto out;
			memcpy((unsigned char *)b->keys + (size_t)cp * map->key_size, key,
			       map->key_size);
			memcpy((unsigned char *)b->values + (size_t)cp * value_size, value,
			       value_size);
			cp++;
		}
		/* the key just visited becomes the cursor */
		tmp = prev_key ? prev_key : key_a;
		prev_key = key;
		key = tmp;
	}
	*b->count = cp;
	if (cp && b->out_batch)
		memcpy(b->out_batch, prev_key, map->key_size);
out:
	ub_free(key_a);
	ub_free(key_b);
	ub_free(value);
	return err;
}

int ub_map_generic_update_batch(struct ub_map *map, const struct ub_map_batch *b)
{
	uint32_t value_size = ub_map_sys_value_size(map);
	uint32_t max_count, cp;
	int err = 0;

	if (b->elem_flags & ~(uint64_t)USERBPF_F_LOCK)
		return -EINVAL;
	if (b->elem_flags & USERBPF_F_LOCK)
		return -EINVAL;
	if (!b->count)
		return -EFAULT;
	max_count = *b->count;
	if (!max_count)
		return 0;
	*b->count = 0;
	for (cp = 0; cp < max_count; cp++) {
		err = ub_map_update_value(
			map, (const unsigned char *)b->keys + (size_t)cp * map->key_size,
			(const unsigned char *)b->values + (size_t)cp * value_size, b->elem_flags);
		if (err)
			break;
	}
	*b->count = cp;
	return err;
}

int ub_map_generic_delete_batch(struct ub_map *map, const struct ub_map_batch *b)
{
	uint32_t max_count, cp;
	int err = 0;

	if (b->elem_flags & ~(uint64_t)USERBPF_F_LOCK)
		return -EINVAL;
	if (b->elem_flags & USERBPF_F_LOCK)
		return -EINVAL; /* no bpf_spin_lock field */
	if (!b->count)
		return -EFAULT;
	max_count = *b->count;
	if (!max_count)
		return 0;
	*b->count = 0;
	for (cp = 0; cp < max_count; cp++) {
		err = map->ops->delete(map,
				       (const unsigned char *)b->keys + (size_t)cp * map->key_size);
		if (err)
			break;
	}
	*b->count = cp;
	return err;
}

/* ---- public syscall-side wrappers ---- */

int userbpf_map__lookup_elem(struct userbpf_map *pmap, const void *key, void *value, uint64_t flags)
{
	struct ub_map *map = ub_map_from(pmap);

	return ub_map_sys_lookup_elem(map, map->fmode, key, value, flags);
}

int userbpf_map__update_elem(struct userbpf_map *pmap, const void *key, const void *value,
			     uint64_t flags)
{
	struct ub_map *map = ub_map_from(pmap);

	int err = ub_map_sys_update_elem(map, map->fmode, key, value, flags);

	ub_map_defer_flush();
	return err;
}

int userbpf_map__delete_elem(struct userbpf_map *pmap, const void *key)
{
	struct ub_map *map = ub_map_from(pmap);

	int err = ub_map_sys_delete_elem(map, map->fmode, key);

	ub_map_defer_flush();
	return err;
}

int userbpf_map__get_next_key(struct userbpf_map *pmap, const void *key, void *next_key)
{
	struct ub_map *map = ub_map_from(pmap);

	return ub_map_sys_get_next_key(map, map->fmode, key, next_key);
}

int userbpf_map__lookup_and_delete_elem(struct userbpf_map *pmap, const void *key, void *value,
					uint64_t flags)
{
	struct ub_map *map = ub_map_from(pmap);

	int err = ub_map_sys_lookup_and_delete_elem(map, map->fmode, key, value, flags);

	ub_map_defer_flush();
	return err;
}

int userbpf_map__freeze(struct userbpf_map *pmap)
{
	struct ub_map *map = ub_map_from(pmap);

	return ub_map_sys_freeze(map, map->fmode);
}

static int do_batch(struct userbpf_map *pmap, int cmd, const void *in_batch, void *out_batch,
		    const void *keys, const void *values, uint32_t *count, uint64_t elem_flags,
		    uint64_t flags)
{
	struct ub_map *map = ub_map_from(pmap);
	struct ub_map_batch b = {
		.in_batch = in_batch,
		.out_batch = out_batch,
		.keys = (void *)keys,
		.values = (void *)values,
		.count = count,
		.elem_flags = elem_flags,
		.flags = flags,
	};

	int err = ub_map_sys_batch(map, map->fmode, cmd, &b);

	ub_map_defer_flush();
	return err;
}

int userbpf_map__lookup_batch(struct userbpf_map *map, const void *in_batch, void *out_batch,
			      void *keys, void *values, uint32_t *count, uint64_t elem_flags,
			      uint64_t flags)
{
	return do_batch(map, 0, in_batch, out_batch, keys, values, count, elem_flags, flags);
}

int userbpf_map__lookup_and_delete_batch(struct userbpf_map *map, const void *in_batch,
					 void *out_batch, void *keys, void *values, uint32_t *count,
					 uint64_t elem_flags, uint64_t flags)
{
	return do_batch(map, 1, in_batch, out_batch, keys, values, count, elem_flags, flags);
}

int userbpf_map__update_batch(struct userbpf_map *map, const void *keys, const void *values,
			      uint32_t *count, uint64_t elem_flags, uint64_t flags)
{
	return do_batch(map, 2, NULL, NULL, keys, values, count, elem_flags, flags);
}

int userbpf_map__delete_batch(struct userbpf_map *map, const void *keys, uint32_t *count,
			      uint64_t elem_flags, uint64_t flags)
{
	return do_batch(map, 3, NULL, NULL, keys, NULL, count, elem_flags, flags);
}

/* ==== Program side ==== */

void *ub_map_lookup_elem(struct ub_map *map, const void *key)
{
	return map->ops->lookup ? map->ops->lookup(map, key) : NULL;
}

bool ub_map_is_live(const void *ptr)
{
	bool found = false;
	size_t i;

	ub_lock(&id_lock);
	for (i = 0; i < id_count && !found; i++)
		found = id_maps[i] == ptr;
	ub_unlock(&id_lock);
	return found;
}

void ub_map_direct_lookup(struct ub_map *map, struct ub_map_direct *d)
{
	memset(d, 0, sizeof(*d));
	/* a sock map's lookup is the helper's (a held struct bpf_sock,
	 * sock_helpers.c), not its ops' */
	if (ub_map_is_sock_map(map))
		return;
	if (map->ops->direct_lookup) {
		map->ops->direct_lookup(map, d);
	} else if (map->ops->lookup) {
		d->kind = UB_DIRECT_CALL;
		d->fn = map->ops->lookup;
	}
}

long ub_map_update_elem(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	return map->ops->update ? map->ops->update(map, key, value, flags) : -EINVAL;
}

long ub_map_delete_elem(struct ub_map *map, const void *key)
{
	return map->ops->delete ? map->ops->delete(map, key) : -EINVAL;
}

long ub_map_push_elem(struct ub_map *map, const void *value, uint64_t flags)
{
	return map->ops->push ? map->ops->push(map, value, flags) : -EINVAL;
}

long ub_map_pop_elem(struct ub_map *map, void *value)
{
	return map->ops->pop ? map->ops->pop(map, value) : -EINVAL;
}

long ub_map_peek_elem(struct ub_map *map, void *value)
{
	return map->ops->peek ? map->ops->peek(map, value) : -EINVAL;
}

long ub_map_for_each_elem(struct ub_map *map, ub_map_for_each_cb cb, void *ctx, uint64_t flags)
{
	if (flags)
		return -EINVAL;
	if (!map->ops->for_each)
		return -UB_ENOTSUPP;
	return map->ops->for_each(map, cb, ctx, flags);
}

/* ==== Map-in-map compatibility (bpf_map_meta_equal) ==== */

bool ub_map_meta_equal(const struct ub_map *meta, const struct ub_map *map)
{
	/* No BTF records here, so only the plain fields. */
	if (meta->map_type != map->map_type || meta->key_size != map->key_size ||
	    meta->value_size != map->value_size || meta->map_flags != map->map_flags)
		return false;
	if (meta->ops->meta_equal)
		return meta->ops->meta_equal(meta, map);
	return true;
}

/* ==== Grace periods ==== */

/*
 * Two-phase reader announcements: a reader announces itself in the
 * current phase and re-checks the phase (so a flip it raced with is
 * retried); synchronize flips the phase and waits until no reader of the
 * old phase remains.  A program run announces through its run slot's
 * word (above); other readers (map operations from the syscall side, runs
 * on threads with a chosen CPU) through counters.  Read sections nest
 * per thread: only the outermost one announces.
 */
static atomic_ulong rcu_phase;
/*
 * Reader counts per phase, striped over cache lines so that threads
 * reading concurrently do not share one counter line; each thread keeps
 * its stripe, and synchronize sums the stripes.
 */
#define RCU_STRIPES 32
struct rcu_stripe {
	atomic_long n;
	char pad[64 - sizeof(atomic_long)];
};
static struct rcu_stripe rcu_readers[2][RCU_STRIPES];
static atomic_uint rcu_next_stripe;
static UB_TLS int rcu_stripe = -1;

static atomic_long *rcu_counter(unsigned phase)
{
	if (rcu_stripe < 0)
		rcu_stripe = (int)(atomic_fetch_add(&rcu_next_stripe, 1) % RCU_STRIPES);
	return &rcu_readers[phase][rcu_stripe].n;
}

static long rcu_count(unsigned phase)
{
	long sum = 0;
	int i;

	for (i = 0; i < RCU_STRIPES; i++)
		sum += atomic_load(&rcu_readers[phase][i].n);
	return sum;
}

/* Run slots announcing phase, except skip. */
static long rcu_slot_count(unsigned phase, int skip)
{
	int n = ub_num_possible_cpus(), i;
	long sum = 0;

	if (n > SLOT_FLAGS)
		n = SLOT_FLAGS;
	for (i = 0; i < n; i++) {
		unsigned long w = atomic_load(&run_slots[i].w);

		if (i != skip && (w & SLOT_READER) && (w & 1) == phase)
			sum++;
	}
	return sum;
}

static ub_lock_t rcu_sync_lock = UB_LOCK_INIT;
static UB_TLS unsigned rcu_nest;
static UB_TLS unsigned rcu_my_phase;

static unsigned long rcu_phase_now(void)
{
	return atomic_load(&rcu_phase);
}

/* A run slot now announces this thread's outermost read section. */
static void rcu_slot_entered(unsigned phase)
{
	rcu_nest = 1;
	rcu_my_phase = phase;
}

static void rcu_slot_left(void)
{
	rcu_nest--;
}

unsigned ub_map_rcu_nesting(void)
{
	return rcu_nest;
}

void ub_map_rcu_read_lock(void)
{
	unsigned long p;

	if (rcu_nest++)
		return;
	for (;;) {
		p = atomic_load(&rcu_phase) & 1;
		atomic_fetch_add(rcu_counter((unsigned)p), 1);
		if ((atomic_load(&rcu_phase) & 1) == p)
			break;
		atomic_fetch_sub(rcu_counter((unsigned)p), 1);
	}
	rcu_my_phase = (unsigned)p;
}

void ub_map_rcu_read_unlock(void)
{
	if (--rcu_nest)
		return;
	atomic_fetch_sub_explicit(rcu_counter(rcu_my_phase), 1, memory_order_release);
}

void ub_map_rcu_synchronize(void)
{
	unsigned long old;
	/* a synchronize from inside a read section must not wait for itself */
	bool mine = rcu_nest && !rcu_slot_section;
	int my_slot = rcu_nest && rcu_slot_section ? run_slot : -1;

	ub_lock(&rcu_sync_lock);
	old = atomic_fetch_add(&rcu_phase, 1) & 1;
	while (rcu_count((unsigned)old) > (mine && rcu_my_phase == old) ||
	       rcu_slot_count((unsigned)old, my_slot))
		ub_platform_yield();
	ub_unlock(&rcu_sync_lock);
}

/* ==== Utilities ==== */

static inline uint32_t rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> ((-s) & 31));
}

#define JHASH_INITVAL 0xdeadbeef
#define jhash_mix(a, b, c)                                                                         \
	do {                                                                                       \
		a -= c;                                                                            \
		a ^= rol32(c, 4);                                                                  \
		c += b;                                                                            \
		b -= a;                                                                            \
		b ^= rol32(a, 6);                                                                  \
		a += c;                                                                            \
		c -= b;                                                                            \
		c ^= rol32(b, 8);                                                                  \
		b += a;                                                                            \
		a -= c;                                                                            \
		a ^= rol32(c, 16);                                                                 \
		c += b;                                                                            \
		b -= a;                                                                            \
		b ^= rol32(a, 19);                                                                 \
		a += c;                                                                            \
		c -= b;                                                                            \
		c ^= rol32(b, 4);                                                                  \
		b += a;                                                                            \
	} while (0)
#define jhash_final(a, b, c) (c = ub_jhash_final(a, b, c))

static inline uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The kernel's jhash() (lookup3), bit for bit. */
uint32_t ub_jhash(const void *key, uint32_t length, uint32_t initval)
{
	const uint8_t *k = key;
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + length + initval;
	while (length > 12) {
		a += get_u32(k);
		b += get_u32(k + 4);
		c += get_u32(k + 8);
		jhash_mix(a, b, c);
		length -= 12;
		k += 12;
	}
	switch (length) {
	case 12:
		c += (uint32_t)k[11] << 24; /* fall through */
	case 11:
		c += (uint32_t)k[10] << 16; /* fall through */
	case 10:
		c += (uint32_t)k[9] << 8; /* fall through */
	case 9:
		c += k[8]; /* fall through */
	case 8:
		b += (uint32_t)k[7] << 24; /* fall through */
	case 7:
		b += (uint32_t)k[6] << 16; /* fall through */
	case 6:
		b += (uint32_t)k[5] << 8; /* fall through */
	case 5:
		b += k[4]; /* fall through */
	case 4:
		a += (uint32_t)k[3] << 24; /* fall through */
	case 3:
		a += (uint32_t)k[2] << 16; /* fall through */
	case 2:
		a += (uint32_t)k[1] << 8; /* fall through */
	case 1:
		a += k[0];
		jhash_final(a, b, c);
		break;
	case 0:
		break;
	}
	return c;
}

/* The kernel's jhash2(): length in u32 words. */
uint32_t ub_jhash2(const uint32_t *k, uint32_t length, uint32_t initval)
{
	uint32_t a, b, c;
	const uint8_t *p = (const uint8_t *)k;

	a = b = c = JHASH_INITVAL + (length << 2) + initval;
	while (length > 3) {
		a += get_u32(p);
		b += get_u32(p + 4);
		c += get_u32(p + 8);
		jhash_mix(a, b, c);
		length -= 3;
		p += 12;
	}
	switch (length) {
	case 3:
		c += get_u32(p + 8); /* fall through */
	case 2:
		b += get_u32(p + 4); /* fall through */
	case 1:
		a += get_u32(p);
		jhash_final(a, b, c);
		break;
	case 0:
		break;
	}
	return c;
}

uint32_t ub_map_random_u32(void)
{
	uint32_t v = 0;

	ub_random_bytes(&v, sizeof(v));
	return v;
}

void ub_map_copy_from(void *dst, const void *map_src, size_t size)
{
	unsigned char *d = dst;
	const unsigned char *s = map_src;
	size_t i = 0;

	if (((uintptr_t)s & 7) == 0) {
		for (; i + 8 <= size; i += 8) {
			uint64_t v = __atomic_load_n((const uint64_t *)(s + i), __ATOMIC_RELAXED);
			memcpy(d + i, &v, 8);
		}
	}
	for (; i < size; i++)
		d[i] = __atomic_load_n(s + i, __ATOMIC_RELAXED);
}

void ub_map_copy_to(void *map_dst, const void *src, size_t size)
{
	unsigned char *d = map_dst;
	const unsigned char *s = src;
	size_t i = 0;

	if (((uintptr_t)d & 7) == 0) {
		for (; i + 8 <= size; i += 8) {
			uint64_t v;

			memcpy(&v, s + i, 8);
			__atomic_store_n((uint64_t *)(d + i), v, __ATOMIC_RELAXED);
		}
	}
	for (; i < size; i++)
		__atomic_store_n(d + i, s[i], __ATOMIC_RELAXED);
}

void ub_map_zero(void *map_dst, size_t size)
{
	unsigned char *d = map_dst;
	size_t i = 0;

	if (((uintptr_t)d & 7) == 0)
		for (; i + 8 <= size; i += 8)
			__atomic_store_n((uint64_t *)(d + i), 0, __ATOMIC_RELAXED);
	for (; i < size; i++)
		__atomic_store_n(d + i, 0, __ATOMIC_RELAXED);
}

/* ==== Deferred release ==== */

struct defer_item {
	void (*fn)(void *);
	void *arg;
	struct defer_item *next;
};

static ub_lock_t defer_lock = UB_LOCK_INIT;
static struct defer_item *defer_list;
static atomic_int defer_pending;

#define DEFER_BACKLOG 4096

void ub_map_defer(void (*fn)(void *), void *arg)
{
	struct defer_item *it = ub_alloc(sizeof(*it));
	int pending;

	if (!it) {
		/* no memory: wait for readers right here instead (a reader
		 * itself may still use the object: leak it then) */
		if (rcu_nest)
			return;
		ub_map_rcu_synchronize();
		fn(arg);
		return;
	}
	it->fn = fn;
	it->arg = arg;
	ub_lock(&defer_lock);
	it->next = defer_list;
	defer_list = it;
	pending = atomic_fetch_add(&defer_pending, 1) + 1;
	ub_unlock(&defer_lock);
	/*
	 * Bound the backlog of program-side deletes (LPM nodes): reclaim
	 * inline once it grows, unless this thread is itself a reader.
	 */
	if (pending >= DEFER_BACKLOG && !rcu_nest)
		ub_map_defer_flush();
}

void ub_map_defer_flush(void)
{
	struct defer_item *list, *it;

	if (!atomic_load(&defer_pending))
		return;
	if (rcu_nest) {
		/* a reader cannot wait for a grace period it holds open */
		return;
	}
	ub_lock(&defer_lock);
	list = defer_list;
	defer_list = NULL;
	atomic_store(&defer_pending, 0);
	ub_unlock(&defer_lock);
	if (!list)
		return;
	ub_map_rcu_synchronize();
	while (list) {
		it = list;
		list = it->next;
		it->fn(it->arg);
		ub_free(it);
	}
}
