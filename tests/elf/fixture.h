/* SPDX-License-Identifier: MIT */
/*
 * fixture.h - values shared by the loader fixtures (tests/elf/NAME.bpf.c,
 * compiled with clang -target bpf) and the tests that check them
 * (tests/unit/test_loader*.c).  Plain C, no kernel headers.
 */
#ifndef USERBPF_TEST_ELF_FIXTURE_H
#define USERBPF_TEST_ELF_FIXTURE_H

#define MINIMAL_RET 42
#define MINIMAL_KVERSION 0x060c00

/* globals.bpf.c */
#define G_DATA 11
#define S_DATA 12
#define RO_CFG 13
#define RO_ARR { 1, 2, 3, 4 }
#define CUSTOM_DATA 21
#define CUSTOM_RO 22
/* read_globals() returns their sum (ro_arr[2] counts once) */
#define READ_GLOBALS_RET (G_DATA + S_DATA + RO_CFG + CUSTOM_DATA + CUSTOM_RO + 3)
#define BSS_ARR_LEN 8
#define BSS_MARK 0xdeadbeefULL

/* core fixtures: slots of the out[] array in .bss */
enum core_out {
	OUT_PARM1,	    /* PT_REGS_PARM1: di */
	OUT_PARM2,	    /* PT_REGS_PARM2_CORE: si */
	OUT_RET,	    /* PT_REGS_RC: ax */
	OUT_DI_EXISTS,	    /* bpf_core_field_exists(pt_regs, di) */
	OUT_IP_SIZE,	    /* bpf_core_field_size(pt_regs, ip) */
	OUT_TASK_EXISTS,    /* bpf_core_type_exists(struct task_struct) */
	OUT_ENTRY_SIZE,	    /* bpf_core_type_size(struct trace_entry) */
	OUT_RINGBUF_EXISTS, /* bpf_core_enum_value_exists(bpf_map_type, RINGBUF) */
	OUT_RINGBUF_VALUE,  /* bpf_core_enum_value(...) or 0 */
	OUT_TGID_OFF,	    /* bpf_core_field_offset(task_struct, tgid) */
	OUT_TGID,	    /* task->tgid */
	OUT_MISSING_EXISTS, /* a field no target has */
	OUT_SKB_EXISTS,	    /* bpf_core_field_exists(sk_buff, pkt_type) */
	OUT_PKT_TYPE,	    /* BPF_CORE_READ_BITFIELD(skb, pkt_type), 0xff if absent */
	OUT_TP_ARG2,	    /* trace_event_raw_sys_enter args[2] */
	OUT_TP_ID,	    /* trace_event_raw_sys_enter id */
	OUT_NR
};

/* vmlinux_kconfig.bpf.c: slots of kout[] */
enum kconfig_out {
	KOUT_VERSION,	   /* LINUX_KERNEL_VERSION */
	KOUT_BPF_SYSCALL,  /* CONFIG_BPF_SYSCALL (bool) */
	KOUT_HZ,	   /* CONFIG_HZ (int) */
	KOUT_MISSING,	   /* a __weak tristate no config has: 0 */
	KOUT_HOSTNAME0,	   /* CONFIG_DEFAULT_HOSTNAME[0] (string) */
	KOUT_SYSCALL_ARG0, /* BPF_KSYSCALL's first argument */
	KOUT_NR
};

/* vmlinux_consts.bpf.c: cout[] holds this many relocation results */
#define COUT_NR 29

/* vmlinux_c19_types.bpf.c: slots of tout[] */
enum types_out {
	TOUT_REGS_MATCH,  /* bpf_core_type_matches(struct pt_regs) */
	TOUT_BAD_MATCH,	  /* ... of a pt_regs with an int di */
	TOUT_ENTRY_MATCH, /* ... of struct trace_entry */
	TOUT_LOCAL_ID,	  /* bpf_core_type_id_local(struct pt_regs) */
	TOUT_TARGET_ID,	  /* bpf_core_type_id_kernel(struct pt_regs) */
	TOUT_ENUM64,	  /* bpf_core_enum_value(perf_callchain_context, USER) */
	TOUT_ENUM64_EXISTS,
	TOUT_NR
};

/* vmlinux_net.bpf.c */
#define NET_SHORT 1
#define NET_NOT_IP 2

/* loadtime.bpf.c: slots of lt_out[] in .bss */
enum lt_out_slot {
	LT_PID,
	LT_U8,
	LT_S16,
	LT_U64,
	LT_VERBOSE,
	LT_MODE,
	LT_COMM0,
	LT_COMM15,
	LT_COUNTER,
	LT_NR
};
#define LT_TAIL_RET 55

/* vmlinux_task.bpf.c: slots of tk_out[] in .bss */
enum tk_out_slot {
	TK_PID,
	TK_TGID,
	TK_PPID,
	TK_LEADER,
	TK_START,
	TK_EXIT,
	TK_FLAGS,
	TK_MM,
	TK_PIDTGID,
	TK_NS_RET,
	TK_NS_PID,
	TK_NS_TGID,
	TK_CGROUP,
	TK_BTF_PID,
	TK_BTF_PPID,
	TK_BTF_MM,
	TK_NR
};

#endif
