/* SPDX-License-Identifier: MIT */
/*
 * fixture.c - the probe tests' shared fixture loader (fixture.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

struct userbpf_object *probe_fixture_open(const char *name)
{
	char path[512];
	struct userbpf_object *obj;

	snprintf(path, sizeof(path), "%s/probe/%s.bpf.o", test_build_dir(), name);
	obj = userbpf_object__open_file(path, NULL);
	if (!obj) {
		test_skip("%s: %s (clang missing?)", path, strerror(errno));
		return NULL;
	}
	if (userbpf_object__load(obj)) {
		test_fail(__FILE__, __LINE__, "load %s: %s", path, userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return NULL;
	}
	return obj;
}

uint64_t probe_fixture_value(struct userbpf_object *obj, const char *map, uint32_t key)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, map);
	uint64_t v = 0;

	if (m)
		userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, &v, 0);
	return v;
}

int probe_fixture_child(void (*child)(int fd), void *out, size_t size)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
		_exit(3); /* child() returned: it must exit */
	}
	close(p[1]);
	n = read(p[0], out, size);
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return n == (ssize_t)size && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void probe_fixture_report(int fd, const void *out, size_t size)
{
	if (write(fd, out, size) != (ssize_t)size)
		_exit(2);
	_exit(0);
}

int probe_run(const char *cmd, char *out, size_t out_sz)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, got;

	out[0] = '\0';
	if (!p)
		return -1;
	while (n + 1 < out_sz && (got = fread(out + n, 1, out_sz - 1 - n, p)))
		n += got;
	out[n] = '\0';
	return pclose(p);
}

const char *probe_drop(void)
{
	return getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
}

bool probe_trace_ready(const char *example)
{
	char path[512];

	if (PROBE_SANITIZED) {
		test_skip("the agent cannot be preloaded into an uninstrumented command "
			  "in a sanitizer build");
		return false;
	}
	snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), example);
	if (access(path, R_OK)) {
		test_skip("%s missing (clang?)", path);
		return false;
	}
	setenv("B", test_build_dir(), 1);
	return true;
}

int probe_fixture_map_imm(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

int probe_fixture_seccomp_filters(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp_filters: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

struct userbpf_prog *probe_fixture_counter(struct userbpf_map *map, const char *name)
{
	struct userbpf_insn p[] = {
		PROBE_FIXTURE_INC(0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_TRACEPOINT,
		     .name = name);

	return userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
}
