/* SPDX-License-Identifier: MIT */
/*
 * targets.h - one-input bodies of the fuzz targets, shared by the
 * libFuzzer entry points (fuzz/fuzz_*.c) and by the test runner, which
 * replays every file of tests/corpus/<target>/ through them.
 */
#ifndef USERBPF_FUZZ_TARGETS_H
#define USERBPF_FUZZ_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/*
 * Bytes -> a sequence of bpf() commands (userbpf_bpf; targets_bpfcmd.c).
 * Each record: command byte (mod 40), attr size byte (0..0xef: that size;
 * 0xf0..0xff: one of 16 hostile sizes, up to 0xffffffff), count byte
 * (bits 0-6: attr bytes that follow, the rest of the attr zero; bit 7:
 * the attr sits at the end of the owned region, before a guard page),
 * the attr bytes, then a patch of the owned region (length byte, 2-byte
 * offset >= 512, bytes): keys, values, instructions, BTF, strings.
 * Pointer fields hold offsets into the owned region (bits 0-15), or the
 * guard page after it (bits 16-17 = 3); 0 stays NULL.
 */
int fuzz_bpfcmd_one(const uint8_t *data, size_t size);

/*
 * Bytes -> a capture file (pcap or pcapng) read by
 * userbpf_packet_pcap__foreach; every frame runs through packet runners
 * of a socket filter, a tc and an XDP program (targets_files.c).
 */
int fuzz_pcap_one(const uint8_t *data, size_t size);

/*
 * Bytes 0-1: length L (little-endian) of the Kconfig text that follows
 * (the 'kconfig' open option); the rest is an ELF object, opened and,
 * when its maps are small, loaded (its __kconfig externs filled).
 */
int fuzz_kconfig_one(const uint8_t *data, size_t size);

/*
 * Byte 0 bit 0: --json; the rest is the stream of agent messages
 * (trace_proto.h) "userbpf trace" reads from a traced command, replayed
 * through the CLI's reader (tools/cmd_trace.c; targets_trace.c).
 */
int fuzz_trace_one(const uint8_t *data, size_t size);
/* The same reader on one stream, its output (stdout and stderr) to out:
 * 0, or 1 when an agent reported an error (for the bad-input tests). */
int fuzz_trace_replay(const uint8_t *stream, size_t len, bool as_json, FILE *out);

#endif
