/* SPDX-License-Identifier: MIT */
/*
 * std.c - the built-in helper registry: {id, name, function, prototype}
 * for every helper userbpf implements, sorted by the kernel's BPF_FUNC_*
 * id, with the program types that may call each (the kernel's
 * get_func_proto per type).  The interpreter resolves calls through it,
 * checked mode and the verifier read the prototypes (the kernel's
 * bpf_func_proto), the CLI prints names from it.  userbpf_prog__new is
 * here: it hands this table down to the vm as the default.  Implementations live beside their subsystems
 * (map_helpers.c, ringbuf_helpers.c, bprintf.c, task_helpers.c,
 * misc_helpers.c).
 */
#include "util/ubc.h"

#include "helpers.h"
#include "kfunc.h"
#include "task_struct.h"
#include "userbpf/progs.h"

#define A(X) USERBPF_ARG_##X
#define P(RET, FLAGS, ...) { .ret = USERBPF_RET_##RET, .args = { __VA_ARGS__ }, .flags = FLAGS }
/* P with the program types that may call the helper (default: all) */
#define PT(TYPES, RET, FLAGS, ...)                                                                 \
	{ .ret = USERBPF_RET_##RET, .args = { __VA_ARGS__ }, .flags = FLAGS, .prog_types = TYPES }
#define H(ID, NAME, FN, PROTO) { ID, "bpf_" #NAME, ub_helper_##FN, PROTO }
#define GPL USERBPF_HELPER_GPL_ONLY

/*
 * Program types per helper: the kernel's get_func_proto of each type, as
 * Linux 6.18 answers (tests/sandbox/test_sandbox_helper_types.c loads a
 * call of every helper for every type in the kernel and compares).  Rows
 * without a set are in bpf_base_func_proto: every type may call them.
 */
#define TB(X) USERBPF_PROG_TYPE_BIT(USERBPF_PROG_TYPE_##X)
/* bpf_tracing_func_proto: kprobe_prog_func_proto and its siblings */
#define TRACING_TYPES                                                                              \
	(TB(KPROBE) | TB(TRACEPOINT) | TB(PERF_EVENT) | TB(RAW_TRACEPOINT) |                       \
	 TB(RAW_TRACEPOINT_WRITABLE) | TB(TRACING) | TB(LSM) | TB(SYSCALL))
/* generic kfuncs (bpf_task_from_pid...): kfunc_init() registers them for
 * the hooks these types map to (bpf_prog_type_to_kfunc_hook) */
#define GENERIC_KFUNC_TYPES                                                                        \
	(TB(KPROBE) | TB(TRACEPOINT) | TB(PERF_EVENT) | TB(RAW_TRACEPOINT) |                       \
	 TB(RAW_TRACEPOINT_WRITABLE) | TB(TRACING) | TB(SCHED_CLS) | TB(XDP) | TB(STRUCT_OPS) |    \
	 TB(SYSCALL) | TB(CGROUP_SKB))
/* bpf_get_attach_cookie: the tracing types but syscall programs */
#define COOKIE_TYPES (TRACING_TYPES & ~TB(SYSCALL))
/* bpf_get_socket_cookie: the types whose context has a socket */
#define SOCKET_COOKIE_TYPES                                                                        \
	ALL_TYPES_BUT(TB(KPROBE) | TB(TRACEPOINT) | TB(XDP) | TB(PERF_EVENT) | TB(LWT_IN) |        \
		      TB(LWT_OUT) | TB(LWT_XMIT) | TB(CGROUP_DEVICE) | TB(SK_MSG) |                \
		      TB(RAW_TRACEPOINT) | TB(LWT_SEG6LOCAL) | TB(FLOW_DISSECTOR) |                \
		      TB(CGROUP_SYSCTL) | TB(RAW_TRACEPOINT_WRITABLE) | TB(CGROUP_SOCKOPT) |       \
		      TB(SK_LOOKUP) | TB(NETFILTER))
/* every type: ~0 minus the named ones */
#define ALL_TYPES_BUT(MASK) (~0ull & ~(TB(UNSPEC) | (MASK)))
/* bpf_perf_event_output: not sk_reuseport, flow_dissector, netfilter, lirc */
#define PERF_OUTPUT_TYPES                                                                          \
	ALL_TYPES_BUT(TB(LIRC_MODE2) | TB(SK_REUSEPORT) | TB(FLOW_DISSECTOR) | TB(NETFILTER) |     \
		      TB(STRUCT_OPS) | TB(EXT))
/* bpf_ktime_get_coarse_ns: bpf_sk_base_func_proto users and sysctl */
#define COARSE_NS_TYPES                                                                            \
	(TB(SOCKET_FILTER) | TB(SCHED_CLS) | TB(SCHED_ACT) | TB(XDP) | TB(CGROUP_SKB) |            \
	 TB(CGROUP_SOCK) | TB(LWT_IN) | TB(LWT_OUT) | TB(LWT_XMIT) | TB(SOCK_OPS) | TB(SK_SKB) |   \
	 TB(SK_MSG) | TB(CGROUP_SOCK_ADDR) | TB(LWT_SEG6LOCAL) | TB(SK_REUSEPORT) |                \
	 TB(FLOW_DISSECTOR) | TB(CGROUP_SYSCTL) | TB(SK_LOOKUP))

/* bpf_sk_release: the types with bpf_sk_lookup_* (CONFIG_INET) */
#define SK_RELEASE_TYPES                                                                           \
	(TB(SCHED_CLS) | TB(SCHED_ACT) | TB(XDP) | TB(CGROUP_SKB) | TB(SK_SKB) | TB(SK_LOOKUP) |   \
	 TB(CGROUP_SOCK_ADDR))

/* bpf_sk_lookup_{tcp,udp}, bpf_skc_lookup_tcp: tc, xdp, cgroup_skb,
 * sk_skb, cgroup_sock_addr */
#define SK_LOOKUP_TYPES (SK_RELEASE_TYPES & ~TB(SK_LOOKUP))
/* bpf_sk_fullsock: cgroup_skb and tc; bpf_tcp_sock: and sock_ops, cgroup_sockopt */
#define FULLSOCK_TYPES (TB(SCHED_CLS) | TB(SCHED_ACT) | TB(CGROUP_SKB))
#define ACQ USERBPF_HELPER_ACQUIRE

static const struct userbpf_helper std_helpers[] = {
	H(1, map_lookup_elem, map_lookup_elem,
	  P(PTR_TO_MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))),
	H(2, map_update_elem, map_update_elem,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING))),
	H(3, map_delete_elem, map_delete_elem, P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))),
	H(4, probe_read, probe_read,
	  PT(TRACING_TYPES, INTEGER, GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO),
	     A(ANYTHING))),
	H(5, ktime_get_ns, ktime_get_ns, P(INTEGER, 0, 0)),
	H(6, trace_printk, trace_printk,
	  P(INTEGER, GPL, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(7, get_prandom_u32, get_prandom_u32, P(INTEGER, 0, 0)),
	H(8, get_smp_processor_id, get_smp_processor_id, P(INTEGER, 0, 0)),
	H(12, tail_call, tail_call,
	  P(INTEGER, USERBPF_HELPER_TAIL_CALL, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING))),
	H(14, get_current_pid_tgid, get_current_pid_tgid, P(INTEGER, 0, 0)),
	H(15, get_current_uid_gid, get_current_uid_gid, P(INTEGER, 0, 0)),
	H(16, get_current_comm, get_current_comm,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(25, perf_event_output, perf_event_output,
	  PT(PERF_OUTPUT_TYPES, INTEGER, GPL, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING),
	     A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO))),
	H(27, get_stackid, get_stackid,
	  PT(TRACING_TYPES, INTEGER, GPL, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING))),
	H(35, get_current_task, get_current_task, P(INTEGER, 0, 0)),
	H(36, probe_write_user, probe_write_user,
	  PT(TRACING_TYPES, INTEGER, GPL, A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(37, current_task_under_cgroup, current_task_under_cgroup,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING))),
	H(42, get_numa_node_id, get_numa_node_id, P(INTEGER, 0, 0)),
	H(45, probe_read_str, probe_read_str,
	  PT(TRACING_TYPES, INTEGER, GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO),
	     A(ANYTHING))),
	H(46, get_socket_cookie, get_socket_cookie,
	  PT(SOCKET_COOKIE_TYPES, INTEGER, 0, A(PTR_TO_CTX))),
	H(52, sk_redirect_map, sk_redirect_map,
	  PT(TB(SK_SKB), INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING))),
	H(53, sock_map_update, sock_map_update,
	  PT(TB(SOCK_OPS), INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY),
	     A(ANYTHING))),
	H(60, msg_redirect_map, msg_redirect_map,
	  PT(TB(SK_MSG), INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING))),
	H(67, get_stack, get_stack,
	  PT(TRACING_TYPES, INTEGER, GPL, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM),
	     A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(70, sock_hash_update, sock_hash_update,
	  PT(TB(SOCK_OPS), INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY),
	     A(ANYTHING))),
	H(71, msg_redirect_hash, msg_redirect_hash,
	  PT(TB(SK_MSG), INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY),
	     A(ANYTHING))),
	H(72, sk_redirect_hash, sk_redirect_hash,
	  PT(TB(SK_SKB), INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY),
	     A(ANYTHING))),
	H(80, get_current_cgroup_id, get_current_cgroup_id, P(INTEGER, 0, 0)),
	H(84, sk_lookup_tcp, sk_lookup,
	  PT(SK_LOOKUP_TYPES, PTR_TO_SOCKET_OR_NULL, ACQ, A(PTR_TO_CTX), A(PTR_TO_MEM),
	     A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(ANYTHING))),
	H(85, sk_lookup_udp, sk_lookup,
	  PT(SK_LOOKUP_TYPES, PTR_TO_SOCKET_OR_NULL, ACQ, A(PTR_TO_CTX), A(PTR_TO_MEM),
	     A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(ANYTHING))),
	H(86, sk_release, sk_release,
	  PT(SK_RELEASE_TYPES, INTEGER, USERBPF_HELPER_RELEASE, A(PTR_TO_BTF_ID_SOCK_COMMON))),
	H(87, map_push_elem, map_push_elem,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE), A(ANYTHING))),
	H(88, map_pop_elem, map_pop_elem, P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE))),
	H(89, map_peek_elem, map_peek_elem, P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE))),
	H(93, spin_lock, spin_lock, P(VOID, 0, A(PTR_TO_SPIN_LOCK))),
	H(94, spin_unlock, spin_unlock, P(VOID, 0, A(PTR_TO_SPIN_LOCK))),
	H(95, sk_fullsock, sk_fullsock,
	  PT(FULLSOCK_TYPES, PTR_TO_SOCKET_OR_NULL, 0, A(PTR_TO_SOCK_COMMON))),
	H(96, tcp_sock, tcp_sock,
	  PT(FULLSOCK_TYPES | TB(SOCK_OPS) | TB(CGROUP_SOCKOPT), PTR_TO_TCP_SOCK_OR_NULL, 0,
	     A(PTR_TO_SOCK_COMMON))),
	H(99, skc_lookup_tcp, sk_lookup,
	  PT(SK_LOOKUP_TYPES, PTR_TO_SOCK_COMMON_OR_NULL, ACQ, A(PTR_TO_CTX), A(PTR_TO_MEM),
	     A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(ANYTHING))),
	H(101, sysctl_get_name, sysctl_get_name,
	  PT(TB(CGROUP_SYSCTL), INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE),
	     A(ANYTHING))),
	H(102, sysctl_get_current_value, sysctl_get_current_value,
	  PT(TB(CGROUP_SYSCTL), INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(103, sysctl_get_new_value, sysctl_get_new_value,
	  PT(TB(CGROUP_SYSCTL), INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(104, sysctl_set_new_value, sysctl_set_new_value,
	  PT(TB(CGROUP_SYSCTL), INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(109, send_signal, send_signal, P(INTEGER, 0, A(ANYTHING))),
	H(112, probe_read_user, probe_read,
	  P(INTEGER, GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(113, probe_read_kernel, probe_read,
	  P(INTEGER, GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(114, probe_read_user_str, probe_read_user_str,
	  P(INTEGER, GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(115, probe_read_kernel_str, probe_read_str,
	  P(INTEGER, GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(117, send_signal_thread, send_signal_thread, P(INTEGER, 0, A(ANYTHING))),
	H(118, jiffies64, jiffies64, P(INTEGER, 0, 0)),
	H(120, get_ns_current_pid_tgid, get_ns_current_pid_tgid,
	  P(INTEGER, 0, A(ANYTHING), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(125, ktime_get_boot_ns, ktime_get_boot_ns, P(INTEGER, 0, 0)),
	H(126, seq_printf, seq_printf,
	  PT(TB(TRACING), INTEGER, GPL, A(PTR_TO_BTF_ID), A(PTR_TO_MEM), A(CONST_SIZE),
	     A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO))),
	H(127, seq_write, seq_write,
	  PT(TB(TRACING), INTEGER, GPL, A(PTR_TO_BTF_ID), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO))),
	H(130, ringbuf_output, ringbuf_output,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(131, ringbuf_reserve, ringbuf_reserve,
	  P(PTR_TO_ALLOC_MEM_OR_NULL, 0, A(CONST_MAP_PTR), A(CONST_ALLOC_SIZE_OR_ZERO),
	    A(ANYTHING))),
	H(132, ringbuf_submit, ringbuf_submit, P(VOID, 0, A(PTR_TO_ALLOC_MEM), A(ANYTHING))),
	H(133, ringbuf_discard, ringbuf_discard, P(VOID, 0, A(PTR_TO_ALLOC_MEM), A(ANYTHING))),
	H(134, ringbuf_query, ringbuf_query, P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING))),
	H(141, get_task_stack, get_task_stack,
	  P(INTEGER, 0, A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(158, get_current_task_btf, get_current_task, P(INTEGER, 0, 0)),
	H(160, ktime_get_coarse_ns, ktime_get_coarse_ns, PT(COARSE_NS_TYPES, INTEGER, 0, 0)),
	H(164, for_each_map_elem, for_each_map_elem,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	H(165, snprintf, snprintf,
	  P(INTEGER, 0, A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_CONST_STR),
	    A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO))),
	H(173, get_func_ip, get_func_ip, PT(TRACING_TYPES, INTEGER, GPL, A(PTR_TO_CTX))),
	H(174, get_attach_cookie, get_attach_cookie, PT(COOKIE_TYPES, INTEGER, 0, A(PTR_TO_CTX))),
	H(177, trace_vprintk, trace_vprintk,
	  P(INTEGER, GPL, A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_MEM_OR_NULL),
	    A(CONST_SIZE_OR_ZERO))),
	H(181, loop, loop,
	  P(INTEGER, 0, A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	H(182, strncmp, strncmp, P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_CONST_STR))),
	H(195, map_lookup_percpu_elem, map_lookup_percpu_elem,
	  P(PTR_TO_MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(197, dynptr_from_mem, dynptr_from_mem,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING),
	    A(PTR_TO_DYNPTR))),
	H(198, ringbuf_reserve_dynptr, ringbuf_reserve_dynptr,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING), A(PTR_TO_DYNPTR))),
	H(199, ringbuf_submit_dynptr, ringbuf_submit_dynptr,
	  P(VOID, 0, A(PTR_TO_DYNPTR), A(ANYTHING))),
	H(200, ringbuf_discard_dynptr, ringbuf_discard_dynptr,
	  P(VOID, 0, A(PTR_TO_DYNPTR), A(ANYTHING))),
	H(201, dynptr_read, dynptr_read,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(PTR_TO_DYNPTR), A(ANYTHING),
	    A(ANYTHING))),
	H(202, dynptr_write, dynptr_write,
	  P(INTEGER, 0, A(PTR_TO_DYNPTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO),
	    A(ANYTHING))),
	H(203, dynptr_data, dynptr_data,
	  P(PTR_TO_MEM_OR_NULL, 0, A(PTR_TO_DYNPTR), A(ANYTHING), A(CONST_ALLOC_SIZE_OR_ZERO))),
	H(208, ktime_get_tai_ns, ktime_get_tai_ns, P(INTEGER, 0, 0)),
	H(209, user_ringbuf_drain, user_ringbuf_drain,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	/* kfuncs (kfunc.h): ids from UB_KFUNC_ID_BASE, past every kernel helper */
	H(UB_KFUNC_ID_BASE + 0, sock_destroy, sock_destroy,
	  PT(TB(TRACING), INTEGER, 0, A(PTR_TO_BTF_ID))),
	/* kernel/bpf/helpers.c generic_btf_ids, registered for the types of
	 * the tracing hook, tc, xdp, struct_ops, syscall and cgroup_skb */
	H(UB_KFUNC_ID_BASE + 1, task_from_pid, task_from_pid,
	  PT(GENERIC_KFUNC_TYPES, PTR_TO_BTF_ID_OR_NULL, USERBPF_HELPER_ACQUIRE, A(ANYTHING))),
	H(UB_KFUNC_ID_BASE + 2, task_acquire, task_acquire,
	  PT(GENERIC_KFUNC_TYPES, PTR_TO_BTF_ID_OR_NULL,
	     USERBPF_HELPER_ACQUIRE | USERBPF_HELPER_TRUSTED_ARGS, A(PTR_TO_BTF_ID))),
	H(UB_KFUNC_ID_BASE + 3, task_release, task_release,
	  PT(GENERIC_KFUNC_TYPES, VOID, USERBPF_HELPER_RELEASE | USERBPF_HELPER_TRUSTED_ARGS,
	     A(PTR_TO_BTF_ID))),
};

/* The public constructor: the vm's, with the built-in table as default. */
struct userbpf_prog *userbpf_prog__new(const struct userbpf_insn *insns, size_t insn_cnt,
				       const struct userbpf_prog_opts *opts)
{
	return vm_prog_new(insns, insn_cnt, opts, std_helpers,
			   sizeof(std_helpers) / sizeof(std_helpers[0]));
}

const struct userbpf_helper *userbpf_helpers_std(size_t *cnt)
{
	*cnt = sizeof(std_helpers) / sizeof(std_helpers[0]);
	return std_helpers;
}

const struct userbpf_helper *userbpf_helper_by_id(uint32_t id)
{
	size_t lo = 0, hi = sizeof(std_helpers) / sizeof(std_helpers[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (std_helpers[mid].id == id)
			return &std_helpers[mid];
		if (std_helpers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct userbpf_helper *userbpf_helper_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(std_helpers) / sizeof(std_helpers[0]); i++)
		if (!strcmp(std_helpers[i].name, name) || !strcmp(std_helpers[i].name + 4, name))
			return &std_helpers[i];
	return NULL;
}

uint32_t ub_kfunc_id(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(std_helpers) / sizeof(std_helpers[0]); i++)
		if (std_helpers[i].id >= UB_KFUNC_ID_BASE && !strcmp(std_helpers[i].name, name))
			return std_helpers[i].id;
	return 0;
}
