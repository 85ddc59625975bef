/* SPDX-License-Identifier: MIT */
/*
 * fixture.h - what the probe tests share: their BPF fixtures
 * (tests/probe/NAME.bpf.c, built into $(BUILD)/probe/NAME.bpf.o by
 * mk/probe.mk) opened and loaded, and a map's u64 values read.
 */
#ifndef USERBPF_TESTS_PROBE_FIXTURE_H
#define USERBPF_TESTS_PROBE_FIXTURE_H

#include <stdint.h>

#include "userbpf/object.h"

/* $(BUILD)/probe/NAME.bpf.o loaded; NULL when it is missing (the test is
 * skipped: no clang) or does not load (the test fails). */
struct userbpf_object *probe_fixture_open(const char *name);
/* The u64 value at key of the object's map named map (0 when absent). */
uint64_t probe_fixture_value(struct userbpf_object *obj, const char *map, uint32_t key);

#endif
