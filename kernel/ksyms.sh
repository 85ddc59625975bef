#!/bin/sh
# SPDX-License-Identifier: MIT
# kernel/ksyms.sh - turn `nm -n` output (stdin) into the assembly of the
# kernel's symbol table (stdout): the text symbols (t/T/w/W), sorted by
# address, as {address, name offset} pairs plus the names.
awk '
$2 ~ /^[tTwW]$/ && $3 !~ /^\./ && $3 !~ /^(_text|_etext)$/ {
	addr[n] = $1; name[n] = $3; n++
}
END {
	print "\t.section .ksyms, \"a\""
	print "\t.globl ksym_num, ksym_table, ksym_names"
	print "\t.balign 8"
	print "ksym_num:\t.quad " n
	print "ksym_table:"
	off = 0
	for (i = 0; i < n; i++) {
		print "\t.quad 0x" addr[i] ", " off
		off += length(name[i]) + 1
	}
	print "ksym_names:"
	for (i = 0; i < n; i++)
		print "\t.asciz \"" name[i] "\""
}'
