/* SPDX-License-Identifier: MIT */
/* fuzz_asm.c - libFuzzer entry point; the body is fuzz_asm_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_asm_one(data, size);
}
