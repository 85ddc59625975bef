// SPDX-License-Identifier: MIT
/*
 * traffic_gen.c - the loopback traffic of the packet tests, as a program
 * of its own (run inside a fresh network namespace, beside tcpdump or
 * "userbpf trace --iface lo"):
 *   traffic_gen --lo-up   bring the namespace's lo up (ioctl) and exit
 *   traffic_gen           one TCP connection on 127.0.0.1 carrying
 *                         "GET /packet-traffic/1 HTTP/1.1" and
 *                         "POST /packet-traffic/2 HTTP/1.1" (each answered
 *                         before the next), then one 100-byte UDP datagram
 *                         sent with TTL 33 to 127.0.0.1:9.
 * Exit status 0, or 1 with a message.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
	perror(what);
	return 1;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return die("SIOCSIFFLAGS");
	close(fd);
	return 0;
}

/* Read until the end of an HTTP header block ("\r\n\r\n"). */
static int read_msg(int fd)
{
	char buf[1024];
	size_t n = 0;

	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = 0;
		if (strstr(buf, "\r\n\r\n"))
			return 0;
	}
	return -1;
}

static int send_str(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const char *const req[] = {
		"GET /packet-traffic/1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"POST /packet-traffic/2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
	};
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char payload[100];
	int l, c, s, u, ttl = 33, i;

	if (argc > 1 && !strcmp(argv[1], "--lo-up"))
		return lo_up();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		return die("listen");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		return die("connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		return die("accept");
	for (i = 0; i < 2; i++) {
		if (send_str(c, req[i]) || read_msg(s) ||
		    send_str(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") || read_msg(c))
			return die("http exchange");
	}
	close(c);
	close(s);
	close(l);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	memset(payload, 'u', sizeof(payload));
	a.sin_port = htons(9);
	if (u < 0 || setsockopt(u, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
	    sendto(u, payload, sizeof(payload), 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		return die("udp");
	close(u);
	usleep(50 * 1000); /* let the last frames reach the capture */
	return 0;
}
