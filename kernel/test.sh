#!/bin/sh
# SPDX-License-Identifier: MIT
# kernel/test.sh - boot the kernel in QEMU (KVM when /dev/kvm is usable,
# TCG otherwise) with a timeout, save the console transcript, and check
# it against kernel/expect/<boot>.txt: every line there must appear in
# the transcript, in that order (lines are fixed strings).
set -u
KBUILD=${KBUILD:-build/kernel}
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=${KERNEL_TEST_TIMEOUT:-120}
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "kernel-test: $QEMU not found (install qemu-system-x86)" >&2
	exit 1
fi
accel="-accel tcg"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel="-accel kvm -accel tcg -cpu max"	# TCG if KVM cannot start
fi

fail=0
# boot name: kernel command line and the expected QEMU exit status
# (isa-debug-exit: (code << 1) | 1; the kernel's code is the number of
# tasks that failed: the reject boot's "fault" task is killed on purpose)
for boot in main reject; do
	case $boot in
	main) cmd="run=hello,bpfdemo" want=1 ;;
	reject) cmd="run=reject,fault" want=3 ;;
	esac
	[ -f "kernel/expect/$boot.txt" ] || continue
	log=$KBUILD/console-$boot.txt
	echo "== kernel-test: boot '$boot' ($accel, $cmd)"
	timeout "$TIMEOUT" "$QEMU" $accel -m 256 -kernel "$KBUILD/kernel.bin" -append "$cmd" \
		-display none -serial stdio -monitor none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 < /dev/null > "$log" 2>&1
	rc=$?
	if [ $rc -ne $want ]; then
		echo "kernel-test: boot '$boot': QEMU exit status $rc ($want expected; 124 is a timeout)"
		fail=1
	fi
	if ! awk -v expect="kernel/expect/$boot.txt" '
		BEGIN { while ((getline l < expect) > 0) if (l != "" && l !~ /^#/) want[n++] = l }
		{ sub(/\r$/, "") }
		i < n && index($0, want[i]) { i++ }
		END {
			if (i < n) { print "kernel-test: missing (in order): " want[i]; exit 1 }
		}' "$log"; then
		fail=1
	fi
	# every JIT-compiled program must sit in read + execute pages
	if grep -a "JIT .* bytes at" "$log" | grep -qv "(RX)"; then
		echo "kernel-test: boot '$boot': JIT code not mapped read + execute only"
		fail=1
	fi
	if [ $fail -ne 0 ]; then
		echo "---- console transcript ($log) ----"
		tr -d '\r' < "$log" | sed -n '/userbpf kernel/,$p'
		exit 1
	fi
	echo "kernel-test: boot '$boot' passed ($(grep -c . "$log") console lines)"
done
grep -h -e "kprobe hit cost" -e "kbench:" -e "TSC" "$KBUILD"/console-*.txt 2>/dev/null | tr -d '\r'
exit $fail
