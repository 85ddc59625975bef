/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - private declarations shared by the helper implementations
 * and the registry table (std.c).  Every helper has the signature of
 * userbpf_helper_fn and is named ub_helper_<kernel name>.
 */
#ifndef USERBPF_HELPERS_H
#define USERBPF_HELPERS_H

#include "util/ubc.h"
#include <stdint.h>

#include "userbpf/vm.h"
#include "vm/vm_int.h"
#include "userbpf/map.h"
#include "util/alloc.h"

#define UB_UNUSED __attribute__((unused))
#define UB_HELPER(NAME)                                                                            \
	uint64_t ub_helper_##NAME(uint64_t r1 UB_UNUSED, uint64_t r2 UB_UNUSED,                    \
				  uint64_t r3 UB_UNUSED, uint64_t r4 UB_UNUSED,                    \
				  uint64_t r5 UB_UNUSED, struct userbpf_run *run UB_UNUSED)

/* A negative errno as the helper's r0. */
#define UB_ERR(E) ((uint64_t)(int64_t)(E))

/* Map helpers (map_helpers.c) */
UB_HELPER(map_lookup_elem);
UB_HELPER(map_update_elem);
UB_HELPER(map_delete_elem);
UB_HELPER(map_push_elem);
UB_HELPER(map_pop_elem);
UB_HELPER(map_peek_elem);
UB_HELPER(map_lookup_percpu_elem);
UB_HELPER(for_each_map_elem);
UB_HELPER(tail_call);
UB_HELPER(spin_lock);
UB_HELPER(spin_unlock);
/* Ring and perf buffers (ringbuf_helpers.c) */
UB_HELPER(ringbuf_output);
UB_HELPER(ringbuf_reserve);
UB_HELPER(ringbuf_submit);
UB_HELPER(ringbuf_discard);
UB_HELPER(ringbuf_query);
UB_HELPER(perf_event_output);
/* bpf_probe_write_user (write_user.c) */
UB_HELPER(probe_write_user);
/* User ring buffer and dynptrs (dynptr_helpers.c) */
UB_HELPER(dynptr_from_mem);
UB_HELPER(ringbuf_reserve_dynptr);
UB_HELPER(ringbuf_submit_dynptr);
UB_HELPER(ringbuf_discard_dynptr);
UB_HELPER(dynptr_read);
UB_HELPER(dynptr_write);
UB_HELPER(dynptr_data);
UB_HELPER(user_ringbuf_drain);
/* Iterator output (seq_helpers.c) */
UB_HELPER(seq_printf);
UB_HELPER(seq_write);
/* cgroup/sysctl (sysctl_helpers.c) */
UB_HELPER(sysctl_get_name);
UB_HELPER(sysctl_get_current_value);
UB_HELPER(sysctl_get_new_value);
UB_HELPER(sysctl_set_new_value);
/* Sock maps (sock_helpers.c; the OS part in maps/sock_host.c) */
UB_HELPER(sk_redirect_map);
UB_HELPER(sock_map_update);
UB_HELPER(msg_redirect_map);
UB_HELPER(sock_hash_update);
UB_HELPER(msg_redirect_hash);
UB_HELPER(sk_redirect_hash);
UB_HELPER(sk_release);
UB_HELPER(sk_lookup);
UB_HELPER(sk_fullsock);
UB_HELPER(tcp_sock);
UB_HELPER(sock_destroy); /* kfunc */
/* bpf_map_lookup_elem on a SOCKMAP/SOCKHASH: a held struct bpf_sock or NULL */
struct ub_map;
void *ub_sock_lookup_prog(struct userbpf_run *run, struct ub_map *map, const void *key);
/* bpf_map_update_elem on a SOCKMAP/SOCKHASH with a socket the run holds */
long ub_sock_update_prog(struct userbpf_run *run, struct ub_map *map, const void *key, void *value,
			 uint64_t flags);
/* Printing (bprintf.c) */
UB_HELPER(trace_printk);
UB_HELPER(trace_vprintk);
UB_HELPER(snprintf);
/* Process and memory (task_helpers.c) */
UB_HELPER(probe_read);
UB_HELPER(probe_read_str);
UB_HELPER(probe_read_user_str);
UB_HELPER(get_current_pid_tgid);
UB_HELPER(get_current_uid_gid);
UB_HELPER(get_current_comm);
UB_HELPER(get_func_ip);
UB_HELPER(get_attach_cookie);
UB_HELPER(get_stack);
UB_HELPER(get_stackid);
UB_HELPER(send_signal);
UB_HELPER(send_signal_thread);
/* Time, random, loops, strings (misc_helpers.c) */
UB_HELPER(ktime_get_ns);
UB_HELPER(ktime_get_boot_ns);
UB_HELPER(ktime_get_coarse_ns);
UB_HELPER(ktime_get_tai_ns);
UB_HELPER(jiffies64);
UB_HELPER(get_prandom_u32);
UB_HELPER(get_smp_processor_id);
UB_HELPER(get_numa_node_id);
UB_HELPER(loop);
UB_HELPER(strncmp);

/*
 * Format like the kernel's bpf_bprintf: fmt with args[] (u64 each,
 * %s arguments read through run's read policy, userbpf_run__read_str).  Writes at most size bytes incl. NUL
 * into out; returns the length the full output needs incl. NUL, or
 * -EINVAL for an unsupported or malformed format, a format that is not
 * NUL-terminated within fmt_size, or more conversions than nargs.
 */
long ub_bprintf(const struct userbpf_run *run, char *out, size_t size, const char *fmt,
		size_t fmt_size, const uint64_t *args, unsigned nargs, unsigned max_args);

/* Deliver a bpf_printk line: run's trace callback or the print callback. */
void ub_trace_emit(struct userbpf_run *run, const char *line, size_t len);

/*
 * The probed thread's user stack, as the kernel's perf_callchain_user
 * sees it (task_helpers.c):
 *  - ips, n: the interrupted thread's stack unwound by the probe module
 *    before a perf_event program's run (ips[0] = the interrupted
 *    instruction); n = 0 when absent;
 *  - regs: during a uprobe's or uretprobe's runs, the probed thread's
 *    registers (kernel struct pt_regs layout), else NULL; user stacks
 *    are then its ip followed by its frame-pointer chain, and at_entry
 *    (a uprobe on a function's first instruction, a push %rbp or an
 *    endbr64) adds the return address at sp first, as Linux does.
 */
struct ub_sample_stack {
	const uint64_t *ips;
	unsigned n;
	const uint64_t *regs;
	bool at_entry;
};
#ifdef USERBPF_TLS_DYNAMIC /* the dlopen'ed agent of --pid (mk/probe.mk) */
extern __thread struct ub_sample_stack ub_sample_stack;
#else
extern __thread __attribute__((tls_model("initial-exec"))) struct ub_sample_stack ub_sample_stack;
#endif

#endif
