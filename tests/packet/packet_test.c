/* SPDX-License-Identifier: MIT */
/*
 * packet_test.c - frames, pcap writer and CLI runner of the packet tests
 * (see packet_test.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "packet_test.h"
#include "../unit/test.h"

static struct pt_frame frames[PT_MAX_FRAMES];
static size_t frame_cnt;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* 16-bit one's complement sum (IPv4 header checksum) */
static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static const uint8_t mac_zero[6], mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
				  mac_other[6] = { 2, 0, 0, 0, 0, 1 },
				  mac_mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };

static uint8_t *eth(struct pt_frame *f, const uint8_t *dst, uint16_t type)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->data, dst, 6);
	f->data[6] = 2;
	f->data[11] = 9;
	put16(f->data + 12, type);
	return f->data + 14;
}

/* IPv4 + TCP/UDP/ICMP with payload; min_len pads the frame (Ethernet
 * padding after the IP packet, as short frames on a wire have) */
static void ipv4(const uint8_t *dst_mac, uint8_t proto, uint8_t ttl, const void *payload,
		 size_t plen, uint16_t dport, size_t min_len)
{
	struct pt_frame *f = &frames[frame_cnt++];
	uint8_t *ip = eth(f, dst_mac, 0x0800), *l4 = ip + 20;
	size_t l4len = proto == 6 ? 20 : 8, tot = 20 + l4len + plen;

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, (uint16_t)(0x1000 + frame_cnt));
	ip[8] = ttl;
	ip[9] = proto;
	ip[12] = 127, ip[15] = 1;
	ip[16] = 127, ip[19] = (uint8_t)(1 + frame_cnt % 3);
	put16(ip + 10, csum(ip, 20));
	put16(l4, (uint16_t)(40000 + frame_cnt));
	put16(l4 + 2, dport);
	if (proto == 6) {
		l4[12] = 5 << 4;
		l4[13] = 0x18; /* PSH ACK */
	} else if (proto == 17) {
		put16(l4 + 4, (uint16_t)(8 + plen));
	}
	memcpy(l4 + l4len, payload, plen);
	f->len = (uint32_t)(14 + tot);
	if (f->len < min_len)
		f->len = (uint32_t)min_len;
	f->ipv4 = true;
	f->tot_len = (uint16_t)tot;
	f->ttl = ttl;
}

static void build(void)
{
	static const char get[] = "GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n";
	static const char post[] = "POST /form?a=1 HTTP/1.0\r\nContent-Length: 0\r\n\r\n";
	static const char longget[] =
		"GET /a/very/long/path/that/does/not/fit/in/the/sixty/four/byte/line/buffer "
		"HTTP/1.1\r\n\r\n";
	static const char notget[] = "GETX / HTTP/1.1\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\n\r\n";
	uint8_t big[1400];
	struct pt_frame *f;
	uint8_t *p;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	ipv4(mac_zero, 6, 64, get, sizeof(get) - 1, 80, 0);
	frames[frame_cnt - 1].http_line = "GET /index.html HTTP/1.1";
	ipv4(mac_zero, 17, 64, "hello", 5, 53, 60); /* padded to 60 bytes */
	ipv4(mac_other, 6, 1, post, sizeof(post) - 1, 8080, 0);
	frames[frame_cnt - 1].http_line = "POST /form?a=1 HTTP/1.0";
	ipv4(mac_zero, 6, 128, resp, sizeof(resp) - 1, 40001, 0);
	ipv4(mac_bcast, 1, 255, "ping", 4, 0, 0);
	ipv4(mac_zero, 6, 64, longget, sizeof(longget) - 1, 80, 0);
	frames[frame_cnt - 1].http_line =
		"GET /a/very/long/path/that/does/not/fit/in/the/sixty/four/byte/";
	ipv4(mac_zero, 6, 30, notget, sizeof(notget) - 1, 80, 0);
	ipv4(mac_zero, 17, 17, big, sizeof(big), 9, 0);
	/* ARP request, broadcast */
	f = &frames[frame_cnt++];
	p = eth(f, mac_bcast, 0x0806);
	put16(p, 1), put16(p + 2, 0x0800), p[4] = 6, p[5] = 4, put16(p + 6, 1);
	f->len = 60;
	/* IPv6 UDP to a multicast MAC */
	f = &frames[frame_cnt++];
	p = eth(f, mac_mcast, 0x86dd);
	p[0] = 0x60, put16(p + 4, 12), p[6] = 17, p[7] = 1, p[23] = 1, p[24] = 0xff, p[39] = 1;
	f->len = 14 + 40 + 12;
	/* 802.1Q tagged IPv4 (the EtherType is the tag's) */
	f = &frames[frame_cnt++];
	p = eth(f, mac_zero, 0x8100);
	put16(p, 5), put16(p + 2, 0x0800), p[4] = 0x45, put16(p + 6, 28), p[12] = 64, p[13] = 17;
	f->len = 64;
}

const struct pt_frame *pt_frames(size_t *cnt)
{
	if (!frame_cnt)
		build();
	*cnt = frame_cnt;
	return frames;
}

static void le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* x86-64: the file's byte order is ours */
}

int pt_write_pcap(const char *path, const struct pt_frame *f, size_t cnt, uint32_t linktype)
{
	uint8_t hdr[24] = { 0 }, rec[16];
	FILE *out = fopen(path, "wb");
	size_t i;
	int err = 0;

	if (!out)
		return -errno;
	le32(hdr, 0xa1b2c3d4);
	hdr[4] = 2, hdr[6] = 4; /* version 2.4 */
	le32(hdr + 16, 65535);
	le32(hdr + 20, linktype);
	if (fwrite(hdr, 1, sizeof(hdr), out) != sizeof(hdr))
		err = -EIO;
	for (i = 0; i < cnt && !err; i++) {
		uint32_t skip = linktype == 101 ? 14 : 0, n = f[i].len - skip;

		le32(rec, 1700000000u + (uint32_t)i);
		le32(rec + 4, (uint32_t)i * 1000);
		le32(rec + 8, n);
		le32(rec + 12, n);
		if (fwrite(rec, 1, 16, out) != 16 || fwrite(f[i].data + skip, 1, n, out) != n)
			err = -EIO;
	}
	if (fclose(out) && !err)
		err = -EIO;
	return err;
}

int pt_cli(const char *args, bool with_stderr, char **out)
{
	char cmd[4096];
	size_t cap = 1 << 16, n = 0, r;
	FILE *p;
	int st;

	*out = calloc(1, cap);
	if (!*out)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/userbpf %s %s", test_build_dir(), args,
		 with_stderr ? "2>&1" : "2>/dev/null");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while ((r = fread(*out + n, 1, cap - 1 - n, p)) > 0) {
		n += r;
		if (n == cap - 1) {
			char *m = realloc(*out, cap * 2);

			if (!m)
				break;
			*out = m;
			cap *= 2;
		}
	}
	(*out)[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

size_t pt_count(const char *hay, const char *needle)
{
	size_t n = 0;

	while (hay && (hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}
