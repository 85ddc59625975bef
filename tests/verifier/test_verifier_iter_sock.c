/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_iter_sock.c - verdicts that depend on the program's attach
 * target (iter_sock.bpf.c): writes to an iter/bpf_map_elem element value
 * are accepted, and the run writes the map (checked: the value is a
 * writable region); writes to its key are refused; tp_btf's
 * bpf_get_socket_cookie takes a kernel socket.  The kernel (libbpf) is
 * the oracle for each verdict where bpf() is allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "userbpf/iter.h"
#include "userbpf/map.h"
#include "vt_obj.h"
#include "../unit/test.h"

static char path[512];

static bool have_obj(void)
{
	return vt_obj_path(path, sizeof(path), "iter_sock.bpf.o");
}

/* userbpf's verdict on one program: 0 loaded (obj kept in *out), -errno */
static int ub_load(const char *name, struct userbpf_object **out, char *why, size_t why_sz)
{
	struct userbpf_object *obj = userbpf_object__open_file(path, NULL);
	struct userbpf_program *p = NULL;
	int err;

	if (!obj)
		return -ENOENT;
	while ((p = userbpf_object__next_program(obj, p)))
		userbpf_program__set_autoload(p, !strcmp(userbpf_program__name(p), name));
	err = userbpf_object__load(obj);
	snprintf(why, why_sz, "%s", err ? userbpf_object__errmsg(obj) : "");
	if (err || !out)
		userbpf_object__close(obj);
	else
		*out = obj;
	return err;
}

static void check_verdict(const char *name, bool accept, const char *msg)
{
	char why[4096];
	int err = ub_load(name, NULL, why, sizeof(why)), k = vt_kernel_loads(path, name);

	if (accept)
		ASSERT_EQ(err, 0);
	else
		ASSERT_TRUE(err != 0 && strstr(why, msg));
	if (k >= 0)
		ASSERT_EQ(k, accept ? 1 : 0);
	else
		test_skip("the kernel refuses to load %s: kernel oracle skipped", name);
}

TEST(verifier_iter_value_write_and_btf_socket_cookie)
{
	if (!have_obj()) {
		test_skip("iter_sock.bpf.o not built (no clang)");
		return;
	}
	check_verdict("bump_value", true, NULL);
	check_verdict("write_key", false, "only read is supported");
	check_verdict("sock_cookie", true, NULL);
}

/* the accepted value write reaches the map when the iterator runs */
TEST(verifier_iter_value_write_runs)
{
	struct userbpf_object *obj = NULL;
	struct userbpf_map *m;
	char why[4096], out[256];
	uint32_t k;
	uint64_t v;

	if (!have_obj()) {
		test_skip("iter_sock.bpf.o not built (no clang)");
		return;
	}
	ASSERT_EQ(ub_load("bump_value", &obj, why, sizeof(why)), 0);
	m = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "vals", 4, 8, 8, NULL);
	ASSERT_TRUE(m);
	for (k = 1; k <= 3; k++) {
		v = k * 10;
		ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	}
	{
		USERBPF_OPTS(userbpf_iter_opts, io, .map = m, .run_flags = USERBPF_RUN_CHECKED);
		struct userbpf_program *p = userbpf_object__find_program_by_name(obj, "bump_value");

		ASSERT_TRUE(userbpf_iter__run(userbpf_program__prog(p), "bpf_map_elem", out,
					      sizeof(out), &io) >= 0);
	}
	for (k = 1; k <= 3; k++) {
		ASSERT_OK(userbpf_map__lookup_elem(m, &k, &v, 0));
		ASSERT_EQ(v, k * 10 + 1);
	}
	userbpf_map__free(m);
	userbpf_object__close(obj);
}
