/* SPDX-License-Identifier: MIT */
/* fuzz_trace.c - libFuzzer entry point; the body is fuzz_trace_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace_one(data, size);
}
