/* SPDX-License-Identifier: MIT */
/*
 * dksym.c - run by test_launch_ksym.c under "userbpf launch": attaches
 * dksym.bpf.c's kill() tracepoint, starts a child that names itself
 * "dksym_target", sends it signal 0, then signal 0 to a pid above
 * PID_MAX_LIMIT (no such task), and prints what the program found of
 * each target.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dksym.h"
#include "dksym.skel.h"

#define NO_SUCH_PID ((4 << 20) + 1)

static void show(struct dksym_bpf *skel, const char *what, int pid)
{
	struct dksym_target v;

	memset(&v, 0, sizeof(v));
	if (bpf_map__lookup_elem(skel->maps.targets, &pid, sizeof(pid), &v, sizeof(v), 0)) {
		printf("%s: not seen\n", what);
		return;
	}
	printf("%s: found=%d tgid_ok=%d comm=%s missing_exists=%d\n", what, v.found, v.tgid == pid,
	       v.comm, v.missing_exists);
}

int main(void)
{
	struct dksym_bpf *skel;
	int pfd[2], child;
	char c;

	skel = dksym_bpf__open();
	if (!skel)
		return 1;
	skel->bss->my_pid = getpid();
	if (dksym_bpf__load(skel) || dksym_bpf__attach(skel)) {
		fprintf(stderr, "load/attach failed\n");
		return 1;
	}
	if (pipe(pfd))
		return 1;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		prctl(PR_SET_NAME, "dksym_target", 0, 0, 0);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (child < 0 || read(pfd[0], &c, 1) != 1)
		return 1;
	kill(child, 0);
	kill(NO_SUCH_PID, 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	show(skel, "target", child);
	show(skel, "no such pid", NO_SUCH_PID);
	dksym_bpf__destroy(skel);
	return 0;
}
