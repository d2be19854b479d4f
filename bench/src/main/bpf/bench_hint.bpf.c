// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_hint.bpf.c - the "hint map" scheme the starter is compared with:
 * user space publishes per-thread data with one bpf_map_update_elem()
 * system call per change, into a hash map keyed by tid. Nothing here runs;
 * loading the object creates the maps.
 *
 *	hint_long	tid -> one 8-byte value (java_write/map_update)
 *	hint_request	tid -> struct hint_request, written by the servlet
 *			filter of request/map_update at request start and end
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* What the starter publishes per request; layout mirrored by HintMap. */
struct hint_request {
	char tenant[32];
	__s64 priority;
	char request_id[40];
};

_Static_assert(sizeof(struct hint_request) == 80, "hint_request size");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} hint_long SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct hint_request);
} hint_request SEC(".maps");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
