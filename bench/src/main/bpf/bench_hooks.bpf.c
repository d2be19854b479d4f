// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Empty programs on the hooks the starter's tracing uses, for the host
 * benchmarks: what attaching anything at all to tp_btf/sched_switch or
 * tp_btf/sys_enter costs (the host group's empty_* cases), and the reference the
 * starter's sched_switch program is measured against
 * (bpf_prog/empty).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_switch")
int BPF_PROG(bench_empty_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bench_empty_enter, struct pt_regs *regs, long id)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
