/* SPDX-License-Identifier: MIT */
/*
 * test_loader.h - shared by the loader tests (test_loader*.c): fixture
 * paths, stand-in helpers for the helper ids the fixtures call (until
 * the built-in table has them: map lookup, probe_read_kernel, bpf_loop,
 * tail_call), and running one program of an object.
 */
#ifndef USERBPF_TEST_LOADER_H
#define USERBPF_TEST_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "userbpf/object.h"
#include "userbpf/userbpf.h"
#include "../elf/fixture.h"

/* $(BUILD)/elf/<name>.bpf.o, or NULL (test skipped) if it was not built. */
const char *loader_fixture(const char *name, char *buf, size_t size);
/* Whole file into malloc'd memory; NULL on failure. */
uint8_t *loader_read(const char *path, size_t *size);
/* Stand-in helpers: 1 map_lookup_elem, 12 tail_call, 113
 * probe_read_kernel, 181 loop. */
extern const struct userbpf_helper loader_test_helpers[];
extern const size_t loader_test_helper_cnt;
/* Open a fixture with the stand-in helpers (and btf_path if not NULL). */
struct userbpf_object *loader_open(const char *name, const char *btf_path, char *err,
				   size_t err_sz);
/* The same with a CO-RE target choice (enum userbpf_core_target). */
struct userbpf_object *loader_open_target(const char *name, const char *btf_path,
					  uint32_t core_target, char *err, size_t err_sz);
/* Open or return from the test (skipped if not built, failed on error). */
#define LOADER_OPEN(OBJ, NAME, BTF, ERR)                                                           \
	do {                                                                                       \
		(OBJ) = loader_open((NAME), (BTF), (ERR), sizeof(ERR));                            \
		if (!(OBJ)) {                                                                      \
			if ((ERR)[0])                                                              \
				test_fail(__FILE__, __LINE__, "open %s: %s", (NAME), (ERR));       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Run prog `name` of a loaded object with ctx; 0 or -errno. */
int loader_run(struct userbpf_object *obj, const char *name, void *ctx, size_t ctx_size,
	       uint64_t *ret, char *err, size_t err_sz);
/* Run "BUILD/userbpf ARGS" capturing stdout+stderr; the exit status
 * (test_loader_rw.c). */
int loader_cli_run(const char *args, char *out, size_t out_sz);
/* Live memory of a global-data map (".bss", ".data" ...) after load. */
void *loader_data(struct userbpf_object *obj, const char *sec, size_t *size);

#endif
