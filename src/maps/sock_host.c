// SPDX-License-Identifier: MIT
/*
 * maps/sock_host.c - host-only part of the sock maps (sockmap.c,
 * sockhash.c): what the kernel reads from a struct sock, asked of the
 * operating system through the socket's descriptor (fstat, getsockopt
 * SO_DOMAIN/SO_TYPE/SO_PROTOCOL/SO_COOKIE/TCP_INFO, getsockname,
 * getpeername).  POSIX + Linux; a platform without sockets leaves these
 * answering -EOPNOTSUPP.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sock_map.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int sockopt_int(int fd, int level, int name, int *v)
{
	socklen_t len = sizeof(*v);

	return getsockopt(fd, level, name, v, &len);
}

static bool is_inet(int family)
{
	return family == AF_INET || family == AF_INET6;
}

bool ub_sock_is_tcp(const struct ub_sock *s)
{
	return is_inet(s->family) && s->type == SOCK_STREAM && s->protocol == IPPROTO_TCP;
}

bool ub_sock_is_vsock(const struct ub_sock *s)
{
	return s->family == AF_VSOCK;
}

static bool is_udp(const struct ub_sock *s)
{
	return is_inet(s->family) && s->type == SOCK_DGRAM && s->protocol == IPPROTO_UDP;
}

/* TCP_ESTABLISHED 1, TCP_LISTEN 10 (include/net/tcp_states.h) */
static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

static bool connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
}

/* A UDP socket is in the kernel's hash tables once it has a local port. */
static bool udp_bound(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return false;
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_port != 0;
	if (ss.ss_family == AF_INET6)
		return ((struct sockaddr_in6 *)&ss)->sin6_port != 0;
	return false;
}

int ub_sock_from_fd(uint64_t ufd, struct ub_sock *out)
{
	struct stat st;
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd, state;

	if (ufd > INT32_MAX)
		return -EINVAL;
	fd = (int)ufd;
	if (fstat(fd, &st))
		return -EBADF;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->ino = (uint64_t)st.st_ino;
	if (sockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &out->family) ||
	    sockopt_int(fd, SOL_SOCKET, SO_TYPE, &out->type) ||
	    sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &out->protocol))
		return -EINVAL;
	/* sock_map_sk_is_suitable(): the protocols with psock_update_sk_prot */
	if (ub_sock_is_tcp(out)) {
		state = tcp_state(fd);
		if (state != 1 && state != 10)
			return -EOPNOTSUPP;
	} else if (is_udp(out)) {
		if (!udp_bound(fd))
			return -EOPNOTSUPP;
	} else if (out->family == AF_UNIX) {
		if (out->type == SOCK_STREAM && !connected(fd))
			return -EOPNOTSUPP;
	} else if (out->family == AF_VSOCK) {
		if ((out->type == SOCK_STREAM || out->type == SOCK_SEQPACKET) && !connected(fd))
			return -EOPNOTSUPP;
	} else {
		return -EOPNOTSUPP;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return -EOPNOTSUPP;
	out->cookie = cookie;
	return 0;
}

bool ub_sock_alive(const struct ub_sock *s)
{
	struct stat st;
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (fstat(s->fd, &st) || !S_ISSOCK(st.st_mode) || (uint64_t)st.st_ino != s->ino)
		return false;
	if (getsockopt(s->fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return false;
	if (cookie != s->cookie)
		return false;
	/* a TCP socket in TCP_CLOSE (7) is unhashed: sock_map_unhash() */
	if (ub_sock_is_tcp(s))
		return tcp_state(s->fd) != 7;
	return true;
}

bool ub_sock_redirect_allowed(const struct ub_sock *s)
{
	if (ub_sock_is_tcp(s))
		return tcp_state(s->fd) != 10;
	return connected(s->fd);
}

/* IPv4 view of an IPv6 socket's address (skc_rcv_saddr, skc_daddr): the
 * mapped address, 0 for any; a local IPv6 address has LOOPBACK4_IPV6
 * (127.0.0.6) as inet6_bind() sets it, a peer's 0 [6.18 verified]. */
static uint32_t v4_of_v6(const struct in6_addr *a, bool peer)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;

	if (IN6_IS_ADDR_V4MAPPED(a))
		return ((const uint32_t *)a->s6_addr)[3];
	if (peer || !memcmp(a, &any, sizeof(any)))
		return 0;
	return htonl(0x7f000006);
}

static void v4_mapped(uint32_t ip6[4], uint32_t ip4)
{
	ip6[0] = 0;
	ip6[1] = 0;
	ip6[2] = htonl(0xffff);
	ip6[3] = ip4;
}

/* One end's address and port; false when the socket has none. */
static bool inet_end(int fd, bool peer, int family, uint32_t *ip4, uint32_t ip6[4],
		     uint16_t *port_be)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r;

	memset(&ss, 0, sizeof(ss));
	r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		   getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r || ss.ss_family != family)
		return false;
	if (family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		*ip4 = in->sin_addr.s_addr;
		*port_be = in->sin_port;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		memcpy(ip6, &in6->sin6_addr, 16);
		*ip4 = v4_of_v6(&in6->sin6_addr, peer);
		*port_be = in6->sin6_port;
	}
	return true;
}

/*
 * sk_state as the kernel keeps it for a socket that is not TCP: UDP and
 * unix sockets are TCP_ESTABLISHED (1) once connected, TCP_LISTEN (10)
 * when listening, TCP_CLOSE (7) otherwise.
 */
static uint32_t other_state(int fd)
{
	int listening = 0;

	if (!sockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening) && listening)
		return 10;
	return connected(fd) ? 1 : 7;
}

int ub_sock_view(const struct ub_sock *s, struct ub_bpf_sock *out)
{
	uint16_t port_be = 0;
	int v;

	if (!ub_sock_alive(s))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->family = (uint32_t)s->family;
	out->type = (uint32_t)s->type;
	out->protocol = (uint32_t)s->protocol;
	out->rx_queue_mapping = -1;
	if (!sockopt_int(s->fd, SOL_SOCKET, SO_BINDTOIFINDEX, &v))
		out->bound_dev_if = (uint32_t)v;
	if (!sockopt_int(s->fd, SOL_SOCKET, SO_MARK, &v))
		out->mark = (uint32_t)v;
	if (!sockopt_int(s->fd, SOL_SOCKET, SO_PRIORITY, &v))
		out->priority = (uint32_t)v;
	if (is_inet(s->family)) {
		if (inet_end(s->fd, false, s->family, &out->src_ip4, out->src_ip6, &port_be))
			out->src_port = ntohs(port_be);
		port_be = 0;
		if (inet_end(s->fd, true, s->family, &out->dst_ip4, out->dst_ip6, &port_be))
			out->dst_port = port_be;
	}
	if (ub_sock_is_tcp(s)) {
		v = tcp_state(s->fd);
		out->state = v < 0 ? 7 : (uint32_t)v;
		/* an IPv4 TCP connection (tcp_v4_connect, tcp_v4_syn_recv_sock)
		 * sets both ends through sk_rcv_saddr_set/sk_daddr_set, which
		 * also store them v4-mapped in the IPv6 fields */
		if (s->family == AF_INET && out->dst_port) {
			v4_mapped(out->src_ip6, out->src_ip4);
			v4_mapped(out->dst_ip6, out->dst_ip4);
		}
	} else {
		out->state = other_state(s->fd);
	}
	return 0;
}
