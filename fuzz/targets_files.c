/* SPDX-License-Identifier: MIT */
/*
 * targets_files.c - fuzz targets of files userbpf reads from others:
 * capture files (the pcap reader and the packet runner it feeds) and
 * Kconfig text (the values of `extern ... __kconfig` variables).  See
 * fuzz_pcap_one and fuzz_kconfig_one in targets.h for the layouts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "userbpf/object.h"
#include "userbpf/packet.h"
#include "userbpf/userbpf.h"
#include "targets.h"

/* ==== Capture files ==== */

#define INSN(c, d, s, o, i) { (c), (d), (s), (o), (i) }

/*
 * r0 = the byte at offset 12 of the frame when the frame has 14 bytes,
 * else 0: data and data_end are read from the context at doff/eoff (so
 * the runner's context and frame are both touched), with bounds the
 * program checks itself, as the verifier would want.
 */
#define PEEK_PROG(doff, eoff)                                                                      \
	{                                                                                          \
		INSN(0x61, 2, 1, doff, 0), INSN(0x61, 3, 1, eoff, 0), INSN(0xbf, 4, 2, 0, 0),      \
		INSN(0x07, 4, 0, 0, 14),   INSN(0xb7, 0, 0, 0, 0),    INSN(0x2d, 4, 3, 1, 0),      \
		INSN(0x71, 0, 2, 12, 0),   INSN(0x95, 0, 0, 0, 0),                                 \
	}

struct pcap_runners {
	struct userbpf_prog *progs[3];
	struct userbpf_packet_runner *runners[3];
	int ready;
};

static struct pcap_runners *pcap_runners(void)
{
	static struct pcap_runners r;
	static const struct userbpf_insn sock[] = { INSN(0x61, 0, 1, 0, 0),
						    INSN(0x95, 0, 0, 0, 0) };
	static const struct userbpf_insn tc[] = PEEK_PROG(76, 80);
	static const struct userbpf_insn xdp[] = PEEK_PROG(0, 4);
	static const struct {
		const struct userbpf_insn *insns;
		size_t cnt;
		uint32_t type;
	} defs[3] = {
		{ sock, 2, BPF_PROG_TYPE_SOCKET_FILTER },
		{ tc, 8, BPF_PROG_TYPE_SCHED_CLS },
		{ xdp, 8, BPF_PROG_TYPE_XDP },
	};
	size_t i;

	if (r.ready)
		return &r;
	for (i = 0; i < 3; i++) {
		USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = defs[i].type);
		USERBPF_OPTS(userbpf_packet_runner_opts, ro, .insn_budget = 1000);

		r.progs[i] = userbpf_prog__new(defs[i].insns, defs[i].cnt, &po);
		if (r.progs[i])
			r.runners[i] = userbpf_packet_runner__new(r.progs[i], &ro);
	}
	r.ready = 1;
	return &r;
}

struct pcap_seen {
	long frames;
};

static int pcap_frame(void *cookie, const struct userbpf_packet *pkt)
{
	struct pcap_runners *r = pcap_runners();
	struct pcap_seen *seen = cookie;
	volatile uint8_t sum = 0;
	uint32_t i;

	seen->frames++;
	if ((!pkt->data && pkt->caplen) || pkt->wire_len < pkt->caplen)
		abort(); /* packet.h: wire_len >= caplen */
	/* every byte the source hands out is readable (ASan otherwise) */
	for (i = 0; i < pkt->caplen; i++)
		sum ^= pkt->data[i];
	for (i = 0; i < 3; i++) {
		uint64_t ret = 0;
		uint32_t out_len = 0;
		int err;

		if (!r->runners[i])
			continue;
		err = userbpf_packet_runner__run(r->runners[i], pkt, &ret, &out_len);
		if (pkt->caplen < 14 && err != -EINVAL)
			abort(); /* a frame shorter than its Ethernet header ran */
		if (!err && out_len > USERBPF_PACKET_MAX + 14u)
			abort();
	}
	return 0;
}

int fuzz_pcap_one(const uint8_t *data, size_t size)
{
	struct pcap_seen seen = { 0 };
	char path[64], err[256];
	long n;
	int fd = memfd_create("fuzz-pcap", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		err[0] = '\0';
		memset(err + 1, 0x7e, sizeof(err) - 1);
		n = userbpf_packet_pcap__foreach(path, pcap_frame, &seen, err, sizeof(err));
		if (n >= 0 && n != seen.frames)
			abort(); /* the count is the frames passed */
		if (n < 0 && n != -EINVAL && n != -EPROTONOSUPPORT && n != -EOPNOTSUPP)
			abort();
		if (!memchr(err, 0, sizeof(err)))
			abort();
	}
	close(fd);
	return 0;
}

/* ==== Kconfig text ==== */

int fuzz_kconfig_one(const uint8_t *data, size_t size)
{
	USERBPF_OPTS(userbpf_object_open_opts, opts, .object_name = "fuzz.o");
	struct userbpf_object *obj;
	size_t text_len;
	char *text;

	if (size < 2)
		return 0;
	text_len = (size_t)(data[0] | data[1] << 8);
	if (text_len > size - 2)
		text_len = size - 2;
	text = malloc(text_len + 1);
	if (!text)
		return 0;
	memcpy(text, data + 2, text_len);
	text[text_len] = '\0';
	opts.kconfig = text;
	obj = userbpf_object__open_mem(data + 2 + text_len, size - 2 - text_len, &opts);
	if (obj) {
		struct userbpf_object_map *m = NULL;
		uint64_t total = 0;

		while ((m = userbpf_object__next_map(obj, m))) {
			struct userbpf_map_def d;

			userbpf_object_map__def(m, &d);
			total += (uint64_t)d.max_entries *
				 ((uint64_t)d.key_size + d.value_size + 64);
		}
		/* the loads worth doing fill the .kconfig map; big maps are
		 * fuzz_elf's business */
		if (total < (16u << 20))
			(void)userbpf_object__load(obj);
		userbpf_object__close(obj);
	}
	free(text);
	return 0;
}
