/* SPDX-License-Identifier: MIT */
/* fuzz_kconfig.c - libFuzzer entry point; the body is fuzz_kconfig_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_kconfig_one(data, size);
}
