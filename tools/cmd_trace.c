/* SPDX-License-Identifier: MIT */
/*
 * cmd_trace.c - "userbpf trace OBJ [--prog NAME]... [--json] -- COMMAND
 * ARGS...": run COMMAND with the tracing agent preloaded (LD_PRELOAD of
 * libuserbpf-agent.so, next to this binary or $USERBPF_AGENT), which
 * loads OBJ inside it and attaches its probe programs; print bpf_printk
 * lines and ring-buffer records live, and the maps when the command ends
 * (log2 histograms in bcc's style for maps named *hist* with u32 keys and
 * u64 values).  The command's stdin/stdout/stderr are its own; its exit
 * status is ours, and if a signal killed it we die of the same signal.
 * SIGINT/SIGTERM/SIGHUP reaching us are passed on to the command.
 *
 * Exit status: the command's; 1 when tracing could not start; 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/agent/trace_proto.h"
#include "cli.h"

static pid_t child = -1;
static bool json;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s trace OBJ [--prog NAME]... [--json] -- COMMAND [ARGS...]\n"
		"       %s trace OBJ [--prog NAME] --iface IF [--count N] [--duration S] [--json]\n",
		cli_prog_name, cli_prog_name);
	exit(2);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static void print_json_str(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_hex(const uint8_t *p, size_t n, bool spaced)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf(spaced && i ? " %02x" : "%02x", p[i]);
}

/* Integers for 1/2/4/8-byte fields, hex otherwise. */
static void print_field(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	if (n == 1 || n == 2 || n == 4 || n == 8) {
		memcpy(&v, p, n);
		printf("%" PRIu64, v);
	} else {
		if (json)
			putchar('"');
		print_hex(p, n, !json);
		if (json)
			putchar('"');
	}
}

/* ==== Maps ==== */

struct map_dump {
	char name[64];
	struct trace_map_info info;
	uint8_t *entries;	/* key + value each */
	size_t cnt, cap;
};

static bool is_hist(const struct map_dump *m)
{
	return strstr(m->name, "hist") && m->info.key_size == 4 &&
	       (m->info.value_size == 8 || m->info.value_size == 4) &&
	       (m->info.type == USERBPF_MAP_TYPE_ARRAY || m->info.type == USERBPF_MAP_TYPE_HASH);
}

/* bcc's print_log2_hist */
static void print_log2_hist(const struct map_dump *m)
{
	uint64_t slots[64] = { 0 }, max = 0;
	size_t esz = m->info.key_size + m->info.value_size, i;
	int last = -1, k;

	for (i = 0; i < m->cnt; i++) {
		const uint8_t *e = m->entries + i * esz;
		uint32_t key;
		uint64_t v = 0;

		memcpy(&key, e, 4);
		memcpy(&v, e + 4, m->info.value_size);
		if (key < 64)
			slots[key] += v;
	}
	for (k = 0; k < 64; k++) {
		if (slots[k])
			last = k;
		if (slots[k] > max)
			max = slots[k];
	}
	printf("@%s:\n", m->name);
	printf("%24s : count    distribution\n", "value");
	for (k = 0; k <= last; k++) {
		uint64_t low = (1ull << (k + 1)) >> 1, high = (1ull << (k + 1)) - 1;
		char stars[41];
		int n = max ? (int)(slots[k] * 40 / max) : 0;

		if (low == high)
			low--;
		memset(stars, '*', (size_t)n);
		memset(stars + n, ' ', (size_t)(40 - n));
		stars[40] = '\0';
		printf("%10" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " |%s|\n", low, high,
		       slots[k], stars);
	}
}

static void print_map(const struct map_dump *m)
{
	size_t esz = m->info.key_size + m->info.value_size, i;

	if (json) {
		for (i = 0; i < m->cnt; i++) {
			const uint8_t *e = m->entries + i * esz;

			printf("{\"type\":\"map\",\"map\":");
			print_json_str(m->name, strlen(m->name));
			printf(",\"key\":");
			print_field(e, m->info.key_size);
			printf(",\"value\":");
			print_field(e + m->info.key_size, m->info.value_size);
			printf("}\n");
		}
		return;
	}
	if (is_hist(m)) {
		print_log2_hist(m);
		return;
	}
	printf("@%s:\n", m->name);
	for (i = 0; i < m->cnt; i++) {
		const uint8_t *e = m->entries + i * esz;

		printf("  [");
		print_field(e, m->info.key_size);
		printf("] = ");
		print_field(e + m->info.key_size, m->info.value_size);
		putchar('\n');
	}
}

/* ==== Events ==== */

/* Read messages until EOF; returns 0, or 1 if the agent reported an error. */
static int consume(int fd)
{
	struct map_dump maps[32];
	size_t map_cnt = 0, i;
	uint8_t *buf = malloc(TRACE_MSG_MAX + 1);
	struct trace_msg_hdr h;
	int ret = 0;

	if (!buf)
		cli_die(1, "out of memory");
	while (!read_full(fd, &h, sizeof(h))) {
		if (h.len > TRACE_MSG_MAX || read_full(fd, buf, h.len))
			break;
		buf[h.len] = '\0';
		switch (h.type) {
		case TRACE_MSG_ERROR:
			fprintf(stderr, "%s: trace: %s\n", cli_prog_name, (char *)buf);
			ret = 1;
			break;
		case TRACE_MSG_READY:
			break;
		case TRACE_MSG_PRINTK:
			if (json) {
				printf("{\"type\":\"printk\",\"msg\":");
				print_json_str((char *)buf, h.len);
				printf("}\n");
			} else {
				printf("%s\n", (char *)buf);
			}
			fflush(stdout);
			break;
		case TRACE_MSG_RINGBUF: {
			size_t nl = strnlen((char *)buf, h.len);

			if (nl == h.len)
				break;
			if (json) {
				printf("{\"type\":\"ringbuf\",\"map\":");
				print_json_str((char *)buf, nl);
				printf(",\"data\":\"");
				print_hex(buf + nl + 1, h.len - nl - 1, false);
				printf("\"}\n");
			} else {
				printf("%s: ", (char *)buf);
				print_hex(buf + nl + 1, h.len - nl - 1, true);
				putchar('\n');
			}
			fflush(stdout);
			break;
		}
		case TRACE_MSG_MAP:
			if (map_cnt == sizeof(maps) / sizeof(maps[0]) ||
			    h.len < sizeof(struct trace_map_info))
				break;
			memset(&maps[map_cnt], 0, sizeof(maps[0]));
			memcpy(&maps[map_cnt].info, buf, sizeof(struct trace_map_info));
			snprintf(maps[map_cnt].name, sizeof(maps[0].name), "%s",
				 (char *)buf + sizeof(struct trace_map_info));
			map_cnt++;
			break;
		case TRACE_MSG_ENTRY: {
			struct map_dump *m = map_cnt ? &maps[map_cnt - 1] : NULL;
			size_t esz = m ? m->info.key_size + m->info.value_size : 0;

			if (!m || h.len != esz)
				break;
			if (m->cnt == m->cap) {
				size_t cap = m->cap ? m->cap * 2 : 16;
				uint8_t *n = realloc(m->entries, cap * esz);

				if (!n)
					cli_die(1, "out of memory");
				m->entries = n;
				m->cap = cap;
			}
			memcpy(m->entries + m->cnt * esz, buf, esz);
			m->cnt++;
			break;
		}
		default:
			break;
		}
	}
	for (i = 0; i < map_cnt; i++) {
		if (!json && i)
			putchar('\n');
		print_map(&maps[i]);
		free(maps[i].entries);
	}
	fflush(stdout);
	free(buf);
	return ret;
}

static void agent_path(char *out, size_t sz)
{
	const char *env = getenv("USERBPF_AGENT");
	char self[PATH_MAX - 64];
	ssize_t n;
	char *slash;

	if (env) {
		snprintf(out, sz, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		cli_die(1, "trace: cannot find the agent: set USERBPF_AGENT");
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, sz, "%s/libuserbpf-agent.so", self);
}

int cli_cmd_trace(int argc, char **argv)
{
	char agent[PATH_MAX], obj_path[PATH_MAX], fdbuf[16], progs[1024] = "";
	const char *obj = NULL;
	int i, pipefd[2], status, agent_err;
	struct sigaction sa;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--iface")) /* live packets: cmd_packet.c */
			return cli_cmd_trace_iface(argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			size_t l = strlen(progs);

			snprintf(progs + l, sizeof(progs) - l, "%s%s", l ? "," : "", argv[++i]);
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
		} else if (argv[i][0] != '-' && !obj) {
			obj = argv[i];
		} else {
			usage();
		}
	}
	if (!obj || i >= argc)
		usage();
	if (!realpath(obj, obj_path))
		cli_die(2, "trace: %s: %s", obj, strerror(errno));
	agent_path(agent, sizeof(agent));
	if (access(agent, R_OK))
		cli_die(1, "trace: agent %s: %s", agent, strerror(errno));
	if (pipe(pipefd))
		cli_die(1, "trace: pipe: %s", strerror(errno));
	fflush(NULL);
	child = fork();
	if (child < 0)
		cli_die(1, "trace: fork: %s", strerror(errno));
	if (child == 0) {
		close(pipefd[0]);
		snprintf(fdbuf, sizeof(fdbuf), "%d", pipefd[1]);
		setenv(TRACE_ENV_OBJ, obj_path, 1);
		setenv(TRACE_ENV_FD, fdbuf, 1);
		if (progs[0])
			setenv(TRACE_ENV_PROGS, progs, 1);
		setenv("LD_PRELOAD", agent, 1);
		execvp(argv[i], argv + i);
		fprintf(stderr, "%s: trace: %s: %s\n", cli_prog_name, argv[i], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	agent_err = consume(pipefd[0]);
	close(pipefd[0]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			cli_die(1, "trace: waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	if (agent_err && WEXITSTATUS(status) == 127)
		return 1;
	return WEXITSTATUS(status);
}
