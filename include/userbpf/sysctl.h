/* SPDX-License-Identifier: MIT */
/*
 * userbpf/sysctl.h - the context of SEC("cgroup/sysctl") programs
 * (BPF_PROG_TYPE_CGROUP_SYSCTL) as a host fills it: the program sees the
 * kernel's struct bpf_sysctl { u32 write; u32 file_pos; } at the start;
 * the sysctl helpers (bpf_sysctl_get_name, _get_current_value,
 * _get_new_value, _set_new_value) read the rest, as the kernel's
 * struct bpf_sysctl_kern.
 */
#ifndef USERBPF_SYSCTL_H
#define USERBPF_SYSCTL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USERBPF_SYSCTL_CTX_MAGIC 0x7379736374786331ull /* "sysctxc1" */

/**
 * Pass a pointer to it as the run's ctx with ctx_size = sizeof(it); the
 * helpers refuse (-EINVAL) any other context.
 */
struct userbpf_sysctl_ctx {
	uint32_t write;		/**< the program's bpf_sysctl.write: 1 for a write */
	uint32_t file_pos;	/**< bpf_sysctl.file_pos (the program may change it) */
	uint64_t magic;		/**< USERBPF_SYSCTL_CTX_MAGIC */
	const char *name;	/**< full name below /proc/sys: "kernel/ostype" */
	const char *cur_val;	/**< the current value as text ("Linux\n") */
	size_t cur_len;
	char *new_val;		/**< a write's new value (writable buffer), or NULL */
	size_t new_len;		/**< its length; set_new_value changes it */
	size_t new_cap;		/**< bytes new_val can hold */
	int new_updated;	/**< set to 1 by bpf_sysctl_set_new_value */
};

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_SYSCTL_H */
