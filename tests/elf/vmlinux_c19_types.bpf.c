/* SPDX-License-Identifier: MIT */
/*
 * vmlinux_c19_types.bpf.c - CO-RE relocations clang 14 cannot emit
 * (built only when clang-19 is present): type matches, local and
 * target type ids, 64-bit enumerator values (BTF_KIND_ENUM64).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fixture.h"

struct pt_regs___int_di {
	int di; /* the kernel's is unsigned long: does not match */
} __attribute__((preserve_access_index));

__u64 tout[TOUT_NR];

SEC("raw_tp/types")
int core_types(void *ctx)
{
	tout[TOUT_REGS_MATCH] = bpf_core_type_matches(struct pt_regs);
	tout[TOUT_BAD_MATCH] = bpf_core_type_matches(struct pt_regs___int_di);
	tout[TOUT_ENTRY_MATCH] = bpf_core_type_matches(struct trace_entry);
	tout[TOUT_LOCAL_ID] = bpf_core_type_id_local(struct pt_regs);
	tout[TOUT_TARGET_ID] = bpf_core_type_id_kernel(struct pt_regs);
	tout[TOUT_ENUM64_EXISTS] =
		bpf_core_enum_value_exists(enum perf_callchain_context, PERF_CONTEXT_USER);
	if (tout[TOUT_ENUM64_EXISTS])
		tout[TOUT_ENUM64] =
			bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_USER);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
