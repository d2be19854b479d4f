// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tld_trace.bpf.c - per (tenant, priority) accounting of request threads.
 *
 * Java threads publish, through task local data (TLD), which request they
 * are serving right now:
 *
 *	"tld.tenant"      32 bytes  NUL-terminated string; empty (first byte
 *	                            0) means "not serving a request"
 *	"tld.priority"     8 bytes  signed 64-bit long in the host's byte
 *	                            order; only the low 32 bits are used
 *	"tld.request_id"  40 bytes  NUL-terminated string
 *
 * The programs below charge what such threads do to the (tenant, priority)
 * they serve. Everything read from a thread's TLD block is user memory: it
 * is copied onto the BPF stack first and only the copy is validated and
 * used, so a thread rewriting its block concurrently cannot make us read a
 * string without a terminator or a key that changes under our feet.
 *
 * Maps (Java opens them by name; the record layouts are in tld_trace.h,
 * which user space decodes; all integers are in the host's byte order):
 *
 * tld_stats - BPF_MAP_TYPE_PERCPU_HASH, TLD_STATS_MAX_ENTRIES entries,
 *	struct tld_stats_key -> struct tld_stats_val (one copy per possible
 *	CPU). Entries are never deleted by BPF. When the map is full, new
 *	keys are not added and the event is counted in tld_stats_dropped.
 *
 * tld_sched - BPF_MAP_TYPE_TASK_STORAGE (BPF_F_NO_PREALLOC), key int
 *	Private scheduling state (struct tld_sched_state). It is created only
 *	for tasks that have TLD data, so other tasks never get storage.
 *
 * Globals:
 *	tld_stats_dropped (.bss, __u64): stats updates lost because
 *		tld_stats was full (or, rarely, its bucket busy).
 *	tld_target_tgid (.rodata, __u32): if set before load, only tasks
 *		of that process are accounted and dumped. 0 (default): all.
 *
 * Programs:
 *	tld_sched_switch (tp_btf/sched_switch): cpu_ns, offcpu_ns,
 *		preemptions, switches_in.
 *	tld_sys_enter (tp_btf/sys_enter): syscalls.
 *	tld_dump_task (iter/task): one struct tld_task_record per task that
 *		has TLD data, written with bpf_seq_write().
 *	Pids are those of the initial pid namespace.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tld.bpf.h"
#include "tld_trace.h"

#ifndef EEXIST
#define EEXIST			17
#endif

/* prev_state of a task switched out while still runnable (not in BTF). */
#define TLD_TASK_RUNNING	0

struct tld_keys {
	tld_key_t tenant;
	tld_key_t priority;
	tld_key_t request_id;
	tld_key_t since;
	tld_key_t last_tenant;
	tld_key_t last_priority;
	tld_key_t last_since;
	tld_key_t last_until;
};

/**
 * struct tld_sched_state - value of tld_sched, private to this file
 * @on_ts: bpf_ktime_get_ns() when the task last got a CPU, 0 if unknown
 * @off_ts: when the task last left the CPU while serving a tenant, else 0
 * @off_key: the key it served at that moment
 */
struct tld_sched_state {
	__u64 on_ts;
	__u64 off_ts;
	struct tld_stats_key off_key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TLD_STATS_MAX_ENTRIES);
	__type(key, struct tld_stats_key);
	__type(value, struct tld_stats_val);
} tld_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tld_sched_state);
} tld_sched SEC(".maps");

__u64 tld_stats_dropped = 0;

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
 * tld_read_prio() - low 32 bits of a task's "tld.priority", 0 if absent
 * @obj: initialized by tld_object_init()
 */
static __always_inline __u32 tld_read_prio(struct tld_object *obj)
{
	__u64 *p, raw;

	p = tld_get_data(obj, priority, "tld.priority", 8);
	if (!p)
		return 0;
	raw = *p;
	return (__u32)raw;
}

/**
 * tld_read_key() - the (tenant, priority) a task is serving
 * @obj: initialized by tld_object_init()
 * @k: filled in: all zero if the task has no tenant key
 *
 * Return: true if the task serves a request (non-empty tenant).
 */
static __always_inline bool tld_read_key(struct tld_object *obj,
					 struct tld_stats_key *k)
{
	const char *tenant;

	__builtin_memset(k, 0, sizeof(*k));
	tenant = tld_get_data(obj, tenant, "tld.tenant", TLD_TENANT_LEN);
	if (!tenant)
		return false;
	tld_copy_str(k->tenant, tenant, TLD_TENANT_LEN);
	if (!k->tenant[0])
		return false;
	k->priority = tld_read_prio(obj);
	return true;
}

/**
 * tld_key_eq() - compare two sanitized keys
 * @a: first key
 * @b: second key
 */
static __always_inline bool tld_key_eq(const struct tld_stats_key *a,
				       const struct tld_stats_key *b)
{
	const tld_word_t *x = (const tld_word_t *)a;
	const tld_word_t *y = (const tld_word_t *)b;
	__u64 diff = 0;
	__u32 i;

#pragma unroll
	for (i = 0; i < sizeof(*a) / 8; i++)
		diff |= x[i] ^ y[i];
	return !diff;
}

/**
 * tld_stats_add() - add to this CPU's counters of a key
 * @k: sanitized key
 * @cpu_ns: added to cpu_ns
 * @syscalls: added to syscalls
 * @offcpu_ns: added to offcpu_ns
 * @preemptions: added to preemptions
 * @switches_in: added to switches_in
 *
 * The element is created on first use; if that fails (map full),
 * tld_stats_dropped is incremented and the event is lost.
 *
 * The adds are atomic although the value is per-CPU: tracing programs run
 * with migration disabled but are not guaranteed to run with preemption
 * disabled (system call tracepoints may fault, hence may sleep), so
 * another program on the same CPU could update the same value between our
 * load and store. An uncontended atomic add on a CPU-local line is cheap.
 * Callers pass constants for unused counters; those adds compile away.
 */
static __always_inline void tld_stats_add(const struct tld_stats_key *k,
					  __u64 cpu_ns, __u64 syscalls,
					  __u64 offcpu_ns, __u64 preemptions,
					  __u64 switches_in)
{
	struct tld_stats_val *v, zero = {};
	long err;

	v = bpf_map_lookup_elem(&tld_stats, k);
	if (!v) {
		/* -EEXIST: another CPU inserted it in between: fine. */
		err = bpf_map_update_elem(&tld_stats, k, &zero, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			__sync_fetch_and_add(&tld_stats_dropped, 1);
			return;
		}
		v = bpf_map_lookup_elem(&tld_stats, k);
		if (!v) {
			__sync_fetch_and_add(&tld_stats_dropped, 1);
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

/**
 * tld_read_u64() - an 8-byte key, 0 if absent
 * @p: tld_get_data()'s result
 */
static __always_inline __u64 tld_read_u64(const __u64 *p)
{
	__u64 raw;

	if (!p)
		return 0;
	raw = *p;
	return raw;
}

/**
 * tld_charge_last() - charge the part of a slice spent on the request that
 * ended in it
 * @obj: initialized by tld_object_init() for the task switching out
 * @from: start of the slice
 * @t: end of the slice
 *
 * Java publishes, when a thread stops serving a (tenant, priority), that
 * key and the CLOCK_MONOTONIC interval it was served in ("tld.last_*"),
 * the clock of bpf_ktime_get_ns(). If that interval ended inside this
 * slice, its overlap with the slice is charged to it: otherwise the end of
 * every request would be charged to the next request on the thread, or to
 * nobody if the thread goes idle. Only the last ended interval is known: of
 * several requests that ended in one slice, the earlier ones lose their
 * part of it.
 *
 * The task is switching out on this CPU, so it cannot be writing its block:
 * the values read are consistent.
 */
static __always_inline void tld_charge_last(struct tld_object *obj,
					    __u64 from, __u64 t)
{
	struct tld_stats_key k;
	__u64 since, until;
	const char *tenant;

	until = tld_read_u64(tld_get_data(obj, last_until, "tld.last_until", 8));
	if (until <= from || until > t)
		return;
	since = tld_read_u64(tld_get_data(obj, last_since, "tld.last_since", 8));
	if (since < from)
		since = from;
	if (since >= until)
		return;
	__builtin_memset(&k, 0, sizeof(k));
	tenant = tld_get_data(obj, last_tenant, "tld.last_tenant",
			      TLD_TENANT_LEN);
	if (!tenant)
		return;
	tld_copy_str(k.tenant, tenant, TLD_TENANT_LEN);
	if (!k.tenant[0])
		return;
	k.priority = (__u32)tld_read_u64(tld_get_data(obj, last_priority,
						      "tld.last_priority", 8));
	tld_stats_add(&k, until - since, 0, 0, 0, 0);
}

/**
 * tld_switch_out() - account the task leaving the CPU
 * @prev: the outgoing task
 * @involuntary: true if @prev leaves the CPU while still runnable
 * @now: see tld_now()
 *
 * The slice that ends here (since on_ts) is charged to the key the task
 * serves now: a slice in which the task moved from one request to another
 * is charged to the second one. The key is also remembered, so that the
 * time off CPU can be charged to it at the next switch in.
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
	struct tld_stats_key k;
	struct tld_object obj;
	__u64 t, from, since, cpu_ns = 0;

	if (!tld_task_selected(prev) || tld_object_init(prev, &obj))
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
		tld_charge_last(&obj, from, t);
	if (tld_read_key(&obj, &k)) {
		/*
		 * Only the part of the slice since the key was published
		 * ("tld.since", 0 from a publisher that does not write it:
		 * then the whole slice).
		 */
		if (from) {
			since = tld_read_u64(tld_get_data(&obj, since,
							  "tld.since", 8));
			if (since < from || since > t)
				since = from;
			cpu_ns = t - since;
		}
		if (cpu_ns || involuntary)
			tld_stats_add(&k, cpu_ns, 0, 0, involuntary ? 1 : 0, 0);
		st->off_key = k;
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
 * only if the task still serves that same (tenant, priority): a thread
 * that finished its request while blocked (or rather, whose next request
 * started before we saw it run again) must not make the old tenant pay
 * for idle time. As both keys are then equal, one update of the current
 * key covers both offcpu_ns and switches_in.
 */
static __always_inline void tld_switch_in(struct task_struct *next,
					  __u64 *now)
{
	struct tld_sched_state *st;
	struct tld_stats_key k;
	struct tld_object obj;
	__u64 t, offcpu_ns = 0;

	if (!tld_task_selected(next))
		return;
	if (tld_object_init(next, &obj)) {
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
	if (tld_read_key(&obj, &k)) {
		if (st->off_ts && t > st->off_ts &&
		    tld_key_eq(&st->off_key, &k))
			offcpu_ns = t - st->off_ts;
		tld_stats_add(&k, 0, 0, offcpu_ns, 0, 1);
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
	struct tld_stats_key k;
	struct tld_object obj;

	if (!tld_task_selected(task) || tld_object_init(task, &obj))
		return 0;
	if (tld_read_key(&obj, &k))
		tld_stats_add(&k, 0, 1, 0, 0, 0);
	return 0;
}

SEC("iter/task")
int tld_dump_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct tld_task_record rec;
	struct tld_object obj;
	const char *str;

	if (!task || !tld_task_selected(task) || tld_object_init(task, &obj))
		return 0;

	__builtin_memset(&rec, 0, sizeof(rec));
	rec.pid = task->tgid;
	rec.tid = task->pid;

	str = tld_get_data(&obj, tenant, "tld.tenant", TLD_TENANT_LEN);
	if (str) {
		tld_copy_str(rec.tenant, str, TLD_TENANT_LEN);
		if (rec.tenant[0])
			rec.flags |= TLD_REC_SERVING;
	}
	/* Reported as published, whether the thread is serving or not. */
	rec.priority = tld_read_prio(&obj);
	str = tld_get_data(&obj, request_id, "tld.request_id",
			   TLD_REQUEST_ID_LEN);
	if (str)
		tld_copy_str(rec.request_id, str, TLD_REQUEST_ID_LEN);

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
