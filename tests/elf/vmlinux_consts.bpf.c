/* SPDX-License-Identifier: MIT */
/*
 * vmlinux_consts.bpf.c - one program that stores the results of many
 * CO-RE relocations (field offsets, sizes, signedness, bitfield shifts,
 * existence, nested and array fields, type existence/size/ids, enum
 * values) into cout[], so a test can compare userbpf's relocation with
 * libbpf's on the same kernel BTF, slot by slot.  raw_tp: the kernel can
 * run it with BPF_PROG_TEST_RUN.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fixture.h"

struct task_struct___flavor {
	int pid;
	int no_such_field;
} __attribute__((preserve_access_index));

enum bpf_map_type___flavor {
	BPF_MAP_TYPE_RINGBUF___flavor = 27,
	BPF_MAP_TYPE_NO_SUCH___flavor = 1000,
};

#define FIELD(T, F, KIND) __builtin_preserve_field_info(((T *)0)->F, KIND)

__u64 cout[COUT_NR];

SEC("raw_tp/consts")
int core_consts(void *ctx)
{
	int i = 0;

	cout[i++] = FIELD(struct task_struct, pid, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct task_struct, pid, BPF_FIELD_BYTE_SIZE);
	cout[i++] = FIELD(struct task_struct, pid, BPF_FIELD_SIGNED);
	cout[i++] = FIELD(struct task_struct, comm, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct task_struct, comm, BPF_FIELD_BYTE_SIZE);
	cout[i++] = FIELD(struct task_struct, prio, BPF_FIELD_EXISTS);
	cout[i++] = FIELD(struct task_struct, se.vruntime, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct task_struct, mm, BPF_FIELD_BYTE_SIZE);
	cout[i++] = FIELD(struct sk_buff, pkt_type, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct sk_buff, pkt_type, BPF_FIELD_BYTE_SIZE);
	cout[i++] = FIELD(struct sk_buff, pkt_type, BPF_FIELD_LSHIFT_U64);
	cout[i++] = FIELD(struct sk_buff, pkt_type, BPF_FIELD_RSHIFT_U64);
	cout[i++] = FIELD(struct sk_buff, pkt_type, BPF_FIELD_SIGNED);
	cout[i++] = FIELD(struct pt_regs, di, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct trace_event_raw_sys_enter, args, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct trace_event_raw_sys_enter, args, BPF_FIELD_BYTE_SIZE);
	cout[i++] = FIELD(struct trace_event_raw_sys_enter, args[3], BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct task_struct___flavor, pid, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct task_struct___flavor, no_such_field, BPF_FIELD_EXISTS);
	cout[i++] = bpf_core_type_exists(struct task_struct);
	cout[i++] = bpf_core_type_size(struct task_struct);
	cout[i++] = bpf_core_type_id_kernel(struct task_struct);
	cout[i++] = bpf_core_type_exists(struct task_struct___flavor);
	cout[i++] = bpf_core_enum_value_exists(enum bpf_map_type___flavor,
					       BPF_MAP_TYPE_RINGBUF___flavor);
	cout[i++] = bpf_core_enum_value(enum bpf_map_type___flavor, BPF_MAP_TYPE_RINGBUF___flavor);
	cout[i++] = bpf_core_enum_value_exists(enum bpf_map_type___flavor,
					       BPF_MAP_TYPE_NO_SUCH___flavor);
	cout[i++] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_BLOOM_FILTER);
	cout[i++] = FIELD(struct __sk_buff, data_end, BPF_FIELD_BYTE_OFFSET);
	cout[i++] = FIELD(struct xdp_md, rx_queue_index, BPF_FIELD_BYTE_OFFSET);
	return i;
}

char LICENSE[] SEC("license") = "GPL";
