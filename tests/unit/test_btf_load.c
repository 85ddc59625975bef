/* SPDX-License-Identifier: MIT */
/*
 * test_btf_load.c - BPF_BTF_LOAD's verdict, errno and log text against the
 * kernel's (the oracle: this machine's bpf() as root; skipped otherwise).
 *
 *  - btf_load_table: hand-built blobs, valid ones and one per rejection
 *    reason; each loaded at log level 0 and 1 by both; the errno (or
 *    acceptance) is asserted against the table's expectation and the
 *    kernel's, the log text line for line and btf_log_true_size against
 *    the kernel's.
 *  - btf_load_log_buffer: one long log through small buffers, rotating
 *    and BPF_LOG_FIXED: errno (ENOSPC), the buffer's bytes, true size.
 *  - btf_load_mutations: the BTF of the compiled examples (as in the ELF
 *    file and as libbpf fixes it up), mutated by a seeded generator:
 *    verdict and errno compared over thousands of blobs, and the log text
 *    (BTF_MUTATIONS=n for more).
 *  - btf_load_names: names in every place a name is checked (the
 *    kernel's Latin-1 ctype, '.', KSYM_NAME_LEN, long names in the log).
 *  - btf_load_special_fields, btf_load_kernel_kptrs: structs with
 *    bpf_spin_lock, list/rb heads and nodes, refcounts and kptrs.
 *  - btf_load_alloc_failures: every allocation failing in turn (FAULT=1).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test.h"
#include "userbpf/syscall.h"
#include "util/alloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* the case tables leave their trailing fields (custom strings) out */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define LOG_SIZE (1u << 20)
/* offset of btf_log_true_size in union bpf_attr (6.4+ uapi) */
#define TRUE_OFF 28
#define ENOTSUPP 524

/* ==== Building blobs ==== */

#define INFO(kind, kflag, vlen) (((uint32_t)(kflag) << 31) | ((uint32_t)(kind) << 24) | (vlen))
/* struct btf_type words (name, info, size/type) and their extra data */
#define T_INT(name, size, enc, off, bits)                                                          \
	(name), INFO(1, 0, 0), (size), (((uint32_t)(enc) << 24) | ((off) << 16) | (bits))
#define T_PTR(type) 0, INFO(2, 0, 0), (type)
#define T_ARRAY(elem, index, n) 0, INFO(3, 0, 0), 0, (elem), (index), (n)
#define T_STRUCT(name, vlen, size) (name), INFO(4, 0, vlen), (size)
#define T_STRUCT_K(name, vlen, size) (name), INFO(4, 1, vlen), (size)
#define T_UNION(name, vlen, size) (name), INFO(5, 0, vlen), (size)
#define M(name, type, off) (name), (type), (off)
#define T_ENUM(name, vlen, size) (name), INFO(6, 0, vlen), (size)
#define E(name, val) (name), (uint32_t)(val)
#define T_FWD(name, union_) (name), INFO(7, union_, 0), 0
#define T_TYPEDEF(name, type) (name), INFO(8, 0, 0), (type)
#define T_VOLATILE(type) 0, INFO(9, 0, 0), (type)
#define T_CONST(type) 0, INFO(10, 0, 0), (type)
#define T_RESTRICT(type) 0, INFO(11, 0, 0), (type)
#define T_FUNC(name, proto, linkage) (name), INFO(12, 0, linkage), (proto)
#define T_PROTO(ret, vlen) 0, INFO(13, 0, vlen), (ret)
#define P(name, type) (name), (type)
#define T_VAR(name, type, linkage) (name), INFO(14, 0, 0), (type), (linkage)
#define T_DATASEC(name, vlen, size) (name), INFO(15, 0, vlen), (size)
#define V(type, off, size) (type), (off), (size)
#define T_FLOAT(name, size) (name), INFO(16, 0, 0), (size)
#define T_DECL_TAG(name, type, idx) (name), INFO(17, 0, 0), (type), (uint32_t)(idx)
#define T_TYPE_TAG(name, type) (name), INFO(18, 0, 0), (type)
#define T_ENUM64(name, vlen, size) (name), INFO(19, 0, vlen), (size)
#define E64(name, lo, hi) (name), (lo), (hi)

/* strings: "\0int\0s\0a\0b\0.data\0f\0x\0tag" */
#define STRS "\0int\0s\0a\0b\0.data\0f\0x\0tag\0bad name\0char\0u"
enum {
	S_INT = 1,
	S_S = 5,
	S_A = 7,
	S_B = 9,
	S_DATA = 11,
	S_F = 17,
	S_X = 19,
	S_TAG = 21,
	S_BAD = 25,
	S_CHAR = 34,
	S_U = 39,
	S_END = 41
};

struct bcase {
	const char *name;
	uint32_t words[128];
	/* header tweaks applied to the assembled blob */
	void (*tweak)(uint8_t *blob, size_t *len);
	int want;	  /* expected errno, 0: loads */
	const char *strs; /* NULL: STRS */
	size_t slen;
};

#define HDR 24u

/* Header + type words + strings; *len is the blob's size. */
static uint8_t *assemble(const uint32_t *words, size_t nwords, const char *strs, size_t slen,
			 size_t *len)
{
	uint32_t tlen = (uint32_t)(nwords * 4), hdr[6];
	uint8_t *b = calloc(1, HDR + tlen + slen + 64);

	hdr[0] = 0xeb9f | (1u << 16);
	hdr[1] = HDR;
	hdr[2] = 0;
	hdr[3] = tlen;
	hdr[4] = tlen;
	hdr[5] = (uint32_t)slen;
	memcpy(b, hdr, sizeof(hdr));
	memcpy(b + HDR, words, tlen);
	memcpy(b + HDR + tlen, strs, slen);
	*len = HDR + tlen + slen;
	return b;
}

static size_t nwords(const uint32_t *w, size_t max)
{
	size_t n = max;

	/* the table's word arrays are zero-padded: a type never ends
	 * with three zero words but void-typed prototypes and FWD do,
	 * so the END marker closes each list */
	while (n && w[n - 1] != 0xdeadbeef)
		n--;
	return n ? n - 1 : 0;
}
#define END 0xdeadbeef

static void set32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void tw_magic(uint8_t *b, size_t *len)
{
	(void)len;
	b[0] = 0xeb; /* big-endian */
	b[1] = 0x9f;
}
static void tw_version(uint8_t *b, size_t *len)
{
	(void)len;
	b[2] = 2;
}
static void tw_flags(uint8_t *b, size_t *len)
{
	(void)len;
	b[3] = 1;
}
static void tw_short(uint8_t *b, size_t *len)
{
	(void)b;
	*len = 6;
}
static void tw_empty(uint8_t *b, size_t *len)
{
	(void)b;
	*len = 0;
}
static void tw_hdr_past_end(uint8_t *b, size_t *len)
{
	set32(b, 4, (uint32_t)*len + 4);
}
static void tw_no_data(uint8_t *b, size_t *len)
{
	set32(b, 12, 0);
	set32(b, 16, 0);
	set32(b, 20, 0);
	*len = HDR;
}
/* a 32-byte header: 8 unknown bytes, zero (accepted) or not (E2BIG) */
static void grow_hdr(uint8_t *b, size_t *len, uint8_t fill)
{
	memmove(b + 32, b + 24, *len - 24);
	memset(b + 24, 0, 8);
	b[30] = fill;
	set32(b, 4, 32);
	*len += 8;
}
static void tw_hdr_zero_tail(uint8_t *b, size_t *len)
{
	grow_hdr(b, len, 0);
}
static void tw_hdr_nonzero_tail(uint8_t *b, size_t *len)
{
	grow_hdr(b, len, 7);
}
static void tw_strings_first(uint8_t *b, size_t *len)
{
	/* strings first, then types at an odd offset */
	uint32_t tlen, slen;
	uint8_t tmp[512];

	memcpy(&tlen, b + 12, 4);
	memcpy(&slen, b + 20, 4);
	memcpy(tmp, b + 24, tlen + slen);
	memcpy(b + 24, tmp + tlen, slen);
	memcpy(b + 24 + slen, tmp, tlen);
	set32(b, 8, slen);
	set32(b, 16, 0);
	(void)len;
}
static void tw_gap(uint8_t *b, size_t *len)
{
	uint32_t tlen;

	memcpy(&tlen, b + 12, 4);
	set32(b, 16, tlen + 4);
	*len += 4;
	memmove(b + 24 + tlen + 4, b + 24 + tlen, *len - 24 - tlen - 4);
}
static void tw_overlap(uint8_t *b, size_t *len)
{
	uint32_t tlen;

	memcpy(&tlen, b + 12, 4);
	set32(b, 16, tlen - 4);
	(void)len;
}
static void tw_too_long(uint8_t *b, size_t *len)
{
	uint32_t slen;

	memcpy(&slen, b + 20, 4);
	set32(b, 20, slen + 100);
	(void)len;
}
static void tw_trailing(uint8_t *b, size_t *len)
{
	b[*len] = 0;
	*len += 1;
}
static void tw_offset_past(uint8_t *b, size_t *len)
{
	set32(b, 16, 0x7fffffff);
	(void)len;
}
static void tw_str_first_nonzero(uint8_t *b, size_t *len)
{
	uint32_t tlen;

	memcpy(&tlen, b + 12, 4);
	b[24 + tlen] = 'x';
	(void)len;
}
static void tw_str_no_nul(uint8_t *b, size_t *len)
{
	b[*len - 1] = 'x';
}
static void tw_no_types(uint8_t *b, size_t *len)
{
	uint32_t tlen, slen;

	memcpy(&tlen, b + 12, 4);
	memcpy(&slen, b + 20, 4);
	memmove(b + 24, b + 24 + tlen, slen);
	set32(b, 12, 0);
	set32(b, 16, 0);
	*len -= tlen;
}
static void tw_truncated_type(uint8_t *b, size_t *len)
{
	/* the type section ends 4 bytes into the last type */
	uint32_t tlen, slen;

	memcpy(&tlen, b + 12, 4);
	memcpy(&slen, b + 20, 4);
	memmove(b + 24 + tlen - 8, b + 24 + tlen, slen);
	set32(b, 12, tlen - 8);
	set32(b, 16, tlen - 8);
	*len -= 8;
}

#define INT32 T_INT(S_INT, 4, 1, 0, 32) /* id 1 in most cases */

/* clang-format off */
static const struct bcase cases[] = {
	/* ---- accepted ---- */
	{ "int", { INT32, END }, NULL, 0 },
	{ "every kind", { INT32,				/* 1 */
		T_PTR(1),					/* 2 */
		T_ARRAY(1, 1, 4),				/* 3 */
		T_STRUCT(S_S, 3, 32), M(S_A, 1, 0), M(S_B, 2, 64), M(S_X, 3, 128), /* 4 */
		T_UNION(S_U, 2, 8), M(S_A, 1, 0), M(S_B, 2, 0),	/* 5 */
		T_ENUM(S_X, 2, 4), E(S_A, 0), E(S_B, -1),	/* 6 */
		T_FWD(S_F, 1),					/* 7 */
		T_TYPEDEF(S_TAG, 4),				/* 8 */
		T_VOLATILE(1), T_CONST(9), T_RESTRICT(2),	/* 9 10 11 */
		T_PROTO(1, 2), P(S_A, 1), P(S_B, 2),		/* 12 */
		T_FUNC(S_F, 12, 1),				/* 13 */
		T_VAR(S_X, 1, 1),				/* 14 */
		T_DATASEC(S_DATA, 1, 4), V(14, 0, 4),		/* 15 */
		T_FLOAT(S_CHAR, 8),				/* 16 */
		T_DECL_TAG(S_TAG, 4, 1),			/* 17 */
		T_TYPE_TAG(S_TAG, 1), T_PTR(18),		/* 18 19 */
		T_ENUM64(S_U, 1, 8), E64(S_A, 1, 0x80000000),	/* 20 */
		END }, NULL, 0 },
	{ "self pointer struct", { INT32, T_STRUCT(S_S, 2, 16), M(S_A, 1, 0), M(S_B, 3, 64),
		T_PTR(2), END }, NULL, 0 },
	{ "const void, pointer to it", { T_CONST(0), T_PTR(1), END }, NULL, 0 },
	{ "kflag bitfields", { INT32, T_STRUCT_K(S_S, 2, 4), M(S_A, 1, (3u << 24) | 0),
		M(S_B, 1, (5u << 24) | 3), END }, NULL, 0 },
	{ "vararg proto", { INT32, T_PROTO(1, 2), P(S_A, 1), P(0, 0), END }, NULL, 0 },
	{ "signed enum", { (S_X), INFO(6, 1, 1), 4, E(S_A, -5), END }, NULL, 0 },
	{ "enum64 signed", { (S_X), INFO(19, 1, 1), 8, E64(S_A, 0xfffffffe, 0xffffffff), END }, NULL, 0 },
	{ "header with zero tail", { INT32, END }, tw_hdr_zero_tail, 0 },
	{ "type tag kflag (attribute)", { INT32, (S_TAG), INFO(18, 1, 0), 1, T_PTR(2), END }, NULL, 0 },
	{ "zero-size array member at end", { INT32, T_ARRAY(1, 1, 0),
		T_STRUCT(S_S, 2, 4), M(S_A, 1, 0), M(S_B, 2, 32), END }, NULL, 0 },

	/* ---- header and sections ---- */
	{ "empty blob", { INT32, END }, tw_empty, EINVAL },
	{ "hdr_len not found", { INT32, END }, tw_short, EINVAL },
	{ "header past the end", { INT32, END }, tw_hdr_past_end, EINVAL },
	{ "unknown header bytes", { INT32, END }, tw_hdr_nonzero_tail, E2BIG },
	{ "bad magic", { INT32, END }, tw_magic, EINVAL },
	{ "version 2", { INT32, END }, tw_version, ENOTSUPP },
	{ "flags", { INT32, END }, tw_flags, ENOTSUPP },
	{ "no data", { INT32, END }, tw_no_data, EINVAL },
	{ "strings before types", { INT32, END }, tw_strings_first, EINVAL },
	{ "gap between sections", { INT32, END }, tw_gap, EINVAL },
	{ "overlapping sections", { INT32, END }, tw_overlap, EINVAL },
	{ "section too long", { INT32, END }, tw_too_long, EINVAL },
	{ "trailing byte", { INT32, END }, tw_trailing, EINVAL },
	{ "offset past the end", { INT32, END }, tw_offset_past, EINVAL },
	{ "string section starts non-zero", { INT32, END }, tw_str_first_nonzero, EINVAL },
	{ "string section unterminated", { INT32, END }, tw_str_no_nul, EINVAL },
	{ "no type", { INT32, END }, tw_no_types, EINVAL },
	{ "truncated type", { INT32, T_ARRAY(1, 1, 2), END }, tw_truncated_type, EINVAL },

	/* ---- common meta ---- */
	{ "bad info bits", { S_INT, INFO(1, 0, 0) | (1u << 29), 4, 32, END }, NULL, EINVAL },
	{ "kind 0", { 0, 0, 4, END }, NULL, EINVAL },
	{ "kind 20", { 0, INFO(20, 0, 0), 4, END }, NULL, EINVAL },
	{ "name offset past strings", { T_INT(999, 4, 0, 0, 32), END }, NULL, EINVAL },

	/* ---- INT ---- */
	{ "int vlen", { S_INT, INFO(1, 0, 1), 4, 32, END }, NULL, EINVAL },
	{ "int kflag", { S_INT, INFO(1, 1, 0), 4, 32, END }, NULL, EINVAL },
	{ "int data bits", { S_INT, INFO(1, 0, 0), 4, 0x10000020, END }, NULL, EINVAL },
	{ "int nr_bits > 128", { T_INT(S_INT, 16, 0, 8, 128), END }, NULL, EINVAL },
	{ "int bits > size", { T_INT(S_INT, 2, 0, 0, 32), END }, NULL, EINVAL },
	{ "int encoding", { T_INT(S_INT, 4, 3, 0, 32), END }, NULL, ENOTSUPP },
	{ "int name invalid ok", { T_INT(S_BAD, 4, 0, 0, 32), END }, NULL, 0 },

	/* ---- PTR and modifiers ---- */
	{ "ptr name", { S_A, INFO(2, 0, 0), 0, END }, NULL, EINVAL },
	{ "ptr kflag", { 0, INFO(2, 1, 0), 0, END }, NULL, EINVAL },
	{ "ptr vlen", { 0, INFO(2, 0, 2), 0, END }, NULL, EINVAL },
	{ "ptr type id too big", { T_PTR(0x100000), END }, NULL, EINVAL },
	{ "ptr to missing type", { T_PTR(5), END }, NULL, EINVAL },
	{ "ptr loop", { T_PTR(2), T_CONST(1), END }, NULL, EEXIST },
	{ "typedef loop", { T_TYPEDEF(S_TAG, 2), T_TYPEDEF(S_X, 1), END }, NULL, EEXIST },
	{ "typedef no name", { T_TYPEDEF(0, 1), INT32, END }, NULL, EINVAL },
	{ "typedef bad name", { T_TYPEDEF(S_BAD, 2), INT32, END }, NULL, EINVAL },
	{ "typedef to var", { T_TYPEDEF(S_TAG, 2), T_VAR(S_X, 3, 0), INT32, END }, NULL, EINVAL },
	{ "const with name", { S_A, INFO(10, 0, 0), 0, END }, NULL, EINVAL },
	{ "volatile to func proto ok", { T_PROTO(0, 0), T_VOLATILE(1), END }, NULL, 0 },
	{ "const to func (resolved first)", { INT32, T_PROTO(1, 0), T_FUNC(S_F, 2, 0), T_CONST(3), END }, NULL, 0 },
	{ "type tag empty", { T_TYPE_TAG(0, 0), END }, NULL, EINVAL },
	{ "const then type tag", { INT32, T_TYPE_TAG(S_TAG, 1), T_CONST(2), T_PTR(3), END }, NULL, EINVAL },
	{ "type tag then const", { INT32, T_CONST(1), T_TYPE_TAG(S_TAG, 2), T_PTR(3), END }, NULL, 0 },
	{ "modifier chain", { INT32,
		T_CONST(3), T_CONST(4), T_CONST(5), T_CONST(6), T_CONST(7), T_CONST(8),
		T_CONST(9), T_CONST(10), T_CONST(11), T_CONST(12), T_CONST(13), T_CONST(1), END },
		NULL, 0 },

	/* ---- ARRAY ---- */
	{ "array name", { INT32, S_A, INFO(3, 0, 0), 0, 1, 1, 4, END }, NULL, EINVAL },
	{ "array size", { INT32, 0, INFO(3, 0, 0), 4, 1, 1, 4, END }, NULL, EINVAL },
	{ "array kflag", { INT32, 0, INFO(3, 1, 0), 0, 1, 1, 4, END }, NULL, EINVAL },
	{ "array elem 0", { INT32, T_ARRAY(0, 1, 4), END }, NULL, EINVAL },
	{ "array index 0", { INT32, T_ARRAY(1, 0, 4), END }, NULL, EINVAL },
	{ "array index not int", { INT32, T_PTR(1), T_ARRAY(1, 2, 4), END }, NULL, EINVAL },
	{ "array index bitfield int", { T_INT(S_INT, 4, 0, 0, 31), T_ARRAY(1, 1, 4), END }, NULL, EINVAL },
	{ "array of bitfield int", { INT32, T_INT(S_CHAR, 4, 0, 0, 7), T_ARRAY(2, 1, 4), END }, NULL, EINVAL },
	{ "array elem fwd", { INT32, T_FWD(S_F, 0), T_ARRAY(2, 1, 4), END }, NULL, EINVAL },
	{ "array overflow", { INT32, T_ARRAY(1, 1, 0x40000000), END }, NULL, EINVAL },
	{ "array loop", { INT32, T_ARRAY(3, 1, 1), T_ARRAY(2, 1, 1), END }, NULL, EEXIST },

	/* ---- STRUCT / UNION ---- */
	{ "struct meta short", { INT32, T_STRUCT(S_S, 3, 8), M(S_A, 1, 0), END }, NULL, EINVAL },
	{ "struct bad name", { INT32, T_STRUCT(S_BAD, 1, 4), M(S_A, 1, 0), END }, NULL, EINVAL },
	{ "member name offset", { INT32, T_STRUCT(S_S, 1, 4), M(5000, 1, 0), END }, NULL, EINVAL },
	{ "member bad name", { INT32, T_STRUCT(S_S, 1, 4), M(S_BAD, 1, 0), END }, NULL, EINVAL },
	{ "member void", { INT32, T_STRUCT(S_S, 1, 4), M(S_A, 0, 0), END }, NULL, EINVAL },
	{ "union member offset", { INT32, T_UNION(S_U, 1, 8), M(S_A, 1, 32), END }, NULL, EINVAL },
	{ "members out of order", { INT32, T_STRUCT(S_S, 2, 8), M(S_A, 1, 32), M(S_B, 1, 0), END }, NULL, EINVAL },
	{ "member offset past size", { INT32, T_STRUCT(S_S, 1, 4), M(S_A, 1, 64), END }, NULL, EINVAL },
	{ "member exceeds size", { INT32, T_STRUCT(S_S, 1, 4), M(S_A, 1, 8), END }, NULL, EINVAL },
	{ "struct member not aligned", { INT32, T_STRUCT(S_S, 1, 4), M(S_A, 1, 0),
		T_STRUCT(S_U, 1, 8), M(S_B, 2, 3), END }, NULL, EINVAL },
	{ "ptr member exceeds", { INT32, T_PTR(1), T_STRUCT(S_S, 1, 4), M(S_A, 2, 0), END }, NULL, EINVAL },
	{ "member fwd", { T_FWD(S_F, 0), T_STRUCT(S_S, 1, 4), M(S_A, 1, 0), END }, NULL, EINVAL },
	{ "member func proto", { T_PROTO(0, 0), T_STRUCT(S_S, 1, 4), M(S_A, 1, 0), END }, NULL, EINVAL },
	{ "member var", { INT32, T_VAR(S_X, 1, 0), T_STRUCT(S_S, 1, 4), M(S_A, 2, 0), END }, NULL, EINVAL },
	{ "member typedef void", { T_TYPEDEF(S_TAG, 0), T_STRUCT(S_S, 1, 4), M(S_A, 1, 0), END }, NULL, EINVAL },
	{ "struct loop", { T_STRUCT(S_S, 1, 4), M(S_A, 2, 0), T_STRUCT(S_U, 1, 4), M(S_B, 1, 0), END }, NULL, EEXIST },
	{ "int member bitfield past end", { T_INT(S_INT, 4, 0, 0, 20), T_STRUCT(S_S, 1, 4), M(S_A, 1, 20), END }, NULL, EINVAL },
	{ "kflag member bitfield > int", { INT32, T_STRUCT_K(S_S, 1, 8), M(S_A, 1, 33u << 24), END }, NULL, EINVAL },
	{ "kflag member base not regular", { T_INT(S_INT, 4, 0, 0, 20), T_STRUCT_K(S_S, 1, 4), M(S_A, 1, 0), END }, NULL, EINVAL },
	{ "kflag member offset", { INT32, T_STRUCT_K(S_S, 1, 8), M(S_A, 1, 3), END }, NULL, EINVAL },
	{ "kflag ptr bitfield", { INT32, T_PTR(1), T_STRUCT_K(S_S, 1, 8), M(S_A, 2, 1u << 24), END }, NULL, EINVAL },
	{ "kflag enum bitfield > 32", { T_ENUM(S_X, 1, 4), E(S_A, 0), T_STRUCT_K(S_S, 1, 8), M(S_A, 1, 40u << 24), END }, NULL, EINVAL },
	{ "float member misaligned", { T_FLOAT(S_CHAR, 8), T_STRUCT(S_S, 1, 16), M(S_A, 1, 32), END }, NULL, EINVAL },
	{ "deep nesting", { INT32,
		T_STRUCT(S_S, 1, 4), M(S_A, 1, 0), T_STRUCT(S_S, 1, 4), M(S_A, 2, 0),
		T_STRUCT(S_S, 1, 4), M(S_A, 3, 0), T_STRUCT(S_S, 1, 4), M(S_A, 4, 0),
		T_STRUCT(S_S, 1, 4), M(S_A, 5, 0), T_STRUCT(S_S, 1, 4), M(S_A, 6, 0),
		END }, NULL, 0 },

	/* ---- ENUM / ENUM64 ---- */
	{ "enum size 3", { T_ENUM(S_X, 1, 3), E(S_A, 0), END }, NULL, EINVAL },
	{ "enum size 0", { T_ENUM(S_X, 0, 0), END }, NULL, EINVAL },
	{ "enum value no name", { T_ENUM(S_X, 1, 4), E(0, 0), END }, NULL, EINVAL },
	{ "enum value name offset", { T_ENUM(S_X, 1, 4), E(7777, 0), END }, NULL, EINVAL },
	{ "enum meta short", { T_ENUM(S_X, 4, 4), E(S_A, 0), END }, NULL, EINVAL },
	{ "enum64 bad name", { T_ENUM64(S_BAD, 1, 8), E64(S_A, 0, 0), END }, NULL, EINVAL },

	/* ---- FWD ---- */
	{ "fwd no name", { T_FWD(0, 0), END }, NULL, EINVAL },
	{ "fwd type", { S_F, INFO(7, 0, 0), 1, END }, NULL, EINVAL },
	{ "fwd vlen", { S_F, INFO(7, 0, 1), 0, END }, NULL, EINVAL },

	/* ---- FUNC / FUNC_PROTO ---- */
	{ "func no name", { INT32, T_PROTO(1, 0), T_FUNC(0, 2, 0), END }, NULL, EINVAL },
	{ "func extern linkage", { INT32, T_PROTO(1, 0), T_FUNC(S_F, 2, 2), END }, NULL, EINVAL },
	{ "func kflag", { INT32, T_PROTO(1, 0), S_F, INFO(12, 1, 0), 2, END }, NULL, EINVAL },
	{ "func not a proto", { INT32, T_FUNC(S_F, 1, 0), END }, NULL, EINVAL },
	{ "func unnamed arg", { INT32, T_PROTO(1, 1), P(0, 1), T_FUNC(S_F, 2, 0), END }, NULL, EINVAL },
	{ "proto name", { INT32, S_A, INFO(13, 0, 0), 1, END }, NULL, EINVAL },
	{ "proto kflag", { INT32, 0, INFO(13, 1, 0), 1, END }, NULL, EINVAL },
	{ "proto ret var", { INT32, T_VAR(S_X, 1, 0), T_PROTO(2, 0), END }, NULL, EINVAL },
	{ "proto ret missing", { T_PROTO(9, 0), END }, NULL, EINVAL },
	{ "proto ret fwd", { T_FWD(S_F, 0), T_PROTO(1, 0), END }, NULL, EINVAL },
	{ "proto vararg named", { INT32, T_PROTO(1, 2), P(S_A, 1), P(S_B, 0), END }, NULL, EINVAL },
	{ "proto arg bad name", { INT32, T_PROTO(1, 1), P(S_BAD, 1), END }, NULL, EINVAL },
	{ "proto arg name offset", { INT32, T_PROTO(1, 1), P(9000, 1), END }, NULL, EINVAL },
	{ "proto arg void mid", { INT32, T_PROTO(1, 2), P(S_A, 0), P(S_B, 1), END }, NULL, EINVAL },
	{ "proto arg loop", { INT32, T_PROTO(1, 1), P(S_A, 3), T_PTR(4), T_CONST(3), END }, NULL, EEXIST },

	/* ---- VAR / DATASEC ---- */
	{ "var no name", { INT32, T_VAR(0, 1, 0), END }, NULL, EINVAL },
	{ "var void", { INT32, T_VAR(S_X, 0, 0), END }, NULL, EINVAL },
	{ "var extern", { INT32, T_VAR(S_X, 1, 2), END }, NULL, EINVAL },
	{ "var of fwd", { T_FWD(S_F, 0), T_VAR(S_X, 1, 0), END }, NULL, EINVAL },
	{ "var of func proto", { T_PROTO(0, 0), T_VAR(S_X, 1, 0), END }, NULL, EINVAL },
	{ "datasec size 0", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_DATA, 1, 0), V(2, 0, 4), END }, NULL, EINVAL },
	{ "datasec no name", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(0, 1, 4), V(2, 0, 4), END }, NULL, EINVAL },
	{ "datasec bad name chars", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_BAD, 1, 4), V(2, 0, 4), END }, NULL, 0 },
	{ "datasec member not var", { INT32, T_DATASEC(S_DATA, 1, 4), V(1, 0, 4), END }, NULL, EINVAL },
	{ "datasec entry type 0", { INT32, T_DATASEC(S_DATA, 1, 4), V(0, 0, 4), END }, NULL, EINVAL },
	{ "datasec offset past", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_DATA, 1, 4), V(2, 4, 4), END }, NULL, EINVAL },
	{ "datasec entry size 0", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_DATA, 1, 4), V(2, 0, 0), END }, NULL, EINVAL },
	{ "datasec offset+size", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_DATA, 1, 8), V(2, 6, 4), END }, NULL, EINVAL },
	{ "datasec entries overlap", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_DATA, 2, 8), V(2, 0, 4), V(2, 2, 4), END }, NULL, EINVAL },
	{ "datasec entry smaller than var", { INT32, T_VAR(S_X, 1, 0), T_DATASEC(S_DATA, 1, 8), V(2, 0, 2), END }, NULL, EINVAL },
	{ "datasec kflag", { INT32, T_VAR(S_X, 1, 0), S_DATA, INFO(15, 1, 1), 4, V(2, 0, 4), END }, NULL, EINVAL },

	/* ---- FLOAT ---- */
	{ "float size 3", { T_FLOAT(S_CHAR, 3), END }, NULL, EINVAL },
	{ "float vlen", { S_CHAR, INFO(16, 0, 1), 4, END }, NULL, EINVAL },

	/* ---- DECL_TAG ---- */
	{ "decl tag empty", { INT32, T_DECL_TAG(0, 1, -1), END }, NULL, EINVAL },
	{ "decl tag on int", { INT32, T_DECL_TAG(S_TAG, 1, -1), END }, NULL, EINVAL },
	{ "decl tag component -2", { INT32, T_STRUCT(S_S, 1, 4), M(S_A, 1, 0), T_DECL_TAG(S_TAG, 2, -2), END }, NULL, EINVAL },
	{ "decl tag component past", { INT32, T_STRUCT(S_S, 1, 4), M(S_A, 1, 0), T_DECL_TAG(S_TAG, 2, 1), END }, NULL, EINVAL },
	{ "decl tag component on var", { INT32, T_VAR(S_X, 1, 0), T_DECL_TAG(S_TAG, 2, 0), END }, NULL, EINVAL },
	{ "decl tag func arg", { INT32, T_PROTO(1, 1), P(S_A, 1), T_FUNC(S_F, 2, 0), T_DECL_TAG(S_TAG, 3, 0), END }, NULL, 0 },
	{ "decl tag kflag", { INT32, T_TYPEDEF(S_X, 1), S_TAG, INFO(17, 1, 0), 2, (uint32_t)-1, END }, NULL, 0 },
};
/* clang-format on */

/* ==== Loading through both ==== */

struct result {
	int err; /* 0: loaded */
	uint32_t true_size;
	char *log;
};

static long kernel_bpf(void *attr, unsigned size)
{
	return syscall(__NR_bpf, BPF_BTF_LOAD, attr, size);
}

static long ub_bpf(void *attr, unsigned size)
{
	return userbpf_bpf(BPF_BTF_LOAD, attr, size);
}

static void load(bool kernel, const void *blob, size_t len, uint32_t level, uint32_t log_size,
		 struct result *r)
{
	union bpf_attr a;
	uint32_t ts = 0x5a5a5a5a;
	long fd;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = (uint32_t)len;
	a.btf_log_level = level;
	if (log_size) {
		r->log = malloc(log_size);
		memset(r->log, 0x7e, log_size);
		a.btf_log_buf = (uint64_t)(uintptr_t)r->log;
		a.btf_log_size = log_size;
	}
	memcpy((uint8_t *)&a + TRUE_OFF, &ts, 4);
	fd = kernel ? kernel_bpf(&a, sizeof(a)) : ub_bpf(&a, sizeof(a));
	r->err = fd < 0 ? errno : 0;
	memcpy(&r->true_size, (uint8_t *)&a + TRUE_OFF, 4);
	if (fd >= 0) {
		if (kernel)
			close((int)fd);
		else
			userbpf_close((int)fd);
	}
}

static void result_free(struct result *r)
{
	free(r->log);
	r->log = NULL;
}

static bool kernel_can(void)
{
	static int ok = -1;

	if (ok < 0) {
		uint32_t w[] = { INT32 };
		size_t len;
		uint8_t *b = assemble(w, N(w), STRS, sizeof(STRS), &len);
		struct result r;

		load(true, b, len, 0, 0, &r);
		ok = getuid() == 0 && r.err == 0;
		free(b);
	}
	return ok;
}

/* Print the first line where two logs differ. */
static void show_log_diff(const char *what, const char *k, const char *u)
{
	size_t i = 0, line_start = 0;

	while (k[i] && k[i] == u[i]) {
		if (k[i] == '\n')
			line_start = i + 1;
		i++;
	}
	fprintf(stderr, "%s: logs differ at byte %zu\n  kernel:  %.*s\n  userbpf: %.*s\n", what, i,
		(int)strcspn(k + line_start, "\n"), k + line_start,
		(int)strcspn(u + line_start, "\n"), u + line_start);
}

/* Load at level 0 and 1 through both; compare. */
static void compare_blob(const char *what, const uint8_t *b, size_t len, int want, bool have_want,
			 int *agree_verdict, int *agree_log)
{
	struct result k0, u0, k1, u1;
	bool kern = kernel_can();

	load(false, b, len, 0, 0, &u0);
	if (have_want && u0.err != want)
		test_fail(__FILE__, __LINE__, "%s: userbpf errno %d, expected %d", what, u0.err,
			  want);
	if (!kern) {
		result_free(&u0);
		return;
	}
	load(true, b, len, 0, 0, &k0);
	load(true, b, len, 1, LOG_SIZE, &k1);
	load(false, b, len, 1, LOG_SIZE, &u1);
	if (k0.err != u0.err || k1.err != u1.err) {
		test_fail(__FILE__, __LINE__, "%s: errno kernel %d/%d, userbpf %d/%d", what, k0.err,
			  k1.err, u0.err, u1.err);
	} else if (agree_verdict) {
		(*agree_verdict)++;
	}
	if (strcmp(k1.log, u1.log) || k1.true_size != u1.true_size) {
		show_log_diff(what, k1.log, u1.log);
		test_fail(__FILE__, __LINE__, "%s: log true size kernel %u, userbpf %u", what,
			  k1.true_size, u1.true_size);
	} else if (agree_log) {
		(*agree_log)++;
	}
	if (k0.true_size != u0.true_size)
		test_fail(__FILE__, __LINE__, "%s: level-0 true size kernel %u, userbpf %u", what,
			  k0.true_size, u0.true_size);
	result_free(&k0);
	result_free(&u0);
	result_free(&k1);
	result_free(&u1);
}

static uint8_t *case_blob(const struct bcase *c, size_t *len)
{
	uint8_t *b = assemble(c->words, nwords(c->words, N(c->words)), c->strs ? c->strs : STRS,
			      c->strs ? c->slen : sizeof(STRS), len);

	if (c->tweak)
		c->tweak(b, len);
	return b;
}

TEST(btf_load_table)
{
	size_t i;

	if (!kernel_can())
		printf("btf_load_table: not root, the kernel oracle is skipped; the table's errno "
		       "values are checked\n");
	for (i = 0; i < N(cases); i++) {
		size_t len;
		uint8_t *b = case_blob(&cases[i], &len);

		compare_blob(cases[i].name, b, len, cases[i].want, true, NULL, NULL);
		free(b);
	}
}

/* ==== Log buffer rules ==== */

TEST(btf_load_log_buffer)
{
	static const uint32_t sizes[] = { 1, 2, 7, 64, 100, 128, 333, 1000 };
	const struct bcase *c = &cases[1]; /* every kind: a long log */
	size_t len, i, lv;
	uint8_t *b;

	if (!kernel_can()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	b = case_blob(c, &len);
	for (lv = 0; lv < 2; lv++) {
		uint32_t level = lv ? 1 | 8 /* BPF_LOG_FIXED */ : 1;

		for (i = 0; i < N(sizes); i++) {
			struct result k, u;

			load(true, b, len, level, sizes[i], &k);
			load(false, b, len, level, sizes[i], &u);
			if (k.err != u.err || k.true_size != u.true_size ||
			    memcmp(k.log, u.log, sizes[i]))
				test_fail(
					__FILE__, __LINE__,
					"level %u size %u: kernel errno %d size %u, userbpf %d %u%s",
					level, sizes[i], k.err, k.true_size, u.err, u.true_size,
					memcmp(k.log, u.log, sizes[i]) ? ", buffers differ" : "");
			result_free(&k);
			result_free(&u);
		}
	}
	/* a rejected blob with a small buffer: ENOSPC replaces EINVAL */
	{
		struct result k, u;
		uint32_t w[] = { T_PTR(5) };
		uint8_t *bad = assemble(w, N(w), STRS, sizeof(STRS), &len);

		load(true, bad, len, 1, 16, &k);
		load(false, bad, len, 1, 16, &u);
		ASSERT_EQ(u.err, k.err);
		ASSERT_EQ(u.true_size, k.true_size);
		ASSERT_TRUE(!memcmp(k.log, u.log, 16));
		result_free(&k);
		result_free(&u);
		free(bad);
	}
	free(b);
}

/* ==== Mutations of real BTF ==== */

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l, (void)f, (void)ap;
	return 0;
}

struct seed {
	uint8_t *data;
	size_t len;
};

static size_t collect_seeds(struct seed *s, size_t max)
{
	char dir[512], path[1024];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/examples", test_build_dir());
	d = opendir(dir);
	if (!d)
		return 0;
	libbpf_set_print(silent);
	while ((de = readdir(d)) && n + 2 <= max) {
		size_t l = strlen(de->d_name);
		struct bpf_object *obj;
		struct btf *btf;
		const void *raw;
		uint32_t sz;

		if (l < 6 || strcmp(de->d_name + l - 6, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* as in the ELF file (DATASEC sizes 0, extern linkage...) */
		btf = btf__parse_elf(path, NULL);
		if (btf) {
			raw = btf__raw_data(btf, &sz);
			if (raw) {
				s[n].data = malloc(sz);
				memcpy(s[n].data, raw, sz);
				s[n++].len = sz;
			}
			btf__free(btf);
		}
		/* as libbpf loads it after its fix-ups */
		obj = bpf_object__open_file(path, NULL);
		if (obj && bpf_object__btf(obj)) {
			raw = btf__raw_data(bpf_object__btf(obj), &sz);
			if (raw) {
				s[n].data = malloc(sz);
				memcpy(s[n].data, raw, sz);
				s[n++].len = sz;
			}
		}
		bpf_object__close(obj);
	}
	closedir(d);
	libbpf_set_print(NULL);
	return n;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* One mutation of a copy of seed: a field of the header, a u32 of the
 * type section set to an interesting value, bytes flipped, a type's
 * info word rewritten, a string byte changed, or a length cut. */
static void mutate(uint8_t *b, size_t *len)
{
	static const uint32_t interesting[] = { 0,	    1,		2,	    3,
						4,	    7,		8,	    32,
						0x80,	    0xffff,	0x10000,    0xfffff,
						0x100000,   0xffffff,	0x1000000,  0x7fffffff,
						0x80000000, 0xfffffffe, 0xffffffff, 16 };
	uint32_t hdr_len, type_off, type_len, str_off, str_len, k = rnd() % 8, n = 1 + rnd() % 3;

	memcpy(&hdr_len, b + 4, 4);
	memcpy(&type_off, b + 8, 4);
	memcpy(&type_len, b + 12, 4);
	memcpy(&str_off, b + 16, 4);
	memcpy(&str_len, b + 20, 4);
	while (n--) {
		uint32_t tpos = hdr_len + type_off + (type_len ? (rnd() % type_len) & ~3u : 0);
		uint32_t v = rnd() & 1 ? interesting[rnd() % N(interesting)] : rnd() % 64;

		switch (k) {
		case 0: /* header field */
			if (rnd() % 4 == 0)
				b[rnd() % 4] ^= (uint8_t)(1u << (rnd() % 8));
			else
				set32(b, 4 + 4 * (rnd() % 5), rnd() & 1 ? v : v + (rnd() % 9) - 4);
			break;
		case 1: /* a u32 of the type section */
		case 2:
			if (tpos + 4 <= *len)
				set32(b, tpos, v);
			break;
		case 3: /* small changes of a u32 */
			if (tpos + 4 <= *len) {
				uint32_t w;

				memcpy(&w, b + tpos, 4);
				set32(b, tpos, w + (rnd() % 5) - 2);
			}
			break;
		case 4: /* a byte flipped anywhere */
			if (*len)
				b[rnd() % *len] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 5: /* info word: kind, kflag, vlen */
			if (tpos + 8 <= *len) {
				uint32_t info;

				memcpy(&info, b + tpos + 4, 4);
				if (rnd() & 1)
					info = (info & ~0x1f000000u) | ((rnd() % 21) << 24);
				if (rnd() & 1)
					info ^= 0x80000000u;
				if (rnd() & 1)
					info = (info & ~0xffffu) |
					       ((info + (rnd() % 3) - 1) & 0xffff);
				set32(b, tpos + 4, info);
			}
			break;
		case 6: /* a string byte */
			if (str_len && hdr_len + str_off + str_len <= *len) {
				static const char chars[] = {
					0, '.', '-', ' ', 'a', '0', (char)0xe9, (char)0x85, '_', '?'
				};

				b[hdr_len + str_off + rnd() % str_len] = chars[rnd() % N(chars)];
			}
			break;
		default: /* a shorter blob */
			if (*len > 8)
				*len -= 1 + rnd() % 16;
			break;
		}
	}
}

TEST(btf_load_mutations)
{
	struct seed seeds[64];
	size_t nseeds, i, total = 0;
	int agree = 0, agree_log = 0, accepted = 0;
	unsigned rounds = getenv("BTF_MUTATIONS") ? (unsigned)atoi(getenv("BTF_MUTATIONS")) : 3000;

	if (!kernel_can()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	nseeds = collect_seeds(seeds, N(seeds));
	if (!nseeds) {
		test_skip("no build/examples/*.bpf.o with BTF");
		return;
	}
	/* the seeds themselves */
	for (i = 0; i < nseeds; i++, total++)
		compare_blob("seed", seeds[i].data, seeds[i].len, 0, false, &agree, &agree_log);
	for (i = 0; i < rounds && !test_failed(); i++, total++) {
		const struct seed *s = &seeds[rnd() % nseeds];
		size_t len = s->len;
		uint8_t *b = malloc(len + 16);
		char what[64];
		struct result u;

		memcpy(b, s->data, len);
		mutate(b, &len);
		snprintf(what, sizeof(what), "mutation %zu", i);
		compare_blob(what, b, len, 0, false, &agree, &agree_log);
		load(false, b, len, 0, 0, &u);
		accepted += !u.err;
		free(b);
	}
	printf("btf_load_mutations: %zu blobs (%zu seeds), verdict+errno agree %d, log agree %d, "
	       "%d accepted\n",
	       total, nseeds, agree, agree_log, accepted);
	for (i = 0; i < nseeds; i++)
		free(seeds[i].data);
}

/* ==== Names ==== */

/*
 * Each name in each place a name is checked: a struct's, a member's, a
 * typedef's, an enum value's, a function argument's, a DATASEC's (any
 * printable character), a type tag's and a decl tag's (any non-empty
 * string), a FWD's.  The kernel's ctype is Latin-1; identifiers allow
 * '.'; names are shorter than KSYM_NAME_LEN (512).
 */
TEST(btf_load_names)
{
	static const char *const short_names[] = {
		"a",	     "_x",    "a.b",   ".data",	   "1abc", "a-b",   "a b",
		"\xe9t\xe9", "\xd7x", "x\xf7", "a\x85",	   "\xa0", "a\x7f", "$x",
		"x$",	     "a\tb",  "\xc0",  "\xff\xfe", "A9_.", "?",
	};
	static const size_t long_lens[] = { 511, 512, 2000 };
	char name[2100];
	size_t ni, li, place;

	if (!kernel_can()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	for (ni = 0; ni < N(short_names) + N(long_lens); ni++) {
		if (ni < N(short_names)) {
			snprintf(name, sizeof(name), "%s", short_names[ni]);
		} else {
			li = long_lens[ni - N(short_names)];
			memset(name, 'n', li);
			name[li] = '\0';
		}
		for (place = 0; place < 9; place++) {
			/* strings: "\0int\0<name>\0" - the name at offset 5 */
			size_t nl = strlen(name), slen = 5 + nl + 1, len;
			char *strs = calloc(1, slen);
			uint32_t w[32], n = 0;
			uint8_t *b;
			char what[96];

			memcpy(strs, "\0int", 5);
			memcpy(strs + 5, name, nl);
			uint32_t in[] = { INT32 };
			memcpy(w, in, sizeof(in));
			n = N(in);
			switch (place) {
			case 0: { /* struct name */
				uint32_t t[] = { T_STRUCT(5, 1, 4), M(0, 1, 0) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 1: { /* member name */
				uint32_t t[] = { T_STRUCT(0, 1, 4), M(5, 1, 0) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 2: { /* typedef */
				uint32_t t[] = { T_TYPEDEF(5, 1) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 3: { /* enum value */
				uint32_t t[] = { T_ENUM(0, 1, 4), E(5, 1) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 4: { /* function argument */
				uint32_t t[] = { T_PROTO(1, 1), P(5, 1) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 5: { /* DATASEC */
				uint32_t t[] = { T_VAR(1, 1, 0), T_DATASEC(5, 1, 4), V(2, 0, 4) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 6: { /* type tag */
				uint32_t t[] = { T_TYPE_TAG(5, 1), T_PTR(2) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			case 7: { /* decl tag on a typedef */
				uint32_t t[] = { T_TYPEDEF(1, 1), T_DECL_TAG(5, 2, -1) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			default: { /* FWD */
				uint32_t t[] = { T_FWD(5, 0) };
				memcpy(w + n, t, sizeof(t)), n += N(t);
				break;
			}
			}
			b = assemble(w, n, strs, slen, &len);
			snprintf(what, sizeof(what), "name #%zu in place %zu", ni, place);
			compare_blob(what, b, len, 0, false, NULL, NULL);
			free(b);
			free(strs);
		}
	}
}

/* ==== Structs with special fields ==== */

#define MSTRS                                                                                          \
	"\0int\0bpf_spin_lock\0val\0v\0a\0b\0bpf_list_head\0bpf_list_node\0contains:node:n\0n\0node\0" \
	"kptr\0kptr_untrusted\0bogus\0p\0task_struct\0contains:nosuch:n\0bpf_rb_node\0"                \
	"bpf_refcount\0contains:node:\0contains:node"
enum {
	MS_INT = 1,
	MS_LOCK = 5,
	MS_VAL = 19,
	MS_V = 23,
	MS_A = 25,
	MS_B = 27,
	MS_HEAD = 29,
	MS_NODE_T = 43,
	MS_CONTAINS = 57,
	MS_N = 73,
	MS_NODE = 75,
	MS_KPTR = 80,
	MS_UNTRUSTED = 85,
	MS_BOGUS = 100,
	MS_P = 106,
	MS_TASK = 108,
	MS_NOSUCH = 120,
	MS_RB_NODE = 138,
	MS_REFCOUNT = 150,
	MS_EMPTY_NODE = 163,
	MS_NO_COLON = 178
};

#define LOCK_T T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0) /* id 2 */
#define MC(name, words, want) { name, words, NULL, want, MSTRS, sizeof(MSTRS) }
#define W(...) { __VA_ARGS__, END }

/* clang-format off */
static const struct bcase meta_cases[] = {
	MC("spin lock field", W(T_INT(MS_INT, 4, 1, 0, 32), LOCK_T,
		T_STRUCT(MS_V, 2, 8), M(MS_A, 1, 0), M(MS_B, 2, 32)), 0),
	MC("two spin locks", W(T_INT(MS_INT, 4, 1, 0, 32), LOCK_T,
		T_STRUCT(MS_V, 2, 8), M(MS_A, 2, 0), M(MS_B, 2, 32)), E2BIG),
	MC("spin lock misaligned", W(T_INT(MS_INT, 4, 1, 0, 32), LOCK_T,
		T_STRUCT(MS_V, 1, 8), M(MS_A, 2, 16)), EFAULT),
	MC("spin lock of another size", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_LOCK, 1, 8), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 1, 8), M(MS_A, 2, 0)), EFAULT),
	MC("spin lock in a nested struct", W(T_INT(MS_INT, 4, 1, 0, 32), LOCK_T,
		T_STRUCT(MS_N, 1, 4), M(MS_A, 2, 0),
		T_STRUCT(MS_V, 2, 8), M(MS_A, 1, 0), M(MS_B, 3, 32)), 0),
	MC("spin lock array (not special)", W(T_INT(MS_INT, 4, 1, 0, 32), LOCK_T, T_ARRAY(2, 1, 2),
		T_STRUCT(MS_V, 1, 8), M(MS_A, 3, 0)), 0),
	MC("list head without lock", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),		/* 2 */
		T_STRUCT(MS_NODE_T, 1, 24), M(MS_VAL, 1, 0),		/* 3 */
		T_STRUCT(MS_NODE, 1, 24), M(MS_N, 3, 0),		/* 4 */
		T_STRUCT(MS_V, 1, 16), M(MS_A, 2, 0),			/* 5 */
		T_DECL_TAG(MS_CONTAINS, 5, 0)), EINVAL),
	MC("list head with lock", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),
		T_STRUCT(MS_NODE_T, 1, 24), M(MS_VAL, 1, 0),
		T_STRUCT(MS_NODE, 1, 24), M(MS_N, 3, 0),
		T_STRUCT(MS_V, 2, 24), M(MS_A, 2, 0), M(MS_B, 7, 128),
		T_DECL_TAG(MS_CONTAINS, 5, 0),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0)), 0),
	MC("list head without contains", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 2, 24), M(MS_A, 2, 0), M(MS_B, 4, 128),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0)), EINVAL),
	MC("list head contains a missing struct", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 2, 24), M(MS_A, 2, 0), M(MS_B, 5, 128),
		T_DECL_TAG(MS_NOSUCH, 3, 0),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0)), ENOENT),
	MC("list head node member missing", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0),
		T_STRUCT(MS_V, 2, 24), M(MS_A, 2, 0), M(MS_B, 6, 128),
		T_DECL_TAG(MS_CONTAINS, 4, 0),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0)), ENOENT),
	MC("list head node name empty", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0),
		T_STRUCT(MS_V, 2, 24), M(MS_A, 2, 0), M(MS_B, 6, 128),
		T_DECL_TAG(MS_EMPTY_NODE, 4, 0),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0)), EINVAL),
	MC("list head two contains", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_HEAD, 1, 16), M(MS_VAL, 1, 0),
		T_STRUCT(MS_NODE_T, 1, 24), M(MS_VAL, 1, 0),
		T_STRUCT(MS_NODE, 1, 24), M(MS_N, 3, 0),
		T_STRUCT(MS_V, 2, 24), M(MS_A, 2, 0), M(MS_B, 8, 128),
		T_DECL_TAG(MS_CONTAINS, 5, 0), T_DECL_TAG(MS_CONTAINS, 5, 0),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0)), EINVAL),
	MC("node in both list and tree", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE_T, 1, 24), M(MS_VAL, 1, 0),
		T_STRUCT(MS_RB_NODE, 1, 32), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 2, 56), M(MS_A, 2, 0), M(MS_B, 3, 192)), EINVAL),
	MC("node in both, refcounted", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE_T, 1, 24), M(MS_VAL, 1, 0),
		T_STRUCT(MS_RB_NODE, 1, 32), M(MS_VAL, 1, 0),
		T_STRUCT(MS_REFCOUNT, 1, 4), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 3, 64), M(MS_A, 2, 0), M(MS_B, 3, 192), M(MS_N, 4, 448)), 0),
	MC("kptr to a local struct", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_BOGUS, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_KPTR, 2), T_PTR(3),
		T_STRUCT(MS_V, 1, 8), M(MS_P, 4, 0)), 0),
	MC("kptr to the kernel's struct node (no destructor)", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_KPTR, 2), T_PTR(3),
		T_STRUCT(MS_V, 1, 8), M(MS_P, 4, 0)), ENOENT),
	MC("kptr to task_struct", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_TASK, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_KPTR, 2), T_PTR(3),
		T_STRUCT(MS_V, 1, 8), M(MS_P, 4, 0)), 0),
	MC("untrusted kptr to task_struct", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_TASK, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_UNTRUSTED, 2), T_PTR(3),
		T_STRUCT(MS_V, 1, 8), M(MS_P, 4, 0)), 0),
	MC("kptr misaligned", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_KPTR, 2), T_PTR(3),
		T_STRUCT(MS_V, 2, 16), M(MS_A, 1, 0), M(MS_P, 4, 32)), EFAULT),
	MC("kptr to an int", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_TYPE_TAG(MS_KPTR, 1), T_PTR(2), LOCK_T,
		T_STRUCT(MS_V, 2, 16), M(MS_A, 4, 0), M(MS_P, 3, 64)), EINVAL),
	MC("bogus tag beside a lock", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_BOGUS, 2), T_PTR(3),
		T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 2, 16), M(MS_A, 5, 0), M(MS_P, 4, 64)), EINVAL),
	MC("two kptr tags", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_KPTR, 2),
		T_TYPE_TAG(MS_KPTR, 3), T_PTR(4), T_STRUCT(MS_LOCK, 1, 4), M(MS_VAL, 1, 0),
		T_STRUCT(MS_V, 2, 16), M(MS_A, 6, 0), M(MS_P, 5, 64)), EINVAL),
	MC("kptr array", W(T_INT(MS_INT, 4, 1, 0, 32),
		T_STRUCT(MS_NODE, 1, 4), M(MS_A, 1, 0), T_TYPE_TAG(MS_KPTR, 2), T_PTR(3),
		T_ARRAY(4, 1, 3), T_STRUCT(MS_V, 1, 24), M(MS_P, 5, 0)), 0),
};
/* clang-format on */

TEST(btf_load_special_fields)
{
	size_t i;

	if (!kernel_can())
		printf("btf_load_special_fields: not root, the table's errno values only\n");
	for (i = 0; i < N(meta_cases); i++) {
		size_t len;
		uint8_t *b = case_blob(&meta_cases[i], &len);

		compare_blob(meta_cases[i].name, b, len, meta_cases[i].want, true, NULL, NULL);
		free(b);
	}
}

/* kptr ("kptr", referenced) to kernel types: only types with a
 * destructor kfunc may be stored; the others fail with ENOENT. */
TEST(btf_load_kernel_kptrs)
{
	static const char *const names[] = { "task_struct", "cgroup",	      "bpf_cpumask",
					     "sk_buff",	    "file",	      "inode",
					     "mm_struct",   "bpf_crypto_ctx", "nf_conn",
					     "socket",	    "sock",	      "no_such_type" };
	size_t i;

	if (!kernel_can()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	for (i = 0; i < N(names); i++) {
		/* "\0int\0a\0p\0v\0kptr\0<name>" */
		char strs[64];
		size_t nl = strlen(names[i]), slen = 16 + nl + 1, len;
		uint32_t w[] = { T_INT(1, 4, 1, 0, 32),
				 T_STRUCT(16, 1, 4),
				 M(5, 1, 0),
				 T_TYPE_TAG(11, 2),
				 T_PTR(3),
				 T_STRUCT(9, 1, 8),
				 M(7, 4, 0) };
		uint8_t *b;

		memset(strs, 0, sizeof(strs));
		memcpy(strs, "\0int\0a\0p\0v\0kptr", 16);
		memcpy(strs + 16, names[i], nl);
		b = assemble(w, N(w), strs, slen, &len);
		compare_blob(names[i], b, len, 0, false, NULL, NULL);
		free(b);
	}
}

/* ==== Allocation failures ==== */

/* Every allocation of a load failing in turn (make FAULT=1): ENOMEM or
 * success, nothing leaked (the sanitizer build), never another errno. */
TEST(btf_load_alloc_failures)
{
	static const uint32_t log_sizes[] = { 0, 64, 1u << 16 };
	const struct bcase *blobs[] = { &cases[1], &meta_cases[7] };
	size_t bi, li;
	unsigned long n;

	for (bi = 0; bi < N(blobs); bi++) {
		size_t len;
		uint8_t *b = case_blob(blobs[bi], &len);

		for (li = 0; li < N(log_sizes); li++) {
			for (n = 1; n < 1000; n++) {
				struct result r;

				ub_fault_set(n);
				load(false, b, len, log_sizes[li] ? 1 : 0, log_sizes[li], &r);
				ub_fault_set(0);
				result_free(&r);
				if (r.err == 0 || (log_sizes[li] == 64 && r.err == ENOSPC))
					break; /* n is past the last allocation */
				if (r.err != ENOMEM) {
					test_fail(__FILE__, __LINE__,
						  "%s, log %u, allocation %lu: errno %d",
						  blobs[bi]->name, log_sizes[li], n, r.err);
					break;
				}
			}
		}
		free(b);
	}
}
