/* SPDX-License-Identifier: MIT */
/*
 * vt_obj.h - shared code of the verifier tests that load a compiled
 * fixture object (build/verifier/NAME.bpf.o, built when clang is there):
 * finding the object, and the running kernel's verdict on one of its
 * programs through libbpf (the oracle, when bpf() is allowed).
 */
#ifndef USERBPF_VT_OBJ_H
#define USERBPF_VT_OBJ_H

#include <stdbool.h>
#include <stddef.h>

/* Writes "<build>/verifier/<file>" into path (path_sz bytes); true when
 * that file can be opened (false: not built, clang missing). */
bool vt_obj_path(char *path, size_t path_sz, const char *file);

/* The kernel's verdict on program prog of the object at path, loaded
 * alone (every other program's autoload off): 1 loads, 0 refuses, -1
 * unknown (the object does not open, or bpf() is refused with EPERM). */
int vt_kernel_loads(const char *path, const char *prog);

#endif
