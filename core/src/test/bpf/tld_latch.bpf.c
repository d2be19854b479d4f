// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test programs for the request latch: what tld_read_request() reads for a
 * watched thread at each system call entry (latch_enter) and each switch
 * out (latch_switch), kept per tid for user space to compare with what it
 * published.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tld.bpf.h"

struct tld_keys {
	tld_key_t unused;
};

/* What a program read last for a thread, and how many times it read. */
struct seen {
	struct tld_request req;
	__u64 count;
	__s64 err;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct seen);
} seen_enter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct seen);
} seen_switch SEC(".maps");

static __always_inline void record(void *map, struct task_struct *task)
{
	struct tld_object obj;
	struct seen *old, s = {};
	__u32 tid = task->pid;

	if (!bpf_map_lookup_elem(&watch, &tid))
		return;
	s.err = tld_object_init(task, &obj);
	if (!s.err)
		s.err = tld_read_request(&obj, &s.req);
	old = bpf_map_lookup_elem(map, &tid);
	s.count = old ? old->count + 1 : 1;
	bpf_map_update_elem(map, &tid, &s, BPF_ANY);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(latch_enter, struct pt_regs *regs, long id)
{
	record(&seen_enter, bpf_get_current_task_btf());
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(latch_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	record(&seen_switch, prev);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
