#!/bin/sh
# SPDX-License-Identifier: MIT
# check_symbols.sh ARCHIVE - the freestanding core's only dependencies:
# links every member of ARCHIVE into one relocatable object (ld -r
# --whole-archive, no libraries) and lists its undefined symbols.  Allowed:
#   memcpy memset memmove memcmp       supplied by the embedder (docs/embedding.md)
#   weak (w) symbols                   host-only map types and helpers (NULL here)
#   _GLOBAL_OFFSET_TABLE_              made by the final link (-fPIE code)
#   compiler runtime, per architecture (libgcc / libatomic):
#     riscv64: __bswapsi2 __bswapdi2 __clzdi2 __ctzdi2 __atomic_compare_exchange_1
# Anything else is a leak of the C library or of the OS: exit 1.
# Environment: CORE_NM, CORE_LD (cross tools), CORE_ARCH.
set -eu
ar=$1
nm=${CORE_NM:-nm}
ld=${CORE_LD:-ld}
arch=${CORE_ARCH:-$(uname -m)}
tmp=$(mktemp /tmp/core_symbols.XXXXXX.o)
trap 'rm -f "$tmp"' EXIT
"$ld" -r -o "$tmp" --whole-archive "$ar"
allowed="memcpy memset memmove memcmp _GLOBAL_OFFSET_TABLE_"
case $arch in
riscv64) allowed="$allowed __bswapsi2 __bswapdi2 __clzdi2 __ctzdi2 __atomic_compare_exchange_1" ;;
esac
bad=
weak=
for s in $("$nm" -u "$tmp" | awk '$1 == "U" { print $2 }'); do
	case " $allowed " in
	*" $s "*) ;;
	*) bad="$bad $s" ;;
	esac
done
weak=$("$nm" -u "$tmp" | awk '$1 == "w" || $1 == "v" { printf " %s", $2 }')
if [ -n "$bad" ]; then
	echo "core symbols ($arch): undefined beyond the platform contract:$bad"
	exit 1
fi
echo "core symbols ($arch): undefined only: $(
	"$nm" -u "$tmp" | awk '$1 == "U" { printf "%s ", $2 }')"
echo "core symbols ($arch): weak host-only:$weak"
