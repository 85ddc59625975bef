// SPDX-License-Identifier: MIT
/*
 * Nested byte-compare loops, the shapes of a text finder/replacer that
 * works in three tail-called stages (the shape of eunomia's tutorial
 * "textreplace2", written anew here): "scan" reads a buffer in chunks into
 * the stack and notes every address of the first byte of the text to find
 * (a counted loop of chunks around a counted loop of bytes, a map update
 * per hit); "check" compares TEXT_LEN bytes at each noted address with the
 * text (a counted loop of addresses around a byte loop with a break, then
 * a branch on how far it got); "replace" copies the replacement text into
 * a stack buffer at each confirmed address (a byte loop bounded by the
 * text's length) and sends it to a ring buffer.
 *
 * Each stage comes in several loop bounds (the macros at the end): small
 * ones that Linux 6.18 accepts, and the tutorial's own (32 chunks of 32
 * bytes, 500 addresses, 20-byte texts) that it refuses, the first at the
 * 1,000,000-insn limit, the other two at 8,192 pending branches
 * (test_verifier_nested_compare.c compares verdicts and processed-insn
 * counts with the kernel, and runs the accepted ones on both).
 *
 * Syscall programs: the kernel test-runs them in the caller's process, so
 * bpf_probe_read_user reads the test's own buffer there as in userbpf.
 * The context names the buffer and its length.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TEXT_LEN 20
#define CHUNK 32
#define MAX_ADDRS 500

struct nc_ctx {
	unsigned long long addr; /* the buffer to search */
	long long len;		 /* its length */
};

struct nc_text {
	char text[TEXT_LEN];
	unsigned int text_len;
};

/* [0]: the text to find, [1]: its replacement */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, struct nc_text);
} nc_texts SEC(".maps");

/* candidate addresses (scan), confirmed ones (check) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_ADDRS);
	__type(key, unsigned int);
	__type(value, unsigned long long);
} nc_cand SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_ADDRS);
	__type(key, unsigned int);
	__type(value, unsigned long long);
} nc_found SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} nc_out SEC(".maps");

char nc_cmp[TEXT_LEN + 1];

/* scan: CHUNKS chunks of CHUNK bytes; returns the candidates noted */
#define NC_SCAN(name, CHUNKS)                                                                      \
	SEC("syscall")                                                                             \
	int name(struct nc_ctx *ctx)                                                               \
	{                                                                                          \
		unsigned long long addr = ctx->addr, hit = 0;                                      \
		long long size = ctx->len;                                                         \
		char buf[CHUNK] = { 0 };                                                           \
		unsigned int count = 0;                                                            \
		struct nc_text *find;                                                              \
		int key = 0;                                                                       \
                                                                                                   \
		if (!addr || size <= 0)                                                            \
			return 0;                                                                  \
		if (size > CHUNK + 1)                                                              \
			size = CHUNK;                                                              \
		find = bpf_map_lookup_elem(&nc_texts, &key);                                       \
		if (!find)                                                                         \
			return 0;                                                                  \
		for (unsigned int i = 0; i < (CHUNKS); i++) {                                      \
			bpf_probe_read_user(&buf, size, (void *)addr);                             \
			for (unsigned int j = 0; j < CHUNK; j++) {                                 \
				if (buf[j] == find->text[0]) {                                     \
					hit = addr + j;                                            \
					bpf_map_update_elem(&nc_cand, &count, &hit, BPF_ANY);      \
					count++;                                                   \
				}                                                                  \
			}                                                                          \
			addr += CHUNK;                                                             \
		}                                                                                  \
		return count;                                                                      \
	}

/* check: up to ADDRS candidates; returns the confirmed matches */
#define NC_CHECK(name, ADDRS)                                                                      \
	SEC("syscall")                                                                             \
	int name(struct nc_ctx *ctx)                                                               \
	{                                                                                          \
		unsigned long long addr;                                                           \
		unsigned long long *pa;                                                            \
		unsigned int idx, matches = 0, j = 0;                                              \
		struct nc_text *find;                                                              \
		int key = 0;                                                                       \
                                                                                                   \
		find = bpf_map_lookup_elem(&nc_texts, &key);                                       \
		if (!find)                                                                         \
			return 0;                                                                  \
		const unsigned int len = find->text_len;                                           \
		if (len > TEXT_LEN)                                                                \
			return 0;                                                                  \
		for (unsigned int i = 0; i < (ADDRS); i++) {                                       \
			idx = i;                                                                   \
			pa = bpf_map_lookup_elem(&nc_cand, &idx);                                  \
			if (!pa)                                                                   \
				break;                                                             \
			addr = *pa;                                                                \
			if (!addr)                                                                 \
				break;                                                             \
			bpf_probe_read_user(&nc_cmp, TEXT_LEN, (void *)addr);                      \
			for (j = 0; j < TEXT_LEN; j++)                                             \
				if (nc_cmp[j] != find->text[j])                                    \
					break;                                                     \
			if (j >= len) {                                                            \
				bpf_map_update_elem(&nc_found, &matches, &addr, BPF_ANY);          \
				matches++;                                                         \
			}                                                                          \
			bpf_map_delete_elem(&nc_cand, &idx);                                       \
		}                                                                                  \
		return matches;                                                                    \
	}

/* replace: up to ADDRS confirmed addresses; returns the records sent */
#define NC_REPLACE(name, ADDRS)                                                                    \
	SEC("syscall")                                                                             \
	int name(struct nc_ctx *ctx)                                                               \
	{                                                                                          \
		unsigned long long addr;                                                           \
		unsigned long long *pa;                                                            \
		unsigned int idx, sent = 0;                                                        \
		struct nc_text *repl;                                                              \
		int key = 1;                                                                       \
                                                                                                   \
		repl = bpf_map_lookup_elem(&nc_texts, &key);                                       \
		if (!repl)                                                                         \
			return 0;                                                                  \
		for (unsigned int i = 0; i < (ADDRS); i++) {                                       \
			char data[TEXT_LEN];                                                       \
                                                                                                   \
			idx = i;                                                                   \
			pa = bpf_map_lookup_elem(&nc_found, &idx);                                 \
			if (!pa)                                                                   \
				break;                                                             \
			addr = *pa;                                                                \
			if (!addr)                                                                 \
				break;                                                             \
			bpf_probe_read_user(&data, TEXT_LEN, (void *)addr);                        \
			for (unsigned int j = 0; j < TEXT_LEN; j++) {                              \
				if (j >= repl->text_len)                                           \
					break;                                                     \
				data[j] = repl->text[j];                                           \
			}                                                                          \
			if (bpf_ringbuf_output(&nc_out, data, TEXT_LEN, 0) == 0)                   \
				sent++;                                                            \
			bpf_map_delete_elem(&nc_found, &idx);                                      \
		}                                                                                  \
		(void)ctx;                                                                         \
		return sent;                                                                       \
	}

NC_SCAN(nc_scan_1, 1)
NC_SCAN(nc_scan_2, 2)
NC_SCAN(nc_scan_4, 4)
NC_SCAN(nc_scan_32, 32)
NC_CHECK(nc_check_8, 8)
NC_CHECK(nc_check_64, 64)
NC_CHECK(nc_check_500, MAX_ADDRS)
NC_REPLACE(nc_replace_8, 8)
NC_REPLACE(nc_replace_64, 64)
NC_REPLACE(nc_replace_500, MAX_ADDRS)

char LICENSE[] SEC("license") = "GPL";
