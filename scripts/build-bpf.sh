#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compile every *.bpf.c in SRC_DIR into OUT_DIR/<name>.bpf.o.
#
#   scripts/build-bpf.sh SRC_DIR OUT_DIR GEN_DIR
#
# GEN_DIR receives vmlinux.h, generated from the running kernel's BTF (never
# committed). bpf/include (tld.bpf.h, tld_trace.h) is always on the include path. Called
# by Maven (bpf/ and core/ modules); fails with the name of what is missing.
set -euo pipefail

src=$1 out=$2 gen=$3
here=$(cd "$(dirname "$0")" && pwd)
include="$here/../bpf/include"
CLANG=${CLANG:-clang-19}

need() { # command, Debian package
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "build-bpf: '$1' not found: install the Debian package '$2' (or run scripts/install-deps.sh as root)" >&2
	exit 1
}
need "$CLANG" clang-19
need bpftool bpftool
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
	echo "build-bpf: /usr/include/bpf/bpf_helpers.h not found: install the Debian package 'libbpf-dev'" >&2
	exit 1
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "build-bpf: /sys/kernel/btf/vmlinux is missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2
	exit 1
fi

mkdir -p "$out" "$gen"
if [ ! -s "$gen/vmlinux.h" ] || [ /sys/kernel/btf/vmlinux -nt "$gen/vmlinux.h" ]; then
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$gen/vmlinux.h.tmp"
	mv "$gen/vmlinux.h.tmp" "$gen/vmlinux.h"
fi

case "$(uname -m)" in
x86_64) arch=x86 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

# An object is rebuilt when its source, a public header or a header next to it is newer.
fresh() { # object, source
	local h
	[ "$1" -nt "$2" ] || return 1
	for h in "$include"/*.h "$src"/*.h; do
		[ "$1" -nt "$h" ] || return 1
	done
}

shopt -s nullglob
for c in "$src"/*.bpf.c; do
	o="$out/$(basename "${c%.c}").o"
	if fresh "$o" "$c"; then
		continue
	fi
	"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_$arch \
		-Wall -Wextra -Wno-unused-parameter -Werror \
		-I"$gen" -I"$include" -I"$src" -c "$c" -o "$o"
	echo "build-bpf: $o"
done
