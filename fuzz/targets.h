/* SPDX-License-Identifier: MIT */
/*
 * targets.h - one-input bodies of the fuzz targets, shared by the
 * libFuzzer entry points (fuzz/fuzz_*.c) and by the test runner, which
 * replays every file of tests/corpus/<target>/ through them.
 */
#ifndef USERBPF_FUZZ_TARGETS_H
#define USERBPF_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* Bytes -> [mem_len byte][memory][program]; checked, budgeted run. */
int fuzz_bytecode_one(const uint8_t *data, size_t size);
/* Bytes -> assembly text -> instructions -> disassembly. */
int fuzz_asm_one(const uint8_t *data, size_t size);

/*
 * Bytes -> ELF object: open from memory, prepare (relocations, CO-RE),
 * load when its maps are small, close.  Programs are never run.
 */
int fuzz_elf_one(const uint8_t *data, size_t size);

/*
 * First byte 0: the rest is an ELF file, whose SystemTap SDT notes are
 * read (probe_usdt_notes) and each argument string turned into a spec in
 * both usdt.bpf.h layouts; otherwise the rest is one argument string.
 */
int fuzz_usdt_one(const uint8_t *data, size_t size);

/*
 * Bytes -> an ELF file whose function symbols are listed: .symtab or
 * .dynsym, then the .symtab of the xz-compressed ELF file in its
 * .gnu_debugdata section (userbpf_probe__list_functions).
 */
int fuzz_symbols_one(const uint8_t *data, size_t size);

/*
 * Byte 0 chooses the log (bit 0: level 1, bit 1: BPF_LOG_FIXED, bits 2-7:
 * buffer size 0..63 x 16 bytes, 0 = no buffer); the rest is a BTF blob
 * loaded by BPF_BTF_LOAD (userbpf_bpf) and closed when accepted.
 */
int fuzz_btf_one(const uint8_t *data, size_t size);

#endif
