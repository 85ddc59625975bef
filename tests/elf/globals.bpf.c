/* SPDX-License-Identifier: MIT */
/*
 * globals.bpf.c - global data in every kind of section: .data, .rodata,
 * .bss, .data.<name>, .rodata.<name>; global and static variables;
 * programs reading and writing them (direct value access).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fixture.h"

int g_data = G_DATA;
static volatile int s_data = S_DATA;
const volatile int ro_cfg = RO_CFG;
const volatile __u64 ro_arr[4] = RO_ARR;
int bss_counter;
__u64 bss_arr[BSS_ARR_LEN];
int custom_data SEC(".data.custom") = CUSTOM_DATA;
const volatile int custom_ro SEC(".rodata.custom") = CUSTOM_RO;

SEC("socket")
int read_globals(struct __sk_buff *skb)
{
	return g_data + s_data + ro_cfg + custom_data + custom_ro + ro_arr[2];
}

SEC("socket")
int write_globals(struct __sk_buff *skb)
{
	bss_counter++;
	g_data += 100;
	s_data += 1;
	bss_arr[3] = BSS_MARK;
	custom_data = bss_counter * 2;
	return bss_counter;
}

char LICENSE[] SEC("license") = "GPL";
