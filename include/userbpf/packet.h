/* SPDX-License-Identifier: MIT */
/*
 * userbpf/packet.h - packet programs on real traffic: a packet runner
 * that runs a socket filter, tc (sched_cls/sched_act) or XDP program on
 * one frame after another with the kernel's context for that hook
 * (struct __sk_buff or struct xdp_md), and two packet sources feeding
 * it: a capture file read with libpcap, and the live packets of an
 * interface through an AF_PACKET socket.
 *
 * The context a program sees, per type (docs/packets.md has the table):
 *  - socket filter: the view of a filter attached to a packet socket
 *    (SO_ATTACH_BPF on AF_PACKET/SOCK_RAW): data starts at the Ethernet
 *    header, len = frame length; the result is the number of bytes the
 *    socket keeps (0 drops, >= len keeps it whole);
 *  - tc: the view of a clsact ingress program: data at the Ethernet
 *    header, len = frame length, protocol = EtherType (network order, as
 *    skb->protocol), pkt_type, ifindex = ingress_ifindex = the device;
 *  - XDP: xdp_md with data/data_end around the frame, 256 bytes of
 *    headroom, ingress_ifindex, rx_queue_index.
 * The frame is linear (data_end covers the whole frame, as after
 * bpf_skb_pull_data).  Fields a capture cannot know (hash, napi_id,
 * vlan offload, sockets) read 0, as in BPF_PROG_TEST_RUN.
 */
#ifndef USERBPF_PACKET_H
#define USERBPF_PACKET_H

#include "common.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/** linux/if_packet.h PACKET_* values of userbpf_packet.pkt_type. */
#define USERBPF_PACKET_HOST 0
#define USERBPF_PACKET_BROADCAST 1
#define USERBPF_PACKET_MULTICAST 2
#define USERBPF_PACKET_OTHERHOST 3
#define USERBPF_PACKET_OUTGOING 4
/** pkt_type unknown: derived from the destination MAC as eth_type_trans()
 * does on the loopback device (the BPF_PROG_TEST_RUN rule): HOST for
 * 00:00:00:00:00:00, MULTICAST for any group address (broadcast too: lo
 * has no broadcast address), OTHERHOST otherwise. */
#define USERBPF_PACKET_TYPE_FROM_MAC 0xffffffffu

/** One frame from a source (Ethernet link layer). */
struct userbpf_packet {
	const uint8_t *data; /**< the frame from its Ethernet header */
	uint32_t caplen;     /**< bytes at data */
	uint32_t wire_len;   /**< length on the wire (>= caplen) */
	uint64_t tstamp_ns;  /**< receive time (CLOCK_REALTIME ns), 0 if unknown */
	uint32_t ifindex;    /**< device; 0: the loopback device (1) */
	uint32_t pkt_type;   /**< USERBPF_PACKET_*, or USERBPF_PACKET_TYPE_FROM_MAC */
};

/**
 * Called once per frame.  @return 0 to go on, anything else to stop the
 * source (the source then returns that value).
 */
typedef int (*userbpf_packet_cb)(void *cookie, const struct userbpf_packet *pkt);

/* ==== Runner ==== */

struct userbpf_packet_runner;

struct userbpf_packet_runner_opts {
	size_t sz;
	uint32_t flags;	      /**< USERBPF_RUN_* of every run */
	uint64_t insn_budget; /**< per run; 0 = the library default */
	void *cookie;	      /**< passed to trace_fn */
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	char *err_buf; /**< why the last run failed */
	size_t err_buf_sz;
	/**
	 * Non-zero: the frames come from a live interface, and a tc program
	 * sees what a clsact ingress skb holds: tstamp = the receive time,
	 * wire_len = len.  0 (capture files): those fields read 0, as in
	 * BPF_PROG_TEST_RUN, so runs compare with the kernel's test runs.
	 */
	uint32_t live;
};
#define userbpf_packet_runner_opts__last_field live

/**
 * @brief A runner for prog (socket filter, sched_cls, sched_act or XDP),
 * with one packet buffer below 2 GiB reused by every run.
 * @return the runner, or NULL with errno EINVAL (other program type) or
 * ENOMEM.  prog must outlive the runner.
 */
USERBPF_API struct userbpf_packet_runner *
userbpf_packet_runner__new(const struct userbpf_prog *prog,
			   const struct userbpf_packet_runner_opts *opts);
USERBPF_API void userbpf_packet_runner__free(struct userbpf_packet_runner *r);

/** Largest frame a runner takes (longer captures are cut to it). */
#define USERBPF_PACKET_MAX 65536

/**
 * @brief Run the program once on pkt with the context of its hook.
 * Costs one copy of the frame; allocates nothing.
 * @param[out] retval r0 of the run (the verdict).
 * @param[out] out_len bytes of the frame after the run (XDP head/tail
 * adjustments), may be NULL.
 * @return 0; -EINVAL for a frame shorter than 14 bytes; the run's error
 * (-EFAULT, -EACCES ... with the reason in opts.err_buf).
 */
USERBPF_API int userbpf_packet_runner__run(struct userbpf_packet_runner *r,
					   const struct userbpf_packet *pkt, uint64_t *retval,
					   uint32_t *out_len);

/**
 * @brief The kernel's name of a verdict of a program of prog_type:
 * "XDP_PASS", "TC_ACT_SHOT", ... ; NULL for values without a name and
 * for socket filters (whose result is a length).
 */
USERBPF_API const char *userbpf_packet_verdict_name(uint32_t prog_type, uint64_t retval);

/* ==== Capture files (libpcap) ==== */

/**
 * @brief Call cb for every frame of the capture file at path (pcap or
 * pcapng, read with libpcap).  Ethernet captures are passed as they are;
 * raw IPv4/IPv6 captures (DLT_RAW) and Linux cooked captures (SLL) get
 * a synthetic Ethernet header (zero MACs, pkt_type from SLL).
 * @return the number of frames passed; cb's non-zero value if it
 * stopped; -ENOENT/-EINVAL (unreadable or not a capture, reason in
 * err), -EPROTONOSUPPORT (another link type), -EOPNOTSUPP (built
 * without libpcap).
 */
USERBPF_API long userbpf_packet_pcap__foreach(const char *path, userbpf_packet_cb cb, void *cookie,
					      char *err, size_t err_sz);

/* ==== Live capture (AF_PACKET) ==== */

struct userbpf_packet_live;

/**
 * @brief Open an AF_PACKET socket on interface ifname receiving every
 * frame of it (both directions: outgoing frames have pkt_type
 * USERBPF_PACKET_OUTGOING).
 * @return NULL with errno: EPERM without CAP_NET_RAW (err names the
 * capability), ENODEV for an unknown interface.
 */
USERBPF_API struct userbpf_packet_live *userbpf_packet_live__open(const char *ifname, char *err,
								  size_t err_sz);
/** @brief The interface's index. */
USERBPF_API uint32_t userbpf_packet_live__ifindex(const struct userbpf_packet_live *l);
/**
 * @brief Wait up to timeout_ms (-1: forever) for frames, then call cb for
 * each frame already received, without waiting again.
 * @return the number of frames passed (0 on timeout or EINTR); cb's
 * non-zero value if it stopped; a negative errno.
 */
USERBPF_API long userbpf_packet_live__poll(struct userbpf_packet_live *l, int timeout_ms,
					   userbpf_packet_cb cb, void *cookie);
USERBPF_API void userbpf_packet_live__close(struct userbpf_packet_live *l);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_PACKET_H */
