/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tld_trace.h - records shared by the tracing programs (tld_trace.bpf.c)
 * and user space.
 *
 * Java decodes these layouts (dev.tld.core.trace); a core test compiles this
 * header for BPF and compares every size and offset below, as the compiled
 * BTF has them, with the Java constants. Integers are in the host's byte
 * order. Include tld.bpf.h first: the string sizes come from it.
 */
#ifndef __TLD_TRACE_H
#define __TLD_TRACE_H

/* Bytes of a thread name, NUL included (TASK_COMM_LEN). */
#define TLD_COMM_LEN		16

/* Bits of tld_task_record.flags. */
#define TLD_REC_SERVING		(1u << 0)	/* the task serves a request */
#define TLD_REC_BUSY		(1u << 1)	/* no consistent read: -EAGAIN */

/* Entries of tld_stats; keys beyond it are dropped, and counted. */
#define TLD_STATS_MAX_ENTRIES	4096

/**
 * struct tld_stats_val - per-CPU value of the tld_stats map, keyed by the
 * __u64 attribution key of struct tld_request (tenant id, priority); user
 * space sums the copies of all possible CPUs
 * @cpu_ns: on-CPU nanoseconds, the kernel's own (se.sum_exec_runtime); a
 *	    CPU slice is split at the publish times of the request record
 *	    (since, last_since, last_until)
 * @runq_ns: nanoseconds runnable but waiting for a CPU (sched_info's
 *	     run_delay), charged to the key the thread served while waiting
 * @blocked_ns: nanoseconds off the CPU and not waiting for one (blocked,
 *		sleeping): off-CPU time less @runq_ns, counted only if the
 *		thread serves the same key when it leaves and comes back
 * @vol_switches: voluntary switches out (the kernel's nvcsw)
 * @invol_switches: involuntary switches out, preemptions (nivcsw)
 * @rchar: bytes read through read-like system calls (ioac.rchar)
 * @wchar: bytes written through write-like system calls (ioac.wchar)
 * @syscr: read-like system calls (ioac.syscr)
 * @syscw: write-like system calls (ioac.syscw)
 * @read_bytes: bytes the thread caused to be read from storage
 * @write_bytes: bytes it caused to be written to storage
 * @min_flt: minor page faults
 * @maj_flt: major page faults
 * @syscalls: system calls entered (only with the opt-in sys_enter program)
 *
 * Counters the kernel keeps per task (switches, I/O, faults) are read at
 * each switch out; what a task did in one CPU slice goes to the key it
 * serves when the slice ends, or, if it serves none by then, to the key
 * that ended in the slice.
 */
struct tld_stats_val {
	__u64 cpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
	__u64 vol_switches;
	__u64 invol_switches;
	__u64 rchar;
	__u64 wchar;
	__u64 syscr;
	__u64 syscw;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 min_flt;
	__u64 maj_flt;
	__u64 syscalls;
};

/* Bits of tld_features(): which figures this kernel lets the programs read. */
#define TLD_FEAT_CPU		(1u << 0)	/* se.sum_exec_runtime */
#define TLD_FEAT_RUNQ		(1u << 1)	/* sched_info.run_delay */
#define TLD_FEAT_SWITCHES	(1u << 2)	/* nvcsw, nivcsw */
#define TLD_FEAT_IO		(1u << 3)	/* ioac.rchar, wchar, syscr, syscw */
#define TLD_FEAT_STORAGE	(1u << 4)	/* ioac.read_bytes, write_bytes */
#define TLD_FEAT_FAULTS		(1u << 5)	/* min_flt, maj_flt */

/**
 * struct tld_counters - the single value of the tld_counters array: events
 * the programs could not account, for user space to report
 * @stats_dropped: updates lost because tld_stats was full
 * @read_busy: request reads that gave up (-EAGAIN): the writer kept
 *	       publishing on another CPU
 * @unsplit_ns: CPU time of slices that held more than one transition,
 *		charged to the last key that ended in them although earlier
 *		keys (or idle gaps) had part of it: the accounting's
 *		approximation
 */
struct tld_counters {
	__u64 stats_dropped;
	__u64 read_busy;
	__u64 unsplit_ns;
};

/**
 * struct tld_task_record - what tld_dump_task (iter/task) writes per task
 * that has task local data, with bpf_seq_write()
 * @pid: process id in the task's own pid namespace (what getpid() returns
 *	 in the process, inside a container too)
 * @tid: thread id in the task's own pid namespace (gettid(),
 *	 /proc/thread-self)
 * @flags: TLD_REC_SERVING, TLD_REC_BUSY; other bits 0
 * @host_tid: thread id in the initial pid namespace (what tools on the host
 *	      see); bytes that were reserved before, 0 then
 * @key: the request record's attribution key
 * @since: when it was published
 * @tenant: the record's tenant, cut at TLD_TENANT_LEN - 1 bytes and
 *	    zero-padded after the first NUL; empty when not serving
 * @request_id: the record's request id, sanitized the same way
 * @comm: the thread's name, sanitized the same way
 * @otel: the record's trace context (struct tld_otel) as the thread
 *	  published it while a span is in scope (@otel.valid 1): ids,
 *	  valid, flags; all zero otherwise (not serving, or no span: the
 *	  record's ids then mean nothing and are not copied). The ids are
 *	  bytes in W3C order, copied unchanged
 */
struct tld_task_record {
	__u32 pid;
	__u32 tid;
	__u32 flags;
	__u32 host_tid;
	__u64 key;
	__u64 since;
	char tenant[TLD_TENANT_LEN];
	char request_id[TLD_REQUEST_ID_LEN];
	char comm[TLD_COMM_LEN];
	struct tld_otel otel;
} __attribute__((aligned(8)));

#endif /* __TLD_TRACE_H */
