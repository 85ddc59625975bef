#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - a tour of the userbpf command-line tool (run by 'make demo').
set -eu
B=${BUILD:-build}
U="$B/userbpf"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cat > "$B/demo.s" <<'ASM'
# Sum the 64-bit words of the input memory (r1 = address, r2 = length).
    r0 = 0
    r2 >>= 3                 # number of words
loop:
    if r2 == 0 goto done
    r3 = *(u64 *)(r1 + 0)
    r0 += r3
    r1 += 8
    r2 -= 1
    goto loop
done:
    exit
ASM
say "assemble: $U asm $B/demo.s"
"$U" asm "$B/demo.s" | tee "$B/demo.hex"
say "disassemble: $U disasm $B/demo.hex"
"$U" disasm "$B/demo.hex"
say "run on two words (1 + 2): $U exec '01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00' < $B/demo.hex"
"$U" exec '01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00' < "$B/demo.hex"
say "an out-of-bounds read is stopped, not a crash:"
printf 'r0 = *(u64 *)(r1 + 4)\nexit\n' | "$U" exec --asm '00 11 22 33 44 55 66 77' || true
say "a runaway loop is stopped by the instruction budget:"
printf 'l: goto l\nexit\n' | "$U" exec --asm --budget 1000000 || true
# A UDP packet: Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2) + UDP to port 53
printf '\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00\x45\x00\x00\x20\x12\x34\x00\x00\x40\x11\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02\x30\x39\x00\x35\x00\x0c\x00\x00ping' > "$B/demo.pkt"
say "a clang-compiled object: $U prog list $B/examples/tail_calls.bpf.o"
"$U" prog list "$B/examples/tail_calls.bpf.o"
say "disassembly with source lines: $U disasm $B/examples/call_chain.bpf.o --prog checksum"
"$U" disasm "$B/examples/call_chain.bpf.o" --prog checksum --no-bytes | head -16
say "test-run it on a UDP packet, with ring/perf buffer records: $U run ... --prog produce"
"$U" run "$B/examples/ringbuf_events.bpf.o" --prog produce --data "$B/demo.pkt"
say "global data after a run (.rodata config drops UDP port 53 with TC_ACT_SHOT = 2):"
"$U" run "$B/examples/rodata_config.bpf.o" --prog filter --data "$B/demo.pkt" --maps
say "a tail call chain: dispatch -> handle_udp (returns 11):"
"$U" run "$B/examples/tail_calls.bpf.o" --prog dispatch --data "$B/demo.pkt" --repeat 1000
say "interpreter speed (bench/, quick run):"
"$B/bench_interp" --quick
