/* SPDX-License-Identifier: MIT */
/*
 * common.h - shared by the example programs: packet parsing helpers and
 * the result layout the examples test compares between userbpf and the
 * kernel.
 */
#ifndef USERBPF_EXAMPLES_COMMON_H
#define USERBPF_EXAMPLES_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* The IPv4 header of an Ethernet frame in [data, data_end), or NULL. */
static __always_inline struct iphdr *parse_ipv4(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return NULL;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	return ip;
}

#endif
