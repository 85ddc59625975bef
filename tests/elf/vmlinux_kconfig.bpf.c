/* SPDX-License-Identifier: MIT */
/*
 * vmlinux_kconfig.bpf.c - `extern ... __kconfig` variables: the virtual
 * LINUX_* ones (BPF_KSYSCALL reads LINUX_HAS_SYSCALL_WRAPPER), integer,
 * bool, string and __weak tristate CONFIG_* values.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fixture.h"

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_HZ __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig;
extern enum libbpf_tristate CONFIG_USERBPF_NO_SUCH_OPTION __kconfig __weak;

__u64 kout[KOUT_NR];

SEC("raw_tp/kconfig")
int kconfig_vals(void *ctx)
{
	kout[KOUT_VERSION] = LINUX_KERNEL_VERSION;
	kout[KOUT_BPF_SYSCALL] = CONFIG_BPF_SYSCALL;
	kout[KOUT_HZ] = CONFIG_HZ;
	kout[KOUT_MISSING] = CONFIG_USERBPF_NO_SUCH_OPTION;
	kout[KOUT_HOSTNAME0] = CONFIG_DEFAULT_HOSTNAME[0];
	return 0;
}

SEC("ksyscall/openat")
int BPF_KSYSCALL(ksys_openat, int dfd, const char *pathname)
{
	kout[KOUT_SYSCALL_ARG0] = dfd;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
