/* SPDX-License-Identifier: MIT */
/*
 * test_fuzz_found.c - the bad inputs the fuzz campaign found, as tests
 * that assert the right answer (the corpus replays of test_corpus.c only
 * assert that nothing crashes, and an overflow of a few heap bytes
 * crashes nothing outside the sanitizer build):
 *  - bpf(): BPF_MAP_CREATE whose btf_fd is a map or program handle is
 *    refused as the kernel refuses it, and takes no reference: the map
 *    named goes away with its last handle (compared with the kernel);
 *  - "userbpf trace"'s reader of the agent's messages: streams from a
 *    broken or hostile traced command print what the protocol says;
 *  - capture files whose records claim fewer bytes on the wire than
 *    they hold give frames with wire_len >= caplen (packet.h).
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "userbpf/packet.h"
#include "test_bpf.h"
#include "../../fuzz/targets.h"

/* ==== BPF_MAP_CREATE with a btf_fd that is not BTF ==== */

struct btf_fd_case {
	const char *what;
	int handle; /* 0: the array map, 1: a program, 2: a closed number, 3: 0 */
	uint32_t key_id, value_id;
};

static const struct btf_fd_case btf_fd_cases[] = {
	{ "btf_fd is a map, value type id", 0, 0, 1 },
	{ "btf_fd is a map, key and value type ids", 0, 1, 1 },
	{ "btf_fd is a program, value type id", 1, 0, 1 },
	{ "btf_fd is closed, value type id", 2, 0, 1 },
	/* any type id: btf_fd is looked at, also when 0 (the kernel's
	 * btf_get_by_fd; userbpf skipped it) */
	{ "btf_fd is 0, value type id", 3, 0, 1 },
	{ "btf_fd is 0, key type id only", 3, 1, 0 },
};

/* side: kbpf or ubpf; closer: close or userbpf_close.  The errno of the
 * create naming the map, the program or a closed number, and whether the
 * map or the program is still found by id after their handles closed. */
static void btf_fd_side(int (*side)(int, union bpf_attr *, unsigned), int (*closer)(int),
			const struct btf_fd_case *c, int *create_err, bool *found_after)
{
	static const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	struct bpf_map_info info;
	struct bpf_prog_info pinfo;
	int map_fd, prog_fd = -1, fd, named;
	bool ok;

	*create_err = 1;
	*found_after = false;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 2;
	map_fd = side(BPF_MAP_CREATE, &a, sizeof(a));
	if (map_fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)ret0;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)"GPL";
	prog_fd = side(BPF_PROG_LOAD, &a, sizeof(a));
	memset(&info, 0, sizeof(info));
	memset(&pinfo, 0, sizeof(pinfo));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)map_fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	ok = side(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0 && prog_fd >= 0;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)prog_fd;
	a.info.info_len = sizeof(pinfo);
	a.info.info = (uint64_t)(uintptr_t)&pinfo;
	if (!ok || side(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a))) {
		closer(map_fd);
		if (prog_fd >= 0)
			closer(prog_fd);
		return;
	}
	named = c->handle == 0 ? map_fd : c->handle == 1 ? prog_fd : c->handle == 2 ? 1000 : 0;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 2;
	a.btf_fd = (uint32_t)named;
	a.btf_key_type_id = c->key_id;
	a.btf_value_type_id = c->value_id;
	fd = side(BPF_MAP_CREATE, &a, sizeof(a));
	*create_err = fd < 0 ? fd : 0;
	if (fd >= 0)
		closer(fd);
	closer(map_fd);
	closer(prog_fd);
	memset(&a, 0, sizeof(a));
	a.map_id = info.id;
	fd = side(BPF_MAP_GET_FD_BY_ID, &a, sizeof(a));
	*found_after = fd >= 0;
	if (fd >= 0)
		closer(fd);
	memset(&a, 0, sizeof(a));
	a.prog_id = pinfo.id;
	fd = side(BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
	*found_after |= fd >= 0;
	if (fd >= 0)
		closer(fd);
}

TEST(fuzz_found_map_create_btf_fd_not_btf)
{
	size_t i;

	for (i = 0; i < sizeof(btf_fd_cases) / sizeof(btf_fd_cases[0]); i++) {
		const struct btf_fd_case *c = &btf_fd_cases[i];
		int uerr, kerr;
		bool ufound, kfound;

		btf_fd_side(ubpf, userbpf_close, c, &uerr, &ufound);
		test_result(
			c->what, uerr < 0 && !ufound,
			"userbpf: create %d (want an error), map or program found after close: %d",
			uerr, ufound);
		if (!kernel_ok()) {
			test_result_skip(c->what, "kernel refuses bpf(): run as root to compare");
			continue;
		}
		btf_fd_side(kbpf, close, c, &kerr, &kfound);
		test_result(c->what, kerr == uerr && kfound == ufound,
			    "kernel: create %d, found after close %d; userbpf: %d, %d", kerr,
			    kfound, uerr, ufound);
	}
}

/* ==== The trace reader on hostile streams ==== */

struct trace_case {
	const char *file; /* in tests/corpus/trace/ (byte 0: --json) */
	const char *want[3];
	const char *absent[3];
};

static const struct trace_case trace_cases[] = {
	/* map "m" of 1-byte keys and values, then a newer snapshot with
	 * 8-byte ones: ten times key "kkkkkkkk" with value "vvvvvvvv", one
	 * entry whose counter is their sum (10 * 0x7676767676767676 mod
	 * 2^64), and none of the 1-byte entries ('a' = 97) */
	{ "snapshot_resized",
	  { "@m:", "[7740398493674204011] = 11574427654092267676", NULL },
	  { "[97]", NULL } },
	/* a map whose key + value sizes wrap 32 bits to 16, an entry of 16
	 * bytes, then an entry of 8 that fits the map before it: dropped
	 * with the bad map, not added to the previous one */
	{ "sizes_wrap", { "@good:", "[1] = 2", NULL }, { "wraps", "[3]", NULL } },
	/* a ring-buffer record without the NUL after the map name: ignored */
	{ "ringbuf_no_nul", { NULL }, { "no-terminator", NULL } },
	/* an error, then half a header: the error is printed, the rest is EOF */
	{ "error_then_eof", { "trace: cannot attach", NULL }, { NULL } },
};

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

TEST(fuzz_found_trace_reader_streams)
{
	size_t i, k;

	for (i = 0; i < sizeof(trace_cases) / sizeof(trace_cases[0]); i++) {
		const struct trace_case *c = &trace_cases[i];
		char path[512], *out = NULL;
		size_t len, out_len = 0;
		uint8_t *data;
		FILE *mem;
		bool ok = true;

		snprintf(path, sizeof(path), "%s/tests/corpus/trace/%s", test_src_dir(), c->file);
		data = read_all(path, &len);
		ASSERT_TRUE(data != NULL && len > 0);
		mem = open_memstream(&out, &out_len);
		ASSERT_TRUE(mem != NULL);
		fuzz_trace_replay(data + 1, len - 1, data[0] & 1, mem);
		fclose(mem);
		for (k = 0; k < 3 && c->want[k]; k++)
			ok &= strstr(out, c->want[k]) != NULL;
		for (k = 0; k < 3 && c->absent[k]; k++)
			ok &= strstr(out, c->absent[k]) == NULL;
		test_result(c->file, ok, "output:\n%s", out);
		free(out);
		free(data);
	}
}

/* ==== Capture records shorter on the wire than captured ==== */

struct pcap_case {
	const char *file;      /* in tests/corpus/pcap/ */
	uint32_t caplen, wire; /* of its one frame, as an Ethernet frame */
};

/* One record of 42 bytes (Ethernet) claiming 10 on the wire; one of 28
 * bytes of raw IP (+ the 14-byte Ethernet header made up) claiming 3. */
static const struct pcap_case pcap_cases[] = {
	{ "crash-eth-wire-len-below-caplen", 42, 42 },
	{ "crash-raw-wire-len-below-caplen", 42, 42 },
};

struct pcap_seen {
	int frames;
	uint32_t caplen, wire;
};

static int pcap_seen_cb(void *cookie, const struct userbpf_packet *pkt)
{
	struct pcap_seen *s = cookie;

	s->frames++;
	s->caplen = pkt->caplen;
	s->wire = pkt->wire_len;
	return 0;
}

TEST(fuzz_found_pcap_wire_len)
{
	size_t i;

	for (i = 0; i < sizeof(pcap_cases) / sizeof(pcap_cases[0]); i++) {
		const struct pcap_case *c = &pcap_cases[i];
		struct pcap_seen seen = { 0 };
		char path[512], err[256] = "";
		long n;

		snprintf(path, sizeof(path), "%s/tests/corpus/pcap/%s", test_src_dir(), c->file);
		n = userbpf_packet_pcap__foreach(path, pcap_seen_cb, &seen, err, sizeof(err));
		if (n == -EOPNOTSUPP) {
			test_result_skip(c->file, "built without libpcap");
			continue;
		}
		test_result(c->file,
			    n == 1 && seen.frames == 1 && seen.caplen == c->caplen &&
				    seen.wire == c->wire,
			    "%ld frames (%s): caplen %u wire_len %u, want %u %u", n, err,
			    seen.caplen, seen.wire, c->caplen, c->wire);
	}
}
