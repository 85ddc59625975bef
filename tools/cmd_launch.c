/* SPDX-License-Identifier: MIT */
/*
 * cmd_launch.c - "userbpf launch [--domain NAME] -- PROGRAM ARGS...":
 * runs an unmodified libbpf application with libuserbpf-launch.so (next
 * to this binary, or $USERBPF_LAUNCH_LIB) preloaded, so its bpf(),
 * perf_event_open(), ioctl, mmap and sysfs/tracefs reads are answered by
 * userbpf inside the process (src/launch/).  The domain is a directory,
 * $TMPDIR/userbpf-UID/NAME ("default" without --domain), holding the
 * trace_pipe file its bpf_printk lines go to.  With --domain the
 * processes share one BPF object space (src/domain/): the arena file
 * lives on /dev/shm (or in that directory) and the command runs with address-space
 * randomisation off, so the interposer sits at the same address in every
 * process of the domain.
 *
 * "userbpf trace-pipe [--domain NAME] [--no-follow]" prints that file and
 * follows it, as "cat /sys/kernel/tracing/trace_pipe" does.
 * "userbpf domain rm NAME" removes a domain's directory and arena, once no
 * process of the domain is left (cli_cmd_domain).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void domain_dir(const char *name, char *out, size_t sz, bool create)
{
	const char *tmp = getenv("TMPDIR");
	char base[PATH_MAX - 128];

	if (name && name[0] == '-')
		cli_die(2, "--domain needs a NAME (got '%s')", name);
	if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		cli_die(2, "bad domain name '%s'", name ? name : "");
	snprintf(base, sizeof(base), "%s/userbpf-%u", tmp && tmp[0] ? tmp : "/tmp",
		 (unsigned)getuid());
	if (create && mkdir(base, 0700) && errno != EEXIST)
		cli_die(1, "launch: %s: %s", base, strerror(errno));
	snprintf(out, sz, "%s/%s", base, name);
	if (create && mkdir(out, 0700) && errno != EEXIST)
		cli_die(1, "launch: %s: %s", out, strerror(errno));
}

/* The domain's arena: on /dev/shm (memory) when writable, named after
 * the domain directory, else in the directory itself. */
static void arena_path(const char *dir, const char *name, char *out, size_t sz)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p;

	for (p = dir; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	if (!access("/dev/shm", W_OK | X_OK))
		snprintf(out, sz, "/dev/shm/userbpf-%u-%016llx-%s", (unsigned)getuid(),
			 (unsigned long long)h, name);
	else
		snprintf(out, sz, "%s/arena", dir);
}

/* Anonymous arenas (a launch without --domain) are named so. */
#define ANON_PREFIX "userbpf-%u-anon-"
/* The byte every member of a domain read-locks (the arena's size, 4 GiB:
 * DOMAIN_SIZE, src/launch/sync.c). */
#define ANON_LOCK_OFF (1ull << 32)
/* An anonymous arena older than this with no member is a leftover. */
#define ANON_STALE_SEC 60

/*
 * Remove the anonymous arenas in dir (of this user) that no process uses
 * any more: every member holds a read lock (an OFD lock, sync.c) on the
 * arena's last byte from its join to its exit, so a write lock granted
 * means none is left (its members were killed: the last one's leave,
 * which removes it, never ran).  A young arena (modified within the last
 * minute: its creation) is left alone: its first member may not hold the
 * lock yet.
 */
static void anon_sweep(const char *dir)
{
	char prefix[64], path[PATH_MAX + 256];
	struct dirent *de;
	time_t now = time(NULL);
	DIR *d = opendir(dir);

	if (!d)
		return;
	snprintf(prefix, sizeof(prefix), ANON_PREFIX, (unsigned)getuid());
	while ((de = readdir(d))) {
		struct flock fl = {
			.l_type = F_WRLCK,
			.l_whence = SEEK_SET,
			.l_start = (off_t)ANON_LOCK_OFF,
			.l_len = 1,
		};
		struct stat st;
		int fd;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == getuid() &&
		    now - st.st_mtime >= ANON_STALE_SEC && !fcntl(fd, F_OFD_SETLK, &fl))
			unlink(path);
		close(fd);
	}
	closedir(d);
}

/* A new anonymous arena's path: on /dev/shm as a named one, else in the
 * user's directory of domains (base); leftovers swept first. */
static void anon_arena_path(const char *base, char *out, size_t sz)
{
	const char *dir = access("/dev/shm", W_OK | X_OK) ? base : "/dev/shm";
	struct timespec ts;
	uint64_t r;

	anon_sweep(dir);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^
	    ((uint64_t)getpid() << 40);
	snprintf(out, sz, "%s/" ANON_PREFIX "%d-%016llx", dir, (unsigned)getuid(), (int)getpid(),
		 (unsigned long long)r);
}

static void launch_usage(void)
{
	fprintf(stderr,
		"usage: %s launch [--domain NAME] -- PROGRAM [ARGS...]\n"
		"Run an unmodified libbpf application with userbpf answering bpf(),\n"
		"perf_event_open() and the tracefs/sysfs files it uses.\n",
		cli_prog_name);
	exit(2);
}

int cli_cmd_launch(int argc, char **argv)
{
	char lib[PATH_MAX], dir[PATH_MAX], pipe_path[PATH_MAX + 16], preload[2 * PATH_MAX];
	char arena[PATH_MAX + 16];
	const char *domain = "default", *old;
	bool shared = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--domain") && i + 1 < argc) {
			domain = argv[++i];
			shared = true;
		} else if (argv[i][0] != '-') {
			break;
		} else {
			launch_usage();
		}
	}
	if (i >= argc)
		launch_usage();
	cli_sibling_path(lib, sizeof(lib), "USERBPF_LAUNCH_LIB", "libuserbpf-launch.so");
	if (access(lib, R_OK))
		cli_die(1, "launch: interposer %s: %s", lib, strerror(errno));
	domain_dir(domain, dir, sizeof(dir), true);
	snprintf(pipe_path, sizeof(pipe_path), "%s/trace_pipe", dir);
	old = getenv("LD_PRELOAD");
	snprintf(preload, sizeof(preload), "%s%s%s", lib, old && old[0] ? ":" : "", old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	setenv("USERBPF_DOMAIN", domain, 1);
	setenv("USERBPF_TRACE_PIPE", pipe_path, 1);
	/* without --domain an anonymous domain of its own: the command and
	 * its descendants (forked or exec'd) share one object space, as the
	 * kernel's processes do; it ends with its last process */
	if (shared) {
		arena_path(dir, domain, arena, sizeof(arena));
	} else {
		char base[PATH_MAX - 128];

		snprintf(base, sizeof(base), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
		anon_arena_path(base, arena, sizeof(arena));
	}
	setenv("USERBPF_DOMAIN_ARENA", arena, 1);
	{
		int pers = personality(0xffffffff);

		if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE))
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
	}
	execvp(argv[i], argv + i);
	cli_die(127, "launch: %s: %s", argv[i], strerror(errno));
}

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

int cli_cmd_trace_pipe(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[4096];
	const char *domain = "default";
	bool follow = true;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--domain") && i + 1 < argc)
			domain = argv[++i];
		else if (!strcmp(argv[i], "--no-follow"))
			follow = false;
		else
			cli_die(2, "usage: %s trace-pipe [--domain NAME] [--no-follow]",
				cli_prog_name);
	}
	domain_dir(domain, dir, sizeof(dir), false);
	snprintf(path, sizeof(path), "%s/trace_pipe", dir);
	f = fopen(path, "r");
	if (!f && follow)
		domain_dir(domain, dir, sizeof(dir), true), f = fopen(path, "a+");
	if (!f)
		cli_die(1, "trace-pipe: %s: %s", path, strerror(errno));
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	while (!stop) {
		size_t n = fread(buf, 1, sizeof(buf), f);

		if (n) {
			fwrite(buf, 1, n, stdout);
			fflush(stdout);
			continue;
		}
		if (!follow)
			break;
		clearerr(f);
		usleep(100000);
	}
	fclose(f);
	return 0;
}

/*
 * The processes that map the arena file at path or path2 (members of the domain,
 * forked children included): their pids in pids[0..max), the count.  A
 * member maps the arena from its join to its exit; processes of other
 * users whose maps cannot be read are not counted.
 */
static bool maps_line_names(const char *p, const char *path)
{
	size_t plen = strlen(path);

	return p && !strncmp(p, path, plen) && (!p[plen] || p[plen] == ' ');
}

static int arena_users(const char *path, const char *path2, int *pids, int max)
{
	char maps[64], line[PATH_MAX + 256];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);
		FILE *f;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
		f = fopen(maps, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *p = strchr(line, '/'), *nl = strchr(line, '\n');

			if (nl)
				*nl = '\0';
			if (maps_line_names(p, path) || maps_line_names(p, path2)) {
				if (n < max)
					pids[n] = pid;
				n++;
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * "domain rm NAME [--wait SEC]": the contract is that when it returns 0
 * the domain's files (its directory with trace_pipe, the arena) are gone
 * and no process of the domain is left to make them again.  A domain
 * with live processes (they map its arena) is not removed: rm waits up
 * to SEC seconds (default 2: a last member may still be exiting) for them
 * to go, then refuses (EBUSY, exit 1, their pids named), leaving every
 * file in place.  The arena's file lock, which a joining or leaving
 * member holds (src/domain/arena.c), is taken first, so a join or the
 * last member's leave in progress finishes before the check.
 */
int cli_cmd_domain(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], arena[PATH_MAX + 16];
	int pids[8], n, i, fd, waited = 0, wait_ms = 2000;
	const char *name = NULL;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--wait") && i + 1 < argc)
			wait_ms = atoi(argv[++i]) * 1000;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			name = NULL, i = argc + 1;
	}
	if (argc < 3 || strcmp(argv[1], "rm") || !name || i > argc)
		cli_die(2, "usage: %s domain rm NAME [--wait SECONDS]", cli_prog_name);
	domain_dir(name, dir, sizeof(dir), false);
	arena_path(dir, name, arena, sizeof(arena));
	snprintf(path, sizeof(path), "%s/arena", dir);
	fd = open(arena, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDWR | O_CLOEXEC);
	for (;;) {
		if (fd >= 0)
			flock(fd, LOCK_EX);
		n = arena_users(arena, path, pids, 8);
		if (!n || waited >= wait_ms)
			break;
		if (fd >= 0)
			flock(fd, LOCK_UN);
		usleep(50000);
		waited += 50;
	}
	if (n) {
		char list[128];
		size_t len = 0;

		list[0] = '\0';
		for (i = 0; i < n && i < 8; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, " %d", pids[i]);
		cli_die(1, "domain rm: %s: %s (%d process%s still in it:%s%s)", name,
			strerror(EBUSY), n, n == 1 ? "" : "es", list, n > 8 ? " ..." : "");
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", dir);
	if (unlink(path) && errno != ENOENT)
		cli_die(1, "domain rm: %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/arena", dir);
	if (unlink(path) && errno != ENOENT)
		cli_die(1, "domain rm: %s: %s", path, strerror(errno));
	if (unlink(arena) && errno != ENOENT)
		cli_die(1, "domain rm: %s: %s", arena, strerror(errno));
	if (rmdir(dir))
		cli_die(1, "domain rm: %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}
