/* SPDX-License-Identifier: MIT */
/*
 * fixture.h - what the probe tests share: their BPF fixtures
 * (tests/probe/NAME.bpf.c, built into $(BUILD)/probe/NAME.bpf.o by
 * mk/probe.mk) opened and loaded, a map's u64 values read, and a test
 * body run in a forked child that reports its figures through a pipe.
 */
#ifndef USERBPF_TESTS_PROBE_FIXTURE_H
#define USERBPF_TESTS_PROBE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/object.h"
#include "userbpf/vm.h"

/* $(BUILD)/probe/NAME.bpf.o loaded; NULL when it is missing (the test is
 * skipped: no clang) or does not load (the test fails). */
struct userbpf_object *probe_fixture_open(const char *name);
/* The u64 value at key of the object's map named map (0 when absent). */
uint64_t probe_fixture_value(struct userbpf_object *obj, const char *map, uint32_t key);
/*
 * Run child(fd) in a forked process (probes attached there stay out of
 * the test runner): it writes exactly size bytes to fd and exits 0.
 * 0 with out filled; -1 when it wrote less or exited otherwise.
 */
int probe_fixture_child(void (*child)(int fd), void *out, size_t size);
/* The child's end: write the size bytes of out to fd and exit 0 (2 when
 * the write falls short). */
void probe_fixture_report(int fd, const void *out, size_t size) __attribute__((noreturn));

/*
 * Program instructions: r0 = &map[K] of the program's one map (ld_imm64
 * fd 0, answered by the test's ld_imm64 callback), jumping SKIP
 * instructions ahead when the lookup fails.
 */
#define PROBE_FIXTURE_LOOKUP(K, SKIP)                                                              \
	USERBPF_ST_MEM(USERBPF_W, 10, -4, K), USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),   \
		USERBPF_MOV64_REG(2, 10), USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),                   \
		USERBPF_CALL_HELPER(1), USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, SKIP)
/* Program instructions: map[K] += 1 (atomically; r0 and r1 clobbered). */
/*
 * The tests that run "userbpf trace" on a command: the agent cannot be
 * preloaded into an uninstrumented command in a sanitizer build.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PROBE_SANITIZED 1
#else
#define PROBE_SANITIZED 0
#endif
/* Run a shell command, its stdout into out (NUL-terminated): pclose's
 * status, -1 when it could not start. */
int probe_run(const char *cmd, char *out, size_t out_sz);
/* The prefix that runs a command as nobody when the suite runs as root
 * ("no root" claims), empty otherwise. */
const char *probe_drop(void);
/* Whether $(BUILD)/examples/EXAMPLE.bpf.o can be traced here (skipped
 * with the reason when not: sanitizer build, no clang); sets $B to the
 * build folder for the commands probe_run hands to the shell. */
bool probe_trace_ready(const char *example);

#define PROBE_FIXTURE_INC(K)                                                                       \
	PROBE_FIXTURE_LOOKUP(K, 2), USERBPF_MOV64_IMM(1, 1),                                       \
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0)

/* The ld_imm64 callback of hand-written test programs: every map
 * reference is the one map passed as the cookie. */
int probe_fixture_map_imm(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value);
/* Seccomp_filters of /proc/self/status: the filters this process runs
 * under (-1 when unreadable). */
int probe_fixture_seccomp_filters(void);

/* A tracepoint program adding 1 to map[0] of the one map it names
 * (probe_fixture_map_imm), called name. */
struct userbpf_prog *probe_fixture_counter(struct userbpf_map *map, const char *name);

#endif
