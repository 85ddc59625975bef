/* SPDX-License-Identifier: MIT */
/* fuzz_symbols.c - libFuzzer entry point; the body is fuzz_symbols_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_symbols_one(data, size);
}
