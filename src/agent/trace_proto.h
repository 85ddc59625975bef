/* SPDX-License-Identifier: MIT */
/*
 * trace_proto.h - the messages the tracing agent (agent.c, inside the
 * traced command) sends to "userbpf trace" over a pipe.  Each message is
 * one write() of at most PIPE_BUF bytes, so messages from many threads
 * never interleave: a header, then len bytes of payload.
 *
 * Per-process mode (no --follow, --no-shared, --pid): maps stay in the
 * traced process and are sent at exit.  Shared mode (--follow): maps,
 * ring and perf buffers live in the trace's domain (trace_domain.c); the
 * reader sends the records and, once, the maps; the traced processes
 * send printk lines and symbols (docs/probes.md, "Shared maps").
 */
#ifndef USERBPF_TRACE_PROTO_H
#define USERBPF_TRACE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum trace_msg_type {
	TRACE_MSG_ERROR = 1,   /* text: the agent could not start tracing */
	TRACE_MSG_READY = 2,   /* u32 number of attached programs */
	TRACE_MSG_PRINTK = 3,  /* a bpf_printk line (no newline) */
	TRACE_MSG_RINGBUF = 4, /* map name, NUL, record bytes */
	TRACE_MSG_MAP = 5,     /* struct trace_map_info, then the name */
	TRACE_MSG_ENTRY = 6,   /* key bytes then value bytes of the last MAP */
	TRACE_MSG_DONE = 7,    /* the traced process is exiting */
	TRACE_MSG_SYM = 8,     /* u64 address, then its symbol ("f+0x1c (file)") */
	TRACE_MSG_WARN = 9,    /* text: a limit the user should know about */
};

/*
 * pid and src name the agent that sent it: with --follow many processes
 * (and successive images of one pid) write to the same pipe.  A MAP
 * message starts a snapshot of that map from that source, replacing the
 * source's earlier snapshot of the same map; the CLI merges the last
 * snapshots of every source at the end (docs/probes.md, "--follow").
 */
struct trace_msg_hdr {
	uint32_t type;
	uint32_t len;
	uint32_t pid;
	uint32_t src;
};

struct trace_map_info {
	uint32_t type, key_size, value_size, max_entries;
};

/* Environment the CLI sets for the agent. */
#define TRACE_ENV_OBJ "USERBPF_TRACE_OBJ"
#define TRACE_ENV_FD "USERBPF_TRACE_FD"
#define TRACE_ENV_PROGS "USERBPF_TRACE_PROGS"	/* comma-separated names */
#define TRACE_ENV_FOLLOW "USERBPF_TRACE_FOLLOW" /* "1": trace children too */
#define TRACE_ENV_FREQ "USERBPF_TRACE_FREQ"	/* perf_event programs' Hz (49) */
#define TRACE_ENV_SETS "USERBPF_TRACE_SETS"	/* NAME=VALUE lines: globals (--set) */
/* Set by the agent, not the CLI: "1" in the images a process traced
 * without --follow execs while a seccomp filter of the trace is in force
 * (agent.c, guard_start): they load the agent only to survive that
 * inherited filter, and trace nothing. */
#define TRACE_ENV_GUARD "USERBPF_TRACE_GUARD"
#define TRACE_MSG_MAX 4096 /* PIPE_BUF */

/* --pid: the settings file the CLI leaves for the injected agent (%d =
 * the target's pid; lines obj=, progs=, freq=, sock= (abstract socket), and
 * set=NAME=VALUE for each --set). */
#define TRACE_INJECT_CONF "/tmp/userbpf-agent-%d.conf"

/*
 * --shared (trace_domain.c): the trace-private domain.  The CLI names the
 * arena file in TRACE_ENV_ARENA and starts the reader first (TRACE_ENV_READER
 * = 1: an agent that loads the object into the arena, consumes its ring
 * buffers, and sends the maps when the CLI closes TRACE_ENV_CTL), then the
 * command; every traced process joins the domain and attaches the
 * reader's object.
 */
#define TRACE_ENV_ARENA "USERBPF_TRACE_ARENA"
#define TRACE_ENV_READER "USERBPF_TRACE_READER"
#define TRACE_ENV_CTL "USERBPF_TRACE_CTL" /* reader: fd whose EOF ends it */
int tdom_join(const char *path, bool reader);
void tdom_fork_child(void);
void tdom_leave(void);
int tdom_members(int *pids, int max);
void tdom_set_root(void *obj);
void *tdom_root(void);

/* Make process pid dlopen(agent) through ptrace (inject_x86_64.c):
 * 0, or -errno with the reason in err. */
int agent_inject(pid_t pid, const char *agent, char *err, size_t err_sz);

#endif
