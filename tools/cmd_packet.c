/* SPDX-License-Identifier: MIT */
/*
 * cmd_packet.c - packet programs on real traffic from the command line:
 * "userbpf run OBJ --prog NAME --pcap FILE" runs a socket filter, tc or
 * XDP program on every frame of a capture file, "--iface IF" (and
 * "userbpf trace OBJ --iface IF") on the live frames of an interface,
 * and prints the verdict counts (XDP_*, TC_ACT_*, socket filter
 * accept/truncate/drop) next to what the program emitted (bpf_printk
 * lines and ring/perf buffer records, live as they come; the maps are
 * dumped by cmd_object.c at the end).
 *
 * Live capture stops after --count frames, after --duration seconds, or
 * on SIGINT/SIGTERM.  tc and XDP programs see only the frames the
 * interface received (their ingress hooks); a socket filter sees both
 * directions, as one attached to a packet socket does.
 * Built only on the public API (userbpf/packet.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "userbpf/object.h"
#include "userbpf/packet.h"
#include "userbpf/progs.h"

/* verdict slots: XDP 0..4, TC -1..8 (+1), socket filter drop/whole/cut */
#define SLOTS 16

struct pkt_state {
	const struct cli_packet_opts *o;
	struct userbpf_packet_runner *runner;
	uint32_t type;
	uint64_t packets, skipped, errors, other;
	uint64_t slots[SLOTS];
	uint64_t cut_bytes; /* socket filter: bytes kept of truncated frames */
	char first_err[320];
	char err[256];
	double deadline;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { SK_DROP, SK_WHOLE, SK_CUT };

static int on_packet(void *cookie, const struct userbpf_packet *pkt)
{
	struct pkt_state *s = cookie;
	uint64_t r0 = 0;
	int rc;

	if (s->type != USERBPF_PROG_TYPE_SOCKET_FILTER &&
	    pkt->pkt_type == USERBPF_PACKET_OUTGOING) {
		s->skipped++; /* not seen by an ingress hook */
		return 0;
	}
	s->packets++;
	rc = userbpf_packet_runner__run(s->runner, pkt, &r0, NULL);
	if (rc) {
		if (!s->errors)
			snprintf(s->first_err, sizeof(s->first_err), "frame %" PRIu64 ": %s",
				 s->packets, s->err[0] ? s->err : userbpf_strerror(rc));
		s->errors++;
	} else if (s->type == USERBPF_PROG_TYPE_SOCKET_FILTER) {
		uint32_t v = (uint32_t)r0, len = pkt->caplen;

		if (!v) {
			s->slots[SK_DROP]++;
		} else if (v >= len) {
			s->slots[SK_WHOLE]++;
		} else {
			s->slots[SK_CUT]++;
			s->cut_bytes += v;
		}
	} else {
		int32_t v = (int32_t)(uint32_t)r0;
		int slot = s->type == USERBPF_PROG_TYPE_XDP ? v : v + 1;

		if (userbpf_packet_verdict_name(s->type, r0) && slot >= 0 && slot < SLOTS)
			s->slots[slot]++;
		else
			s->other++;
	}
	if (s->o->drain)
		s->o->drain(s->o->drain_ctx);
	if (stop_requested || (s->o->count && s->packets >= s->o->count))
		return 1;
	return 0;
}

static void print_counts(const struct pkt_state *s)
{
	const struct cli_packet_opts *o = s->o;
	bool first = true;
	int i;

	if (o->json) {
		printf("\"packets\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"verdicts\":{", s->packets,
		       s->errors);
		if (s->type == USERBPF_PROG_TYPE_SOCKET_FILTER) {
			printf("\"drop\":%" PRIu64 ",\"accept\":%" PRIu64 ",\"truncate\":%" PRIu64,
			       s->slots[SK_DROP], s->slots[SK_WHOLE], s->slots[SK_CUT]);
			first = false;
		} else {
			for (i = 0; i < SLOTS; i++) {
				int v = s->type == USERBPF_PROG_TYPE_XDP ? i : i - 1;

				if (!s->slots[i])
					continue;
				printf("%s\"%s\":%" PRIu64, first ? "" : ",",
				       userbpf_packet_verdict_name(s->type, (uint64_t)(int64_t)v),
				       s->slots[i]);
				first = false;
			}
		}
		if (s->other)
			printf("%s\"other\":%" PRIu64, first ? "" : ",", s->other);
		printf("}");
		if (s->errors) {
			printf(",\"first_error\":\"");
			for (i = 0; s->first_err[i]; i++)
				if (s->first_err[i] != '"' && s->first_err[i] != '\\')
					putchar(s->first_err[i]);
			printf("\"");
		}
		return;
	}
	printf("packets: %" PRIu64, s->packets);
	if (s->skipped)
		printf(" (%" PRIu64 " outgoing frames skipped: not seen at the ingress hook)",
		       s->skipped);
	printf("\n");
	if (s->type == USERBPF_PROG_TYPE_SOCKET_FILTER) {
		printf("  %-20s %" PRIu64 "\n", "accept (whole)", s->slots[SK_WHOLE]);
		printf("  %-20s %" PRIu64, "accept (truncated)", s->slots[SK_CUT]);
		if (s->slots[SK_CUT])
			printf("  (%" PRIu64 " bytes kept)", s->cut_bytes);
		printf("\n  %-20s %" PRIu64 "\n", "drop", s->slots[SK_DROP]);
	} else {
		for (i = 0; i < SLOTS; i++) {
			int v = s->type == USERBPF_PROG_TYPE_XDP ? i : i - 1;

			if (s->slots[i])
				printf("  %-20s %" PRIu64 "\n",
				       userbpf_packet_verdict_name(s->type, (uint64_t)(int64_t)v),
				       s->slots[i]);
		}
		if (s->other)
			printf("  %-20s %" PRIu64 "\n", "other values", s->other);
	}
	if (s->errors)
		printf("  %-20s %" PRIu64 " (first: %s)\n", "failed runs", s->errors, s->first_err);
}

int cli_packet_run(struct userbpf_prog *prog, const char *prog_name,
		   const struct cli_packet_opts *o)
{
	struct pkt_state s;
	struct sigaction sa;
	char err[512] = "";
	uint32_t type = userbpf_prog__type(prog);
	long n;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.type = type;
	{
		USERBPF_OPTS(userbpf_packet_runner_opts, ro, .flags = o->flags,
			     .cookie = o->trace_cookie, .trace_fn = o->trace_fn, .err_buf = s.err,
			     .err_buf_sz = sizeof(s.err), .live = o->iface != NULL);
		s.runner = userbpf_packet_runner__new(prog, &ro);
	}
	if (!s.runner) {
		const char *tn = userbpf_prog_type_name(type);

		if (errno == EINVAL)
			cli_die(2,
				"program '%s' is of type %s: --pcap and --iface run socket "
				"filter, tc and XDP programs",
				prog_name, tn ? tn : "unknown");
		cli_die(1, "program '%s': %s", prog_name, strerror(errno));
	}
	if (o->pcap) {
		n = userbpf_packet_pcap__foreach(o->pcap, on_packet, &s, err, sizeof(err));
		if (n < 0)
			cli_die(n == -EPROTONOSUPPORT || n == -EINVAL ? 2 : 1, "%s",
				err[0] ? err : userbpf_strerror((int)n));
	} else {
		struct userbpf_packet_live *l =
			userbpf_packet_live__open(o->iface, err, sizeof(err));
		double end = o->seconds > 0 ? mono_s() + o->seconds : 0;

		if (!l)
			cli_die(1, "%s", err[0] ? err : strerror(errno));
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		fprintf(stderr, "%s: capturing on %s (ifindex %u): %s '%s'%s\n", cli_prog_name,
			o->iface, userbpf_packet_live__ifindex(l),
			userbpf_prog_type_name(type) ? userbpf_prog_type_name(type) : "program",
			prog_name, o->count || o->seconds > 0 ? "" : "; Ctrl-C to stop");
		fflush(stderr);
		for (;;) {
			int wait = 200;

			if (end) {
				double left = end - mono_s();

				if (left <= 0)
					break;
				if (left * 1000 < wait)
					wait = (int)(left * 1000) + 1;
			}
			n = userbpf_packet_live__poll(l, wait, on_packet, &s);
			if (n < 0) {
				userbpf_packet_live__close(l);
				cli_die(1, "capture on %s: %s", o->iface, userbpf_strerror((int)n));
			}
			if (n > 0 && (stop_requested || (o->count && s.packets >= o->count)))
				break;
			if (stop_requested)
				break;
		}
		userbpf_packet_live__close(l);
	}
	if (o->drain)
		o->drain(o->drain_ctx);
	print_counts(&s);
	userbpf_packet_runner__free(s.runner);
	return 0;
}

/* ==== userbpf trace OBJ --iface IF ==== */

static bool is_pkt_type(uint32_t t)
{
	return t == USERBPF_PROG_TYPE_SOCKET_FILTER || t == USERBPF_PROG_TYPE_SCHED_CLS ||
	       t == USERBPF_PROG_TYPE_SCHED_ACT || t == USERBPF_PROG_TYPE_XDP;
}

int cli_cmd_trace_iface(int argc, char **argv)
{
	char **nargv = calloc((size_t)argc + 3, sizeof(*nargv));
	char *picked = NULL;
	const char *obj_path = NULL;
	bool has_prog = false;
	int i, nargc = 0, rc;

	if (!nargv)
		cli_die(1, "out of memory");
	nargv[nargc++] = (char *)"run";
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			cli_die(2, "trace --iface: no command to start (packets come from the "
				   "interface)");
		if (!strcmp(argv[i], "--prog"))
			has_prog = true;
		if (argv[i][0] != '-' && !obj_path &&
		    (i == 1 || argv[i - 1][0] != '-' || !strcmp(argv[i - 1], "--json")))
			obj_path = argv[i];
		nargv[nargc++] = argv[i];
	}
	if (!has_prog && obj_path) {
		/* the object's first packet program */
		struct userbpf_object *obj = userbpf_object__open_file(obj_path, NULL);
		struct userbpf_program *p = NULL;

		if (!obj)
			cli_die(2, "trace: %s: %s", obj_path, strerror(errno));
		while ((p = userbpf_object__next_program(obj, p)))
			if (is_pkt_type(userbpf_program__type(p)))
				break;
		if (!p)
			cli_die(2, "trace --iface: %s has no socket filter, tc or XDP program",
				obj_path);
		picked = strdup(userbpf_program__name(p));
		userbpf_object__close(obj);
		if (!picked)
			cli_die(1, "out of memory");
		nargv[nargc++] = (char *)"--prog";
		nargv[nargc++] = picked;
	}
	nargv[nargc] = NULL;
	rc = cli_cmd_run(nargc, nargv);
	free(picked);
	free(nargv);
	return rc;
}
