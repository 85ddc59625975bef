/* SPDX-License-Identifier: MIT */
/*
 * cli.h - shared pieces of the command-line tool's subcommands.
 */
#ifndef USERBPF_CLI_H
#define USERBPF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/userbpf.h"

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

extern const char *cli_prog_name;

/* Print "userbpf: message" to stderr and exit with status. */
void cli_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Read a whole file (NULL or "-" = stdin), NUL-terminated; malloc'ed. */
int cli_read_file(const char *path, uint8_t **data, size_t *len);
int cli_parse_hex(const char *text, size_t text_len, uint8_t **out, size_t *out_len, size_t *bad);
bool cli_looks_hex(const uint8_t *data, size_t len);
/* The path of a library installed next to this executable (NAME), or
 * $ENV when set; dies naming ENV when /proc/self/exe cannot be read. */
void cli_sibling_path(char *out, size_t sz, const char *env, const char *name);
/* Disassembly listing; returns the number of undecodable instructions. */
int cli_print_insns(const struct userbpf_insn *insns, size_t cnt, bool bytes);

/* cmd_object.c: subcommands on .bpf.o files */
int cli_cmd_prog(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);
int cli_cmd_map(int argc, char **argv);
bool cli_is_object(const char *path);
int cli_disasm_object(const char *path, const char *prog_name, bool bytes);
int cli_cmd_trace(int argc, char **argv);  /* cmd_trace.c */
int cli_cmd_probes(int argc, char **argv); /* cmd_probes.c */
/* cmd_launch.c */
int cli_cmd_launch(int argc, char **argv);
int cli_cmd_trace_pipe(int argc, char **argv);
int cli_cmd_domain(int argc, char **argv);
int cli_cmd_gen(int argc, char **argv);	 /* cmd_gen.c */
int cli_cmd_iter(int argc, char **argv); /* cmd_iter.c */
/* 'run' for an iterator program, printing only its text (cmd_object.c);
 * argv holds OBJ --prog NAME and run options, no command name */
int cli_run_iter(int argc, char **argv);

/* cmd_packet.c: run --pcap/--iface, trace --iface */
struct cli_packet_opts {
	const char *pcap, *iface;
	uint64_t count; /* live: stop after this many frames (0: no limit) */
	double seconds; /* live: stop after this long (0: no limit) */
	uint32_t flags; /* USERBPF_RUN_* */
	bool json;
	void (*drain)(void *ctx); /* print what the program emitted so far */
	void *drain_ctx;
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	void *trace_cookie;
};
int cli_packet_run(struct userbpf_prog *prog, const char *prog_name,
		   const struct cli_packet_opts *o);
int cli_cmd_trace_iface(int argc, char **argv);

/* cmd_verify.c */
int cli_cmd_verify(int argc, char **argv);

/* cmd_jited.c: disasm --jited and the --engine option */
uint32_t cli_engine_flags(const char *name, const char *who);
int cli_print_jited(struct userbpf_prog *prog);
int cli_print_jited_insns(const struct userbpf_insn *insns, size_t cnt);
int cli_print_jited_object(const char *path, const char *prog_name);

/* BTF in ELF files (cmd_gen.c): the bytes of kind-specific data after a
 * type's 12-byte header (-1 for an unknown kind), and the .BTF section of
 * an ELF64 little-endian object (0, -ENOEXEC, -EINVAL or -ENOENT). */
int64_t cli_btf_extra_size(uint32_t kind, uint32_t vlen);
int cli_btf_section(const uint8_t *elf, size_t len, const uint8_t **sec, size_t *sec_len);

#endif
