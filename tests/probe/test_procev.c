/* SPDX-License-Identifier: MIT */
/*
 * test_procev.c - process events in process (tests/probe/procev.bpf.c):
 * sched_process_exec with its __data_loc filename, pid and old_pid;
 * sched_process_exit with comm, pid, prio and group_dead; sched_process_fork
 * fired in the child with parent and child pids and the child's comm;
 * detach stops them; an unknown sched tracepoint fails with ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

static uint64_t got(struct userbpf_object *obj, uint32_t key)
{
	return probe_fixture_value(obj, "got", key);
}

static uint64_t str8(const char *s)
{
	uint64_t v = 0;
	size_t n = strnlen(s, 8);

	memcpy(&v, s, n);
	return v;
}

static struct userbpf_link *attach(struct userbpf_object *obj, const char *name)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, name);

	return p ? userbpf_program__attach_opts(p, NULL) : NULL;
}

TEST(procev_exec_exit_records)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	struct userbpf_link *le, *lx;
	char name[17] = "", want[17] = "";

	if (!obj)
		return;
	le = attach(obj, "on_exec");
	lx = attach(obj, "on_exit");
	ASSERT_TRUE(le && lx);
	ASSERT_OK(userbpf_probe__process_exec("/usr/bin/whatever", 4242));
	ASSERT_EQ(got(obj, 0), 1);
	ASSERT_EQ(got(obj, 1), getpid());
	ASSERT_EQ(got(obj, 2), 4242);
	ASSERT_EQ(got(obj, 3), str8("/usr/bin"));
	ASSERT_OK(userbpf_probe__process_exec("/sbin/xyz", 0));
	ASSERT_EQ(got(obj, 2), getpid());
	ASSERT_EQ(got(obj, 3), str8("/sbin/xy"));
	ASSERT_ERR(userbpf_probe__process_exec(NULL, 0), -EINVAL);

	prctl(PR_GET_NAME, name, 0, 0, 0);
	memcpy(want, name, 8);
	ASSERT_OK(userbpf_probe__process_exit(true));
	ASSERT_EQ(got(obj, 4), 1);
	ASSERT_EQ(got(obj, 5), syscall(SYS_gettid));
	ASSERT_EQ(got(obj, 6), 120 << 8 | 1);
	ASSERT_EQ(got(obj, 7), str8(want));
	ASSERT_EQ(userbpf_link__hits(le), 2);

	userbpf_link__destroy(le);
	userbpf_probe__process_exec("/after/detach", 0);
	ASSERT_EQ(got(obj, 0), 2);
	ASSERT_EQ(userbpf_link__hits(lx), 1);
	userbpf_link__destroy(lx);
	userbpf_object__close(obj);
}

TEST(procev_fork_in_child)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	struct userbpf_link *lf;
	int status, fds[2];
	uint64_t vals[4] = { 0 };
	pid_t child;

	if (!obj)
		return;
	lf = attach(obj, "on_fork");
	ASSERT_TRUE(lf);
	ASSERT_OK(pipe(fds));
	child = fork();
	if (child == 0) {
		uint32_t k;

		for (k = 0; k < 4; k++)
			vals[k] = got(obj, 8 + k);
		if (write(fds[1], vals, sizeof(vals)) != sizeof(vals))
			_exit(2);
		_exit(0);
	}
	ASSERT_TRUE(child > 0);
	close(fds[1]);
	ASSERT_EQ(read(fds[0], vals, sizeof(vals)), sizeof(vals));
	close(fds[0]);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_EQ(vals[0], 1);
	ASSERT_EQ(vals[1], getpid());
	ASSERT_EQ(vals[2], child);
	{
		char name[17] = "";

		prctl(PR_GET_NAME, name, 0, 0, 0);
		ASSERT_EQ(vals[3], str8(name));
	}
	ASSERT_EQ(got(obj, 8), 0); /* the parent's maps are untouched */
	userbpf_link__destroy(lf);
	userbpf_object__close(obj);
}

TEST(procev_unknown_tracepoint)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	struct userbpf_program *p;
	char err[128] = "";
	USERBPF_OPTS(userbpf_uprobe_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	if (!obj)
		return;
	p = userbpf_object__find_program_by_name(obj, "on_exec");
	ASSERT_TRUE(!userbpf_probe__attach_tracepoint(userbpf_program__prog(p), "sched",
						      "sched_switch", &o));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_CONTAINS(err, "sched/sched_switch");
	userbpf_object__close(obj);
}
