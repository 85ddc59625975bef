/* SPDX-License-Identifier: MIT */
/*
 * userbpf/progs.h - program types (the kernel's BPF_PROG_TYPE_* numbers)
 * with their contexts, and test runs: one program run on an input packet
 * or context, like the kernel's BPF_PROG_TEST_RUN.
 *
 * Context layouts are the kernel's: struct __sk_buff for socket filters,
 * tc and cgroup skb programs, struct xdp_md for XDP, caller-supplied bytes
 * (pt_regs, tracepoint records, raw arguments) for tracing types.  The
 * 32-bit data/data_end fields of __sk_buff and xdp_md hold real addresses:
 * test runs place packets in the low 2 GiB of the address space.
 * Checked test runs apply the kernel verifier's context rules per program
 * type (e.g. data, data_end and len are read-only; socket filters may
 * write only cb[]; xdp_md is read-only): a forbidden access stops the run
 * with -EACCES and "invalid 4-byte write to __sk_buff field data at insn
 * N".  Packet helpers and the copy-out use the packet bounds the test run
 * set up, never the program-visible copies.
 */
#ifndef USERBPF_PROGS_H
#define USERBPF_PROGS_H

#include "common.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Program types: the kernel's enum bpf_prog_type. */
enum userbpf_prog_type {
	USERBPF_PROG_TYPE_UNSPEC = 0,
	USERBPF_PROG_TYPE_SOCKET_FILTER = 1,
	USERBPF_PROG_TYPE_KPROBE = 2,
	USERBPF_PROG_TYPE_SCHED_CLS = 3,
	USERBPF_PROG_TYPE_SCHED_ACT = 4,
	USERBPF_PROG_TYPE_TRACEPOINT = 5,
	USERBPF_PROG_TYPE_XDP = 6,
	USERBPF_PROG_TYPE_PERF_EVENT = 7,
	USERBPF_PROG_TYPE_CGROUP_SKB = 8,
	USERBPF_PROG_TYPE_CGROUP_SOCK = 9,
	USERBPF_PROG_TYPE_LWT_IN = 10,
	USERBPF_PROG_TYPE_LWT_OUT = 11,
	USERBPF_PROG_TYPE_LWT_XMIT = 12,
	USERBPF_PROG_TYPE_SOCK_OPS = 13,
	USERBPF_PROG_TYPE_SK_SKB = 14,
	USERBPF_PROG_TYPE_CGROUP_DEVICE = 15,
	USERBPF_PROG_TYPE_SK_MSG = 16,
	USERBPF_PROG_TYPE_RAW_TRACEPOINT = 17,
	USERBPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18,
	USERBPF_PROG_TYPE_LWT_SEG6LOCAL = 19,
	USERBPF_PROG_TYPE_LIRC_MODE2 = 20,
	USERBPF_PROG_TYPE_SK_REUSEPORT = 21,
	USERBPF_PROG_TYPE_FLOW_DISSECTOR = 22,
	USERBPF_PROG_TYPE_CGROUP_SYSCTL = 23,
	USERBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE = 24,
	USERBPF_PROG_TYPE_CGROUP_SOCKOPT = 25,
	USERBPF_PROG_TYPE_TRACING = 26,
	USERBPF_PROG_TYPE_STRUCT_OPS = 27,
	USERBPF_PROG_TYPE_EXT = 28,
	USERBPF_PROG_TYPE_LSM = 29,
	USERBPF_PROG_TYPE_SK_LOOKUP = 30,
	USERBPF_PROG_TYPE_SYSCALL = 31,
	USERBPF_PROG_TYPE_NETFILTER = 32,
};

/** @brief "socket_filter", "xdp", ... as bpftool prints them, or NULL. */
USERBPF_API const char *userbpf_prog_type_name(uint32_t prog_type);

/**
 * @brief Helpers a program type gets on top of the built-in table (packet
 * access for skb and XDP programs).  @param[out] cnt entries.
 */
USERBPF_API const struct userbpf_helper *userbpf_prog_type_helpers(uint32_t prog_type, size_t *cnt);

/** Options and results of a test run (libbpf's bpf_test_run_opts). */
struct userbpf_test_run_opts {
	size_t sz;
	const void *data_in; /**< packet (skb, XDP) */
	void *data_out;	     /**< packet after the run, may be NULL */
	uint32_t data_size_in;
	uint32_t data_size_out; /**< in: buffer size; out: bytes of output */
	const void *ctx_in;	/**< context: __sk_buff/xdp_md fields, or raw bytes */
	void *ctx_out;
	uint32_t ctx_size_in;
	uint32_t ctx_size_out; /**< in: buffer size; out: bytes of output */
	uint32_t retval;       /**< out: r0 as u32 */
	int repeat;	       /**< runs; 0 means 1 */
	uint32_t duration;     /**< out: average ns per run */
	uint32_t flags;	       /**< USERBPF_RUN_CHECKED ... */
	uint64_t retval64;     /**< out: the full r0 */
	uint64_t insn_budget;  /**< per run; 0 = none */
	void *cookie;	       /**< passed to trace_fn */
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	char *err_buf;
	size_t err_buf_sz;
};
#define userbpf_test_run_opts__last_field err_buf_sz

/**
 * @brief Run prog on a packet or context, as BPF_PROG_TEST_RUN does.
 * Socket filters see the packet without its Ethernet header (skb->len =
 * frame length - 14, protocol = the EtherType); tc programs see the
 * whole frame; XDP sees the whole frame with 256 bytes of headroom.
 * @return 0; -EINVAL for a packet shorter than 14 bytes or larger than a
 * page, or an output buffer too small (-ENOSPC, with the size needed in
 * data_size_out, like the kernel); the run's own error otherwise.
 */
USERBPF_API int userbpf_prog__test_run(const struct userbpf_prog *prog,
				       struct userbpf_test_run_opts *opts);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_PROGS_H */
