#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deps.sh - make sure the packages userbpf's build and tests use are
# present.  As root on Debian/Ubuntu it installs what is missing with
# apt-get; otherwise it lists what is missing and carries on (tests that
# need a missing tool skip themselves with a message).
set -u
pkgs=($(grep -v '^#' "$(dirname "$0")/packages.txt"))
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		apt-get install -y "${missing[@]}"
else
	echo "deps: missing packages (install them as root): ${missing[*]}" >&2
fi
exit 0
