/* SPDX-License-Identifier: MIT */
/*
 * userbpf/map.h - BPF maps from the "syscall side": create, look up,
 * update, delete, iterate, batch and freeze maps with the Linux kernel's
 * semantics and errno values (the bpf() commands MAP_CREATE ... MAP_FREEZE,
 * minus the file descriptors).  Also the ring buffer and perf buffer
 * consumers, mirroring libbpf's ring_buffer and perf_buffer APIs.
 *
 * Numbers (map types, flags) are the kernel's, so values move unchanged
 * between userbpf and <linux/bpf.h>.
 *
 * Conventions: functions returning int return 0 or a negative errno.
 * ENOTSUPP is 524 (the kernel-internal value Linux leaks to user space),
 * distinct from EOPNOTSUPP (95).  Constructors return NULL and set errno.
 *
 * Handles: where the kernel takes a file descriptor as a map *value*
 * (ARRAY_OF_MAPS, HASH_OF_MAPS, PROG_ARRAY, PERF_EVENT_ARRAY), the
 * syscall-side value here is a u32 handle resolved by the layer that owns
 * those objects; by default a map-in-map value is the inner map's ID
 * (userbpf_map__id()), and lookups return the ID exactly as Linux does.
 */
#ifndef USERBPF_MAP_H
#define USERBPF_MAP_H

#include <stdbool.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ENOTSUPP: Linux's internal "not supported" code, visible to user space. */
#define USERBPF_ENOTSUPP 524

/** Map types, the kernel's enum bpf_map_type numbering. */
enum userbpf_map_type {
	USERBPF_MAP_TYPE_UNSPEC = 0,
	USERBPF_MAP_TYPE_HASH = 1,
	USERBPF_MAP_TYPE_ARRAY = 2,
	USERBPF_MAP_TYPE_PROG_ARRAY = 3,
	USERBPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	USERBPF_MAP_TYPE_PERCPU_HASH = 5,
	USERBPF_MAP_TYPE_PERCPU_ARRAY = 6,
	USERBPF_MAP_TYPE_STACK_TRACE = 7,
	USERBPF_MAP_TYPE_CGROUP_ARRAY = 8,
	USERBPF_MAP_TYPE_LRU_HASH = 9,
	USERBPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
	USERBPF_MAP_TYPE_LPM_TRIE = 11,
	USERBPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	USERBPF_MAP_TYPE_HASH_OF_MAPS = 13,
	USERBPF_MAP_TYPE_SOCKMAP = 15,
	USERBPF_MAP_TYPE_SOCKHASH = 18,
	USERBPF_MAP_TYPE_QUEUE = 22,
	USERBPF_MAP_TYPE_STACK = 23,
	USERBPF_MAP_TYPE_RINGBUF = 27,
	USERBPF_MAP_TYPE_BLOOM_FILTER = 30,
	USERBPF_MAP_TYPE_USER_RINGBUF = 31,
	USERBPF_MAP_TYPE_MAX = 34, /**< one past the last kernel type known */
};

/** Update flags (BPF_ANY ...). */
#define USERBPF_ANY 0
#define USERBPF_NOEXIST 1
#define USERBPF_EXIST 2
#define USERBPF_F_LOCK 4

/** Map creation flags (map_flags), the kernel's values. */
#define USERBPF_F_NO_PREALLOC (1U << 0)
#define USERBPF_F_NO_COMMON_LRU (1U << 1)
#define USERBPF_F_NUMA_NODE (1U << 2)
#define USERBPF_F_RDONLY (1U << 3)
#define USERBPF_F_WRONLY (1U << 4)
#define USERBPF_F_STACK_BUILD_ID (1U << 5)
#define USERBPF_F_ZERO_SEED (1U << 6)
#define USERBPF_F_RDONLY_PROG (1U << 7)
#define USERBPF_F_WRONLY_PROG (1U << 8)
#define USERBPF_F_CLONE (1U << 9)
#define USERBPF_F_MMAPABLE (1U << 10)
#define USERBPF_F_PRESERVE_ELEMS (1U << 11)
#define USERBPF_F_INNER_MAP (1U << 12)
#define USERBPF_F_LINK (1U << 13)
#define USERBPF_F_PATH_FD (1U << 14)
#define USERBPF_F_VTYPE_BTF_OBJ_FD (1U << 15)
#define USERBPF_F_TOKEN_FD (1U << 16)

/** Ring buffer flags and bpf_ringbuf_query() selectors. */
#define USERBPF_RB_NO_WAKEUP 1
#define USERBPF_RB_FORCE_WAKEUP 2
#define USERBPF_RB_AVAIL_DATA 0
#define USERBPF_RB_RING_SIZE 1
#define USERBPF_RB_CONS_POS 2
#define USERBPF_RB_PROD_POS 3
/** Ring buffer record header bits. */
#define USERBPF_RINGBUF_BUSY_BIT (1U << 31)
#define USERBPF_RINGBUF_DISCARD_BIT (1U << 30)
#define USERBPF_RINGBUF_HDR_SZ 8

/** bpf_perf_event_output() index meaning "this CPU". */
#define USERBPF_F_CURRENT_CPU 0xffffffffULL
#define USERBPF_F_INDEX_MASK 0xffffffffULL

struct userbpf_map;

/** Options of userbpf_map__create(); declare with USERBPF_OPTS(). */
struct userbpf_map_create_opts {
	size_t sz;			     /**< sizeof(struct userbpf_map_create_opts) */
	uint32_t map_flags;		     /**< USERBPF_F_* */
	uint64_t map_extra;		     /**< bloom filter: number of hashes */
	uint32_t numa_node;		     /**< with USERBPF_F_NUMA_NODE */
	const struct userbpf_map *inner_map; /**< template for map-in-map */
	const char *name;		     /**< overrides the name argument */
	/**
	 * Offset + 1 of a struct bpf_spin_lock inside the value (0: none),
	 * as the value's BTF type says; enables BPF_F_LOCK.
	 */
	uint32_t spin_lock_off1;
	size_t : 0;
};

/**
 * @brief Create a map (the kernel's BPF_MAP_CREATE).
 * @param[in] map_type USERBPF_MAP_TYPE_*.
 * @param[in] name up to 15 characters [A-Za-z0-9_.]; longer names are
 *            truncated like libbpf does; NULL for none.
 * @return a handle holding one reference, or NULL with errno set to the
 *         errno Linux gives for the same attributes.
 */
USERBPF_API struct userbpf_map *userbpf_map__create(uint32_t map_type, const char *name,
						    uint32_t key_size, uint32_t value_size,
						    uint32_t max_entries,
						    const struct userbpf_map_create_opts *opts);
/** @brief Take one more reference. @return map. */
USERBPF_API struct userbpf_map *userbpf_map__get(struct userbpf_map *map);
/** @brief Drop a reference; the last one frees the map. NULL is a no-op. */
USERBPF_API void userbpf_map__put(struct userbpf_map *map);
/** @brief Same as userbpf_map__put(). */
USERBPF_API void userbpf_map__free(struct userbpf_map *map);

USERBPF_API uint32_t userbpf_map__type(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map__key_size(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map__value_size(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map__max_entries(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map__flags(const struct userbpf_map *map);
USERBPF_API uint64_t userbpf_map__map_extra(const struct userbpf_map *map);
USERBPF_API const char *userbpf_map__name(const struct userbpf_map *map);
/** @brief The map's ID: global, unique, monotonically increasing. */
USERBPF_API uint32_t userbpf_map__id(const struct userbpf_map *map);
/** @brief The map with this ID, with a new reference, or NULL (ENOENT). */
USERBPF_API struct userbpf_map *userbpf_map__get_by_id(uint32_t id);
/** @brief bpftool's name of a map type ("hash", "array"...), or NULL. */
USERBPF_API const char *userbpf_map_type_name(uint32_t map_type);
/**
 * @brief Size in bytes of a syscall-side value: round_up(value_size, 8) x
 * possible CPUs for per-CPU maps, 4 for maps of fds, else value_size.
 */
USERBPF_API uint32_t userbpf_map__sys_value_size(const struct userbpf_map *map);

/** @brief Number of possible CPUs (/sys/devices/system/cpu/possible). */
USERBPF_API int userbpf_num_possible_cpus(void);

/**
 * @brief Value storage of a USERBPF_F_MMAPABLE array (page-aligned,
 * max_entries x round_up(value_size, 8) bytes), or NULL (EINVAL) for any
 * other map.  The pointer lives as long as the map.
 */
USERBPF_API void *userbpf_map__mmap_ptr(struct userbpf_map *map, size_t *size);

/* ==== Element commands (kernel syscall semantics) ==== */

/** @brief BPF_MAP_LOOKUP_ELEM. flags: 0 or USERBPF_F_LOCK. */
USERBPF_API int userbpf_map__lookup_elem(struct userbpf_map *map, const void *key, void *value,
					 uint64_t flags);
/** @brief BPF_MAP_UPDATE_ELEM. flags: USERBPF_ANY/NOEXIST/EXIST [| F_LOCK]. */
USERBPF_API int userbpf_map__update_elem(struct userbpf_map *map, const void *key,
					 const void *value, uint64_t flags);
/** @brief BPF_MAP_DELETE_ELEM. */
USERBPF_API int userbpf_map__delete_elem(struct userbpf_map *map, const void *key);
/** @brief BPF_MAP_GET_NEXT_KEY; key NULL gives the first key. */
USERBPF_API int userbpf_map__get_next_key(struct userbpf_map *map, const void *key, void *next_key);
/** @brief BPF_MAP_LOOKUP_AND_DELETE_ELEM (hash types; pop for queue/stack). */
USERBPF_API int userbpf_map__lookup_and_delete_elem(struct userbpf_map *map, const void *key,
						    void *value, uint64_t flags);
/** @brief BPF_MAP_FREEZE: syscall-side writes fail with EPERM afterwards. */
USERBPF_API int userbpf_map__freeze(struct userbpf_map *map);
/** @brief True once frozen. */
USERBPF_API bool userbpf_map__is_frozen(const struct userbpf_map *map);

/* ==== Batch commands ====
 *
 * in_batch NULL starts at the beginning; out_batch receives the cursor to
 * pass as the next in_batch (a key for arrays and LPM tries, a u32 bucket
 * index for hash maps: give buffers of max(key_size, 4) bytes).  *count is
 * the capacity in, and the number of elements processed out, even on
 * error.  -ENOENT means the end was reached (and may carry a non-zero
 * count).  elem_flags: 0 or USERBPF_F_LOCK; flags must be 0 for hash maps.
 */
USERBPF_API int userbpf_map__lookup_batch(struct userbpf_map *map, const void *in_batch,
					  void *out_batch, void *keys, void *values,
					  uint32_t *count, uint64_t elem_flags, uint64_t flags);
USERBPF_API int userbpf_map__lookup_and_delete_batch(struct userbpf_map *map, const void *in_batch,
						     void *out_batch, void *keys, void *values,
						     uint32_t *count, uint64_t elem_flags,
						     uint64_t flags);
USERBPF_API int userbpf_map__update_batch(struct userbpf_map *map, const void *keys,
					  const void *values, uint32_t *count, uint64_t elem_flags,
					  uint64_t flags);
USERBPF_API int userbpf_map__delete_batch(struct userbpf_map *map, const void *keys,
					  uint32_t *count, uint64_t elem_flags, uint64_t flags);

/* ==== Ring buffer consumer (libbpf's ring_buffer) ==== */

struct userbpf_ringbuf;

/** Called per record; a negative return stops consumption and is returned. */
typedef int (*userbpf_ringbuf_sample_fn)(void *ctx, void *data, size_t size);

/** @brief Consumer of one RINGBUF map. NULL + errno (EINVAL) on a wrong map. */
USERBPF_API struct userbpf_ringbuf *userbpf_ringbuf__new(struct userbpf_map *map,
							 userbpf_ringbuf_sample_fn fn, void *ctx);
/**
 * @brief Wait up to timeout_ms (-1: forever) for data, then consume.
 * @return records consumed (>= 0) or a negative errno.
 */
USERBPF_API int userbpf_ringbuf__poll(struct userbpf_ringbuf *rb, int timeout_ms);
/** @brief Consume everything available without waiting. @return count. */
USERBPF_API int userbpf_ringbuf__consume(struct userbpf_ringbuf *rb);
/** @brief An fd that becomes readable (eventfd) when producers wake us. */
USERBPF_API int userbpf_ringbuf__epoll_fd(const struct userbpf_ringbuf *rb);
USERBPF_API void userbpf_ringbuf__free(struct userbpf_ringbuf *rb);

/**
 * @brief Mapped areas of a ring buffer, for tests and consumers written
 * against the kernel layout: the consumer-position page, the producer-
 * position page and the data area (mapped twice back to back).
 */
USERBPF_API int userbpf_ringbuf_map__areas(struct userbpf_map *map, void **consumer_pos,
					   void **producer_pos, void **data, size_t *data_size);

/* ==== User ring buffer producer (libbpf's user_ring_buffer) ====
 *
 * User space writes samples into a USER_RINGBUF map; programs consume
 * them with bpf_user_ringbuf_drain().  One producer thread at a time, as
 * with libbpf.  The memory layout is the kernel's.
 */

struct userbpf_user_ringbuf;

/** @brief Producer of one USER_RINGBUF map; NULL + errno EINVAL otherwise. */
USERBPF_API struct userbpf_user_ringbuf *userbpf_user_ringbuf__new(struct userbpf_map *map);
/**
 * @brief Reserve size bytes for a sample (8-byte aligned, contiguous).
 * @return the sample, or NULL with errno E2BIG (larger than the ring, or
 * a size with bit 30 or 31 set) or ENOSPC (not enough free space now).
 */
USERBPF_API void *userbpf_user_ringbuf__reserve(struct userbpf_user_ringbuf *rb, uint32_t size);
/**
 * @brief As reserve, waiting up to timeout_ms (-1: forever) for a drain
 * to free space; after the timeout one last try (errno ENOSPC).  Other
 * negative timeouts: EINVAL.
 */
USERBPF_API void *userbpf_user_ringbuf__reserve_blocking(struct userbpf_user_ringbuf *rb,
							 uint32_t size, int timeout_ms);
/** @brief Publish a reserved sample to the consumer. */
USERBPF_API void userbpf_user_ringbuf__submit(struct userbpf_user_ringbuf *rb, void *sample);
/** @brief Give a reserved sample back: the drain skips it. */
USERBPF_API void userbpf_user_ringbuf__discard(struct userbpf_user_ringbuf *rb, void *sample);
/** @brief An fd that becomes readable when a drain freed space (eventfd). */
USERBPF_API int userbpf_user_ringbuf__epoll_fd(const struct userbpf_user_ringbuf *rb);
USERBPF_API void userbpf_user_ringbuf__free(struct userbpf_user_ringbuf *rb);

/* ==== Perf buffer consumer (libbpf's perf_buffer) ==== */

struct userbpf_perf_buffer;

typedef void (*userbpf_perf_buffer_sample_fn)(void *ctx, int cpu, void *data, uint32_t size);
typedef void (*userbpf_perf_buffer_lost_fn)(void *ctx, int cpu, uint64_t cnt);

/**
 * @brief Attach a consumer to a PERF_EVENT_ARRAY: one buffer of
 * page_cnt pages (a power of 2) per possible CPU slot.
 */
USERBPF_API struct userbpf_perf_buffer *
userbpf_perf_buffer__new(struct userbpf_map *map, size_t page_cnt,
			 userbpf_perf_buffer_sample_fn sample_cb,
			 userbpf_perf_buffer_lost_fn lost_cb, void *ctx);
/** @return records handled, or a negative errno. */
USERBPF_API int userbpf_perf_buffer__poll(struct userbpf_perf_buffer *pb, int timeout_ms);
USERBPF_API int userbpf_perf_buffer__consume(struct userbpf_perf_buffer *pb);
USERBPF_API void userbpf_perf_buffer__free(struct userbpf_perf_buffer *pb);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_MAP_H */
