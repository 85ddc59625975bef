/* SPDX-License-Identifier: MIT */
/*
 * userbpf/syscall.h - the kernel's bpf() command interface over userbpf
 * objects: userbpf_bpf(cmd, attr, size) takes the kernel's union
 * bpf_attr and returns what bpf(2) returns (a handle, 0, or -1 with
 * errno), so code written against the raw syscall ports by renaming it.
 *
 * Handles behave like file descriptors (small integers, lowest free
 * first, closed with userbpf_close) but live in userbpf's own table: they
 * are not kernel file descriptors.
 *
 * Supported: MAP_CREATE, MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM,
 * MAP_DELETE_ELEM, MAP_GET_NEXT_KEY, MAP_LOOKUP_AND_DELETE_ELEM,
 * MAP_FREEZE, MAP_LOOKUP_BATCH, MAP_LOOKUP_AND_DELETE_BATCH,
 * MAP_UPDATE_BATCH, MAP_DELETE_BATCH, PROG_LOAD, PROG_TEST_RUN,
 * OBJ_GET_INFO_BY_FD, BTF_LOAD, MAP_GET_FD_BY_ID, PROG_GET_FD_BY_ID.
 */
#ifndef USERBPF_SYSCALL_H
#define USERBPF_SYSCALL_H

#include <linux/bpf.h>

#include "common.h"
#include "map.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief bpf(2) over userbpf objects.
 * @return a handle or 0 on success; -1 with errno set on failure (the
 * kernel's errno values: E2BIG for a non-zero attr tail, EINVAL for
 * unknown commands or stray fields, EBADF for bad handles, ...).
 */
USERBPF_API int userbpf_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/** @brief Close a handle. @return 0, or -1 with errno EBADF. */
USERBPF_API int userbpf_close(int fd);

/** @brief A new handle holding a reference to map / prog; -errno on failure. */
USERBPF_API int userbpf_map_fd(struct userbpf_map *map);
USERBPF_API int userbpf_prog_fd(struct userbpf_prog *prog);

/** @brief The object behind a handle (borrowed), or NULL with errno. */
USERBPF_API struct userbpf_map *userbpf_map_by_fd(int fd);
USERBPF_API struct userbpf_prog *userbpf_prog_by_fd(int fd);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_SYSCALL_H */
