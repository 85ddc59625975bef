/* SPDX-License-Identifier: MIT */
/* fuzz_usdt.c - libFuzzer entry point; the body is fuzz_usdt_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_usdt_one(data, size);
}
