// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tld_trace.bpf.c - per (tenant, priority) accounting of request threads.
 *
 * Java threads publish, in the request record of their task local data
 * block (tld.bpf.h, struct tld_request), which request they are serving
 * right now: an attribution key (tenant id, priority), when it was
 * published, and the key they served before and when that ended. The
 * programs below read the record as one consistent snapshot
 * (tld_read_request_attr()) and charge what such threads do to the key
 * they serve: no string is copied or hashed on the way. Java maps tenant
 * ids back to names.
 *
 * Maps (Java opens them by name; the record layouts are in tld_trace.h,
 * which user space decodes; all integers are in the host's byte order):
 *
 * tld_stats - BPF_MAP_TYPE_PERCPU_HASH, TLD_STATS_MAX_ENTRIES entries,
 *	__u64 attribution key -> struct tld_stats_val (one copy per possible
 *	CPU). BPF never deletes entries; user space retires those of idle
 *	tenants. When the map is full, new keys are not added and the event
 *	is counted in tld_counters.
 *
 * tld_sched - BPF_MAP_TYPE_TASK_STORAGE (BPF_F_NO_PREALLOC), key int
 *	Private scheduling state (struct tld_sched_state). It is created only
 *	for tasks that have TLD data, so other tasks never get storage.
 *
 * tld_counters - BPF_MAP_TYPE_ARRAY, one struct tld_counters: stats
 *	updates lost, request reads that gave up, CPU time charged by
 *	approximation.
 *
 * tld_data_map - the data map (tld.bpf.h). The starter never pins it: it is
 *	the service's own, registered with by its threads only, so the
 *	programs account that service and nothing else, whatever other
 *	services or writers do to a shared pinned map.
 *
 * Globals:
 *	tld_target_tgid (.rodata, __u32): if set before load, only tasks
 *		of that process (an id in the initial pid namespace) are
 *		accounted and dumped. 0 (default): all tasks with an element.
 *		The starter leaves it 0: its map holds only its own threads.
 *		A tool that loads this object with a shared map reused may
 *		set it to follow one process.
 *	tld_owner_tgid (.bss, __u32): set by tld_claim(), run by the process
 *		that owns the object; with tld_target_tgid 0, only its tasks
 *		are looked at. 0 (not claimed): every task is.
 *
 * Programs:
 *	tld_sched_switch (tp_btf/sched_switch): every field of struct
 *		tld_stats_val but syscalls, from the kernel's own counters of
 *		the task (CPU time, run-queue wait, switches, I/O, faults) read
 *		as deltas when it switches out. The default, and the only
 *		program on a hook that every process on the host passes.
 *	tld_sys_enter (tp_btf/sys_enter): syscalls. Opt-in: once any
 *		sys_enter program is attached, every system call of every
 *		process takes the tracing slow path (docs/accounting.md).
 *	tld_features (syscall): which of the counters this kernel has.
 *	tld_claim (syscall): makes the caller's process the owner.
 *	tld_dump_task (iter/task): one struct tld_task_record per task that
 *		has TLD data, written with bpf_seq_write(). The starter
 *		restricts its iterator to its own process; ids are those of
 *		the task's own pid namespace (tld_task_vtid()), with the
 *		initial namespace's tid beside them.
 *	A task of another process leaves the switch and system call programs
 *	after one compare of its tgid; one of ours that never registered,
 *	after one task-storage lookup (in the object's own data map).
 *
 * The switch and system call programs read the record of a task that is
 * not running user code at that moment: the task switching out or in, or
 * the current task entering a system call. Its writer is stopped, so the
 * latch's first attempt always succeeds, even if the task was preempted
 * (or stopped at a GC safepoint) between two stores of a publish. Only the
 * dump reads tasks that may be running on another CPU: it may retry, and
 * reports a task it could not read consistently (TLD_REC_BUSY).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tld.bpf.h"
#include "tld_trace.h"
#include "tld_audit.h"

#ifndef EEXIST
#define EEXIST			17
#endif

/* prev_state of a task switched out while still runnable (not in BTF). */
#define TLD_TASK_RUNNING	0

/* This file reads no key by name: only the request record. */
struct tld_keys {
	tld_key_t unused;
};

/**
 * struct tld_task_counts - the counters the kernel keeps per task that the
 * accounting charges as deltas between two switches out
 * @run_delay: sched_info.run_delay: nanoseconds waited on a run queue
 * @nvcsw: voluntary switches
 * @nivcsw: involuntary switches
 * @rchar: ioac.rchar
 * @wchar: ioac.wchar
 * @syscr: ioac.syscr
 * @syscw: ioac.syscw
 * @read_bytes: ioac.read_bytes
 * @write_bytes: ioac.write_bytes
 * @min_flt: minor faults
 * @maj_flt: major faults
 */
struct tld_task_counts {
	__u64 run_delay;
	__u64 nvcsw;
	__u64 nivcsw;
	__u64 rchar;
	__u64 wchar;
	__u64 syscr;
	__u64 syscw;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 min_flt;
	__u64 maj_flt;
};

/**
 * struct tld_sched_state - value of tld_sched, private to this file
 * @on_ts: bpf_ktime_get_ns() when the task last got a CPU, 0 if unknown
 * @sum_in: its se.sum_exec_runtime then
 * @off_ts: when the task last left the CPU while serving a key, else 0
 * @off_key: the key it served at that moment
 * @off_ns: the time off the CPU that ended at the last switch in, if the
 *	    task served the same key at both ends, charged at the next switch
 *	    out (when the run-queue part of it is known)
 * @in_key: the key served at the last switch in
 * @based: whether @base holds the counters of an earlier switch out
 * @base: the task's counters at its last switch out
 */
struct tld_sched_state {
	__u64 on_ts;
	__u64 sum_in;
	__u64 off_ts;
	__u64 off_key;
	__u64 off_ns;
	__u64 in_key;
	__u64 based;
	struct tld_task_counts base;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TLD_STATS_MAX_ENTRIES);
	__type(key, __u64);
	__type(value, struct tld_stats_val);
} tld_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tld_sched_state);
} tld_sched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tld_counters);
} tld_counters SEC(".maps");

const volatile __u32 tld_target_tgid = 0;

/* Set by tld_claim(): the process whose threads register with this object's map. */
__u32 tld_owner_tgid = 0;

/* An 8-byte word that may alias anything: word-wise copies and compares. */
typedef __u64 __attribute__((may_alias)) tld_word_t;

/**
 * tld_copy_words() - copy @size bytes, 8 at a time
 * @dst: destination, 8-byte aligned
 * @src: source, may be user memory
 * @size: a compile-time multiple of 8
 *
 * Each word of @src is loaded exactly once, so the copy is a snapshot that
 * later checks can rely on even if @src keeps changing.
 */
static __always_inline void tld_copy_words(void *dst, const void *src,
					   __u32 size)
{
	tld_word_t *d = dst;
	const tld_word_t *s = src;
	__u32 i;

#pragma unroll
	for (i = 0; i < size / 8; i++)
		d[i] = s[i];
}

/**
 * tld_str_sanitize() - make a fixed-size string field canonical
 * @s: the field, on the BPF stack, 8-byte aligned
 * @size: its size, a compile-time multiple of 8
 *
 * Forces the last byte to 0, so the string is always terminated within
 * the field, and zeroes every byte after the first NUL, so two fields
 * holding the same string are byte-for-byte equal (and make equal map
 * keys).
 *
 * This runs on every context switch of a serving thread, so it works a
 * word at a time (on little-endian hosts, where byte 0 of the string is
 * the least significant byte of the word). For a word v,
 *
 *	z = (v - 0x0101..01) & ~v & 0x8080..80
 *
 * sets bit 7 of every zero byte of v. It may also set it in some bytes
 * above a zero byte (the borrow of the subtraction ripples up from a zero
 * byte), but never below the first one: a non-zero byte with no incoming
 * borrow yields bit 7 only if it is >= 0x81, and then ~v clears it. So the
 * lowest set bit of z is bit 7 of the first NUL, say bit 8 * n + 7, and
 *
 *	(z ^ (z - 1)) >> 8
 *
 * is the mask of bytes 0 .. n - 1: the ones before the NUL. Once a word
 * held a NUL, @keep is 0 and every later word is cleared.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static __always_inline void tld_str_sanitize(char *s, __u32 size)
{
	tld_word_t *w = (tld_word_t *)s;
	__u64 keep = ~0ULL, v, z;
	__u32 i;

	s[size - 1] = 0;
#pragma unroll
	for (i = 0; i < size / 8; i++) {
		v = w[i] & keep;
		z = (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
		if (z) {
			v &= (z ^ (z - 1)) >> 8;
			keep = 0;
		}
		w[i] = v;
	}
}
#else
/* Big endian: the obvious byte loop; @keep is 0xff until the first NUL. */
static __always_inline void tld_str_sanitize(char *s, __u32 size)
{
	__u8 keep = 0xff;
	__u32 i;

	s[size - 1] = 0;
#pragma unroll
	for (i = 0; i < size; i++) {
		keep &= -(__u8)(s[i] != 0);
		s[i] &= keep;
	}
}
#endif

/**
 * tld_copy_str() - snapshot and sanitize a string published through TLD
 * @dst: destination field, 8-byte aligned
 * @src: the key's bytes in the thread's data block (user memory)
 * @size: field size, a compile-time multiple of 8
 */
static __always_inline void tld_copy_str(char *dst, const char *src,
					 __u32 size)
{
	tld_copy_words(dst, src, size);
	tld_str_sanitize(dst, size);
}


/**
 * tld_task_selected() - whether @t may be one of the tasks this object serves
 * @t: BTF pointer to the task
 *
 * The first test on every path, so that every other task on the host (a
 * sched_switch program runs for all of them) leaves after one compare
 * instead of a task-storage lookup that finds nothing: @t must belong to
 * tld_target_tgid if a tool set it, else to tld_owner_tgid once the owner
 * claimed the object (tld_claim()), else anything goes.
 */
static __always_inline bool tld_task_selected(struct task_struct *t)
{
	if (tld_target_tgid)
		return (__u32)t->tgid == tld_target_tgid;
	return !tld_owner_tgid || (__u32)t->tgid == tld_owner_tgid;
}

/**
 * tld_counters_get() - the event counters
 *
 * Return: the single element of tld_counters (never NULL in practice).
 */
static __always_inline struct tld_counters *tld_counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tld_counters, &zero);
}

/**
 * tld_read_attr() - a task's attribution, consistently
 * @task: BTF pointer to the task
 * @req: its first TLD_REQUEST_ATTR_SIZE bytes are filled
 *
 * Return: 0, or a negative errno: the task has no (usable) data, or the
 * read gave up (-EAGAIN, counted).
 */
static __always_inline int tld_read_attr(struct task_struct *task,
					 struct tld_request *req)
{
	struct tld_counters *c;
	struct tld_object obj;
	int err;

	err = tld_object_init(task, &obj);
	if (err)
		return err;
	err = tld_read_request_attr(&obj, req);
	if (err == -EAGAIN) {
		c = tld_counters_get();
		if (c)
			__sync_fetch_and_add(&c->read_busy, 1);
	}
	return err;
}

/**
 * tld_stats_add() - add to this CPU's counters of a key
 * @key: attribution key, tenant id not TLD_TENANT_NONE
 * @d: what to add; zero fields are skipped
 *
 * The element is created on first use; if that fails (map full), the
 * event is counted in tld_counters and lost.
 *
 * The adds are atomic although the value is per-CPU: tracing programs run
 * with migration disabled but are not guaranteed to run with preemption
 * disabled (system call tracepoints may fault, hence may sleep), so
 * another program on the same CPU could update the same value between our
 * load and store. An uncontended atomic add on a CPU-local line is cheap.
 */
static __always_inline void tld_stats_add(__u64 key, const struct tld_stats_val *d)
{
	struct tld_stats_val *v, zero = {};
	struct tld_counters *c;
	long err;

	v = bpf_map_lookup_elem(&tld_stats, &key);
	if (!v) {
		/* -EEXIST: another CPU inserted it in between: fine. */
		err = bpf_map_update_elem(&tld_stats, &key, &zero, BPF_NOEXIST);
		if (!err || err == -EEXIST)
			v = bpf_map_lookup_elem(&tld_stats, &key);
		if (!v) {
			c = tld_counters_get();
			if (c)
				__sync_fetch_and_add(&c->stats_dropped, 1);
			return;
		}
	}
#define TLD_ADD(f)					\
	do {						\
		if (d->f)				\
			__sync_fetch_and_add(&v->f, d->f);	\
	} while (0)
	TLD_ADD(cpu_ns);
	TLD_ADD(runq_ns);
	TLD_ADD(blocked_ns);
	TLD_ADD(vol_switches);
	TLD_ADD(invol_switches);
	TLD_ADD(rchar);
	TLD_ADD(wchar);
	TLD_ADD(syscr);
	TLD_ADD(syscw);
	TLD_ADD(read_bytes);
	TLD_ADD(write_bytes);
	TLD_ADD(min_flt);
	TLD_ADD(maj_flt);
	TLD_ADD(syscalls);
#undef TLD_ADD
}

/**
 * tld_now() - bpf_ktime_get_ns(), read at most once per program run
 * @now: 0 until the first call
 *
 * Most switches involve no TLD task at all; they should not pay for the
 * clock. Both halves of one switch see the same time.
 */
static __always_inline __u64 tld_now(__u64 *now)
{
	if (!*now)
		*now = bpf_ktime_get_ns();
	return *now;
}

static __always_inline bool tld_key_serving(__u64 key)
{
	return tld_key_tenant_id(key) != TLD_TENANT_NONE;
}

/**
 * tld_cpu_time() - the task's CPU time so far, the kernel's own
 * @t: BTF pointer to the task
 *
 * se.sum_exec_runtime, what /proc/<pid>/task/<tid>/schedstat's first field
 * shows; at sched_switch it includes the slice that is ending.
 */
static __always_inline __u64 tld_cpu_time(struct task_struct *t)
{
	if (bpf_core_field_exists(t->se.sum_exec_runtime))
		return t->se.sum_exec_runtime;
	return 0;
}

/**
 * tld_slice_wall() - how long @t has had this CPU, by the scheduler's clock
 * @t: BTF pointer to the task switching out
 *
 * sched_info.last_arrival is the run queue's clock when the task got this
 * CPU, which is updated again only after the sched_switch tracepoint (in
 * sched_info_switch()); the run queue's clock was updated by __schedule()
 * just before. The difference is the slice's length in wall time, even
 * where the scheduler picked the task again without a switch (which resets
 * se.prev_sum_exec_runtime). The run queue is reached through the task's
 * CFS run queue (the runqueues symbol itself needs CONFIG_KALLSYMS_ALL).
 * Needs CONFIG_SCHED_INFO and CONFIG_FAIR_GROUP_SCHED.
 *
 * Return: nanoseconds, or 0 if unknown.
 */
static __always_inline __u64 tld_slice_wall(struct task_struct *t)
{
	struct cfs_rq *cfs;
	struct rq *rq;
	__u64 arrived, now;

	if (!bpf_core_field_exists(t->sched_info.last_arrival) ||
	    !bpf_core_field_exists(struct cfs_rq, rq))
		return 0;
	cfs = t->se.cfs_rq;
	if (!cfs)
		return 0;
	rq = cfs->rq;
	if (!rq)
		return 0;
	now = rq->clock;
	arrived = t->sched_info.last_arrival;
	return arrived && now > arrived ? now - arrived : 0;
}

/**
 * tld_read_counts() - the task's counters, those this kernel has
 * @t: BTF pointer to the task
 * @c: filled in; absent counters read as 0 (so their deltas are 0)
 */
static __always_inline void tld_read_counts(struct task_struct *t,
					    struct tld_task_counts *c)
{
	__builtin_memset(c, 0, sizeof(*c));
	if (bpf_core_field_exists(t->sched_info.run_delay))
		c->run_delay = t->sched_info.run_delay;
	if (bpf_core_field_exists(t->nvcsw)) {
		c->nvcsw = t->nvcsw;
		c->nivcsw = t->nivcsw;
	}
	if (bpf_core_field_exists(t->ioac)) {
		c->rchar = t->ioac.rchar;
		c->wchar = t->ioac.wchar;
		c->syscr = t->ioac.syscr;
		c->syscw = t->ioac.syscw;
		if (bpf_core_field_exists(t->ioac.read_bytes)) {
			c->read_bytes = t->ioac.read_bytes;
			c->write_bytes = t->ioac.write_bytes;
		}
	}
	if (bpf_core_field_exists(t->min_flt)) {
		c->min_flt = t->min_flt;
		c->maj_flt = t->maj_flt;
	}
}

/* b - a, 0 if the counter went back (it never should). */
static __always_inline __u64 tld_delta(__u64 a, __u64 b)
{
	return (b > a) ? b - a : 0;
}

/**
 * tld_switch_out() - account the task leaving the CPU
 * @prev: the outgoing task
 * @now: see tld_now()
 *
 * The slice that ends here is the task's CPU time since it got the CPU
 * (se.sum_exec_runtime, the kernel's own figure), split at the publish
 * times of its request record: after the current key was published
 * (since), to that key; from last_since to last_until, to the key that
 * ended in the slice; before last_since, to the key before it (prev_key),
 * or to nobody if the thread was idle. Only the last two transitions are
 * known: if the slice holds more (many short requests), the part before
 * last_since is charged to prev_key although earlier keys had some of it,
 * so that no CPU time is lost, and counted in tld_counters.unsplit_ns, the
 * share of the accounting that is an approximation. A task's first slice
 * after it registered (we did not see it start) is measured by the
 * scheduler's own clock from sched_info.last_arrival (see tld_slice_wall()):
 * short-lived threads that never leave the CPU while they serve are charged
 * too.
 *
 * The task's other counters (switches, I/O, faults) are charged as deltas
 * since its last switch out to the key the slice ends with, or, if the task
 * is idle by then, to the key that ended in the slice. The run-queue wait
 * that preceded this slice (added to run_delay when it got the CPU) and the
 * time off the CPU before it, less that wait (blocked time), go to the key
 * it served while off the CPU.
 *
 * No locking is needed on the task's state: the sched_switch tracepoint
 * for a task switching out runs on its CPU before the task can be picked
 * by any other CPU (try_to_wake_up() waits for p->on_cpu to clear), so
 * the switch-out and switch-in of one task never overlap.
 */
static __always_inline void tld_switch_out(struct task_struct *prev, __u64 *now)
{
	struct tld_stats_val cur = {}, last = {}, before = {}, in = {};
	struct tld_sched_state *st;
	struct tld_task_counts c;
	struct tld_request req;
	struct tld_counters *cnt;
	__u64 t, sum, slice_sum, cpu, start, wall, s, part, left;
	bool last_in_slice, before_in_slice;

	if (!tld_task_selected(prev) || tld_read_attr(prev, &req))
		return;
	st = bpf_task_storage_get(&tld_sched, prev, NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return;
	t = tld_now(now);
	sum = tld_cpu_time(prev);
	/*
	 * Load both candidates for the slice's start before choosing: clang
	 * would otherwise merge the two loads into one instruction through a
	 * pointer that is a map value on one path and a task on the other,
	 * which the verifier refuses.
	 */
	slice_sum = bpf_core_field_exists(prev->se.prev_sum_exec_runtime) ?
		    prev->se.prev_sum_exec_runtime : sum;
	barrier_var(slice_sum);
	if (st->on_ts) {
		slice_sum = st->sum_in;
		cpu = tld_delta(slice_sum, sum);
		start = st->on_ts < t ? st->on_ts : t - cpu;
	} else {
		/*
		 * The slice the task registered in: its length by the
		 * scheduler's clock, and all of it on the CPU (less interrupt
		 * and steal time, which this cannot tell apart); else from
		 * se.prev_sum_exec_runtime, which a re-pick without a switch
		 * resets, so it may be short.
		 */
		wall = tld_slice_wall(prev);
		cpu = wall ? (wall < sum ? wall : sum) : tld_delta(slice_sum, sum);
		start = t - cpu;
	}
	wall = t - start;
	last_in_slice = tld_key_serving(req.last_key) &&
			req.last_until > start && req.last_until <= t;
	/* the slice began before last_key did: prev_key (or idle) had that part */
	before_in_slice = last_in_slice && req.last_since > start &&
			  req.last_since < req.last_until;

	if (cpu && wall) {
		left = cpu;
		if (tld_key_serving(req.key)) {
			s = req.since;
			if (s < start || s > t)
				s = start;
			cur.cpu_ns = cpu * (t - s) / wall;
			left -= cur.cpu_ns;
		}
		if (last_in_slice) {
			s = before_in_slice ? req.last_since : start;
			part = cpu * (req.last_until - s) / wall;
			if (part > left)
				part = left;
			last.cpu_ns = part;
			left -= part;
		}
		if (before_in_slice && tld_key_serving(req.prev_key)) {
			/*
			 * Only the last two transitions are known: the part of
			 * the slice before last_since goes to prev_key, though
			 * earlier keys may have had some of it (many requests
			 * in one slice). Counted: the approximation's share.
			 */
			part = cpu * (req.last_since - start) / wall;
			if (part > left)
				part = left;
			before.cpu_ns = part;
			cnt = tld_counters_get();
			if (cnt)
				__sync_fetch_and_add(&cnt->unsplit_ns, part);
		}
	}

	tld_read_counts(prev, &c);
	/*
	 * A task first seen at the end of its very first slice (a fresh thread
	 * that registered before it ever left the CPU) did all its counters
	 * hold in this slice: they were 0 when it was created. Any other task
	 * is charged from its first switch out on: what it did before, in the
	 * slice it registered in, is not known.
	 */
	if (!st->based && !st->on_ts && !slice_sum &&
	    bpf_core_field_exists(prev->se.prev_sum_exec_runtime)) {
		__builtin_memset(&st->base, 0, sizeof(st->base));
		st->based = 1;
	}
	if (st->based) {
		/* what the slice did: to the key it ends with, else the one that ended */
		struct tld_stats_val *d = tld_key_serving(req.key) ? &cur :
					  last_in_slice ? &last : NULL;

		if (d) {
			d->vol_switches = tld_delta(st->base.nvcsw, c.nvcsw);
			d->invol_switches = tld_delta(st->base.nivcsw, c.nivcsw);
			d->rchar = tld_delta(st->base.rchar, c.rchar);
			d->wchar = tld_delta(st->base.wchar, c.wchar);
			d->syscr = tld_delta(st->base.syscr, c.syscr);
			d->syscw = tld_delta(st->base.syscw, c.syscw);
			d->read_bytes = tld_delta(st->base.read_bytes, c.read_bytes);
			d->write_bytes = tld_delta(st->base.write_bytes, c.write_bytes);
			d->min_flt = tld_delta(st->base.min_flt, c.min_flt);
			d->maj_flt = tld_delta(st->base.maj_flt, c.maj_flt);
		}
		/* what preceded the slice: to the key served while off the CPU */
		if (st->on_ts && tld_key_serving(st->in_key)) {
			in.runq_ns = tld_delta(st->base.run_delay, c.run_delay);
			if (st->off_ns > in.runq_ns)
				in.blocked_ns = st->off_ns - in.runq_ns;
		}
	}
	st->base = c;
	st->based = 1;

	if (tld_key_serving(req.key)) {
		if (st->on_ts && st->in_key == req.key) {
			cur.runq_ns = in.runq_ns;
			cur.blocked_ns = in.blocked_ns;
			in.runq_ns = 0;
			in.blocked_ns = 0;
		}
		tld_stats_add(req.key, &cur);
	}
	if (last_in_slice) {
		if (st->on_ts && st->in_key == req.last_key) {
			last.runq_ns = in.runq_ns;
			last.blocked_ns = in.blocked_ns;
			in.runq_ns = 0;
			in.blocked_ns = 0;
		}
		tld_stats_add(req.last_key, &last);
	}
	if (before.cpu_ns)
		tld_stats_add(req.prev_key, &before);
	if (in.runq_ns || in.blocked_ns)
		tld_stats_add(st->in_key, &in);

	st->off_key = req.key;
	st->off_ts = tld_key_serving(req.key) ? t : 0;
	st->off_ns = 0;
	st->on_ts = 0;
}

/**
 * tld_switch_in() - note the task getting the CPU
 * @next: the incoming task
 * @now: see tld_now()
 *
 * Only remembers: when (wall clock and CPU time), which key, and how long
 * the task was off the CPU serving that same key (a thread whose next
 * request started before we saw it run again must not make the old tenant
 * pay for idle time). Charging happens at the next switch out, when the
 * run-queue part of the wait is known.
 */
static __always_inline void tld_switch_in(struct task_struct *next, __u64 *now)
{
	struct tld_sched_state *st;
	struct tld_request req;
	__u64 t;

	if (!tld_task_selected(next) || tld_read_attr(next, &req))
		return;
	st = bpf_task_storage_get(&tld_sched, next, NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return;
	t = tld_now(now);
	st->off_ns = (st->off_ts && t > st->off_ts && tld_key_serving(req.key) &&
		      st->off_key == req.key) ? t - st->off_ts : 0;
	st->in_key = req.key;
	st->off_ts = 0;
	st->on_ts = t;
	st->sum_in = tld_cpu_time(next);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tld_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	__u64 now = 0;

	tld_switch_out(prev, &now);
	tld_switch_in(next, &now);
	return 0;
}

/*
 * Opt-in (tld.tracing.syscalls): with any sys_enter program attached, every
 * system call of every process on the host takes the tracing slow path
 * (measured on 6.18: some 150 ns each), so it is not attached by default.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(tld_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tld_stats_val d = { .syscalls = 1 };
	struct tld_request req;

	if (!tld_task_selected(task) || tld_read_attr(task, &req))
		return 0;
	if (tld_key_serving(req.key))
		tld_stats_add(req.key, &d);
	return 0;
}

/*
 * Which figures this kernel lets the programs read (TLD_FEAT_*), resolved
 * by libbpf against the running kernel's BTF when the object is loaded.
 * Run once by user space (BPF_PROG_TEST_RUN) to tell which meters mean
 * something.
 */
SEC("syscall")
int tld_features(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	int f = 0;

	if (bpf_core_field_exists(t->se.sum_exec_runtime) &&
	    bpf_core_field_exists(t->se.prev_sum_exec_runtime))
		f |= TLD_FEAT_CPU;
	if (bpf_core_field_exists(t->sched_info.run_delay))
		f |= TLD_FEAT_RUNQ;
	if (bpf_core_field_exists(t->nvcsw))
		f |= TLD_FEAT_SWITCHES;
	if (bpf_core_field_exists(t->ioac))
		f |= TLD_FEAT_IO;
	if (bpf_core_field_exists(t->ioac) &&
	    bpf_core_field_exists(t->ioac.read_bytes))
		f |= TLD_FEAT_STORAGE;
	if (bpf_core_field_exists(t->min_flt))
		f |= TLD_FEAT_FAULTS;
	return f;
}

/**
 * tld_claim() - make the calling process the object's owner
 *
 * Run once with BPF_PROG_TEST_RUN by the process whose threads register
 * with this object's own data map, before the accounting programs are
 * attached: tasks of any other process then leave them after one compare
 * (tld_task_selected()). The id is the initial pid namespace's, which a
 * process in a container does not know itself; the kernel does.
 *
 * Return: the owner's thread group id.
 */
SEC("syscall")
int tld_claim(void *ctx)
{
	tld_owner_tgid = bpf_get_current_pid_tgid() >> 32;
	return tld_owner_tgid;
}

SEC("iter/task")
int tld_dump_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct tld_task_record rec;
	struct tld_request req;
	struct tld_counters *c;
	struct tld_object obj;
	int err;

	if (!task || !tld_task_selected(task) || tld_object_init(task, &obj))
		return 0;

	__builtin_memset(&rec, 0, sizeof(rec));
	rec.pid = tld_task_vtgid(task);
	rec.tid = tld_task_vtid(task);
	rec.host_tid = task->pid;
	err = tld_read_request(&obj, &req);
	if (!err) {
		rec.key = req.key;
		rec.since = req.since;
		if (tld_req_serving(&req)) {
			rec.flags |= TLD_REC_SERVING;
			tld_copy_str(rec.tenant, req.tenant, TLD_TENANT_LEN);
			tld_copy_str(rec.request_id, req.request_id,
				     TLD_REQUEST_ID_LEN);
			/* the ids mean something only while valid */
			if (tld_req_traced(&req))
				rec.otel = req.otel;
		}
	} else if (err == -EAGAIN) {
		rec.flags |= TLD_REC_BUSY;
		c = tld_counters_get();
		if (c)
			__sync_fetch_and_add(&c->read_busy, 1);
	}

	/*
	 * ctx->task is trusted, so task->comm can be loaded directly. The
	 * kernel keeps comm terminated, but it may be renamed while we copy:
	 * sanitize it like the user strings.
	 */
	__builtin_memcpy(rec.comm, task->comm, TLD_COMM_LEN);
	tld_str_sanitize(rec.comm, TLD_COMM_LEN);

	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
