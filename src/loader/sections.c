/* SPDX-License-Identifier: MIT */
/*
 * sections.c - libbpf's section conventions and the programs of an
 * object.
 *
 * Owns: the section-definition table (libbpf's section_defs[]: name
 * pattern -> program type, expected attach type, flags) and the split of
 * every executable section into programs, one per STT_FUNC symbol, as
 * libbpf does.  Functions in .text are subprograms, appended at load to
 * each program calling them (relo.c).  SEC("?name") programs are not
 * loaded by default (autoload off).
 *
 * Does not own: relocations (relo.c), line/func info (relo.c).
 */
#include "util/ubc.h"

#include "loader_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define P(T) USERBPF_PROG_TYPE_##T
#define A(T) USERBPF_##T
#define SEC_DEF(NAME, TYPE, ATTACH, FLAGS) { NAME, P(TYPE), ATTACH, FLAGS }

/*
 * Order matters: the first match wins, so longer names come before their
 * prefixes ("tc/ingress" before "tc", "uprobe.s+" before "uprobe+").
 * "x+" matches "x" exactly or "x/anything"; "x/" matches any "x/..."
 * prefix; anything else must match exactly.
 */
static const struct ub_sec_def section_defs[] = {
	SEC_DEF("socket", SOCKET_FILTER, 0, UB_SEC_NONE),
	SEC_DEF("sk_reuseport/migrate", SK_REUSEPORT, A(SK_REUSEPORT_SELECT_OR_MIGRATE),
		UB_SEC_NONE),
	SEC_DEF("sk_reuseport", SK_REUSEPORT, A(SK_REUSEPORT_SELECT), UB_SEC_NONE),
	SEC_DEF("kprobe+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("uprobe+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("uprobe.s+", KPROBE, 0, UB_SEC_SLEEPABLE),
	SEC_DEF("kretprobe+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("uretprobe+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("uretprobe.s+", KPROBE, 0, UB_SEC_SLEEPABLE),
	SEC_DEF("kprobe.multi+", KPROBE, A(TRACE_KPROBE_MULTI), UB_SEC_NONE),
	SEC_DEF("kretprobe.multi+", KPROBE, A(TRACE_KPROBE_MULTI), UB_SEC_NONE),
	SEC_DEF("kprobe.session+", KPROBE, A(TRACE_KPROBE_SESSION), UB_SEC_NONE),
	SEC_DEF("uprobe.multi+", KPROBE, A(TRACE_UPROBE_MULTI), UB_SEC_NONE),
	SEC_DEF("uretprobe.multi+", KPROBE, A(TRACE_UPROBE_MULTI), UB_SEC_NONE),
	SEC_DEF("uprobe.multi.s+", KPROBE, A(TRACE_UPROBE_MULTI), UB_SEC_SLEEPABLE),
	SEC_DEF("uretprobe.multi.s+", KPROBE, A(TRACE_UPROBE_MULTI), UB_SEC_SLEEPABLE),
	SEC_DEF("ksyscall+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("kretsyscall+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("usdt+", KPROBE, 0, UB_SEC_NONE),
	SEC_DEF("usdt.s+", KPROBE, 0, UB_SEC_SLEEPABLE),
	SEC_DEF("tc/ingress", SCHED_CLS, A(TCX_INGRESS), UB_SEC_NONE),
	SEC_DEF("tc/egress", SCHED_CLS, A(TCX_EGRESS), UB_SEC_NONE),
	SEC_DEF("tcx/ingress", SCHED_CLS, A(TCX_INGRESS), UB_SEC_NONE),
	SEC_DEF("tcx/egress", SCHED_CLS, A(TCX_EGRESS), UB_SEC_NONE),
	SEC_DEF("netkit/primary", SCHED_CLS, A(NETKIT_PRIMARY), UB_SEC_NONE),
	SEC_DEF("netkit/peer", SCHED_CLS, A(NETKIT_PEER), UB_SEC_NONE),
	SEC_DEF("tc", SCHED_CLS, 0, UB_SEC_NONE),
	SEC_DEF("classifier", SCHED_CLS, 0, UB_SEC_NONE),
	SEC_DEF("action", SCHED_ACT, 0, UB_SEC_NONE),
	SEC_DEF("tracepoint+", TRACEPOINT, 0, UB_SEC_NONE),
	SEC_DEF("tp+", TRACEPOINT, 0, UB_SEC_NONE),
	SEC_DEF("raw_tracepoint+", RAW_TRACEPOINT, 0, UB_SEC_NONE),
	SEC_DEF("raw_tp+", RAW_TRACEPOINT, 0, UB_SEC_NONE),
	SEC_DEF("raw_tracepoint.w+", RAW_TRACEPOINT_WRITABLE, 0, UB_SEC_NONE),
	SEC_DEF("raw_tp.w+", RAW_TRACEPOINT_WRITABLE, 0, UB_SEC_NONE),
	SEC_DEF("tp_btf+", TRACING, A(TRACE_RAW_TP), UB_SEC_ATTACH_BTF),
	SEC_DEF("fentry+", TRACING, A(TRACE_FENTRY), UB_SEC_ATTACH_BTF),
	SEC_DEF("fmod_ret+", TRACING, A(MODIFY_RETURN), UB_SEC_ATTACH_BTF),
	SEC_DEF("fexit+", TRACING, A(TRACE_FEXIT), UB_SEC_ATTACH_BTF),
	SEC_DEF("fentry.s+", TRACING, A(TRACE_FENTRY), UB_SEC_ATTACH_BTF | UB_SEC_SLEEPABLE),
	SEC_DEF("fmod_ret.s+", TRACING, A(MODIFY_RETURN), UB_SEC_ATTACH_BTF | UB_SEC_SLEEPABLE),
	SEC_DEF("fexit.s+", TRACING, A(TRACE_FEXIT), UB_SEC_ATTACH_BTF | UB_SEC_SLEEPABLE),
	SEC_DEF("freplace+", EXT, 0, UB_SEC_ATTACH_BTF),
	SEC_DEF("lsm+", LSM, A(LSM_MAC), UB_SEC_ATTACH_BTF),
	SEC_DEF("lsm.s+", LSM, A(LSM_MAC), UB_SEC_ATTACH_BTF | UB_SEC_SLEEPABLE),
	SEC_DEF("lsm_cgroup+", LSM, A(LSM_CGROUP), UB_SEC_ATTACH_BTF),
	SEC_DEF("iter+", TRACING, A(TRACE_ITER), UB_SEC_ATTACH_BTF),
	SEC_DEF("iter.s+", TRACING, A(TRACE_ITER), UB_SEC_ATTACH_BTF | UB_SEC_SLEEPABLE),
	SEC_DEF("syscall", SYSCALL, 0, UB_SEC_SLEEPABLE),
	SEC_DEF("xdp.frags/devmap", XDP, A(XDP_DEVMAP), UB_SEC_NONE),
	SEC_DEF("xdp/devmap", XDP, A(XDP_DEVMAP), UB_SEC_NONE),
	SEC_DEF("xdp.frags/cpumap", XDP, A(XDP_CPUMAP), UB_SEC_NONE),
	SEC_DEF("xdp/cpumap", XDP, A(XDP_CPUMAP), UB_SEC_NONE),
	SEC_DEF("xdp.frags", XDP, A(XDP), UB_SEC_NONE),
	SEC_DEF("xdp", XDP, A(XDP), UB_SEC_NONE),
	SEC_DEF("perf_event", PERF_EVENT, 0, UB_SEC_NONE),
	SEC_DEF("lwt_in", LWT_IN, 0, UB_SEC_NONE),
	SEC_DEF("lwt_out", LWT_OUT, 0, UB_SEC_NONE),
	SEC_DEF("lwt_xmit", LWT_XMIT, 0, UB_SEC_NONE),
	SEC_DEF("lwt_seg6local", LWT_SEG6LOCAL, 0, UB_SEC_NONE),
	SEC_DEF("sockops", SOCK_OPS, A(CGROUP_SOCK_OPS), UB_SEC_NONE),
	SEC_DEF("sk_skb/stream_parser", SK_SKB, A(SK_SKB_STREAM_PARSER), UB_SEC_NONE),
	SEC_DEF("sk_skb/stream_verdict", SK_SKB, A(SK_SKB_STREAM_VERDICT), UB_SEC_NONE),
	SEC_DEF("sk_skb/verdict", SK_SKB, A(SK_SKB_VERDICT), UB_SEC_NONE),
	SEC_DEF("sk_skb", SK_SKB, 0, UB_SEC_NONE),
	SEC_DEF("sk_msg", SK_MSG, A(SK_MSG_VERDICT), UB_SEC_NONE),
	SEC_DEF("lirc_mode2", LIRC_MODE2, A(LIRC_MODE2), UB_SEC_NONE),
	SEC_DEF("flow_dissector", FLOW_DISSECTOR, A(FLOW_DISSECTOR), UB_SEC_NONE),
	SEC_DEF("cgroup_skb/ingress", CGROUP_SKB, A(CGROUP_INET_INGRESS), UB_SEC_NONE),
	SEC_DEF("cgroup_skb/egress", CGROUP_SKB, A(CGROUP_INET_EGRESS), UB_SEC_NONE),
	SEC_DEF("cgroup/skb", CGROUP_SKB, 0, UB_SEC_NONE),
	SEC_DEF("cgroup/sock_create", CGROUP_SOCK, A(CGROUP_INET_SOCK_CREATE), UB_SEC_NONE),
	SEC_DEF("cgroup/sock_release", CGROUP_SOCK, A(CGROUP_INET_SOCK_RELEASE), UB_SEC_NONE),
	SEC_DEF("cgroup/sock", CGROUP_SOCK, A(CGROUP_INET_SOCK_CREATE), UB_SEC_NONE),
	SEC_DEF("cgroup/post_bind4", CGROUP_SOCK, A(CGROUP_INET4_POST_BIND), UB_SEC_NONE),
	SEC_DEF("cgroup/post_bind6", CGROUP_SOCK, A(CGROUP_INET6_POST_BIND), UB_SEC_NONE),
	SEC_DEF("cgroup/bind4", CGROUP_SOCK_ADDR, A(CGROUP_INET4_BIND), UB_SEC_NONE),
	SEC_DEF("cgroup/bind6", CGROUP_SOCK_ADDR, A(CGROUP_INET6_BIND), UB_SEC_NONE),
	SEC_DEF("cgroup/connect4", CGROUP_SOCK_ADDR, A(CGROUP_INET4_CONNECT), UB_SEC_NONE),
	SEC_DEF("cgroup/connect6", CGROUP_SOCK_ADDR, A(CGROUP_INET6_CONNECT), UB_SEC_NONE),
	SEC_DEF("cgroup/connect_unix", CGROUP_SOCK_ADDR, A(CGROUP_UNIX_CONNECT), UB_SEC_NONE),
	SEC_DEF("cgroup/sendmsg4", CGROUP_SOCK_ADDR, A(CGROUP_UDP4_SENDMSG), UB_SEC_NONE),
	SEC_DEF("cgroup/sendmsg6", CGROUP_SOCK_ADDR, A(CGROUP_UDP6_SENDMSG), UB_SEC_NONE),
	SEC_DEF("cgroup/sendmsg_unix", CGROUP_SOCK_ADDR, A(CGROUP_UNIX_SENDMSG), UB_SEC_NONE),
	SEC_DEF("cgroup/recvmsg4", CGROUP_SOCK_ADDR, A(CGROUP_UDP4_RECVMSG), UB_SEC_NONE),
	SEC_DEF("cgroup/recvmsg6", CGROUP_SOCK_ADDR, A(CGROUP_UDP6_RECVMSG), UB_SEC_NONE),
	SEC_DEF("cgroup/recvmsg_unix", CGROUP_SOCK_ADDR, A(CGROUP_UNIX_RECVMSG), UB_SEC_NONE),
	SEC_DEF("cgroup/getpeername4", CGROUP_SOCK_ADDR, A(CGROUP_INET4_GETPEERNAME), UB_SEC_NONE),
	SEC_DEF("cgroup/getpeername6", CGROUP_SOCK_ADDR, A(CGROUP_INET6_GETPEERNAME), UB_SEC_NONE),
	SEC_DEF("cgroup/getpeername_unix", CGROUP_SOCK_ADDR, A(CGROUP_UNIX_GETPEERNAME),
		UB_SEC_NONE),
	SEC_DEF("cgroup/getsockname4", CGROUP_SOCK_ADDR, A(CGROUP_INET4_GETSOCKNAME), UB_SEC_NONE),
	SEC_DEF("cgroup/getsockname6", CGROUP_SOCK_ADDR, A(CGROUP_INET6_GETSOCKNAME), UB_SEC_NONE),
	SEC_DEF("cgroup/getsockname_unix", CGROUP_SOCK_ADDR, A(CGROUP_UNIX_GETSOCKNAME),
		UB_SEC_NONE),
	SEC_DEF("cgroup/sysctl", CGROUP_SYSCTL, A(CGROUP_SYSCTL), UB_SEC_NONE),
	SEC_DEF("cgroup/getsockopt", CGROUP_SOCKOPT, A(CGROUP_GETSOCKOPT), UB_SEC_NONE),
	SEC_DEF("cgroup/setsockopt", CGROUP_SOCKOPT, A(CGROUP_SETSOCKOPT), UB_SEC_NONE),
	SEC_DEF("cgroup/dev", CGROUP_DEVICE, A(CGROUP_DEVICE), UB_SEC_NONE),
	SEC_DEF("struct_ops+", STRUCT_OPS, 0, UB_SEC_NONE),
	SEC_DEF("struct_ops.s+", STRUCT_OPS, 0, UB_SEC_SLEEPABLE),
	SEC_DEF("sk_lookup", SK_LOOKUP, A(SK_LOOKUP), UB_SEC_NONE),
	SEC_DEF("netfilter", NETFILTER, A(NETFILTER), UB_SEC_NONE),
};

static bool sec_def_matches(const struct ub_sec_def *def, const char *name)
{
	size_t len = strlen(def->sec);

	if (def->sec[len - 1] == '/')
		return !strncmp(name, def->sec, len);
	if (def->sec[len - 1] == '+') {
		len--;
		if (strncmp(name, def->sec, len))
			return false;
		return name[len] == '\0' || name[len] == '/';
	}
	return !strcmp(name, def->sec);
}

const struct ub_sec_def *ub_sec_def_find(const char *sec_name)
{
	size_t i;

	for (i = 0; i < sizeof(section_defs) / sizeof(section_defs[0]); i++)
		if (sec_def_matches(&section_defs[i], sec_name))
			return &section_defs[i];
	return NULL;
}

/* The part of the section name after the matched prefix. */
static const char *attach_target(const struct ub_sec_def *def, const char *name)
{
	size_t len = strlen(def->sec);

	if (def->sec[len - 1] == '/')
		return name + len;
	if (def->sec[len - 1] == '+')
		return name[len - 1] == '/' ? name + len : "";
	return "";
}

/* ==== Programs ==== */

static int cmp_prog(const void *a, const void *b)
{
	const struct userbpf_program *x = a, *y = b;

	if (x->sec_idx != y->sec_idx)
		return x->sec_idx < y->sec_idx ? -1 : 1;
	return x->sec_insn_off < y->sec_insn_off ? -1 : x->sec_insn_off > y->sec_insn_off;
}

static bool is_prog_section(const struct ub_elf *elf, size_t idx)
{
	const Elf64_Shdr *sh = &elf->shdrs[idx];

	return sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR) && sh->sh_size > 0;
}

static int init_prog(struct userbpf_object *obj, struct userbpf_program *prog, size_t sec_idx,
		     const Elf64_Sym *sym, const char *name)
{
	const char *sec_name = obj->elf.sec_names[sec_idx];
	const uint8_t *data = ub_elf_sec_data(&obj->elf, sec_idx, NULL);

	prog->obj = obj;
	prog->name = ub_strdup(name);
	if (!prog->name)
		return -ENOMEM;
	prog->sec_idx = sec_idx;
	prog->sec_insn_off = sym->st_value / UB_INSN_SZ;
	prog->sec_insn_cnt = sym->st_size / UB_INSN_SZ;
	prog->is_subprog = sec_idx == obj->text_shndx;
	prog->autoload = !prog->is_subprog;
	prog->attach_target = "";
	if (sec_name[0] == '?') {
		prog->autoload = false;
		sec_name++;
	}
	prog->sec_name = sec_name;
	prog->insn_cnt = prog->sec_insn_cnt;
	prog->insns = ub_calloc(prog->insn_cnt, sizeof(struct userbpf_insn));
	if (!prog->insns)
		return -ENOMEM;
	memcpy(prog->insns, data + sym->st_value, prog->insn_cnt * UB_INSN_SZ);
	if (prog->is_subprog)
		return 0;
	prog->sec_def = ub_sec_def_find(sec_name);
	if (!prog->sec_def) {
		ub_debug("%s: prog '%s': unrecognised section name '%s'\n", obj->path, name,
			 sec_name);
		return 0;
	}
	prog->type = prog->sec_def->prog_type;
	prog->expected_attach_type = prog->sec_def->attach_type;
	prog->sleepable = prog->sec_def->flags & UB_SEC_SLEEPABLE;
	prog->attach_target = attach_target(prog->sec_def, sec_name);
	return 0;
}

/* Check one STT_FUNC symbol of an executable section. */
static int check_func_sym(struct userbpf_object *obj, size_t sec_idx, const Elf64_Sym *sym,
			  const char *name)
{
	const char *sec_name = obj->elf.sec_names[sec_idx];
	uint64_t sec_size = obj->elf.shdrs[sec_idx].sh_size;

	if (sym->st_value % UB_INSN_SZ || sym->st_size % UB_INSN_SZ)
		return obj_err(obj, -EINVAL,
			       "sec '%s': program '%s': offset %llu or size %llu "
			       "not a multiple of %u",
			       sec_name, name, (unsigned long long)sym->st_value,
			       (unsigned long long)sym->st_size, UB_INSN_SZ);
	if (sym->st_size == 0)
		return obj_err(obj, -EINVAL, "sec '%s': program '%s' is empty", sec_name, name);
	if (sym->st_value > sec_size || sym->st_size > sec_size - sym->st_value)
		return obj_err(obj, -EINVAL,
			       "sec '%s': program '%s' at offset %llu (%llu bytes) "
			       "crosses the section end (%llu bytes)",
			       sec_name, name, (unsigned long long)sym->st_value,
			       (unsigned long long)sym->st_size, (unsigned long long)sec_size);
	if (sec_idx != obj->text_shndx && ELF64_ST_BIND(sym->st_info) == STB_LOCAL)
		return obj_err(obj, -ENOTSUP, "sec '%s': program '%s' is static and not supported",
			       sec_name, name);
	return 0;
}

int ub_obj_collect_programs(struct userbpf_object *obj)
{
	const struct ub_elf *elf = &obj->elf;
	size_t i, n = 0;
	int err;

	/* Count, checking each function symbol. */
	for (i = 0; i < elf->sym_cnt; i++) {
		const Elf64_Sym *sym = &elf->syms[i];
		const char *name;

		if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF ||
		    sym->st_shndx >= elf->shnum || !is_prog_section(elf, sym->st_shndx))
			continue;
		name = ub_elf_sym_name(elf, sym);
		if (!name || !name[0])
			return obj_err(obj, -EINVAL,
				       "sec '%s': function symbol %zu "
				       "has no name",
				       elf->sec_names[sym->st_shndx], i);
		err = check_func_sym(obj, sym->st_shndx, sym, name);
		if (err)
			return err;
		n++;
	}
	for (i = 1; i < elf->shnum; i++)
		if (is_prog_section(elf, i) && elf->shdrs[i].sh_size % UB_INSN_SZ)
			return obj_err(obj, -EINVAL,
				       "sec '%s': size %llu is not a "
				       "multiple of %u",
				       elf->sec_names[i], (unsigned long long)elf->shdrs[i].sh_size,
				       UB_INSN_SZ);
	obj->progs = ub_calloc(n ? n : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	for (i = 0; i < elf->sym_cnt; i++) {
		const Elf64_Sym *sym = &elf->syms[i];

		if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF ||
		    sym->st_shndx >= elf->shnum || !is_prog_section(elf, sym->st_shndx))
			continue;
		err = init_prog(obj, &obj->progs[obj->prog_cnt++], sym->st_shndx, sym,
				ub_elf_sym_name(elf, sym));
		if (err)
			return err;
	}
	qsort(obj->progs, obj->prog_cnt, sizeof(*obj->progs), cmp_prog);
	for (i = 1; i < obj->prog_cnt; i++) {
		const struct userbpf_program *a = &obj->progs[i - 1], *b = &obj->progs[i];

		if (a->sec_idx == b->sec_idx && a->sec_insn_off + a->sec_insn_cnt > b->sec_insn_off)
			return obj_err(obj, -EINVAL,
				       "sec '%s': programs '%s' and "
				       "'%s' overlap",
				       a->sec_name, a->name, b->name);
	}
	return 0;
}

struct userbpf_program *ub_obj_find_prog_by_sec_insn(const struct userbpf_object *obj,
						     size_t sec_idx, size_t insn_idx)
{
	size_t lo = 0, hi = obj->prog_cnt;

	/* last program at or before (sec_idx, insn_idx) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct userbpf_program *p = &obj->progs[mid];

		if (p->sec_idx < sec_idx || (p->sec_idx == sec_idx && p->sec_insn_off <= insn_idx))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (obj->progs[lo - 1].sec_idx != sec_idx ||
	    insn_idx >= obj->progs[lo - 1].sec_insn_off + obj->progs[lo - 1].sec_insn_cnt)
		return NULL;
	return &obj->progs[lo - 1];
}
