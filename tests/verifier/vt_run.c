/* SPDX-License-Identifier: MIT */
/*
 * vt_run.c - runs one verifier table case on userbpf and on the kernel
 * (see vtest.h).  Kernel maps are created once per template and reused.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vtest.h"
#include "../unit/test.h"
#include "../unit/test_bpf.h"

struct tmpl {
	uint32_t type, key, value, max, flags;
};

static const struct tmpl tmpls[VT_MAP_KINDS] = {
	[VT_HASH] = { 1, 8, 8, 16, 0 },	      [VT_ARRAY48] = { 2, 4, 48, 1, 0 },
	[VT_RINGBUF] = { 27, 0, 0, 4096, 0 }, [VT_PROG_ARRAY] = { 3, 4, 4, 4, 0 },
	[VT_ARRAY_RO] = { 2, 4, 16, 1, 128 }, [VT_QUEUE] = { 22, 0, 8, 16, 0 },
	[VT_ARRAY_WO] = { 2, 4, 16, 1, 256 }, [VT_SOCKMAP] = { 15, 4, 4, 1, 0 },
	[VT_SOCKHASH] = { 18, 4, 4, 1, 0 },   [VT_USER_RINGBUF] = { 31, 0, 0, 4096, 0 },
	[VT_ARRAY8X2] = { 2, 4, 8, 2, 0 },
};

static int kfd[VT_MAP_KINDS];
static int ufd[VT_MAP_KINDS];

/* the same map as a userbpf bpf() handle */
static int user_map(int kind)
{
	if (!ufd[kind]) {
		union bpf_attr a;
		int fd;

		memset(&a, 0, sizeof(a));
		a.map_type = tmpls[kind].type;
		a.key_size = tmpls[kind].key;
		a.value_size = tmpls[kind].value;
		a.max_entries = tmpls[kind].max;
		a.map_flags = tmpls[kind].flags;
		fd = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
		if (fd >= 0 && (tmpls[kind].flags & 128)) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)fd;
			ubpf(BPF_MAP_FREEZE, &a, sizeof(a));
		}
		ufd[kind] = fd < 0 ? -1 : fd;
	}
	return ufd[kind];
}

/* userbpf's BPF_PROG_LOAD verdict: 1 loaded, 0 refused, -1 not run */
static int syscall_verdict(const struct vcase *c, size_t n, char *log, size_t log_sz)
{
	struct userbpf_insn insns[VT_MAX_INSNS];
	union bpf_attr a;
	size_t i;
	int fd;

	memcpy(insns, c->insns, n * sizeof(insns[0]));
	for (i = 0; i < n; i++) {
		if (insns[i].code == 0x18 && insns[i].src_reg == USERBPF_PSEUDO_MAP_FD) {
			int slot = insns[i].imm;
			int m = slot >= 0 && slot < 2 ? user_map(c->maps[slot]) : -1;

			if (m < 0)
				return -1;
			insns[i].imm = m;
		}
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = c->prog_type ? c->prog_type : 1;
	a.expected_attach_type = c->eat;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)log_sz;
	log[0] = 0;
	fd = ubpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0) {
		userbpf_close(fd);
		return 1;
	}
	/* refused before the verifier ran (a program type the bpf() layer
	 * does not create): not comparable */
	if (!log[0])
		return -1;
	return fd == -ENOSPC ? -1 : 0;
}
static int kernel_state; /* 0 unknown, 1 usable, -1 not */

static int kernel_map(int kind)
{
	if (!kfd[kind]) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = tmpls[kind].flags);
		int fd = bpf_map_create(tmpls[kind].type, NULL, tmpls[kind].key, tmpls[kind].value,
					tmpls[kind].max, &o);

		kfd[kind] = fd < 0 ? -1 : fd;
		if (fd >= 0 && tmpls[kind].flags & 128)
			bpf_map_freeze(fd);
	}
	return kfd[kind];
}

static size_t case_len(const struct vcase *c)
{
	size_t n = VT_MAX_INSNS;

	while (n && !c->insns[n - 1].code && !c->insns[n - 1].imm && !c->insns[n - 1].dst_reg &&
	       !c->insns[n - 1].src_reg && !c->insns[n - 1].off)
		n--;
	/* a trailing lddw second slot is all zeros except imm */
	if (n && c->insns[n - 1].code == 0x18)
		n++;
	return n;
}

/*
 * Linux wants BTF func_info for a program that passes a callback
 * (lddw src 4): one static "int fN(void)" per subprogram start (insn 0,
 * the targets of local calls and of lddw func).  Returns the BTF (its fd
 * in *btf_fd, the records in info/cnt), or NULL when the program passes
 * no callback or the kernel refuses the BTF.
 */
static struct btf *callback_btf(const struct bpf_insn *insns, size_t n, struct bpf_func_info *info,
				size_t *cnt, int *btf_fd)
{
	uint32_t starts[VT_MAX_INSNS];
	size_t i, k, m = 0;
	bool funcs = false;
	struct btf *btf;
	int proto, id;

	starts[m++] = 0;
	for (i = 0; i < n; i++) {
		bool call = insns[i].code == 0x85 && insns[i].src_reg == 1;
		bool func = insns[i].code == 0x18 && insns[i].src_reg == USERBPF_PSEUDO_FUNC;
		long t = (long)i + 1 + insns[i].imm;

		funcs |= func;
		if ((call || func) && t > 0 && t < (long)n) {
			for (k = 0; k < m && starts[k] != (uint32_t)t; k++)
				;
			if (k == m)
				starts[m++] = (uint32_t)t;
		}
		if (insns[i].code == 0x18)
			i++;
	}
	if (!funcs)
		return NULL;
	for (i = 1; i < m; i++) /* insertion sort: func_info must be in order */
		for (k = i; k > 0 && starts[k - 1] > starts[k]; k--) {
			uint32_t t = starts[k];

			starts[k] = starts[k - 1];
			starts[k - 1] = t;
		}
	btf = btf__new_empty();
	if (!btf)
		return NULL;
	id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	proto = btf__add_func_proto(btf, id);
	for (i = 0; i < m && proto > 0; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%zu", i);
		info[i].insn_off = starts[i];
		info[i].type_id = (uint32_t)btf__add_func(btf, name, BTF_FUNC_STATIC, proto);
	}
	if (proto <= 0 || btf__load_into_kernel(btf)) {
		btf__free(btf);
		return NULL;
	}
	*cnt = m;
	*btf_fd = btf__fd(btf);
	return btf;
}

/* 1 accepted, 0 rejected, -1 not run */
static int kernel_verdict(const struct vcase *c, size_t n)
{
	struct bpf_insn insns[VT_MAX_INSNS];
	struct bpf_func_info info[VT_MAX_INSNS];
	struct btf *btf;
	size_t i, info_cnt = 0;
	int fd, btf_fd = -1;
	LIBBPF_OPTS(bpf_prog_load_opts, o);

	if (kernel_state < 0 || c->kernel_skip)
		return -1;
	memcpy(insns, c->insns, n * sizeof(insns[0]));
	for (i = 0; i < n; i++) {
		if (insns[i].code == 0x18 && insns[i].src_reg == USERBPF_PSEUDO_MAP_FD) {
			int slot = insns[i].imm;
			int m = slot >= 0 && slot < 2 ? kernel_map(c->maps[slot]) : -1;

			if (m < 0)
				return -1;
			insns[i].imm = m;
		}
	}
	o.expected_attach_type = (enum bpf_attach_type)c->eat;
	btf = callback_btf(insns, n, info, &info_cnt, &btf_fd);
	if (btf) {
		o.prog_btf_fd = btf_fd;
		o.func_info = info;
		o.func_info_rec_size = sizeof(info[0]);
		o.func_info_cnt = (uint32_t)info_cnt;
	}
	fd = bpf_prog_load(c->prog_type ? c->prog_type : 1, NULL, "GPL", insns, n, &o);
	btf__free(btf);
	if (fd >= 0) {
		close(fd);
		kernel_state = 1;
		return 1;
	}
	if (errno == EPERM && kernel_state == 0) {
		kernel_state = -1;
		return -1;
	}
	return errno == EACCES || errno == EINVAL || errno == E2BIG || errno == ENOTSUP ||
			       errno == EFAULT ?
		       0 :
		       -1;
}

bool vt_run_case(const struct vcase *c, struct vstats *st, char *why, size_t why_sz)
{
	struct userbpf_verifier_map maps[2];
	static char log[1 << 16];
	size_t n = case_len(c);
	int err, i, k;
	bool ok;

	memset(maps, 0, sizeof(maps));
	for (i = 0; i < 2; i++) {
		const struct tmpl *t = &tmpls[c->maps[i]];

		maps[i].type = t->type;
		maps[i].key_size = t->key;
		maps[i].value_size = t->value;
		maps[i].max_entries = t->max;
		maps[i].map_flags = t->flags;
		maps[i].spin_lock_off = -1;
	}
	{
		USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = c->prog_type ? c->prog_type : 1,
			     .gpl = 1, .maps = maps, .map_cnt = 2, .log_level = 1, .log_buf = log,
			     .log_size = sizeof(log), .expected_attach_type = c->eat);

		err = userbpf_verify(c->insns, n, &o);
	}
	st->cases++;
	ok = (err == 0) == (c->expect == VT_ACCEPT);
	if (ok && err && c->errstr && !strstr(log, c->errstr)) {
		ok = false;
		snprintf(why, why_sz, "message: want \"%s\", log ends \"%s\"", c->errstr,
			 strlen(log) > 400 ? log + strlen(log) - 400 : log);
	} else if (!ok) {
		snprintf(why, why_sz, "userbpf %s (%d), expected %s", err ? "rejected" : "accepted",
			 err, c->expect == VT_ACCEPT ? "accept" : "reject");
	}
	if (!ok && test_verbose())
		fprintf(stderr, "--- %s\n%s", c->desc, log);
	{
		static char slog[1 << 16];
		int u = syscall_verdict(c, n, slog, sizeof(slog));

		if (u >= 0 && u != (err == 0)) {
			ok = false;
			snprintf(why, why_sz, "BPF_PROG_LOAD %s, userbpf_verify %s",
				 u ? "loads" : "refuses", err ? "rejects" : "accepts");
		}
	}
	if (ok)
		st->passed++;
	k = kernel_verdict(c, n);
	if (k >= 0) {
		st->k_run++;
		if (k == (err == 0)) {
			st->k_agree++;
		} else if (k == 0) {
			st->k_only_reject++;
			ok = false;
			snprintf(why, why_sz, "kernel rejects, userbpf accepts");
		} else {
			st->k_only_accept++;
			if (test_verbose())
				fprintf(stderr, "kernel accepts, userbpf rejects: %s\n", c->desc);
		}
	}
	return ok;
}

void vt_run_table(const struct vcase *cases, size_t n, struct vstats *st, const char *file,
		  int line)
{
	char why[256];
	size_t i;

	for (i = 0; i < n; i++) {
		why[0] = 0;
		if (!vt_run_case(&cases[i], st, why, sizeof(why)))
			test_fail(file, line, "case \"%s\": %s", cases[i].desc, why);
	}
}
