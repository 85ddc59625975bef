/* SPDX-License-Identifier: MIT */
/*
 * packet_live.c - the live packet source: every frame of one network
 * interface, both directions, through an AF_PACKET/SOCK_RAW socket bound
 * to it (Linux; CAP_NET_RAW).  Each frame comes with what the kernel's
 * sockaddr_ll says of it (ifindex, pkt_type: PACKET_OUTGOING for frames
 * the host sent), its length on the wire (MSG_TRUNC) and its receive
 * time (SO_TIMESTAMPNS).  Frames are read one recvmsg() at a time into
 * one buffer; nothing is allocated per frame.
 *
 * Entry points: userbpf_packet_live__open/__poll/__close.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userbpf/packet.h"
#include "util/alloc.h"

#ifdef __linux__
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct userbpf_packet_live {
	int fd;
	uint32_t ifindex;
	uint8_t buf[USERBPF_PACKET_MAX];
};

struct userbpf_packet_live *userbpf_packet_live__open(const char *ifname, char *err, size_t err_sz)
{
	struct userbpf_packet_live *l;
	struct sockaddr_ll sll = { 0 };
	unsigned int idx;
	int fd, one = 1, e;

	if (!ifname) {
		errno = EINVAL;
		return NULL;
	}
	idx = if_nametoindex(ifname);
	if (!idx) {
		e = errno == ENXIO || errno == ENODEV ? ENODEV : errno;
		if (err && err_sz)
			snprintf(err, err_sz, "interface '%s': %s", ifname,
				 e == ENODEV ? "no such interface" : strerror(e));
		errno = e;
		return NULL;
	}
	/* protocol 0: no frame arrives before bind() picks the interface */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		if (err && err_sz)
			snprintf(err, err_sz,
				 e == EPERM || e == EACCES ?
					 "cannot capture on '%s': an AF_PACKET socket needs "
					 "CAP_NET_RAW (run as root or grant cap_net_raw)" :
					 "cannot capture on '%s': AF_PACKET socket: %s",
				 ifname, strerror(e));
		errno = e == EACCES ? EPERM : e;
		return NULL;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		e = errno;
		if (err && err_sz)
			snprintf(err, err_sz, "cannot capture on '%s': bind: %s", ifname,
				 strerror(e));
		close(fd);
		errno = e;
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	l = ub_alloc(sizeof(*l));
	if (!l) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	l->fd = fd;
	l->ifindex = idx;
	return l;
}

uint32_t userbpf_packet_live__ifindex(const struct userbpf_packet_live *l)
{
	return l ? l->ifindex : 0;
}

/* One frame without waiting: 1 and pkt filled, 0 none left, -errno. */
static int recv_one(struct userbpf_packet_live *l, struct userbpf_packet *pkt)
{
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct timespec)) + 64];
	} control;
	struct sockaddr_ll from;
	struct iovec iov = { l->buf, sizeof(l->buf) };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	ssize_t n;

	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &control;
	msg.msg_controllen = sizeof(control);
	n = recvmsg(l->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = l->buf;
	pkt->wire_len = (uint32_t)n;
	pkt->caplen = (size_t)n > sizeof(l->buf) ? (uint32_t)sizeof(l->buf) : (uint32_t)n;
	pkt->ifindex = (uint32_t)from.sll_ifindex;
	pkt->pkt_type = from.sll_pkttype;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			pkt->tstamp_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
	}
	return 1;
}

long userbpf_packet_live__poll(struct userbpf_packet_live *l, int timeout_ms, userbpf_packet_cb cb,
			       void *cookie)
{
	struct pollfd pfd;
	struct userbpf_packet pkt;
	long count = 0;
	int rc;

	if (!l || !cb)
		return -EINVAL;
	pfd.fd = l->fd;
	pfd.events = POLLIN;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	while ((rc = recv_one(l, &pkt)) == 1) {
		int stop;

		if (pkt.caplen < 14)
			continue; /* not an Ethernet frame */
		count++;
		stop = cb(cookie, &pkt);
		if (stop)
			return stop;
	}
	return rc < 0 ? rc : count;
}

void userbpf_packet_live__close(struct userbpf_packet_live *l)
{
	if (!l)
		return;
	close(l->fd);
	ub_free(l);
}

#else /* !__linux__ */

struct userbpf_packet_live *userbpf_packet_live__open(const char *ifname, char *err, size_t err_sz)
{
	(void)ifname;
	if (err && err_sz)
		snprintf(err, err_sz, "live capture needs Linux AF_PACKET sockets");
	errno = EOPNOTSUPP;
	return NULL;
}

uint32_t userbpf_packet_live__ifindex(const struct userbpf_packet_live *l)
{
	(void)l;
	return 0;
}

long userbpf_packet_live__poll(struct userbpf_packet_live *l, int timeout_ms, userbpf_packet_cb cb,
			       void *cookie)
{
	(void)l;
	(void)timeout_ms;
	(void)cb;
	(void)cookie;
	return -EOPNOTSUPP;
}

void userbpf_packet_live__close(struct userbpf_packet_live *l)
{
	(void)l;
}

#endif
