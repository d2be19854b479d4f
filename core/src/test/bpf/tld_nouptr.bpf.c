// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A tld_data_map of the right shape but without the uptr tags: what a
 * kernel without UPTR support (before 6.13) makes of the real one. The
 * kernel then stores the block addresses as plain numbers, and the Java
 * core must refuse the map instead of pretending BPF can read the data.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct tld_map_value_plain {
	__u64 data;
	__u64 meta;
	__u64 cache[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tld_map_value_plain);
} tld_data_map SEC(".maps");

SEC("syscall")
int nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
