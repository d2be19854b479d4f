// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_read.bpf.c - what one BPF read of one cached key, or of the request
 * record, costs.
 *
 * Every bench_* program is a syscall program run with BPF_PROG_TEST_RUN
 * from a Java thread that registered itself with each scheme. It reads the
 * key ctx->nr times in an open-coded loop (bpf_iter_num, what newer libbpf
 * calls bpf_for) whose body is one scheme's read, inlined. Java times the
 * run and subtracts bench_empty, the same loop with an empty body. Every
 * read is checked and summed: ctx->sink must come back as nr times the
 * value Java wrote (the request record's key for the request cases) and
 * ctx->misses as 0, or the run is rejected.
 *
 *	bench_empty	 the loop alone
 *	bench_floor	 one task-storage lookup in a bare map whose value is
 *			 one UPTR, then one load through it (no library)
 *	bench_tld	 tld.bpf.h: tld_object_init() + tld_get_data() of one
 *			 cached key
 *	bench_two_lookup the selftests' prototype scheme: data-map lookup,
 *			 key-cache lookup (BPF_LOCAL_STORAGE_GET_F_CREATE),
 *			 cached offset
 *	bench_hash_tid	 a BPF_MAP_TYPE_HASH keyed by tid
 *	bench_probe_read bpf_probe_read_user() of 8 bytes at ctx->addr
 *	bench_request	 tld.bpf.h: tld_object_init() + tld_read_request_attr(),
 *			 the latch read of the record's first 40 bytes, as the
 *			 accounting programs read it
 *	bench_request_full tld_object_init() + tld_read_request(), the whole
 *			 144-byte record
 *
 * Each body does its whole lookup on every iteration: the lookups are
 * calls, so nothing is hoisted out of the loop, as nothing could be across
 * two runs of a real program.
 *
 * Why not bpf_loop(): its callback is a function call per iteration, for
 * which the JIT saves and restores the callee-saved registers the callback
 * uses; a body needing more registers would pay per read what a program
 * reading a key once per run pays once per run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tld.bpf.h"

/* The key every scheme reads; Java defines it first, with 8 bytes. */
#define BENCH_KEY	"bench.value"
/* A second key, read only by bench_check; Java defines it with 16 bytes. */
#define BENCH_TEXT	"bench.text"

struct tld_keys {
	tld_key_t value;
	tld_key_t text;
};

/* The open-coded iterator kfuncs (in vmlinux BTF; libbpf 1.1 has no bpf_for). */
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* Context from Java; layout mirrored by BpfReadBench. */
struct bench_ctx {
	__u64 nr;	/* iterations, at most 1 << 23 */
	__u64 addr;	/* user address of the 8 bytes bench_probe_read reads */
	__u64 sink;	/* out: sum of every value read */
	__u64 misses;	/* out: iterations that found no data */
};

/* State of one run, shared by the loop bodies. */
struct loop_state {
	struct task_struct *task;
	__u64 addr;
	__u64 sink;
	__u64 misses;
};

/* ---- the floor: a bare task-storage map holding one UPTR */

struct floor_data {
	__u64 word[TLD_BLOCK_SIZE / 8];
};

struct floor_value {
	struct floor_data __attribute__((btf_type_tag("uptr"))) *data;
	struct floor_data btf_data[0];	/* full struct in BTF: see tld.bpf.h */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct floor_value);
} floor_map SEC(".maps");

/* ---- a hint map keyed by tid */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} hash_tid_map SEC(".maps");

/* ---- loop bodies: one read each; a read that finds nothing counts a miss */

#define MISS(s)			\
	do {			\
		(s)->misses++;	\
		return;		\
	} while (0)

static __always_inline void read_empty(struct loop_state *s)
{
}

static __always_inline void read_floor(struct loop_state *s)
{
	struct floor_value *v;
	struct floor_data *d;

	v = bpf_task_storage_get(&floor_map, s->task, 0, 0);
	if (!v)
		MISS(s);
	d = v->data;
	if (!d)
		MISS(s);
	/* the word a key at the first data offset of a TLD block occupies */
	s->sink += d->word[TLD_DATA_HDR_SIZE / 8];
}

static __always_inline void read_tld(struct loop_state *s)
{
	struct tld_object obj;
	__u64 *p;

	if (tld_object_init(s->task, &obj))
		MISS(s);
	p = tld_get_data(&obj, value, BENCH_KEY, sizeof(*p));
	if (!p)
		MISS(s);
	s->sink += *p;
}

/*
 * The prototype's hot path, over our maps: tld_data_map for the UPTRs and
 * tld_key_map (value: struct tld_keys, one __s16 offset per key) as the
 * per-task offset cache, created on first use. Its slow path reuses our
 * table scan; only the hot path is timed. It checks less than
 * tld_object_init() (no magic, no version), which favours it.
 */
static __always_inline void read_two_lookup(struct loop_state *s)
{
	struct tld_map_value *v;
	struct tld_keys *k;
	struct tld_data_u *data;
	__u64 off;
	__s16 cached;

	v = bpf_task_storage_get(&tld_data_map, s->task, 0, 0);
	if (!v)
		MISS(s);
	k = bpf_task_storage_get(&tld_key_map, s->task, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!k)
		MISS(s);
	data = v->data;
	if (!data)
		MISS(s);
	cached = k->value.off;
	if (cached > 0) {
		off = cached;
	} else {
		/* The prototype resolves by name once and caches the offset. */
		off = __tld_resolve(v, BENCH_KEY, 8, __tld_hash(BENCH_KEY), 0);
		if (!off)
			MISS(s);
		k->value.off = off;
	}
	/* As tld.bpf.h does: the verifier must see both bounds on off itself. */
	asm volatile("" : "+r"(off));
	if (off > TLD_BLOCK_SIZE - 8)
		MISS(s);
	asm volatile("" : "+r"(off));
	if (off < TLD_DATA_HDR_SIZE)
		MISS(s);
	s->sink += *(__u64 *)((void *)data + off);
}

static __always_inline void read_hash_tid(struct loop_state *s)
{
	__u32 tid = s->task->pid;
	__u64 *v;

	v = bpf_map_lookup_elem(&hash_tid_map, &tid);
	if (!v)
		MISS(s);
	s->sink += *v;
}

static __always_inline void read_probe_read(struct loop_state *s)
{
	__u64 v;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)s->addr))
		MISS(s);
	s->sink += v;
}

/*
 * The copy is to the stack; a body that used only the key would let clang
 * drop the loads of the other words. A real reader uses them all, so the
 * barrier says the whole copy may be read.
 */
#define USE_ALL(req) asm volatile("" : : "r"(req) : "memory")

/* A read that fails (-ENODATA, -EPROTO, -EAGAIN) counts a miss. */
static __always_inline void read_request(struct loop_state *s)
{
	struct tld_object obj;
	struct tld_request req;

	if (tld_object_init(s->task, &obj))
		MISS(s);
	if (tld_read_request_attr(&obj, &req))
		MISS(s);
	USE_ALL(&req);
	s->sink += req.key;
}

static __always_inline void read_request_full(struct loop_state *s)
{
	struct tld_object obj;
	struct tld_request req;

	if (tld_object_init(s->task, &obj))
		MISS(s);
	if (tld_read_request(&obj, &req))
		MISS(s);
	USE_ALL(&req);
	s->sink += req.key;
}

/*
 * bench_check - run once before timing: the first 8 bytes of the second key
 * (text, after the value) through tld.bpf.h into ctx->misses, so that Java
 * can check the layout. The value itself is checked by every timed run.
 */
SEC("syscall")
int bench_check(struct bench_ctx *ctx)
{
	struct tld_object obj;
	char *text;

	ctx->misses = 0;
	if (tld_object_init(bpf_get_current_task_btf(), &obj))
		return -ENODATA;
	text = tld_get_data(&obj, text, BENCH_TEXT, 16);
	if (!text)
		return -ENODATA;
	__builtin_memcpy(&ctx->misses, text, sizeof(ctx->misses));
	return 0;
}

/* ---- the programs: identical but for the loop body */

#define BENCH_PROG(name, body)						\
SEC("syscall")								\
int name(struct bench_ctx *ctx)						\
{									\
	struct loop_state s = {						\
		.task = bpf_get_current_task_btf(),			\
		.addr = ctx->addr,					\
	};								\
	struct bpf_iter_num it;						\
	int err;							\
									\
	err = bpf_iter_num_new(&it, 0, ctx->nr);			\
	while (bpf_iter_num_next(&it))					\
		body(&s);						\
	bpf_iter_num_destroy(&it);					\
	ctx->sink = s.sink;						\
	ctx->misses = s.misses;						\
	return err;							\
}

BENCH_PROG(bench_empty, read_empty)
BENCH_PROG(bench_floor, read_floor)
BENCH_PROG(bench_tld, read_tld)
BENCH_PROG(bench_two_lookup, read_two_lookup)
BENCH_PROG(bench_hash_tid, read_hash_tid)
BENCH_PROG(bench_probe_read, read_probe_read)
BENCH_PROG(bench_request, read_request)
BENCH_PROG(bench_request_full, read_request_full)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
