/* SPDX-License-Identifier: MIT */
/* fuzz_btf.c - libFuzzer entry point; the body is fuzz_btf_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_btf_one(data, size);
}
