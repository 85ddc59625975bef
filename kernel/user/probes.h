/* SPDX-License-Identifier: MIT */
/* kernel/user/probes.h - the ring-buffer record shared by probes.bpf.c and bpfdemo.c. */
#ifndef KERNEL_USER_PROBES_H
#define KERNEL_USER_PROBES_H
struct kill_event {
	__u64 ts_ns;
	__u64 ip;
	__u32 pid;
	__u32 sig;
};
#endif
