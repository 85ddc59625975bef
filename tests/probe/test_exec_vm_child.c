/* SPDX-License-Identifier: MIT */
/*
 * test_exec_vm_child.c - sys_enter_execve and sys_exit_execve of the
 * execs made in a child that shares its parent's memory: posix_spawn's,
 * posix_spawnp's (one attempt per PATH entry), system's and popen's
 * CLONE_VM|CLONE_VFORK child, and a vfork child (through the agent's
 * execve, through syscall(), and a failed one).  A small program
 * (vmxact, compiled here) makes them; execvm.bpf.c records each action's
 * enters and exits, the error, the ids, comm, filename, argv[0] and
 * envp[0] as read.  The kernel's tracepoints (libbpf, as root) are the
 * oracle; "userbpf trace --follow" must give the same records.  Before,
 * under trace the enter of every one of these was missing (the new
 * image's sys_exit_execve 0 was seen), and a failed exec in a posix_spawn
 * child fired nothing.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

#define NACT 8
#define NF 16

static const char vmxact_src[] =
	"#include <spawn.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n"
	"#include <sys/syscall.h>\n#include <sys/wait.h>\n"
	"extern char **environ;\n"
	"static void reap(char c, pid_t pid, int r)\n{\n\tint st;\n"
	"\tif (!r)\n\t\twaitpid(pid, &st, 0);\n"
	"\tprintf(\"%c=%d\\n\", c, r ? -r : (int)pid);\n}\n"
	"int main(void)\n{\n"
	"\tchar *a[] = { \"true\", \"VMXa\", NULL }, *b[] = { \"vmx\", \"VMXb\", NULL };\n"
	"\tchar *c[] = { \"true\", \"VMXc\", NULL }, *f[] = { \"true\", \"VMXf\", NULL };\n"
	"\tchar *g[] = { \"true\", \"VMXg\", NULL }, *h[] = { \"vmx\", \"VMXh\", NULL };\n"
	"\tchar *path = getenv(\"PATH\");\n\tpid_t pid = 0;\n\tFILE *p;\n"
	"\treap('a', pid, posix_spawn(&pid, \"/bin/true\", NULL, NULL, a, environ));\n"
	"\treap('b', pid, posix_spawn(&pid, \"/nonexistent/vmx\", NULL, NULL, b, environ));\n"
	"\tpath = path ? strdup(path) : NULL;\n"
	"\tsetenv(\"PATH\", \"/nonexistent1:/bin\", 1);\n"
	"\treap('c', pid, posix_spawnp(&pid, \"true\", NULL, NULL, c, environ));\n"
	"\tif (path)\n\t\tsetenv(\"PATH\", path, 1);\n"
	"\tprintf(\"d=%d\\n\", system(\"VMXd=1 true\"));\n"
	"\tp = popen(\"VMXe=1 true\", \"r\");\n\tprintf(\"e=%d\\n\", p ? pclose(p) : -1);\n"
	"\tfflush(stdout);\n"
	"\tif (!(pid = vfork())) {\n\t\texecve(\"/bin/true\", f, environ);\n\t\t_exit(127);\n\t}\n"
	"\treap('f', pid, 0);\n"
	"\tif (!(pid = vfork())) {\n\t\tsyscall(SYS_execve, \"/bin/true\", g, environ);\n"
	"\t\t_exit(127);\n\t}\n\treap('g', pid, 0);\n"
	"\tif (!(pid = vfork())) {\n\t\texecve(\"/nonexistent/vmx\", h, environ);\n"
	"\t\t_exit(127);\n\t}\n\treap('h', pid, 0);\n\treturn 0;\n}\n";

/* vmxact compiled into dir (dir/vmxact): false when cc failed. */
static bool build_vmxact(const char *dir)
{
	char path[256], cmd[768], out[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vmxact.c", dir);
	f = fopen(path, "w");
	if (!f)
		return false;
	fprintf(f, "#include <string.h>\n%s", vmxact_src);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -O1 -o %s/vmxact %s 2>&1", dir, path);
	return probe_run(cmd, out, sizeof(out)) == 0;
}

struct vm_out {
	int64_t err;
	int64_t v[NACT * NF];
	char out[512];
};

static char vm_dir[64];

/* The oracle: execvm.bpf.o on the kernel's tracepoints around a run of
 * vmxact (its output: the children's pids). */
static void child_kernel(int fd)
{
	char path[512], cmd[512];
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_link *links[2];
	struct vm_out o;
	int n = 0, mfd;
	uint32_t k;

	memset(&o, 0, sizeof(o));
	snprintf(path, sizeof(path), "%s/probe/execvm.bpf.o", test_build_dir());
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		o.err = 2000;
		probe_fixture_report(fd, &o, sizeof(o));
	}
	bpf_object__for_each_program(p, obj)
	{
		links[n] = bpf_program__attach(p);
		if (!links[n]) {
			o.err = 3000 + n;
			probe_fixture_report(fd, &o, sizeof(o));
		}
		n++;
	}
	snprintf(cmd, sizeof(cmd), "%s/vmxact", vm_dir);
	probe_run(cmd, o.out, sizeof(o.out));
	mfd = bpf_object__find_map_fd_by_name(obj, "vm");
	for (k = 0; k < NACT * NF; k++)
		bpf_map_lookup_elem(mfd, &k, &o.v[k]);
	while (n--)
		bpf_link__destroy(links[n]);
	bpf_object__close(obj);
	probe_fixture_report(fd, &o, sizeof(o));
}

/* The values of the map dump "@vm:" in a trace's output ("  [K] = V"). */
static void parse_dump(const char *out, int64_t v[NACT * NF])
{
	const char *p = strstr(out, "@vm:");

	memset(v, 0, sizeof(int64_t) * NACT * NF);
	while (p && (p = strstr(p, "\n  ["))) {
		unsigned k;
		long long x;

		p += 4;
		if (sscanf(p, "%u] = %lld", &k, &x) == 2 && k < NACT * NF)
			v[k] = x;
	}
}

/* The pid vmxact printed for action c ("c=PID"), 0 when none. */
static long printed_pid(const char *out, char c)
{
	char key[4] = { '\n', c, '=', 0 };
	const char *p = out[0] == c && out[1] == '=' ? out - 1 : strstr(out, key);

	return p ? atol(p + 3) : 0;
}

static void check_action_pids(const int64_t *v, const char *out)
{
	static const char with_pid[] = "acfgh";
	size_t i;

	for (i = 0; i < sizeof(with_pid) - 1; i++) {
		int a = with_pid[i] - 'a';

		ASSERT_TRUE(printed_pid(out, with_pid[i]) > 0);
		ASSERT_EQ(v[a * NF + 5], printed_pid(out, with_pid[i]));
	}
}

TEST(exec_vm_child_trace_matches_kernel)
{
	static const char *const modes[] = { "--follow", "--follow --no-shared", "" };
	struct vm_out kern;
	char cmd[1024], out[65536];
	int64_t v[NACT * NF];
	size_t m;
	int a, f;

	if (!probe_trace_ready("minimal"))
		return;
	snprintf(vm_dir, sizeof(vm_dir), "/tmp/probe_vm_XXXXXX");
	ASSERT_TRUE(mkdtemp(vm_dir) != NULL);
	if (!build_vmxact(vm_dir)) {
		test_skip("cc cannot build the test program");
		return;
	}
	if (geteuid()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	ASSERT_EQ(probe_fixture_child(child_kernel, &kern, sizeof(kern)), 0);
	if (kern.err) {
		test_skip("the kernel cannot load or attach execvm.bpf.o (err %lld)",
			  (long long)kern.err);
		return;
	}
	/* the kernel: what each action did (the oracle checked against the
	 * facts of the program, so a wrong oracle is seen too) */
	ASSERT_EQ(kern.v[0 * NF + 0], 1);  /* posix_spawn */
	ASSERT_EQ(kern.v[1 * NF + 2], 1);  /* ... of a missing file */
	ASSERT_EQ(kern.v[1 * NF + 3], -2); /* ENOENT */
	ASSERT_EQ(kern.v[2 * NF + 0], 2);  /* posix_spawnp: 2 PATH entries */
	ASSERT_EQ(kern.v[7 * NF + 3], -2);
	check_action_pids(kern.v, kern.out);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		snprintf(cmd, sizeof(cmd),
			 "$B/userbpf trace %s $B/probe/execvm.bpf.o -- %s/vmxact 2>&1; "
			 "echo status=$?",
			 modes[m], vm_dir);
		probe_run(cmd, out, sizeof(out));
		ASSERT_CONTAINS(out, "status=0\n");
		parse_dump(out, v);
		if (!modes[m][0]) {
			/* without --follow the children are not traced: none of
			 * their attempts counts in the command's maps */
			for (a = 0; a < NACT * NF; a++)
				ASSERT_EQ(v[a], 0);
			continue;
		}
		for (a = 0; a < NACT; a++)
			for (f = 0; f < NF; f++) {
				/* the pids are per run; --no-shared: a new image
				 * has maps of its own (its exit finds no enter) */
				if (f == 5 || (m == 1 && (f == 1 || f == 10)))
					continue;
				if (v[a * NF + f] != kern.v[a * NF + f])
					fprintf(stderr,
						"%s: action %c field %d: %lld, kernel %lld\n",
						modes[m], 'a' + a, f, (long long)v[a * NF + f],
						(long long)kern.v[a * NF + f]);
				ASSERT_EQ(v[a * NF + f], kern.v[a * NF + f]);
			}
		check_action_pids(v, out);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", vm_dir);
	ASSERT_OK(system(cmd));
}
