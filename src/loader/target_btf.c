// SPDX-License-Identifier: MIT
/*
 * target_btf.c - the BTF that CO-RE relocations resolve against.
 *
 * Owns: the choice of target (libbpf's order: the open option's file,
 * else the running kernel's /sys/kernel/btf/vmlinux, else the context
 * BTF userbpf ships), and the process-wide copy of the kernel's BTF,
 * parsed once (it is 5 MB and every CO-RE object needs it), indexed for
 * candidate lookups up front so that it is read-only afterwards and can
 * be shared by threads and objects.  It is never freed.
 *
 * Does not own: parsing (btf.c), matching (core.c).
 */
#include "util/ubc.h"
#if __STDC_HOSTED__
#include <unistd.h>
#endif

#include "loader_int.h"
#include "util/alloc.h"
#include "util/platform_int.h"
#include "util/log.h"

#define KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"

static ub_once_t kernel_once = UB_ONCE_INIT;
static struct userbpf_btf *kernel_btf;
static int kernel_err;

static void kernel_btf_init(void)
{
	struct userbpf_btf *btf;
	uint32_t *ids = NULL;
	int ret;

#if __STDC_HOSTED__
	if (access(KERNEL_BTF_PATH, R_OK)) {
		kernel_err = -errno;
		return;
	}
#else
	if (1) {
		kernel_err = -ENOENT; /* no files: no running kernel's BTF */
		return;
	}
#endif
	btf = userbpf_btf__parse_file(KERNEL_BTF_PATH);
	if (!btf) {
		kernel_err = -errno;
		ub_warn("%s: cannot parse: %s\n", KERNEL_BTF_PATH, userbpf_strerror(kernel_err));
		return;
	}
	/* build the candidate index now: shared readers never write */
	ret = ub_btf_find_cands(btf, "task_struct", 11, USERBPF_BTF_KIND_STRUCT, &ids);
	ub_free(ids);
	if (ret < 0) {
		kernel_err = ret;
		userbpf_btf__free(btf);
		return;
	}
	kernel_btf = btf;
}

struct userbpf_btf *ub_kernel_btf(void)
{
	ub_once(&kernel_once, kernel_btf_init);
	if (!kernel_btf)
		errno = -kernel_err;
	return kernel_btf;
}

static ub_once_t ctx_once = UB_ONCE_INIT;
static struct userbpf_btf *ctx_btf;

static void ctx_btf_init(void)
{
	ctx_btf = userbpf_btf__ctx();
}

struct userbpf_btf *ub_ctx_btf_shared(void)
{
	ub_once(&ctx_once, ctx_btf_init);
	return ctx_btf;
}

struct ub_btf_ref *ub_btf_ref_new(struct userbpf_btf *btf, bool owned)
{
	struct ub_btf_ref *ref = ub_alloc(sizeof(*ref));

	if (!ref)
		return NULL;
	ref->btf = btf;
	ref->owned = owned;
	ref->refs = 1;
	return ref;
}

struct ub_btf_ref *ub_btf_ref_get(struct ub_btf_ref *ref)
{
	if (ref)
		__atomic_add_fetch(&ref->refs, 1, __ATOMIC_RELAXED);
	return ref;
}

void ub_btf_ref_put(struct ub_btf_ref *ref)
{
	if (!ref || __atomic_sub_fetch(&ref->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (ref->owned)
		userbpf_btf__free(ref->btf);
	ub_free(ref);
}

const struct userbpf_btf *userbpf_btf__kernel(void)
{
	return ub_kernel_btf();
}

int ub_obj_target_btf(struct userbpf_object *obj, struct userbpf_btf **out, bool *shared)
{
	struct userbpf_btf *btf;
	int err;

	*shared = false;
	if (obj->btf_custom_path) {
		btf = userbpf_btf__parse_file(obj->btf_custom_path);
		if (!btf) {
			err = -errno;
			return obj_err(obj, err, "cannot load target BTF '%s': %s",
				       obj->btf_custom_path, userbpf_strerror(err));
		}
		*out = btf;
		return 0;
	}
	if (obj->core_target != USERBPF_CORE_TARGET_CTX) {
		btf = ub_kernel_btf();
		if (btf) {
			*shared = true;
			*out = btf;
			return 0;
		}
		err = -errno;
		if (obj->core_target == USERBPF_CORE_TARGET_KERNEL)
			return obj_err(obj, err, "no kernel BTF at " KERNEL_BTF_PATH ": %s",
				       userbpf_strerror(err));
	}
	btf = userbpf_btf__ctx();
	if (!btf)
		return obj_err(obj, -errno, "cannot parse userbpf's context BTF");
	*out = btf;
	return 0;
}
