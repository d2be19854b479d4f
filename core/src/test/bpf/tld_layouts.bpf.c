// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Not a program: an object whose BTF holds every layout user space shares
 * with BPF (tld.bpf.h, tld_trace.h, tld_audit.h), as clang compiles them
 * for BPF. The Java layout tests read it with bpftool and compare each size
 * and offset.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "tld.bpf.h"
#include "tld_trace.h"
#include "tld_audit.h"

struct tld_keys {
	tld_key_t unused;
};

/* One global of each type, so that each reaches the object's BTF. */
struct tld_metadata layout_metadata;
struct tld_meta_u layout_meta_u;
struct tld_data_u layout_data_u;
struct tld_request layout_request;
struct tld_otel layout_otel;
struct tld_map_value layout_map_value;
struct tld_stats_val layout_stats_val;
struct tld_counters layout_counters;
struct tld_task_record layout_task_record;
struct tld_element_record layout_element_record;

char LICENSE[] SEC("license") = "Dual BSD/GPL";
