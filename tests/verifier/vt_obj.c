/* SPDX-License-Identifier: MIT */
/*
 * vt_obj.c - finds a verifier test's fixture object and asks the running
 * kernel (libbpf) for its verdict on one program (see vt_obj.h).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vt_obj.h"
#include "../unit/test.h"

bool vt_obj_path(char *path, size_t path_sz, const char *file)
{
	FILE *f;

	snprintf(path, path_sz, "%s/verifier/%s", test_build_dir(), file);
	f = fopen(path, "rb");
	if (!f)
		return false;
	fclose(f);
	return true;
}

int vt_kernel_loads(const char *path, const char *prog)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	int err;

	if (!obj)
		return -1;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	libbpf_set_print(NULL);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	if (err == -EPERM)
		return -1;
	return err ? 0 : 1;
}
