/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tld_trace.h - records shared by the tracing programs (tld_trace.bpf.c)
 * and user space.
 *
 * Java decodes these layouts (dev.tld.core.trace); a core test compiles this
 * header for BPF and compares every size and offset below, as the compiled
 * BTF has them, with the Java constants. Integers are in the host's byte
 * order.
 *
 * Only fixed-size kernel types are used, so the header also builds in user
 * space (with <linux/types.h>) as well as in BPF (with vmlinux.h).
 */
#ifndef __TLD_TRACE_H
#define __TLD_TRACE_H

/* Sizes of the string fields, terminating NUL included. */
#define TLD_TENANT_LEN		32
#define TLD_REQUEST_ID_LEN	40
#define TLD_COMM_LEN		16

/* Bits of tld_task_record.flags. */
#define TLD_REC_SERVING		(1u << 0)

/* Entries of tld_stats; (tenant, priority) pairs beyond it are dropped. */
#define TLD_STATS_MAX_ENTRIES	4096

/*
 * The key and the record are declared 8-byte aligned: this does not change
 * their size or layout (both sizes are multiples of 8), but lets the
 * programs copy and compare them 8 bytes at a time. The verifier insists on
 * aligned stack accesses, so this matters for keys that live on the stack.
 */

/**
 * struct tld_stats_key - key of the tld_stats map
 * @tenant: tenant name, NUL-terminated, zero-padded after the first NUL, so
 *	    that equal strings give equal keys (byte 31 is always 0)
 * @priority: low 32 bits of the thread's "tld.priority" (0 without one)
 * @pad: always 0
 */
struct tld_stats_key {
	char tenant[TLD_TENANT_LEN];
	__u32 priority;
	__u32 pad;
} __attribute__((aligned(8)));

/**
 * struct tld_stats_val - per-CPU value of the tld_stats map; user space sums
 * the copies of all possible CPUs
 * @cpu_ns: on-CPU nanoseconds; a CPU slice is split at the times Java
 *	    published in "tld.since" and "tld.last_*"
 * @syscalls: system calls entered
 * @offcpu_ns: nanoseconds between leaving the CPU and coming back (blocked
 *	       or waiting on a run queue), counted only if the thread serves
 *	       the same key at both ends
 * @preemptions: involuntary switches out: the thread left the CPU still
 *		 runnable, as the kernel's nonvoluntary_ctxt_switches
 * @switches_in: times the thread got a CPU while serving the key
 */
struct tld_stats_val {
	__u64 cpu_ns;
	__u64 syscalls;
	__u64 offcpu_ns;
	__u64 preemptions;
	__u64 switches_in;
};

/**
 * struct tld_task_record - what tld_dump_task (iter/task) writes per task
 * that has task local data, with bpf_seq_write()
 * @pid: thread group id, in the initial pid namespace
 * @tid: thread id, in the initial pid namespace
 * @priority: low 32 bits of "tld.priority"
 * @flags: TLD_REC_SERVING if @tenant is not empty; other bits 0
 * @tenant: "tld.tenant", sanitized as in struct tld_stats_key
 * @request_id: "tld.request_id", sanitized the same way
 * @comm: the thread's name, sanitized the same way
 */
struct tld_task_record {
	__u32 pid;
	__u32 tid;
	__u32 priority;
	__u32 flags;
	char tenant[TLD_TENANT_LEN];
	char request_id[TLD_REQUEST_ID_LEN];
	char comm[TLD_COMM_LEN];
} __attribute__((aligned(8)));

#endif /* __TLD_TRACE_H */
