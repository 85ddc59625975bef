/* SPDX-License-Identifier: MIT */
/*
 * btf_check.h - BPF_BTF_LOAD's judgement of a BTF blob, as the kernel's
 * btf_parse() judges it (see btf_check.c).
 */
#ifndef USERBPF_SYSCALL_BTF_CHECK_H
#define USERBPF_SYSCALL_BTF_CHECK_H

#include "util/ubc.h"
#include "syscall/vlog.h"

/*
 * Check size bytes of BTF (a command-side copy) as the kernel does:
 * header, sections, string section, every type's meta data, type
 * resolution (loops, sizes, member offsets), function prototypes, type
 * tag chains.  The kernel's log text goes to log (level 0: none).
 * Returns 0 (accepted), -EINVAL, -E2BIG, -ENOTSUPP (524), -ELOOP or
 * -ENOMEM.  Reads nothing outside data[0, size).
 */
int ub_btf_check(const uint8_t *data, uint32_t size, struct ub_vlog *log);

#endif
