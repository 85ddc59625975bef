/* SPDX-License-Identifier: MIT */
/*
 * ksys_app - a libbpf application for test_ksyscall.c: it loads
 * build/probe/ksys.bpf.o with libbpf, attaches every program (libbpf's
 * ksyscall goes through perf_event_open on the kprobe PMU with
 * __x64_sys_NAME, after its syscall-wrapper probe on __x64_sys_bpf), makes
 * three lseek(77, ...) and three getppid() calls and prints the "seen"
 * map as "KEY=VALUE ...".  Run under "userbpf launch".
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj = argc > 1 ? bpf_object__open_file(argv[1], NULL) : NULL;
	struct bpf_program *p;
	int fd, i;

	if (!obj || bpf_object__load(obj)) {
		printf("load failed\n");
		return 1;
	}
	bpf_object__for_each_program(p, obj)
	{
		if (!bpf_program__attach(p)) {
			printf("attach %s failed\n", bpf_program__name(p));
			return 2;
		}
	}
	for (i = 0; i < 3; i++)
		lseek(77, 1234 + i, SEEK_CUR);
	for (i = 0; i < 3; i++)
		getppid();
	fd = bpf_object__find_map_fd_by_name(obj, "seen");
	for (unsigned k = 0; k < 8; k++) {
		unsigned long long v = 0;

		bpf_map_lookup_elem(fd, &k, &v);
		printf("%u=%lld ", k, (long long)v);
	}
	printf("\n");
	return 0;
}
