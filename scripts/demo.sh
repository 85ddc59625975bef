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
say "interpreter speed (bench/, quick run):"
"$B/bench_interp" --quick
