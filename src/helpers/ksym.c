// SPDX-License-Identifier: MIT
/*
 * ksym.c - kernel symbols named by BTF id, as Linux 6.18 resolves them
 * before it verifies a program: the lddw of a __ksym's address
 * (BPF_PSEUDO_BTF_ID, kernel/bpf/verifier.c __check_pseudo_btf_id) and
 * the call of a kfunc (BPF_PSEUDO_KFUNC_CALL, add_kfunc_call and the
 * kfunc id sets of the program's type).  The kernel that programs see
 * here is userbpf: its symbols are the kfuncs of the helper table
 * (kfunc.h).  A FUNC that is one of them has an address (its
 * implementation's), so bpf_ksym_exists() is true; any other FUNC and
 * every VAR (runqueues, bpf_prog_active: userbpf has no kernel
 * variables) is a symbol the kernel does not have, refused with its
 * errno and message, as a kernel without that symbol refuses it.
 *
 * Does not own: the verifier's typing of the lddw (verifier.c), the
 * kfuncs themselves (std.c, task_struct.c, sock_helpers.c).
 */
#include "util/ubc.h"

#include "helpers.h"
#include "kfunc.h"
#include "loader/loader_int.h"
#include "task_struct.h"

#define PSEUDO_BTF_ID 3	    /* BPF_PSEUDO_BTF_ID */
#define PSEUDO_KFUNC_CALL 2 /* BPF_PSEUDO_KFUNC_CALL */
#define CODE_LDDW 0x18
#define CODE_CALL 0x85

static int fail(char *msg, size_t size, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *msg, size_t size, int err, const char *fmt, ...)
{
	va_list ap;

	if (msg && size) {
		va_start(ap, fmt);
		vsnprintf(msg, size, fmt, ap);
		va_end(ap);
	}
	return err;
}

const struct userbpf_helper *ub_kfunc_by_name(const char *name)
{
	uint32_t id = name ? ub_kfunc_id(name) : 0;

	return id ? userbpf_helper_by_id(id) : NULL;
}

int ub_ksym_resolve(const struct userbpf_btf *btf, int32_t id, int32_t btf_fd, uint64_t *addr,
		    char *msg, size_t size)
{
	const struct ub_btf_type *t;
	const struct userbpf_helper *h;
	const char *name;

	if (btf_fd) /* userbpf has no kernel modules, so no module BTF */
		return fail(msg, size, -EINVAL, "invalid module BTF object FD specified.\n");
	if (!btf)
		return fail(msg, size, -EINVAL,
			    "kernel is missing BTF, make sure CONFIG_DEBUG_INFO_BTF=y is "
			    "specified in Kconfig.\n");
	t = id > 0 ? ub_btf_type_by_id(btf, (uint32_t)id) : NULL;
	if (!t)
		return fail(msg, size, -ENOENT, "ldimm64 insn specifies invalid btf_id %d.\n", id);
	if (ub_btf_kind(t) != USERBPF_BTF_KIND_VAR && ub_btf_kind(t) != USERBPF_BTF_KIND_FUNC)
		return fail(msg, size, -EINVAL,
			    "pseudo btf_id %d in ldimm64 isn't KIND_VAR or KIND_FUNC\n", id);
	name = ub_btf_type_name(btf, t);
	h = ub_btf_kind(t) == USERBPF_BTF_KIND_FUNC ? ub_kfunc_by_name(name) : NULL;
	if (!h || !h->fn)
		return fail(msg, size, -ENOENT,
			    "ldimm64 failed to find the address for kernel symbol '%s'.\n", name);
	if (addr)
		*addr = (uint64_t)(uintptr_t)h->fn;
	return 0;
}

int ub_kfunc_resolve(const struct userbpf_btf *btf, int32_t id, int16_t off, uint32_t prog_type,
		     bool gpl, uint32_t *helper_id, char *msg, size_t size)
{
	const struct ub_btf_type *t, *proto;
	const struct userbpf_helper *h;
	const char *name;

	if (!btf)
		return fail(msg, size, -EINVAL,
			    "calling kernel function is not supported without "
			    "CONFIG_DEBUG_INFO_BTF\n");
	if (off) /* a module's kfunc: fd_array[off] names its BTF */
		return fail(msg, size, -EPROTO, "kfunc offset > 0 without fd_array is invalid\n");
	if (!gpl)
		return fail(msg, size, -EINVAL,
			    "cannot call kernel function from non-GPL compatible program\n");
	t = id > 0 ? ub_btf_type_by_id(btf, (uint32_t)id) : NULL;
	if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_FUNC)
		return fail(msg, size, -EINVAL, "kernel btf_id %u is not a function\n",
			    (uint32_t)id);
	proto = ub_btf_type_by_id(btf, t->size_type);
	if (!proto || ub_btf_kind(proto) != USERBPF_BTF_KIND_FUNC_PROTO)
		return fail(msg, size, -EINVAL,
			    "kernel function btf_id %u does not have a valid func_proto\n",
			    (uint32_t)id);
	name = ub_btf_type_name(btf, t);
	h = ub_kfunc_by_name(name);
	if (!h || !h->fn)
		return fail(msg, size, -EINVAL, "cannot find address for kernel function %s\n",
			    name);
	/* the kfunc id sets registered for the type's hook */
	if (h->proto.prog_types && prog_type < 64 &&
	    !(h->proto.prog_types & USERBPF_PROG_TYPE_BIT(prog_type)))
		return fail(msg, size, -EACCES, "calling kernel function %s is not allowed\n",
			    name);
	*helper_id = h->id;
	return 0;
}

bool ub_ksym_used(const struct userbpf_insn *insns, size_t cnt)
{
	size_t i;

	for (i = 0; i < cnt; i++)
		if ((insns[i].code == CODE_CALL && insns[i].src_reg == PSEUDO_KFUNC_CALL) ||
		    (insns[i].code == CODE_LDDW && insns[i].src_reg == PSEUDO_BTF_ID) ||
		    (insns[i].code == CODE_CALL && !insns[i].src_reg &&
		     insns[i].imm >= UB_KFUNC_ID_BASE && insns[i].imm < UB_KFUNC_ID_BASE + 256))
			return true;
	return false;
}

int ub_ksym_check(const struct userbpf_insn *insns, size_t cnt, const struct userbpf_btf *btf,
		  char *msg, size_t size)
{
	size_t i;
	int err;

	for (i = 0; i + 1 < cnt; i++) {
		if (insns[i].code != CODE_LDDW)
			continue;
		if (insns[i].src_reg == PSEUDO_BTF_ID) {
			err = ub_ksym_resolve(btf, insns[i].imm, insns[i + 1].imm, NULL, msg, size);
			if (err)
				return err;
		}
		i++; /* the second slot */
	}
	return 0;
}

int ub_ksym_prepare(struct userbpf_insn *insns, size_t cnt, const struct userbpf_btf *btf,
		    uint32_t prog_type, bool gpl, char *msg, size_t size)
{
	size_t i;
	int err;

	/* add_subprog_and_kfunc() runs before resolve_pseudo_ldimm64() */
	for (i = 0; i < cnt; i++) {
		uint32_t hid;

		if (insns[i].code != CODE_CALL || insns[i].src_reg != PSEUDO_KFUNC_CALL)
			continue;
		/* id 0 at offset 0: the kernel refuses it only if reachable
		 * (left to the verifier) */
		if (!insns[i].imm && !insns[i].off)
			continue;
		err = ub_kfunc_resolve(btf, insns[i].imm, insns[i].off, prog_type, gpl, &hid, msg,
				       size);
		if (err)
			return err;
		/* the kfunc's row of the helper table, as the object loader
		 * calls it (relo.c) */
		insns[i].src_reg = 0;
		insns[i].off = 0;
		insns[i].imm = (int32_t)hid;
	}
	return ub_ksym_check(insns, cnt, btf, msg, size);
}

void ub_kfunc_prepare(const struct userbpf_prog *prog)
{
	const struct userbpf_insn *in = userbpf_prog__insns(prog);
	size_t i, n = userbpf_prog__insn_cnt(prog);

	for (i = 0; in && i < n; i++) {
		const struct userbpf_helper *h;

		if (in[i].code != CODE_CALL || in[i].src_reg || in[i].imm < UB_KFUNC_ID_BASE)
			continue;
		h = userbpf_helper_by_id((uint32_t)in[i].imm);
		if (h && (h->fn == ub_helper_task_from_pid || h->fn == ub_helper_task_acquire)) {
#if __STDC_HOSTED__
			ub_task_prepare(prog);
#else
			if (ub_task_prepare) /* weak: an embedder's */
				ub_task_prepare(prog);
#endif
			return;
		}
	}
}
