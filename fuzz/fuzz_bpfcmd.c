/* SPDX-License-Identifier: MIT */
/* fuzz_bpfcmd.c - libFuzzer entry point; the body is fuzz_bpfcmd_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_bpfcmd_one(data, size);
}
