/* SPDX-License-Identifier: MIT */
/* fuzz_bytecode.c - libFuzzer entry point; the body is fuzz_bytecode_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_bytecode_one(data, size);
}
