/* SPDX-License-Identifier: MIT */
/*
 * dexecve.c - run by test_launch.c under "userbpf launch --domain D": the
 * execve syscall tracepoints of a child started in the domain, as
 * execsnoop attaches them: a failed execv, an execvp whose PATH search
 * fails once then runs /bin/sh, and the shell's exec of /bin/true.
 * Prints the child's events in order, then its exit status.
 * "dexecve spawn": the execs libc makes itself, in children it clones:
 * posix_spawn, system, popen; prints the events of the processes that
 * exec'd them, with the comm at the enter (the spawner's).
 * "dexecve static N": the first, after N children exec'd a static binary
 * (/sbin/ldconfig --version) and ended.
 */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dexecve.h"
#include "dexecve.skel.h"

extern char **environ;

static int child_pid;
static bool spawn_mode;
/* spawn mode: the processes this one spawned, known by the comm at
 * their first enter (on the kernel, execs of the rest of the system come
 * too); the shells' execs follow in the same processes */
static unsigned int ours[16], nours;

static bool spawned(const struct dxe_event *e)
{
	unsigned int i;

	if (!e->exit && nours < 16 && !strcmp(e->comm, "dexecve"))
		ours[nours++] = e->pid;
	for (i = 0; i < nours; i++)
		if (ours[i] == e->pid)
			return true;
	return false;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct dxe_event *e = data;

	(void)ctx;
	(void)size;
	if (spawn_mode ? !spawned(e) : (int)e->pid != child_pid)
		return 0;
	if (e->exit)
		printf("exit %ld %s\n", e->ret, e->ret ? "" : e->name);
	else if (spawn_mode)
		printf("enter %s %s (%s)\n", e->name, e->arg1, e->comm);
	else
		printf("enter %s %s\n", e->name, e->arg1);
	return 0;
}

/* posix_spawn, system and popen, each waited for: their events in order */
static int spawns(struct ring_buffer *rb)
{
	char *one[] = { "true", "one", NULL };
	char line[64] = "";
	pid_t pid;
	FILE *p;
	int st, i;

	if (posix_spawn(&pid, "/bin/true", NULL, NULL, one, environ) || waitpid(pid, &st, 0) != pid)
		return 1;
	printf("posix_spawn exit %d\n", WEXITSTATUS(st));
	st = system("exec /bin/true two");
	printf("system exit %d\n", WEXITSTATUS(st));
	p = popen("exec /bin/echo three", "r");
	if (!p || !fgets(line, sizeof(line), p))
		return 1;
	printf("popen read %s", line);
	printf("popen exit %d\n", WEXITSTATUS(pclose(p)));
	for (i = 0; i < 10; i++)
		ring_buffer__poll(rb, 50);
	return 0;
}

int main(int argc, char **argv)
{
	struct dexecve_bpf *skel = dexecve_bpf__open_and_load();
	struct ring_buffer *rb;
	int st, i, devnull;

	if (!skel || dexecve_bpf__attach(skel))
		return 1;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb)
		return 1;
	fflush(stdout);
	spawn_mode = argc == 2 && !strcmp(argv[1], "spawn");
	if (spawn_mode) {
		st = spawns(rb);
		ring_buffer__free(rb);
		dexecve_bpf__destroy(skel);
		return st;
	}
	/* "dexecve static N": first N children exec a static binary,
	 * which never takes the mark its exec left (their events are not
	 * printed) */
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (i = 0; argc == 3 && !strcmp(argv[1], "static") && i < atoi(argv[2]); i++) {
		char *sargv[] = { "ldconfig", "--version", NULL };
		pid_t p = vfork();

		if (p == 0) {
			/* execve itself: launch's execve (execl calls libc's
			 * inside); its output to /dev/null */
			if (dup2(devnull, 1) != 1)
				_exit(126);
			execve("/sbin/ldconfig", sargv, environ);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
			return 2;
		ring_buffer__poll(rb, 0);
	}
	child_pid = fork();
	if (child_pid == 0) {
		char *bad[] = { "x", "y", NULL };
		char *sh[] = { "sh", "-c", "exec /bin/true one two", NULL };

		execv("/nonexistent/x", bad);
		setenv("PATH", "/nonexistent_dir:/bin", 1);
		execvp("sh", sh);
		_exit(127);
	}
	waitpid(child_pid, &st, 0);
	for (i = 0; i < 10; i++)
		ring_buffer__poll(rb, 50);
	printf("child exit %d\n", WEXITSTATUS(st));
	ring_buffer__free(rb);
	dexecve_bpf__destroy(skel);
	return 0;
}
