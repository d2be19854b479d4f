#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what building and testing need, and nothing that is already there.
# Idempotent: a second run installs nothing and prints one line.
#
#   scripts/install-deps.sh          Debian packages + bpffs mount
set -euo pipefail

# prometheus: a real server for the demo's Prometheus test (FleetPrometheusIT); its package
# installs a service that init systems may start: the tests run their own, on a random port.
PACKAGES=(clang-19 llvm-19 libbpf-dev libbpf1 bpftool libelf-dev zlib1g-dev pkg-config prometheus)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing Debian packages: ${missing[*]}" >&2
		echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpffs holds the pinned tld_data_map. Not mounted at boot on every host.
if [ -d /sys/fs/bpf ] && ! mountpoint -q /sys/fs/bpf; then
	if [ "$(id -u)" -eq 0 ]; then
		mount -t bpf bpf /sys/fs/bpf
		echo "install-deps: mounted bpffs on /sys/fs/bpf"
	else
		echo "install-deps: bpffs is not mounted on /sys/fs/bpf (needs root); map pinning will be unavailable" >&2
	fi
fi
echo "install-deps: all of ${PACKAGES[*]} present"
