#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compile every *.c in SRC_DIR into the executable OUT_DIR/<name> (user-space helpers of
# the benchmarks; nothing binary is committed).
#
#   scripts/build-native.sh SRC_DIR OUT_DIR
#
# Uses clang-19 (CC to override), which scripts/install-deps.sh installs with the C
# library's headers. An executable is rebuilt when its source is newer.
set -euo pipefail

src=$1 out=$2
CC=${CC:-clang-19}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "build-native: '$CC' not found: install the Debian package 'clang-19' (or run scripts/install-deps.sh as root)" >&2
	exit 1
fi

mkdir -p "$out"
shopt -s nullglob
for c in "$src"/*.c; do
	exe="$out/$(basename "${c%.c}")"
	if [ "$exe" -nt "$c" ]; then
		continue
	fi
	"$CC" -O2 -Wall -Wextra -Werror -o "$exe" "$c"
	echo "build-native: $exe"
done
