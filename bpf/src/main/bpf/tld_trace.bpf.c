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
 *
 * Programs:
 *	tld_sched_switch (tp_btf/sched_switch): cpu_ns, offcpu_ns,
 *		preemptions, switches_in.
 *	tld_sys_enter (tp_btf/sys_enter): syscalls.
 *	tld_dump_task (iter/task): one struct tld_task_record per task that
 *		has TLD data, written with bpf_seq_write(). The starter
 *		restricts its iterator to its own process; ids are those of
 *		the task's own pid namespace (tld_task_vtid()), with the
 *		initial namespace's tid beside them.
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
 * struct tld_sched_state - value of tld_sched, private to this file
 * @on_ts: bpf_ktime_get_ns() when the task last got a CPU, 0 if unknown
 * @off_ts: when the task last left the CPU while serving a key, else 0
 * @off_key: the key it served at that moment
 */
struct tld_sched_state {
	__u64 on_ts;
	__u64 off_ts;
	__u64 off_key;
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
 * tld_task_selected() - whether @t passes the tld_target_tgid filter
 * @t: BTF pointer to the task
 */
static __always_inline bool tld_task_selected(struct task_struct *t)
{
	return !tld_target_tgid || (__u32)t->tgid == tld_target_tgid;
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
 * @cpu_ns: added to cpu_ns
 * @syscalls: added to syscalls
 * @offcpu_ns: added to offcpu_ns
 * @preemptions: added to preemptions
 * @switches_in: added to switches_in
 *
 * The element is created on first use; if that fails (map full), the
 * event is counted in tld_counters and lost.
 *
 * The adds are atomic although the value is per-CPU: tracing programs run
 * with migration disabled but are not guaranteed to run with preemption
 * disabled (system call tracepoints may fault, hence may sleep), so
 * another program on the same CPU could update the same value between our
 * load and store. An uncontended atomic add on a CPU-local line is cheap.
 * Callers pass constants for unused counters; those adds compile away.
 */
static __always_inline void tld_stats_add(__u64 key, __u64 cpu_ns,
					  __u64 syscalls, __u64 offcpu_ns,
					  __u64 preemptions, __u64 switches_in)
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
	if (cpu_ns)
		__sync_fetch_and_add(&v->cpu_ns, cpu_ns);
	if (syscalls)
		__sync_fetch_and_add(&v->syscalls, syscalls);
	if (offcpu_ns)
		__sync_fetch_and_add(&v->offcpu_ns, offcpu_ns);
	if (preemptions)
		__sync_fetch_and_add(&v->preemptions, preemptions);
	if (switches_in)
		__sync_fetch_and_add(&v->switches_in, switches_in);
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
 * tld_charge_last() - charge the part of a slice before the key served now
 * @req: the switching-out task's request record (attribution prefix)
 * @from: start of the slice
 * @t: end of the slice
 *
 * Each publish records the key served before it and the interval it was
 * served in (last_key, last_since, last_until), in the same snapshot as the
 * new key. If that interval ended inside this slice, the slice up to its
 * end is charged to it: otherwise the end of every request would be charged
 * to the next request on the thread, or to nobody if the thread goes idle.
 *
 * Only the last transition is known. If the slice also holds earlier ones
 * (last_since is after the slice's start: several requests, or idle gaps,
 * in one slice), their part of it is charged to last_key too, so that no
 * CPU time is lost, and counted in tld_counters.unsplit_ns: the share of
 * the accounting that is an approximation.
 */
static __always_inline void tld_charge_last(const struct tld_request *req,
					    __u64 from, __u64 t)
{
	struct tld_counters *c;
	__u64 until = req->last_until;

	if (!tld_key_serving(req->last_key) || until <= from || until > t)
		return;
	tld_stats_add(req->last_key, until - from, 0, 0, 0, 0);
	if (req->last_since > from && req->last_since < until) {
		c = tld_counters_get();
		if (c)
			__sync_fetch_and_add(&c->unsplit_ns, req->last_since - from);
	}
}

/**
 * tld_switch_out() - account the task leaving the CPU
 * @prev: the outgoing task
 * @involuntary: true if @prev leaves the CPU while still runnable
 * @now: see tld_now()
 *
 * The slice that ends here (since on_ts) is charged to the key the task
 * serves now, from the later of the slice's start and the key's publish
 * time; the part before, to the key that ended in the slice. The key is
 * also remembered, so that the time off CPU can be charged to it at the
 * next switch in.
 *
 * No locking is needed on the task's state: the sched_switch tracepoint
 * for a task switching out runs on its CPU before the task can be picked
 * by any other CPU (try_to_wake_up() waits for p->on_cpu to clear), so
 * the switch-out and switch-in of one task never overlap.
 */
static __always_inline void tld_switch_out(struct task_struct *prev,
					   bool involuntary, __u64 *now)
{
	struct tld_sched_state *st;
	struct tld_request req;
	__u64 t, from, since, cpu_ns = 0;

	if (!tld_task_selected(prev) || tld_read_attr(prev, &req))
		return;
	st = bpf_task_storage_get(&tld_sched, prev, NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return;
	t = tld_now(now);
	/*
	 * on_ts is 0 if the task was already running when we were attached,
	 * or had no TLD when it got the CPU: we do not know when its slice
	 * started, so charge nothing.
	 */
	from = (st->on_ts && t > st->on_ts) ? st->on_ts : 0;
	if (from)
		tld_charge_last(&req, from, t);
	if (tld_key_serving(req.key)) {
		if (from) {
			since = req.since;
			if (since < from || since > t)
				since = from;
			cpu_ns = t - since;
		}
		if (cpu_ns || involuntary)
			tld_stats_add(req.key, cpu_ns, 0, 0, involuntary ? 1 : 0, 0);
		st->off_key = req.key;
		st->off_ts = t;
	} else {
		st->off_ts = 0;
	}
	st->on_ts = 0;
}

/**
 * tld_switch_in() - account the task getting the CPU
 * @next: the incoming task
 * @now: see tld_now()
 *
 * The time off CPU is charged to the key remembered at switch out, but
 * only if the task still serves that same key: a thread whose next request
 * started before we saw it run again must not make the old tenant pay for
 * idle time. As both keys are then equal, one update of the current key
 * covers both offcpu_ns and switches_in.
 */
static __always_inline void tld_switch_in(struct task_struct *next,
					  __u64 *now)
{
	struct tld_sched_state *st;
	struct tld_request req;
	__u64 t, offcpu_ns = 0;

	if (!tld_task_selected(next))
		return;
	if (tld_read_attr(next, &req)) {
		/*
		 * The task has no (usable) TLD: it never registered, or
		 * released its block. If it had state from an earlier
		 * registration, forget it: otherwise a stale on_ts would
		 * charge the time since then as CPU time once the task
		 * registers again while running. The lookup does not
		 * create anything; for a task without any task storage it
		 * is a NULL pointer check.
		 */
		st = bpf_task_storage_get(&tld_sched, next, NULL, 0);
		if (st) {
			st->on_ts = 0;
			st->off_ts = 0;
		}
		return;
	}
	st = bpf_task_storage_get(&tld_sched, next, NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return;
	t = tld_now(now);
	if (tld_key_serving(req.key)) {
		if (st->off_ts && t > st->off_ts && st->off_key == req.key)
			offcpu_ns = t - st->off_ts;
		tld_stats_add(req.key, 0, 0, offcpu_ns, 0, 1);
	}
	st->off_ts = 0;
	st->on_ts = t;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tld_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	__u64 now = 0;

	/*
	 * The tracepoint's preempt argument is not "involuntary": it is
	 * true only for preemption inside the kernel (preempt_schedule*()).
	 * A thread running user code is preempted on its way back to user
	 * mode through plain schedule(), with preempt false (measured on
	 * 6.18: a CPU-bound thread competing for 2 CPUs showed 11
	 * nonvoluntary_ctxt_switches in /proc while preempt was never
	 * true). Like the kernel's nivcsw count, call a switch involuntary
	 * if it is a kernel preemption or if the task is still runnable
	 * (prev_state == TASK_RUNNING: it did not block). sched_yield()
	 * counts as involuntary too, as in the kernel.
	 */
	tld_switch_out(prev, preempt || prev_state == TLD_TASK_RUNNING, &now);
	tld_switch_in(next, &now);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tld_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tld_request req;

	if (!tld_task_selected(task) || tld_read_attr(task, &req))
		return 0;
	if (tld_key_serving(req.key))
		tld_stats_add(req.key, 0, 1, 0, 0, 0);
	return 0;
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
