/* SPDX-License-Identifier: MIT */
/*
 * attach.c - attach an object's programs by their section names, with
 * libbpf's syntax: uprobe/PATH:FUNC, uretprobe/PATH:FUNC, FUNC+OFF,
 * uprobe.s/ and uretprobe.s/ (sleepable: run like the others here), and
 * bare uprobe/uretprobe sections given their target at attach.  An empty
 * PATH (uprobe/:FUNC) or no PATH at all (FUNC) searches the whole process.
 * Syscall tracepoints: tracepoint/syscalls/sys_enter_NAME (tp/ too),
 * sys_exit_NAME, raw_tracepoint/sys_enter and sys_exit (raw_tp/ too),
 * ksyscall/NAME, kretsyscall/NAME, kprobe/__x64_sys_NAME and
 * kretprobe/__x64_sys_NAME (the same points, kprobe context);
 * kprobe/FUNC, kretprobe/FUNC, fentry/FUNC and fexit/FUNC on the kernel
 * functions syscalls reach (kfunc.c), tp_btf/sys_enter and tp_btf/sys_exit;
 * process events: tracepoint/sched/sched_process_exec|exit|fork;
 * perf_event (given its sample frequency at attach); usdt/PATH:PROVIDER:NAME.
 *
 * Entry points: userbpf_program__attach_opts(), userbpf_object__attach_all().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_int.h"
#include "userbpf/object.h"

struct target {
	bool retprobe;
	char binary[256]; /* "" = the whole process */
	char func[128];
	uint64_t offset;
};

/* "uprobe", "uretprobe", "uprobe.s", "uretprobe.s": 0/1 retprobe, -1 other */
static int kind(const char *sec, size_t len)
{
	static const struct {
		const char *name;
		int ret;
	} kinds[] = { { "uprobe", 0 }, { "uprobe.s", 0 }, { "uretprobe", 1 }, { "uretprobe.s", 1 } };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == len && !strncmp(sec, kinds[i].name, len))
			return kinds[i].ret;
	return -1;
}

/* Parse "PATH:FUNC[+OFF]", ":FUNC", "FUNC[+OFF]" into t. */
static int parse_target(const char *s, struct target *t, char *err, size_t err_sz)
{
	const char *colon = strrchr(s, ':'), *fn = colon ? colon + 1 : s;
	const char *plus = strchr(fn, '+');
	size_t flen = plus ? (size_t)(plus - fn) : strlen(fn);

	t->binary[0] = '\0';
	if (colon) {
		if ((size_t)(colon - s) >= sizeof(t->binary))
			goto bad;
		memcpy(t->binary, s, (size_t)(colon - s));
		t->binary[colon - s] = '\0';
	}
	if (flen == 0 || flen >= sizeof(t->func))
		goto bad;
	memcpy(t->func, fn, flen);
	t->func[flen] = '\0';
	t->offset = 0;
	if (plus) {
		char *end;

		t->offset = strtoull(plus + 1, &end, 0);
		if (*end || end == plus + 1)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, err_sz, "invalid probe target '%s' (want PATH:FUNC[+OFFSET])", s);
	return -EINVAL;
}

/* The syscall tracepoint a section names ("syscalls/sys_enter_write",
 * "sys_enter"), or NULL. */
static const char *syscall_tp(const char *sec)
{
	static const char *const tp[] = { "tracepoint/", "tp/" };
	static const char *const raw[] = { "raw_tracepoint/", "raw_tp/" };
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t n = strlen(tp[i]);

		if (!strncmp(sec, tp[i], n) &&
		    (!strncmp(sec + n, "syscalls/sys_e", 14) ||
		     !strcmp(sec + n, "raw_syscalls/sys_enter") ||
		     !strcmp(sec + n, "raw_syscalls/sys_exit") || probe_pe_kind(sec + n)))
			return sec + n;
		n = strlen(raw[i]);
		if (!strncmp(sec, raw[i], n) &&
		    (!strcmp(sec + n, "sys_enter") || !strcmp(sec + n, "sys_exit")))
			return sec + n;
	}
	return NULL;
}

/*
 * ksyscall/NAME, kretsyscall/NAME, kprobe/__x64_sys_NAME and
 * kretprobe/__x64_sys_NAME: the syscall points with the kprobe context
 * ("ksyscall/NAME" or "kretsyscall/NAME" into buf), or NULL.
 */
static const char *ksyscall_tp(const char *sec, char *buf, size_t size)
{
	static const struct {
		const char *pfx;
		bool ret;
	} k[] = { { "ksyscall/", false },
		  { "kretsyscall/", true },
		  { "kprobe/__x64_sys_", false },
		  { "kretprobe/__x64_sys_", true } };
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t n = strlen(k[i].pfx);

		if (!strncmp(sec, k[i].pfx, n) && sec[n] &&
		    (size_t)snprintf(buf, size, "%s/%s", k[i].ret ? "kretsyscall" : "ksyscall",
				     sec + n) < size)
			return buf;
	}
	return NULL;
}

/*
 * kprobe/FUNC, kretprobe/FUNC, fentry/FUNC, fexit/FUNC on a kernel function
 * a syscall reaches (kfunc.c's table, __x64_sys_NAME), tp_btf/sys_enter
 * and tp_btf/sys_exit, lsm/HOOK on a hook a syscall reaches (lsm.c):
 * attached as they are named.
 */
static bool kfunc_sec(const char *sec)
{
	const char *fn = strchr(sec, '/');

	if (probe_lsm_target(sec)) /* lsm/HOOK, lsm.s/HOOK on a hook of lsm.c */
		return strncmp(sec, "lsm_cgroup/", 11) && probe_lsm_known(fn + 1);
	if (!probe_kfunc_target(sec))
		return false;
	return !strncmp(sec, "tp_btf/", 7) || probe_kfunc_known(fn + 1);
}

/* "usdt/..." or "usdt.s/..." with a target */
static bool is_usdt(const char *sec)
{
	return (!strncmp(sec, "usdt/", 5) || !strncmp(sec, "usdt.s/", 7)) && strchr(sec, '/')[1];
}

/* "PATH:PROVIDER:NAME" (PATH may hold ':' only before the last two). */
static int parse_usdt(const char *s, char *bin, char *prov, char *name, char *err, size_t err_sz)
{
	const char *c2 = strrchr(s, ':'), *c1;

	if (!c2 || c2 == s)
		goto bad;
	for (c1 = c2 - 1; c1 > s && *c1 != ':'; c1--)
		;
	if (*c1 != ':' || c1 == s || (size_t)(c1 - s) >= 256 || (size_t)(c2 - c1) > 64 ||
	    strlen(c2 + 1) >= 64 || !c2[1])
		goto bad;
	memcpy(bin, s, (size_t)(c1 - s));
	bin[c1 - s] = '\0';
	memcpy(prov, c1 + 1, (size_t)(c2 - c1 - 1));
	prov[c2 - c1 - 1] = '\0';
	strcpy(name, c2 + 1);
	return 0;
bad:
	snprintf(err, err_sz, "invalid USDT target '%s' (want PATH:PROVIDER:NAME)", s);
	return -EINVAL;
}

/* 1: has a target in the section, 0: bare, -EOPNOTSUPP: not a uprobe. */
static int parse_section(const char *sec, struct target *t, char *err, size_t err_sz)
{
	const char *slash = strchr(sec, '/');
	int k = kind(sec, slash ? (size_t)(slash - sec) : strlen(sec));
	char buf[160];

	if (syscall_tp(sec) || ksyscall_tp(sec, buf, sizeof(buf)) || kfunc_sec(sec))
		return 1;
	if (!strcmp(sec, "perf_event"))
		return 0; /* bare: needs a frequency */
	if (is_usdt(sec))
		return 1;
	if (k < 0) {
		snprintf(err, err_sz, "section '%s' is not a probe this process can attach", sec);
		return -EOPNOTSUPP;
	}
	t->retprobe = k == 1;
	if (!slash || !slash[1])
		return 0;
	return parse_target(slash + 1, t, err, err_sz) ?: 1;
}

USERBPF_API bool userbpf_program__attachable(const struct userbpf_program *prog)
{
	struct target t;
	char err[8];
	const char *sec = prog ? userbpf_program__section_name(prog) : NULL;

	return sec && parse_section(sec, &t, err, sizeof(err)) >= 0;
}

USERBPF_API struct userbpf_link *
userbpf_program__attach_opts(const struct userbpf_program *prog,
			     const struct userbpf_attach_opts *opts)
{
	struct userbpf_attach_opts o = { 0 };
	struct userbpf_prog *p;
	struct target t;
	char err[320] = "", ktp[160];
	int ret;

	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!prog) {
		errno = EINVAL;
		return NULL;
	}
	p = userbpf_program__prog(prog);
	if (p && (syscall_tp(userbpf_program__section_name(prog)) ||
		  ksyscall_tp(userbpf_program__section_name(prog), ktp, sizeof(ktp)))) {
		const char *tp = syscall_tp(userbpf_program__section_name(prog));
		USERBPF_OPTS(userbpf_uprobe_opts, so, .run_flags = o.run_flags,
			     .trace_fn = o.trace_fn, .trace_cookie = o.trace_cookie,
			     .err_buf = o.err_buf, .err_buf_sz = o.err_buf_sz);

		return userbpf_probe__attach_syscall(p, tp ? tp : ktp, &so);
	}
	/* any lsm section: lsm.c names the hooks available when it has not this one */
	if (p && (kfunc_sec(userbpf_program__section_name(prog)) ||
		  probe_lsm_target(userbpf_program__section_name(prog)))) {
		USERBPF_OPTS(userbpf_uprobe_opts, so, .run_flags = o.run_flags,
			     .trace_fn = o.trace_fn, .trace_cookie = o.trace_cookie,
			     .err_buf = o.err_buf, .err_buf_sz = o.err_buf_sz);

		return userbpf_probe__attach_syscall(p, userbpf_program__section_name(prog), &so);
	}
	if (p && !strcmp(userbpf_program__section_name(prog), "perf_event")) {
		USERBPF_OPTS(userbpf_perf_event_opts, po, .sample_freq = o.sample_freq,
			     .run_flags = o.run_flags, .trace_fn = o.trace_fn,
			     .trace_cookie = o.trace_cookie, .err_buf = o.err_buf,
			     .err_buf_sz = o.err_buf_sz);

		return userbpf_probe__attach_perf_event(p, &po);
	}
	if (p && is_usdt(userbpf_program__section_name(prog))) {
		char bin[256], prov[64], name[64];
		USERBPF_OPTS(userbpf_usdt_opts, uo, .mode = o.mode, .run_flags = o.run_flags,
			     .trace_fn = o.trace_fn, .trace_cookie = o.trace_cookie,
			     .err_buf = o.err_buf, .err_buf_sz = o.err_buf_sz);

		ret = parse_usdt(strchr(userbpf_program__section_name(prog), '/') + 1, bin, prov,
				 name, err, sizeof(err));
		if (!ret)
			return userbpf_program__attach_usdt(prog, bin, prov, name, &uo);
		if (o.err_buf && o.err_buf_sz)
			snprintf(o.err_buf, o.err_buf_sz, "%s", err);
		errno = -ret;
		return NULL;
	}
	ret = parse_section(userbpf_program__section_name(prog), &t, err, sizeof(err));
	if (ret == 0) {
		if (!o.target) {
			snprintf(err, sizeof(err), "program %s: section '%s' names no target",
				 userbpf_program__name(prog), userbpf_program__section_name(prog));
			ret = -EINVAL;
		} else {
			ret = parse_target(o.target, &t, err, sizeof(err));
		}
	}
	if (ret >= 0 && !p) {
		snprintf(err, sizeof(err), "program %s is not loaded", userbpf_program__name(prog));
		ret = -EINVAL;
	}
	if (ret < 0) {
		if (o.err_buf && o.err_buf_sz)
			snprintf(o.err_buf, o.err_buf_sz, "%s", err);
		errno = -ret;
		return NULL;
	}
	{
		USERBPF_OPTS(userbpf_uprobe_opts, uo, .mode = o.mode, .run_flags = o.run_flags,
			     .trace_fn = o.trace_fn, .trace_cookie = o.trace_cookie,
			     .err_buf = o.err_buf, .err_buf_sz = o.err_buf_sz);

		return userbpf_probe__attach_uprobe(p, t.binary[0] ? t.binary : NULL, t.func,
						    t.offset, t.retprobe, &uo);
	}
}

USERBPF_API int userbpf_object__attach_all(const struct userbpf_object *obj,
					   const struct userbpf_attach_opts *opts,
					   struct userbpf_link **links, size_t links_max,
					   size_t *cnt)
{
	struct userbpf_program *prog = NULL;
	size_t n = 0;
	int err = 0;

	*cnt = 0;
	while ((prog = userbpf_object__next_program(obj, prog))) {
		struct target t;
		char msg[8];

		if (!userbpf_program__prog(prog) ||
		    parse_section(userbpf_program__section_name(prog), &t, msg, sizeof(msg)) != 1)
			continue;
		if (n == links_max) {
			err = -E2BIG;
			break;
		}
		links[n] = userbpf_program__attach_opts(prog, opts);
		if (!links[n]) {
			err = -errno;
			break;
		}
		n++;
	}
	if (err) {
		while (n)
			userbpf_link__destroy(links[--n]);
		return err;
	}
	*cnt = n;
	return 0;
}
