/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_rdonly.c - F09 of the sandbox review: BPF_F_RDONLY_PROG
 * holds for program-side updates, deletes, pushes and pops (the kernel's
 * "write into map forbidden", EACCES) and for the values a
 * bpf_for_each_map_elem callback is handed (read-only in checked mode).
 */
#include <errno.h>
#include <stdlib.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/map.h"

static struct userbpf_map *ro_map;

static int ro_ld_imm64(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm,
		       uint64_t *value)
{
	(void)cookie;
	(void)next_imm;
	if (src_reg != 1 || imm != 1)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)ro_map;
	return 0;
}

static int ro_run(const char *text, uint32_t flags, uint64_t *r0, char *msg, size_t msg_sz)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = ro_ld_imm64);
	USERBPF_OPTS(userbpf_run_opts, o, .flags = flags, .err_buf = msg, .err_buf_sz = msg_sz);
	struct userbpf_insn *insns;
	struct userbpf_prog *prog;
	size_t cnt;
	int err;

	if (userbpf_asm(text, &insns, &cnt, msg, msg_sz))
		return -EINVAL;
	prog = userbpf_prog__new(insns, cnt, &po);
	userbpf_free(insns);
	if (!prog)
		return -errno;
	err = userbpf_prog__run(prog, &o, r0);
	userbpf_prog__free(prog);
	return err;
}

TEST(sandbox_rdonly_prog_helpers_refused)
{
	static const char *const writes[] = {
		/* update(map, &key, &value, 0) */
		"*(u32 *)(r10 - 4) = 0\n*(u64 *)(r10 - 16) = 9\nr2 = r10\nr2 += -4\n"
		"r3 = r10\nr3 += -16\nr4 = 0\nr1 = map_fd(1) ll\ncall 2\nexit\n",
		/* delete(map, &key) */
		"*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = map_fd(1) ll\ncall 3\nexit\n",
	};
	USERBPF_OPTS(userbpf_map_create_opts, mo, .map_flags = USERBPF_F_RDONLY_PROG);
	uint32_t flags[] = { 0, USERBPF_RUN_CHECKED };
	size_t i, f;

	ro_map = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "ro", 4, 8, 4, &mo);
	ASSERT_TRUE(ro_map != NULL);
	for (i = 0; i < 2; i++)
		for (f = 0; f < 2; f++) {
			char msg[160] = "";
			uint64_t r0 = 0;

			ASSERT_ERR(ro_run(writes[i], flags[f], &r0, msg, sizeof(msg)), -EACCES);
			ASSERT_CONTAINS(msg, "write into map forbidden");
		}
	/* the map is still empty: nothing was written */
	{
		uint32_t key = 0;
		uint64_t v;

		ASSERT_ERR(userbpf_map__lookup_elem(ro_map, &key, &v, 0), -ENOENT);
	}
	userbpf_map__put(ro_map);
	ro_map = NULL;
}

TEST(sandbox_rdonly_prog_for_each_value_read_only)
{
	/* the callback writes the value it is given */
	static const char text[] =
		"r1 = map_fd(1) ll\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 164\nexit\n"
		"cb:\n*(u64 *)(r3 + 0) = 77\nr0 = 0\nexit\n";
	USERBPF_OPTS(userbpf_map_create_opts, mo, .map_flags = USERBPF_F_RDONLY_PROG);
	uint64_t v = 5, r0 = 0;
	uint32_t key = 0;
	char msg[160] = "";

	ro_map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "ro", 4, 8, 1, &mo);
	ASSERT_TRUE(ro_map != NULL);
	ASSERT_OK(userbpf_map__update_elem(ro_map, &key, &v, 0));
	ASSERT_ERR(ro_run(text, USERBPF_RUN_CHECKED, &r0, msg, sizeof(msg)), -EFAULT);
	ASSERT_CONTAINS(msg, "out-of-bounds write");
	ASSERT_OK(userbpf_map__lookup_elem(ro_map, &key, &v, 0));
	ASSERT_EQ(v, 5);
	userbpf_map__put(ro_map);
	ro_map = NULL;
}
