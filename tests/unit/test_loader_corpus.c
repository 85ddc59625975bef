// SPDX-License-Identifier: MIT
/*
 * test_loader_corpus.c - every object the build produces (the examples in
 * $(BUILD)/examples, the loader fixtures in $(BUILD)/elf) opens, loads
 * and test-runs each program it loads, checked, without an error: packet
 * programs on an IPv4/TCP packet, the others on their zeroed context.
 * What a tool's loader would do first is done here too: stack-trace maps
 * whose sizes are left to user space get 127 frames and 1024 entries.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "test_loader.h"

static const uint8_t tcp_pkt[64] = {
	0,    1,    2, 3,  4, 5, 6,    7, 8,  9, 10, 11, 0x08, 0x00, /* eth */
	0x45, 0,    0, 50, 0, 0, 0x40, 0, 64, 6, 0,  0,	 10,   0,    0,	   1, 10, 0, 0, 2,
	0x04, 0xd2, 0, 80, 0, 0, 0,    1, 0,  0, 0,  0,	 0x50, 0x02, 0x20, 0, 0,  0, 0, 0,
};

static bool is_packet_type(uint32_t type)
{
	switch (type) {
	case USERBPF_PROG_TYPE_SOCKET_FILTER:
	case USERBPF_PROG_TYPE_SCHED_CLS:
	case USERBPF_PROG_TYPE_SCHED_ACT:
	case USERBPF_PROG_TYPE_XDP:
	case USERBPF_PROG_TYPE_CGROUP_SKB:
		return true;
	default:
		return false;
	}
}

/* A tool's loader sizes its stack-trace maps. */
static void size_maps(struct userbpf_object *obj)
{
	struct userbpf_object_map *m = NULL;

	while ((m = userbpf_object__next_map(obj, m))) {
		if (userbpf_object_map__type(m) != USERBPF_MAP_TYPE_STACK_TRACE)
			continue;
		if (!userbpf_object_map__value_size(m))
			userbpf_object_map__set_value_size(m, 127 * 8);
		if (!userbpf_object_map__max_entries(m))
			userbpf_object_map__set_max_entries(m, 1024);
	}
}

static void run_dir(const char *sub, int *objs, int *progs)
{
	char dir[512], path[1024], err[512];
	static uint8_t out[4096];
	/* big enough for any field the fixtures read through CO-RE */
	static const uint8_t zero_ctx[65536];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", test_build_dir(), sub);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct userbpf_object *obj;
		struct userbpf_program *p = NULL;
		/* what /boot/config-* would say, for machines without one */
		USERBPF_OPTS(userbpf_object_open_opts, oo, .err_buf = err,
			     .err_buf_sz = sizeof(err),
			     .kconfig = "CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\n"
					"CONFIG_DEFAULT_HOSTNAME=\"(none)\"\n");

		if (!strstr(de->d_name, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err[0] = '\0';
		obj = userbpf_object__open_file(path, &oo);
		if (!obj) {
			test_fail(__FILE__, __LINE__, "%s: open: %s", de->d_name, err);
			continue;
		}
		size_maps(obj);
		if (userbpf_object__load(obj)) {
			test_fail(__FILE__, __LINE__, "%s: load: %s", de->d_name,
				  userbpf_object__errmsg(obj));
			userbpf_object__close(obj);
			continue;
		}
		(*objs)++;
		while ((p = userbpf_object__next_program(obj, p))) {
			bool pkt = is_packet_type(userbpf_program__type(p));
			USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt ? tcp_pkt : NULL,
				     .data_size_in = pkt ? sizeof(tcp_pkt) : 0,
				     .ctx_in = pkt ? NULL : zero_ctx,
				     .ctx_size_in = pkt ? 0 : sizeof(zero_ctx),
				     .data_out = pkt ? out : NULL,
				     .data_size_out = pkt ? sizeof(out) : 0,
				     .flags = USERBPF_RUN_CHECKED, .err_buf = err,
				     .err_buf_sz = sizeof(err));
			int rc;

			if (!userbpf_program__prog(p))
				continue; /* SEC("?..."): not loaded */
			err[0] = '\0';
			rc = userbpf_prog__test_run(userbpf_program__prog(p), &t);
			(*progs)++;
			if (rc)
				test_fail(__FILE__, __LINE__, "%s: %s: %s (%d)", de->d_name,
					  userbpf_program__name(p), err, rc);
		}
		userbpf_object__close(obj);
	}
	closedir(d);
}

TEST(loader_corpus_every_built_object_runs)
{
	int objs = 0, progs = 0;

	run_dir("examples", &objs, &progs);
	run_dir("elf", &objs, &progs);
	if (!objs && !progs && !test_failed()) {
		test_skip("no objects built");
		return;
	}
	printf("corpus: %d objects loaded, %d programs test-run checked\n", objs, progs);
}
