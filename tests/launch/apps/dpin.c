/* SPDX-License-Identifier: MIT */
/*
 * dpin.c - run by test_launch.c in a domain: "dpin load" attaches a
 * sched_process_exec program, pins its link and its map, closes
 * everything and exits; the link stays (the pin holds it), so the execs
 * that follow in the domain are counted; "dpin read" prints the count
 * from the pinned map.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

#include "dpin.h"
#include "dpin.skel.h"

int main(int argc, char **argv)
{
	struct dpin_bpf *skel;
	struct bpf_link *link;
	unsigned long long v = 0;
	unsigned int k = 0;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "read")) {
		fd = bpf_obj_get(DPIN_MAP);
		if (fd < 0 || bpf_map_lookup_elem(fd, &k, &v))
			return 1;
		printf("execs %llu\n", v);
		return 0;
	}
	skel = dpin_bpf__open_and_load();
	if (!skel)
		return 1;
	link = bpf_program__attach(skel->progs.on_exec);
	if (!link || bpf_link__pin(link, DPIN_LINK) || bpf_map__pin(skel->maps.execs, DPIN_MAP))
		return 2;
	bpf_link__destroy(link); /* closes the descriptor; the pin keeps the link */
	dpin_bpf__destroy(skel);
	printf("pinned\n");
	return 0;
}
