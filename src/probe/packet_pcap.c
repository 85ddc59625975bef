/* SPDX-License-Identifier: MIT */
/*
 * packet_pcap.c - the capture-file packet source: every frame of a pcap
 * or pcapng file, read with libpcap (libpcap-dev; mk/packet.mk defines
 * USERBPF_HAVE_PCAP when it is there), handed to a callback as an
 * Ethernet frame.  Ethernet captures pass unchanged; raw IP captures
 * (DLT_RAW, LINKTYPE_IPV4/IPV6) and Linux cooked captures (SLL, SLL2,
 * "tcpdump -i any") get a synthetic Ethernet header with zero MACs, the
 * EtherType from the IP version or the cooked header, and pkt_type from
 * the cooked header.  Frames keep their capture timestamps; the
 * interface is unknown (ifindex 0: the runner's loopback default).
 *
 * Entry point: userbpf_packet_pcap__foreach().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/packet.h"

#ifdef USERBPF_HAVE_PCAP
#include <pcap/pcap.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20

/* Frame buffer for link types that need an Ethernet header made up. */
static uint8_t *frame_buf(void)
{
	/* allocated once per thread (never freed): 64 KB of thread-local
	 * storage would not fit the static TLS space a dlopen'ed library
	 * gets ("userbpf trace --pid"'s agent) */
	static __thread uint8_t *buf;

	if (!buf)
		buf = malloc(ETH_HLEN + USERBPF_PACKET_MAX);
	return buf;
}

/*
 * Turn one record into an Ethernet frame: 0 and pkt filled, or -1 to skip
 * a record too short for its link-layer header.
 */
static int to_ethernet(int dlt, const struct pcap_pkthdr *h, const uint8_t *bytes,
		       struct userbpf_packet *pkt)
{
	uint32_t hlen = 0, caplen = h->caplen, wire = h->len;
	uint16_t proto = 0;
	uint8_t *buf;

	pkt->pkt_type = USERBPF_PACKET_TYPE_FROM_MAC;
	switch (dlt) {
	case DLT_EN10MB:
		pkt->data = bytes;
		pkt->caplen = caplen;
		/* a record claiming fewer bytes on the wire than it holds
		 * (a broken file): wire_len >= caplen, as packet.h says */
		pkt->wire_len = wire > caplen ? wire : caplen;
		return 0;
	case DLT_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		if (!caplen)
			return -1;
		proto = (bytes[0] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return -1;
		hlen = SLL_HLEN;
		pkt->pkt_type = (uint32_t)bytes[0] << 8 | bytes[1];
		proto = (uint16_t)(bytes[14] << 8 | bytes[15]);
		break;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return -1;
		hlen = SLL2_HLEN;
		proto = (uint16_t)(bytes[0] << 8 | bytes[1]);
		pkt->pkt_type = bytes[10];
		break;
	default:
		return -1;
	}
	caplen -= hlen;
	wire = wire >= hlen ? wire - hlen : 0;
	if (wire < caplen)
		wire = caplen;
	if (caplen > USERBPF_PACKET_MAX)
		caplen = USERBPF_PACKET_MAX;
	buf = frame_buf();
	if (!buf)
		return -1;
	memset(buf, 0, 12);
	buf[12] = (uint8_t)(proto >> 8);
	buf[13] = (uint8_t)proto;
	memcpy(buf + ETH_HLEN, bytes + hlen, caplen);
	pkt->data = buf;
	pkt->caplen = caplen + ETH_HLEN;
	pkt->wire_len = wire + ETH_HLEN;
	return 0;
}

long userbpf_packet_pcap__foreach(const char *path, userbpf_packet_cb cb, void *cookie, char *err,
				  size_t err_sz)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const uint8_t *bytes;
	long count = 0;
	pcap_t *p;
	int dlt, rc, tsprec;

	if (!path || !cb)
		return -EINVAL;
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		FILE *f = fopen(path, "rb");
		int e = f ? EINVAL : errno;

		if (f)
			fclose(f);
		if (err && err_sz)
			snprintf(err, err_sz, "%s: %s", path, errbuf);
		return e == ENOENT || e == EACCES || e == EISDIR ? -e : -EINVAL;
	}
	tsprec = pcap_get_tstamp_precision(p);
	dlt = pcap_datalink(p);
	if (dlt != DLT_EN10MB && dlt != DLT_RAW && dlt != LINKTYPE_IPV4 && dlt != LINKTYPE_IPV6 &&
	    dlt != DLT_LINUX_SLL && dlt != DLT_LINUX_SLL2) {
		if (err && err_sz)
			snprintf(err, err_sz,
				 "%s: link type %s (%d) is not supported "
				 "(Ethernet, raw IP and Linux cooked captures are)",
				 path,
				 pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) :
								  "?",
				 dlt);
		pcap_close(p);
		return -EPROTONOSUPPORT;
	}
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		struct userbpf_packet pkt = { 0 };
		int stop;

		if (to_ethernet(dlt, h, bytes, &pkt))
			continue;
		pkt.tstamp_ns = (uint64_t)h->ts.tv_sec * 1000000000ull +
				(uint64_t)h->ts.tv_usec *
					(tsprec == PCAP_TSTAMP_PRECISION_NANO ? 1u : 1000u);
		count++;
		stop = cb(cookie, &pkt);
		if (stop) {
			pcap_close(p);
			return stop;
		}
	}
	if (rc == PCAP_ERROR) {
		/* a truncated last record: libpcap reports it as an error */
		if (err && err_sz)
			snprintf(err, err_sz, "%s: %s", path, pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	return count;
}

#else /* !USERBPF_HAVE_PCAP */

long userbpf_packet_pcap__foreach(const char *path, userbpf_packet_cb cb, void *cookie, char *err,
				  size_t err_sz)
{
	(void)path;
	(void)cb;
	(void)cookie;
	if (err && err_sz)
		snprintf(err, err_sz, "userbpf was built without libpcap (libpcap-dev)");
	return -EOPNOTSUPP;
}

#endif
