/* SPDX-License-Identifier: MIT */
/*
 * verify_object.c - glue between an opened object and the verifier:
 * userbpf_program__verify() describes the object's maps (type, sizes,
 * flags, inner template, frozen .rodata contents, the bpf_spin_lock
 * offset found through BTF), the program type, the license and the BTF
 * line info, then runs userbpf_verify() on the relocated instructions.
 * Uses only the public object API; the loader calls it at load time.
 */
#include "util/ubc.h"

#include "userbpf/object.h"
#include "userbpf/verifier.h"
#include "loader/loader_int.h"
#include "helpers/kfunc.h"
#include "util/alloc.h"

static bool license_is_gpl(const char *l)
{
	static const char *const ok[] = {
		"GPL",		"GPL v2",	"GPL and additional rights",
		"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"
	};
	size_t i;

	if (!l)
		return false;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(l, ok[i]))
			return true;
	return false;
}

/* offset of the struct bpf_spin_lock member of a map value, or -1 */
static int32_t spin_lock_off(const struct userbpf_btf *btf, uint32_t value_type)
{
	static const char *const names[] = { "lock", "spin", "spinlock", "l", "sl" };
	int64_t id, off;
	size_t i;

	if (!btf || !value_type || userbpf_btf__find_by_name_kind(btf, "bpf_spin_lock", 4) <= 0)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		off = userbpf_btf__member_bit_offset(btf, value_type, names[i], NULL);
		if (off < 0 || off % 32)
			continue;
		id = userbpf_btf__resolve_size(btf, value_type);
		if (id >= 0)
			return (int32_t)(off / 8);
	}
	return -1;
}

/* an object names its maps by index (relocated lddw); a raw map fd in its
 * code names no map, as in the kernel ("fd 0 is not pointing to valid bpf_map") */
static int no_fd_maps(void *cookie, unsigned src_reg, int32_t imm, struct userbpf_verifier_map *out)
{
	(void)cookie;
	(void)src_reg;
	(void)imm;
	(void)out;
	return -1;
}

/*
 * LSM programs: the hook's return type in the kernel BTF (bpf_lsm_HOOK):
 * an int hook returns 0 or -errno ([-4095, 0]), the kernel's bool hooks
 * 0 or 1, a void hook anything (false).  The kernel's bpf_lsm_get_retval_range.
 */
/* hooks the kernel refuses to attach BPF LSM programs to (bpf_lsm.c) */
static bool lsm_hook_disabled(const struct userbpf_program *prog)
{
	static const char *const disabled[] = {
		"vm_enough_memory",   "inode_need_killpriv", "inode_getsecurity",
		"inode_listsecurity", "inode_copy_up_xattr", "getselfattr",
		"getprocattr",	      "setprocattr",	     "key_getsecurity",
		"audit_rule_match",   "xfrm_decode_session", "ismaclabel",
	};
	const char *sec = userbpf_program__section_name(prog), *hook;
	size_t i;

	if (userbpf_program__type(prog) != USERBPF_PROG_TYPE_LSM || !sec ||
	    !(hook = strchr(sec, '/')))
		return false;
	for (i = 0; i < sizeof(disabled) / sizeof(disabled[0]); i++)
		if (!strcmp(hook + 1, disabled[i]))
			return true;
	return false;
}

/* known_id: bpf_lsm_HOOK's id in the kernel's BTF when already found for
 * this hook (a lookup is a linear scan of the kernel's BTF), else 0 */
static bool lsm_ret_range(const struct userbpf_program *prog, uint32_t known_id, int32_t range[2])
{
	static const char *const bool_hooks[] = { "inode_xattr_skipcap",
						  "xfrm_state_pol_flow_match", "audit_rule_known" };
	const char *sec = userbpf_program__section_name(prog), *hook;
	const struct userbpf_btf *k;
	const struct ub_btf_type *t;
	char name[160];
	int64_t id;
	size_t i;

	if (userbpf_program__type(prog) != USERBPF_PROG_TYPE_LSM || !sec ||
	    userbpf_program__expected_attach_type(prog) != 27 /* BPF_LSM_MAC */)
		return false;
	hook = strchr(sec, '/');
	k = userbpf_btf__kernel();
	if (!hook || !k)
		return false;
	hook++;
	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	id = known_id ? known_id : userbpf_btf__find_by_name_kind(k, name, USERBPF_BTF_KIND_FUNC);
	if (id <= 0 || !(t = ub_btf_type_by_id(k, (uint32_t)id)) ||
	    !(t = ub_btf_type_by_id(k, t->size_type)) || !t->size_type)
		return false; /* unknown or void hook: any value */
	range[0] = -4095;
	range[1] = 0;
	for (i = 0; i < sizeof(bool_hooks) / sizeof(bool_hooks[0]); i++) {
		if (!strcmp(hook, bool_hooks[i])) {
			range[0] = 0;
			range[1] = 1;
		}
	}
	return true;
}

/*
 * The attach target of a tracing or LSM program in the kernel's BTF, as
 * the kernel resolves attach_btf_id: fentry/fexit/fmod_ret the function,
 * tp_btf the typedef btf_trace_NAME, lsm the FUNC bpf_lsm_HOOK.  0 when
 * unknown (no kernel BTF, another type, a target the kernel lacks).
 */
static uint32_t attach_btf_id(const struct userbpf_program *prog, const struct userbpf_btf *k)
{
	uint32_t type = userbpf_program__type(prog),
		 eat = userbpf_program__expected_attach_type(prog);
	const char *target = userbpf_program__attach_target(prog);
	char name[192];
	int64_t id;

	if (!k || !target || !*target)
		return 0;
	if (type == USERBPF_PROG_TYPE_TRACING && eat >= 24 && eat <= 26) {
		id = userbpf_btf__find_by_name_kind(k, target, USERBPF_BTF_KIND_FUNC);
	} else if (type == USERBPF_PROG_TYPE_TRACING && eat == 23 /* BPF_TRACE_RAW_TP */) {
		snprintf(name, sizeof(name), "btf_trace_%s", target);
		id = userbpf_btf__find_by_name_kind(k, name, USERBPF_BTF_KIND_TYPEDEF);
	} else if (type == USERBPF_PROG_TYPE_LSM && eat == 27 /* BPF_LSM_MAC */) {
		snprintf(name, sizeof(name), "bpf_lsm_%s", target);
		id = userbpf_btf__find_by_name_kind(k, name, USERBPF_BTF_KIND_FUNC);
	} else {
		return 0;
	}
	return id > 0 ? (uint32_t)id : 0;
}

int userbpf_program__verify(struct userbpf_object *obj, const struct userbpf_program *prog,
			    const struct userbpf_verifier_opts *base)
{
	struct userbpf_verifier_opts o;
	struct userbpf_verifier_map *maps = NULL, *inner = NULL;
	struct userbpf_verifier_line *lines = NULL;
	uint8_t **kcfg = NULL;
	int32_t lsm_range[2];
	const char *hook;
	uint32_t known = 0;
	const struct userbpf_line_info *li;
	const struct userbpf_btf *btf = userbpf_object__btf(obj);
	struct userbpf_object_map *m = NULL;
	size_t n = 0, i, li_cnt = 0;
	int err;

	if (!obj || !prog)
		return -EINVAL;
	err = userbpf_object__prepare(obj);
	if (err)
		return err;
	memset(&o, 0, sizeof(o));
	if (base)
		memcpy(&o, base, base->sz < sizeof(o) ? base->sz : sizeof(o));
	o.sz = sizeof(o);
	while ((m = userbpf_object__next_map(obj, m)))
		n++;
	maps = ub_calloc(n + 1, sizeof(*maps));
	inner = ub_calloc(n + 1, sizeof(*inner));
	kcfg = ub_calloc(n + 1, sizeof(*kcfg));
	if (!maps || !inner || !kcfg) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, m = NULL; (m = userbpf_object__next_map(obj, m)); i++) {
		struct userbpf_map_def d;

		memset(&d, 0, sizeof(d));
		userbpf_object_map__def(m, &d);
		maps[i].type = d.type;
		maps[i].key_size = d.key_size;
		maps[i].value_size = d.value_size;
		maps[i].max_entries = d.max_entries;
		maps[i].map_flags = d.map_flags;
		maps[i].spin_lock_off = spin_lock_off(btf, d.btf_value_type_id);
		if (d.has_inner) {
			inner[i].type = d.inner_type;
			inner[i].key_size = d.inner_key_size;
			inner[i].value_size = d.inner_value_size;
			inner[i].max_entries = d.inner_max_entries;
			inner[i].map_flags = d.inner_map_flags;
			inner[i].spin_lock_off = -1;
			maps[i].inner = &inner[i];
		}
		if (d.map_flags & 128) { /* BPF_F_RDONLY_PROG: .rodata, .kconfig */
			size_t sz = 0;
			void *v = userbpf_object_map__initial_value(m, &sz);

			if (v && sz >= d.value_size)
				maps[i].frozen_value = v;
			/* .kconfig: the values the load will freeze in it
			 * (LINUX_KERNEL_VERSION from uname...), not the ELF zeros */
			if (v && sz && d.kind == USERBPF_OBJECT_MAP_KCONFIG) {
				kcfg[i] = ub_alloc(sz);
				if (!kcfg[i]) {
					err = -ENOMEM;
					goto out;
				}
				memcpy(kcfg[i], v, sz);
				if (ub_kconfig_fill(obj, kcfg[i], sz, obj->kconfig_text))
					memcpy(kcfg[i], v, sz);
				maps[i].frozen_value = kcfg[i];
			}
		}
	}
	li = userbpf_program__line_info(prog, &li_cnt);
	if (li_cnt) {
		lines = ub_calloc(li_cnt, sizeof(*lines));
		if (!lines) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < li_cnt; i++) {
			lines[i].insn_off = li[i].insn_off;
			lines[i].line = li[i].line;
			lines[i].file = li[i].file;
			lines[i].text = li[i].text;
		}
	}
	o.prog_type = userbpf_program__type(prog);
	o.gpl = license_is_gpl(userbpf_program__license(prog));
	o.maps = maps;
	o.map_cnt = n;
	o.map_desc = no_fd_maps;
	o.expected_attach_type = userbpf_program__expected_attach_type(prog);
	o.attach_target = userbpf_program__attach_target(prog);
	/* only tracing and LSM programs are typed by an attach target: the
	 * kernel's BTF (5 MB, ~100 ms to parse and index) is not read for
	 * the others (userbpf trace's startup, docs/probes.md) */
	if (!o.attach_btf && !o.attach_btf_id &&
	    (o.prog_type == USERBPF_PROG_TYPE_TRACING || o.prog_type == USERBPF_PROG_TYPE_LSM)) {
		o.attach_btf = userbpf_btf__kernel();
		o.attach_btf_id = attach_btf_id(prog, o.attach_btf);
		hook = strchr(userbpf_program__section_name(prog) ?: "", '/');
		if (o.attach_btf_id && o.attach_target && hook &&
		    !strcmp(hook + 1, o.attach_target))
			known = o.attach_btf_id; /* an LSM program's bpf_lsm_HOOK */
	}
	/* kernel symbols and kfuncs name the kernel's BTF */
	if (!o.ksym_btf &&
	    ub_ksym_used(userbpf_program__insns(prog), userbpf_program__insn_cnt(prog)) &&
	    (!o.attach_btf || o.attach_btf == userbpf_btf__kernel()))
		o.ksym_btf = userbpf_btf__kernel();
	if (!o.ret_range && lsm_ret_range(prog, known, lsm_range))
		o.ret_range = lsm_range;
	if (lsm_hook_disabled(prog)) {
		if (o.log_buf && o.log_size)
			snprintf(o.log_buf, o.log_size, "%s points to disabled hook bpf_lsm_%s\n",
				 userbpf_program__section_name(prog),
				 strchr(userbpf_program__section_name(prog), '/') + 1);
		err = -EINVAL;
		goto out;
	}
	o.lines = lines;
	o.line_cnt = li_cnt;
	err = userbpf_verify(userbpf_program__insns(prog), userbpf_program__insn_cnt(prog), &o);
out:
	for (i = 0; kcfg && i < n; i++)
		ub_free(kcfg[i]);
	ub_free(kcfg);
	ub_free(maps);
	ub_free(inner);
	ub_free(lines);
	return err;
}
