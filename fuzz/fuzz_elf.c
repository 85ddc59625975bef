/* SPDX-License-Identifier: MIT */
/* fuzz_elf.c - libFuzzer entry point; the body is fuzz_elf_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_elf_one(data, size);
}
