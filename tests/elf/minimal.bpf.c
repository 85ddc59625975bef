/* SPDX-License-Identifier: MIT */
/* minimal.bpf.c - one program, a license and a version section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fixture.h"

SEC("socket")
int ret42(struct __sk_buff *skb)
{
	return MINIMAL_RET;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
__u32 _version SEC("version") = MINIMAL_KVERSION;
