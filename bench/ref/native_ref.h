/* SPDX-License-Identifier: MIT */
#ifndef USERBPF_BENCH_NATIVE_REF_H
#define USERBPF_BENCH_NATIVE_REF_H
#include <stdint.h>
uint64_t ref_arith(uint64_t n);
uint64_t ref_memcpy(uint8_t *mem, uint64_t words);
uint64_t ref_branchy(uint64_t n);
uint64_t ref_calls(uint64_t n);
uint64_t ref_atomics(uint64_t *counter, uint64_t n);
#endif
