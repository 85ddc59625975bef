#!/bin/bash
# SPDX-License-Identifier: MIT
# campaign.sh TARGET:SECONDS... - a fuzzing campaign over build-fuzz/
# targets (make fuzz), one libFuzzer process at a time under nice -n 10.
# Each target starts from tests/corpus/<target>/ plus what earlier
# campaigns kept in $WORK/<target>/corpus, and is restarted after a crash
# until its time is spent (at most 4 crashes).  Crashers land in
# $WORK/<target>/art/; one summary line per target is appended to
# $WORK/summary.txt (seconds, executions, coverage, crashes).
#
#   fuzz/campaign.sh bpfcmd:1200 pcap:600      # WORK=/tmp/fuzzwork by default
set -u
WORK=${WORK:-/tmp/fuzzwork}
TOP=$(cd "$(dirname "$0")/.." && pwd)

one() {
	local t=$1 secs=$2 w=$WORK/$1 start now left i=0 rc e execs=0 crashes=0 log=
	mkdir -p "$w/corpus" "$w/art" "$WORK/bin"
	[ -d "$TOP/tests/corpus/$t" ] && cp -n "$TOP/tests/corpus/$t"/* "$w/corpus/" 2>/dev/null
	# a copy: make fuzz may relink the target while it runs
	cp "$TOP/build-fuzz/fuzz_$t" "$WORK/bin/fuzz_$t" || return
	start=$(date +%s)
	while :; do
		now=$(date +%s)
		left=$((secs - (now - start)))
		[ "$left" -le 5 ] && break
		i=$((i + 1))
		log=$w/log.$i
		nice -n 10 "$WORK/bin/fuzz_$t" -max_total_time="$left" -timeout=20 -rss_limit_mb=2560 \
			-max_len=8192 -print_final_stats=1 -artifact_prefix="$w/art/" "$w/corpus" \
			>"$log" 2>&1
		rc=$?
		e=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}')
		execs=$((execs + ${e:-0}))
		[ $rc -eq 0 ] && break
		crashes=$((crashes + 1))
		[ $crashes -ge 4 ] && break
	done
	echo "$t secs=$(($(date +%s) - start)) execs=$execs" \
		"$(grep -a -o 'cov: [0-9]*' "$log" | tail -1)" \
		"$(grep -a -o 'ft: [0-9]*' "$log" | tail -1) crashes=$crashes" \
		"corpus=$(ls "$w/corpus" | wc -l) artifacts=$(ls "$w/art" | tr '\n' ' ')" >>"$WORK/summary.txt"
}

for spec in "$@"; do
	one "${spec%%:*}" "${spec#*:}"
done
