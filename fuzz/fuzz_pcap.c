/* SPDX-License-Identifier: MIT */
/* fuzz_pcap.c - libFuzzer entry point; the body is fuzz_pcap_one(). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_pcap_one(data, size);
}
