/* SPDX-License-Identifier: MIT */
/*
 * packet_test.h - shared by the packet tests: a set of Ethernet frames
 * built in code (IPv4 TCP with and without HTTP requests, UDP, ICMP,
 * ARP, IPv6, VLAN; host, broadcast, multicast and other-host MACs),
 * a pcap file writer, and the CLI runner.
 */
#ifndef USERBPF_PACKET_TEST_H
#define USERBPF_PACKET_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_MAX_FRAMES 16
#define PT_FRAME_MAX 1600

struct pt_frame {
	uint8_t data[PT_FRAME_MAX];
	uint32_t len;
	/* what the examples should report */
	bool ipv4;
	uint16_t tot_len;
	uint8_t ttl;
	const char *http_line; /* request line http_sniff prints, or NULL */
};

/* The test frames (built once). */
const struct pt_frame *pt_frames(size_t *cnt);

/*
 * Write frames to path as a classic pcap file of link type linktype
 * (1 Ethernet, 101 raw IP: the Ethernet header is left out).  0 or -errno.
 */
int pt_write_pcap(const char *path, const struct pt_frame *f, size_t cnt, uint32_t linktype);

/*
 * Run "BUILD/userbpf ARGS" (a shell fragment); stdout (and stderr when
 * with_stderr) into out (malloc'ed, NUL-terminated).  Exit status or -1.
 */
int pt_cli(const char *args, bool with_stderr, char **out);

/* Occurrences of needle in hay. */
size_t pt_count(const char *hay, const char *needle);

#endif
