/* SPDX-License-Identifier: MIT */
/*
 * test_btf_log.c - BPF_BTF_LOAD's log attributes and btf_log_true_size
 * (kernel 6.4+, the u32 after btf_log_level; libbpf 1.2+ reads it), by
 * userbpf_bpf() and by the kernel's bpf() (the oracle, as root; skipped
 * when the kernel refuses BTF loads): the same verdict for each case, and
 * btf_log_true_size written or left alone alike.  The kernel's rules
 * (kernel/bpf/log.c bpf_vlog_init, btf.c finalize_log): the log's
 * attributes are checked first (a buffer and its size together, a buffer
 * needs a level, known level bits: EINVAL, nothing written); once they
 * are accepted the size is written whatever the verdict, when the attr
 * reaches it; its input is ignored.  The value is compared too: 0 at
 * level 0, the log's size plus one at a log level (both write the same
 * log text; tests/unit/test_btf_load.c compares the text itself).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/syscall.h"

/* offsets in union bpf_attr of BTF_LOAD (uapi headers before 6.4 do not
 * name btf_log_true_size) */
#define TRUE_OFF 28
#define PRESET 0x12345u

/* a minimal BTF: one type, "int" (4 bytes, signed) */
static const struct {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint32_t name_off, info, size, enc;
	char strs[5];
} __attribute__((packed)) int_btf = {
	.magic = 0xeb9f,
	.version = 1,
	.hdr_len = 24,
	.type_off = 0,
	.type_len = 16,
	.str_off = 16,
	.str_len = 5,
	.name_off = 1,
	.info = 1u << 24, /* BTF_KIND_INT */
	.size = 4,
	.enc = (1u << 24) | 32, /* BTF_INT_SIGNED, 32 bits */
	.strs = "\0int",
};

struct btf_case {
	const char *name;
	unsigned attr_size;
	bool bad_magic;
	uint32_t log_level, log_size;
	bool log_buf;
	int want_err; /* 0: loads */
	bool written; /* btf_log_true_size written */
	bool zero;    /* ... and 0 (the same on both) */
};

/* clang-format off */
static const struct btf_case cases[] = {
	{ "level 0, full attr", 40, false, 0, 0, false, 0, true, true },
	{ "attr ends at btf_log_level", 28, false, 0, 0, false, 0, false, false },
	{ "attr ends at btf_log_true_size", 32, false, 0, 0, false, 0, true, true },
	{ "bad magic, level 0", 40, true, 0, 0, false, EINVAL, true, true },
	{ "buffer without a level", 40, false, 0, 64, true, EINVAL, false, false },
	{ "size without a buffer", 40, false, 1, 64, false, EINVAL, false, false },
	{ "unknown level bit", 40, false, 16, 0, false, EINVAL, false, false },
	{ "level 1, no buffer (size query)", 40, false, 1, 0, false, 0, true, false },
	{ "level 1, a buffer", 40, false, 1, 4096, true, 0, true, false },
};
/* clang-format on */

static uint8_t data[sizeof(int_btf)];
static char logbuf[4096];

/* Load through fn (kernel or userbpf): the error (0 on success, the
 * descriptor closed through closefn) and the field after it. */
static int load(const struct btf_case *c, long (*fn)(void *, unsigned), void (*closefn)(int),
		uint32_t *after)
{
	union bpf_attr abuf;
	uint8_t *attr = (uint8_t *)&abuf;
	union bpf_attr *a = &abuf;
	uint32_t v = PRESET;
	long r;

	memcpy(data, &int_btf, sizeof(data));
	if (c->bad_magic)
		data[0] ^= 0xff;
	memset(&abuf, 0, sizeof(abuf));
	a->btf = (uint64_t)(uintptr_t)data;
	a->btf_size = sizeof(data);
	a->btf_log_level = c->log_level;
	a->btf_log_size = c->log_size;
	a->btf_log_buf = c->log_buf ? (uint64_t)(uintptr_t)logbuf : 0;
	memcpy(attr + TRUE_OFF, &v, sizeof(v));
	r = fn(attr, c->attr_size);
	memcpy(after, attr + TRUE_OFF, sizeof(*after));
	if (r >= 0) {
		closefn((int)r);
		return 0;
	}
	return errno;
}

static long kernel_bpf(void *attr, unsigned size)
{
	return syscall(__NR_bpf, BPF_BTF_LOAD, attr, size);
}

static long ub_bpf(void *attr, unsigned size)
{
	return userbpf_bpf(BPF_BTF_LOAD, attr, size);
}

static void ub_close(int fd)
{
	userbpf_close(fd);
}

static void sys_close(int fd)
{
	close(fd);
}

TEST(btf_load_log_true_size_rules)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct btf_case *c = &cases[i];
		uint32_t after;
		int err = load(c, ub_bpf, ub_close, &after);

		ASSERT_EQ(err, c->want_err);
		ASSERT_EQ(after != PRESET, c->written);
		if (c->zero)
			ASSERT_EQ(after, 0);
	}
}

TEST(btf_load_log_true_size_kernel_oracle)
{
	size_t i;
	uint32_t after;

	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	if (load(&cases[0], kernel_bpf, sys_close, &after)) {
		test_skip("the kernel refused a BTF load (%s)", strerror(errno));
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct btf_case *c = &cases[i];
		uint32_t k_after, u_after;
		int k = load(c, kernel_bpf, sys_close, &k_after);
		int u = load(c, ub_bpf, ub_close, &u_after);

		if (u != k || (u_after != PRESET) != (k_after != PRESET))
			fprintf(stderr,
				"%s: kernel errno %d true size %#x, userbpf errno %d true size %#x\n",
				c->name, k, k_after, u, u_after);
		ASSERT_EQ(u, k);
		ASSERT_EQ(u_after != PRESET, k_after != PRESET);
		ASSERT_EQ(u_after, k_after);
	}
}
