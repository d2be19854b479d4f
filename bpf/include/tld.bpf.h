/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tld.bpf.h - BPF side of task local data (TLD), ABI version 2.
 *
 * A user-space process publishes, per thread, named values ("keys") and a
 * request record in a native block that the kernel pins through a UPTR in
 * the task-storage map tld_data_map. A BPF program reads them with plain
 * loads. Per key, as with the kernel selftests' prototype:
 *
 *	struct tld_keys {
 *		tld_key_t region;
 *	};
 *
 *	SEC("tp_btf/sys_enter")
 *	int BPF_PROG(on_enter, struct pt_regs *regs, long id)
 *	{
 *		struct tld_object obj;
 *		char *region;
 *
 *		if (tld_object_init(bpf_get_current_task_btf(), &obj))
 *			return 0;
 *		region = tld_get_data(&obj, region, "app.region", 16);
 *		if (region)
 *			...
 *	}
 *
 * and the request the thread serves, as one consistent snapshot (see
 * tld_read_request()):
 *
 *	struct tld_request req;
 *
 *	if (!tld_read_request(&obj, &req) && tld_req_serving(&req))
 *		... tld_req_tenant_id(&req), req.tenant, req.request_id ...
 *
 * The per-key API is source-compatible with the kernel selftests' prototype
 * (tools/testing/selftests/bpf/progs/task_local_data.bpf.h). Every
 * difference is listed in docs/abi.md; those that matter most:
 *
 *  - One task-storage lookup per program run: the cache of resolved keys
 *    lives in the tld_data_map value itself, shared by every BPF tool that
 *    reads the map, instead of in a second map. tld_key_map still exists so
 *    that code naming it compiles; it is not used.
 *  - The cache is exact: it remembers which table entry holds a name, and
 *    every access compares the whole name and checks the size against that
 *    entry, so two names never read each other's bytes and a tool asking for
 *    the wrong size blinds nobody else.
 *  - The layout is versioned (docs/abi.md). Blocks with an unknown magic or
 *    version read as "no data".
 *  - Everything in user memory is treated as hostile: a corrupt key count,
 *    name, size or offset makes a lookup fail; it never yields a pointer
 *    outside the thread's own data block and never loops without bound.
 *  - Blocks are TLD_BLOCK_SIZE (4 KiB) whatever the page size, so the same
 *    object works on 4, 16 and 64 KiB page kernels.
 *  - Key names are at most TLD_NAME_LEN - 1 (55) bytes; all keys share the
 *    block (no separate budget for keys defined at run time).
 *
 * Requires Linux 6.13+ (UPTR) and a BTF task pointer (tp_btf, iter/task,
 * syscall programs with bpf_get_current_task_btf(), ...).
 */
#ifndef __TLD_BPF_H
#define __TLD_BPF_H

#include <bpf/bpf_helpers.h>

/* vmlinux.h has no errno values and libc's errno.h does not build for BPF. */
#ifndef ENOMEM
#define ENOMEM			12
#endif
#ifndef EAGAIN
#define EAGAIN			11
#endif
#ifndef ENODATA
#define ENODATA			61
#endif
#ifndef EPROTO
#define EPROTO			71
#endif

/* ABI constants: shared with user space, see docs/abi.md. */
#define TLD_ABI_VERSION		2
#define TLD_META_MAGIC		0x4d444c54	/* "TLDM" little endian */
#define TLD_DATA_MAGIC		0x44444c54	/* "TLDD" little endian */
#define TLD_BLOCK_SIZE		4096
#define TLD_META_HDR_SIZE	64
#define TLD_CACHE_SLOTS		16
#define TLD_TENANT_LEN		32
#define TLD_REQUEST_ID_LEN	40
#define TLD_TRACE_ID_LEN	16
#define TLD_SPAN_ID_LEN		8

/*
 * Bytes of a key name field, NUL included. Fixed by the ABI: a program that
 * defines it (the prototype lets programs override its 62) must agree.
 */
#define __TLD_ABI_NAME_LEN	56
#ifndef TLD_NAME_LEN
#define TLD_NAME_LEN		__TLD_ABI_NAME_LEN
#endif
_Static_assert(TLD_NAME_LEN == __TLD_ABI_NAME_LEN,
	       "TLD_NAME_LEN is fixed by task local data ABI version 2: 56");

/* The prototype's rounding helpers; @y must be a power of two. */
#define TLD_ROUND_MASK(x, y)	((__typeof__(x))((y) - 1))
#define TLD_ROUND_UP(x, y)	((((x) - 1) | TLD_ROUND_MASK(x, y)) + 1)

/* Read attempts before tld_read_request() gives up with -EAGAIN. */
#define TLD_READ_TRIES		4

/* Tenant ids of struct tld_request.key (bits 63..32). */
#define TLD_TENANT_NONE		0	/* not serving a request */
#define TLD_TENANT_OTHER	1	/* beyond the publisher's tenant table */

/**
 * struct tld_metadata - one published key
 * @name: NUL-terminated key name, zero-filled to the end of the field (not
 *	  trusted to be either)
 * @size: size in bytes the key was created with
 * @off: offset of the key's bytes from the start of struct tld_data_u
 * @reserved: zero
 */
struct tld_metadata {
	char name[TLD_NAME_LEN];
	__u16 size;
	__u16 off;
	__u32 reserved;
};

#define TLD_MAX_KEYS		((TLD_BLOCK_SIZE - TLD_META_HDR_SIZE) / \
				 sizeof(struct tld_metadata))

/* The prototype's name for the key limit. */
#define TLD_MAX_DATA_CNT	TLD_MAX_KEYS

/**
 * struct tld_meta_u - per-process key table, one block shared by all threads
 * @magic: TLD_META_MAGIC, written last at creation
 * @version: TLD_ABI_VERSION
 * @cnt: number of valid entries in @metadata, published after the entry
 * @used: end offset of the data handed out so far
 * @pad: zero
 * @owner: the publisher's cookie: a random number, not 0, that the process
 *	   keeps to itself and never changes (bytes that version 2 first
 *	   reserved: readers that ignore it see what they always saw). A map
 *	   element whose key table has another owner was not written by this
 *	   publisher: tld_map.bpf.o's audit reports it (tld_audit.h)
 * @reserved: zero
 * @metadata: the keys, in creation order
 */
struct tld_meta_u {
	__u32 magic;
	__u16 version;
	__u16 cnt;
	__u16 used;
	__u8 pad[6];
	__u64 owner;
	__u8 reserved[TLD_META_HDR_SIZE - 24];
	struct tld_metadata metadata[(TLD_BLOCK_SIZE - TLD_META_HDR_SIZE) /
				     sizeof(struct tld_metadata)];
};

/**
 * struct tld_otel - the thread's trace context, laid out as the header of
 * OpenTelemetry's thread context record (OTEP 4947)
 * @trace_id: W3C trace id, bytes in traceparent order (not an integer: no
 *	      host byte order)
 * @span_id: W3C span id of the span in scope, in the same order
 * @valid: 1 while a span is in scope, else 0 (and the ids mean nothing:
 *	   the publisher leaves them as they were)
 * @flags: W3C trace flags (bit 0: sampled)
 * @attrs_size: bytes of attributes after the header: always 0 here
 * @reserved: zero
 */
struct tld_otel {
	__u8 trace_id[TLD_TRACE_ID_LEN];
	__u8 span_id[TLD_SPAN_ID_LEN];
	__u8 valid;
	__u8 flags;
	__u16 attrs_size;
	__u8 reserved[4];
};

/**
 * struct tld_request - what a thread serves: one publish
 * @key: the attribution key: bits 63..32 the tenant id (TLD_TENANT_NONE
 *	 when not serving, TLD_TENANT_OTHER beyond the publisher's table, ids
 *	 the publisher interned otherwise), bits 31..0 the priority (__s32)
 * @since: CLOCK_MONOTONIC ns (bpf_ktime_get_ns()'s clock) of this publish
 * @last_key: the key served just before this publish, 0 if none
 * @last_since: when @last_key was published
 * @last_until: when it stopped being served (the time of this publish)
 * @prev_key: the key served before @last_key (until @last_since), 0 if
 *	      none: accounting charges the part of a CPU slice before
 *	      @last_since to it, or nothing if the thread was idle
 * @tenant: the tenant's name, NUL-terminated, zero-padded; meaningful only
 *	    while serving
 * @request_id: the request id, NUL-terminated, zero-padded; ditto
 * @otel: the trace context
 *
 * Ids, not names, key the accounting: a tenant id maps back to @tenant
 * through the publisher (which retires idle tenants and may then give their
 * id's totals to TLD_TENANT_OTHER; ids are not reused).
 */
struct tld_request {
	__u64 key;
	__u64 since;
	__u64 last_key;
	__u64 last_since;
	__u64 last_until;
	__u64 prev_key;
	char tenant[TLD_TENANT_LEN];
	char request_id[TLD_REQUEST_ID_LEN];
	struct tld_otel otel;
};

/* Bytes of struct tld_request up to @tenant: what accounting needs. */
#define TLD_REQUEST_ATTR_SIZE	48

/* The data block's header: magic, version, flags, tid, seq, two records. */
#define TLD_DATA_HDR_SIZE	320

/**
 * struct tld_data_u - one thread's data block
 * @magic: TLD_DATA_MAGIC while the block is registered, 0 once released
 * @version: TLD_ABI_VERSION
 * @flags: zero
 * @tid: thread id as seen by the owner (informational, namespace-local)
 * @seq: the request latch's sequence: readers take @request[@seq & 1]
 * @request: two copies of the request record; the writer writes each
 *	     publish into the one readers are not told to take, then moves
 *	     @seq to it (see tld_read_request())
 * @data: key bytes, at the offsets given by struct tld_metadata
 */
struct tld_data_u {
	__u32 magic;
	__u16 version;
	__u16 flags;
	__u32 tid;
	__u32 seq;
	struct tld_request request[2];
	char data[TLD_BLOCK_SIZE - TLD_DATA_HDR_SIZE];
};

_Static_assert(sizeof(struct tld_metadata) == 64, "tld_metadata size");
_Static_assert(sizeof(struct tld_meta_u) == TLD_BLOCK_SIZE, "tld_meta_u size");
_Static_assert(sizeof(struct tld_request) == 152, "tld_request size");
_Static_assert(__builtin_offsetof(struct tld_request, tenant) ==
	       TLD_REQUEST_ATTR_SIZE, "tld_request attribution prefix");
_Static_assert(__builtin_offsetof(struct tld_data_u, data) ==
	       TLD_DATA_HDR_SIZE, "tld_data_u header size");
_Static_assert(sizeof(struct tld_data_u) == TLD_BLOCK_SIZE, "tld_data_u size");

/**
 * struct tld_map_value - value of tld_data_map
 * @data: this thread's data block (UPTR)
 * @meta: the process's key table (UPTR)
 * @cache: resolved keys, owned by BPF; zeroed by every registration.
 *	   Entry format: bits 63..32 name hash (slot tag), then either bits
 *	   7..0 the table index + 1 of the entry holding the name, or bit 31
 *	   set for "not found while the table held bits 30..16 keys".
 * @btf_data: zero-sized, see below
 * @btf_meta: zero-sized, see below
 *
 * The kernel only honours the uptr tag if the pointed-to struct is fully
 * defined in the object's BTF; referenced through a pointer alone, clang
 * emits it as a forward declaration. The two zero-length arrays pull in
 * the full definitions without changing the value's size.
 */
struct tld_map_value {
	struct tld_data_u __attribute__((btf_type_tag("uptr"))) *data;
	struct tld_meta_u __attribute__((btf_type_tag("uptr"))) *meta;
	__u64 cache[TLD_CACHE_SLOTS];
	struct tld_data_u btf_data[0];
	struct tld_meta_u btf_meta[0];
};

/**
 * typedef tld_key_t - member type of the program-defined struct tld_keys
 *
 * Only the member name matters: it documents which keys a program reads
 * and is checked at compile time by tld_get_data().
 */
typedef struct {
	__s16 off;
} tld_key_t;

/**
 * struct tld_object - a task's TLD, filled by tld_object_init()
 * @data_map: the task's tld_data_map value, NULL if it has no usable data
 * @key_map: unused, always NULL (kept for source compatibility)
 */
struct tld_object {
	struct tld_map_value *data_map;
	struct tld_keys *key_map;
};

/* Program-defined: one tld_key_t member per key the program reads. */
struct tld_keys;

/*
 * The maps are __weak, as libbpf's usdt.bpf.h declares its own: several
 * objects that include this header link into one (bpftool gen object)
 * with a single tld_data_map.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tld_map_value);
} tld_data_map SEC(".maps") __weak;

/* Kept so that programs written for the prototype compile; not used. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tld_keys);
} tld_key_map SEC(".maps") __weak;

/**
 * tld_object_init() - find a task's task local data
 * @task: BTF pointer to the task
 * @obj: filled in; pass to tld_get_data() and tld_read_request()
 *
 * Costs one task-storage lookup. A block with an unknown magic or version
 * is treated as absent.
 *
 * Return: 0 on success; -ENODATA if the task never registered or was
 * released; -EPROTO if its blocks have an unknown layout or version. On
 * error, tld_get_data() on @obj returns NULL.
 */
__attribute__((unused))
static __always_inline int tld_object_init(struct task_struct *task,
					   struct tld_object *obj)
{
	struct tld_map_value *v;
	struct tld_data_u *data;
	struct tld_meta_u *meta;

	obj->data_map = NULL;
	obj->key_map = NULL;
	v = bpf_task_storage_get(&tld_data_map, task, 0, 0);
	if (!v)
		return -ENODATA;
	data = v->data;
	meta = v->meta;
	if (!data || !meta || !data->magic)
		return -ENODATA;
	if (data->magic != TLD_DATA_MAGIC ||
	    data->version != TLD_ABI_VERSION ||
	    meta->magic != TLD_META_MAGIC ||
	    meta->version != TLD_ABI_VERSION)
		return -EPROTO;
	obj->data_map = v;
	return 0;
}

/*
 * Read barrier between loads of user memory that another CPU may be
 * writing. x86 never reorders loads with loads: a compiler barrier is
 * enough. Elsewhere (arm64) BPF has no read barrier of its own, but a
 * value-returning atomic is fully ordered (as the kernel selftests'
 * bpf_atomic.h uses it): one on a stack slot orders the loads around it.
 */
#if defined(__TARGET_ARCH_x86)
#define __tld_smp_rmb()	asm volatile("" ::: "memory")
#else
#define __tld_smp_rmb()							\
	({								\
		__u64 __tld_v = 0;					\
		__tld_v = __sync_fetch_and_add(&__tld_v, 0);		\
		barrier_var(__tld_v);					\
	})
#endif

/* An 8-byte word that may alias anything: word-wise copies. */
typedef __u64 __attribute__((may_alias)) __tld_word_t;

/*
 * The request latch (two copies and a sequence, read as the kernel's
 * seqcount latch is): the writer, the owning thread only, writes each
 * publish whole into the copy readers are not told to take,
 *
 *	write copy (seq + 1) & 1,
 *	release, seq++ (readers take the new copy), store-store fence.
 *
 * A reader takes copy seq & 1, which the writer is not writing, and checks
 * that seq did not move meanwhile. A reader on the writer's own CPU (the
 * writer preempted, at a safepoint, or in a system call between two of its
 * stores: sched_switch, sys_enter, perf_event) always succeeds at once. A
 * reader on another CPU (iter/task) retries if the writer moved on
 * meanwhile, at most TLD_READ_TRIES times: it never waits.
 */
static __always_inline int __tld_read_latch(struct tld_data_u *data,
					    struct tld_request *out,
					    __u32 size)
{
	__tld_word_t *dst = (__tld_word_t *)out;
	const __tld_word_t *src;
	__u32 s1, s2, i, t;

#pragma unroll
	for (t = 0; t < TLD_READ_TRIES; t++) {
		s1 = *(volatile __u32 *)&data->seq;
		__tld_smp_rmb();
		src = (const __tld_word_t *)&data->request[s1 & 1];
#pragma unroll
		for (i = 0; i < size / 8; i++)
			dst[i] = src[i];
		__tld_smp_rmb();
		s2 = *(volatile __u32 *)&data->seq;
		if (s1 == s2)
			return 0;
	}
	return -EAGAIN;
}

/**
 * tld_read_request() - what the task serves, as one publish wrote it
 * @obj: initialized by tld_object_init()
 * @out: filled with a copy of the task's request record
 *
 * Every field of @out comes from the same publish: never a new tenant
 * with an old priority, a half-written name, or a last_key from another
 * publish than last_since. The strings are user memory and must still be
 * treated as such (they are NUL-terminated only if the publisher made them
 * so). A task that is not serving has a key of 0.
 *
 * Return: 0 on success; -ENODATA if @obj has no data; -EAGAIN if the
 * writer kept publishing on another CPU during TLD_READ_TRIES attempts.
 */
__attribute__((unused))
static __always_inline int tld_read_request(struct tld_object *obj,
					    struct tld_request *out)
{
	struct tld_map_value *v = obj->data_map;
	struct tld_data_u *data;

	if (!v)
		return -ENODATA;
	data = v->data;
	if (!data)
		return -ENODATA;
	return __tld_read_latch(data, out, sizeof(*out));
}

/**
 * tld_read_request_attr() - the first TLD_REQUEST_ATTR_SIZE bytes of the
 * request record (key, since and the last_* fields), consistently
 * @obj: initialized by tld_object_init()
 * @out: its first TLD_REQUEST_ATTR_SIZE bytes are filled; the rest is left
 *	 alone
 *
 * What accounting needs, at a third of the cost of tld_read_request().
 *
 * Return: as tld_read_request().
 */
__attribute__((unused))
static __always_inline int tld_read_request_attr(struct tld_object *obj,
						 struct tld_request *out)
{
	struct tld_map_value *v = obj->data_map;
	struct tld_data_u *data;

	if (!v)
		return -ENODATA;
	data = v->data;
	if (!data)
		return -ENODATA;
	return __tld_read_latch(data, out, TLD_REQUEST_ATTR_SIZE);
}

/* The tenant id of a key. */
static __always_inline __u32 tld_key_tenant_id(__u64 key)
{
	return key >> 32;
}

/* The priority of a key. */
static __always_inline __s32 tld_key_priority(__u64 key)
{
	return (__s32)key;
}

/* Whether a request record says the task serves a request. */
static __always_inline bool tld_req_serving(const struct tld_request *req)
{
	return tld_key_tenant_id(req->key) != TLD_TENANT_NONE;
}

/*
 * Whether a request record carries a trace context: serving, with a span in
 * scope. Only then do its otel ids mean anything (docs/abi.md): without a
 * span, and in an idle record, the publisher writes otel's valid word (0)
 * and leaves the ids as they were.
 */
static __always_inline bool tld_req_traced(const struct tld_request *req)
{
	return tld_req_serving(req) && req->otel.valid == 1;
}

/* The tenant id a request record names. */
static __always_inline __u32 tld_req_tenant_id(const struct tld_request *req)
{
	return tld_key_tenant_id(req->key);
}

/*
 * FNV-1a of a key name: it only picks the cache slots a name may use.
 * tld_get_data() only passes string literals, so clang folds the whole
 * loop into a constant: no cost at run time.
 */
static __always_inline __u32 __tld_hash(const char *name)
{
	__u32 h = 2166136261u;
	int i;

#pragma unroll
	for (i = 0; i < TLD_NAME_LEN - 1; i++) {
		if (!name[i])
			break;
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	}
	return h | 1; /* never 0: a zeroed slot never matches */
}

/*
 * Word @i of a name literal of @len bytes (NUL included), zero beyond it:
 * the bytes of the name field that hold the name, as one load sees them.
 * Folded into a constant.
 */
static __always_inline __u64 __tld_name_word(const char *name, __u32 len,
					     __u32 i)
{
	__u64 w = 0, c;
	__u32 j, k;

#pragma unroll
	for (j = 0; j < 8; j++) {
		k = i * 8 + j;
		c = (k < len) ? (unsigned char)name[k] : 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w |= c << (8 * j);
#else
		w |= c << (8 * (7 - j));
#endif
	}
	return w;
}

/*
 * Whether table entry @idx holds exactly @name (@len bytes with its NUL)
 * with at least @size bytes at a valid offset; the offset in *@off. The
 * name is compared a word at a time against constants, up to the word that
 * holds its NUL: user space zero-fills name fields, so equal words mean
 * equal names.
 */
static __always_inline bool __tld_entry_ok(struct tld_meta_u *meta, __u32 idx,
					   const char *name, __u32 len,
					   __u32 size, __u32 *off)
{
	const __tld_word_t *w;
	__u64 diff = 0;
	__u32 i, o, ksize;

	if (idx >= TLD_MAX_KEYS)
		return false;
	w = (const __tld_word_t *)meta->metadata[idx].name;
#pragma unroll
	for (i = 0; i < TLD_NAME_LEN / 8; i++) {
		if (i * 8 >= len)
			break;
		diff |= w[i] ^ __tld_name_word(name, len, i);
	}
	if (diff)
		return false;
	ksize = meta->metadata[idx].size;
	o = meta->metadata[idx].off;
	if (ksize < size || o < TLD_DATA_HDR_SIZE || o > TLD_BLOCK_SIZE - size)
		return false;
	*off = o;
	return true;
}

#define __TLD_MISS		(1u << 31)

/*
 * Slow path, out of line so that the inline fast path stays small for the
 * verifier: resolve @name by scanning the key table, remember the result in
 * one of the two slots @hash picks (our own, else a free one, else the
 * first), and return the
 * key's offset if its entry has at least @size bytes at a valid offset, else
 * 0. A miss is remembered with the key count it was seen at, and retried
 * only once the table has grown. Sizes are not cached: every access checks
 * its own. Every field comes from user memory: the scan is bounded by
 * TLD_MAX_KEYS whatever cnt says, and names are compared within their field
 * (bpf_strncmp() stops at the first difference, the NUL included, so the
 * match is exact).
 */
static __noinline __u32 __tld_resolve(struct tld_map_value *v, const char *name,
				      __u32 size, __u32 hash, __u64 e)
{
	__u32 a = hash % TLD_CACHE_SLOTS;
	__u32 b = (hash >> 8) % TLD_CACHE_SLOTS;
	__u32 cnt, i, r, tag_a, tag_b, ksize, off;
	struct tld_meta_u *meta;

	if (!v)
		return 0;
	meta = v->meta;
	if (!meta)
		return 0;
	cnt = meta->cnt;
	if (cnt > TLD_MAX_KEYS)
		cnt = TLD_MAX_KEYS;
	if ((e & __TLD_MISS) && ((e >> 16) & 0x7fff) == cnt)
		return 0;
	r = __TLD_MISS | (cnt << 16);
	for (i = 0; i < TLD_MAX_KEYS; i++) {
		if (i >= cnt)
			break;
		if (!bpf_strncmp(meta->metadata[i].name, TLD_NAME_LEN, name)) {
			r = i + 1;
			break;
		}
	}
	tag_a = v->cache[a] >> 32;
	tag_b = v->cache[b] >> 32;
	if (tag_a != hash && tag_a && (tag_b == hash || !tag_b))
		a = b;
	v->cache[a] = ((__u64)hash << 32) | r;
	if (r & __TLD_MISS)
		return 0;
	i = r - 1;
	if (i >= TLD_MAX_KEYS)
		return 0;
	ksize = meta->metadata[i].size;
	off = meta->metadata[i].off;
	if (ksize < size || off < TLD_DATA_HDR_SIZE || off > TLD_BLOCK_SIZE - size)
		return 0;
	return off;
}

/*
 * Look @name up through the two cache slots it may use, verifying the
 * entry a slot points at; resolve it out of line on a miss. Returns a
 * pointer to @size bytes of the task's data, or NULL. The cache only
 * remembers which entry holds a name: every access verifies that entry
 * (name, size, offset), so the cache can be stale, shared with tools that
 * read other keys or other sizes, or written by anyone: the worst it does
 * is cost a table scan.
 */
static __always_inline void *__tld_get(struct tld_object *obj, const char *name,
				       __u32 len, __u32 size)
{
	struct tld_map_value *v = obj->data_map;
	struct tld_data_u *data;
	struct tld_meta_u *meta;
	__u32 hash = __tld_hash(name);
	__u32 a = hash % TLD_CACHE_SLOTS;
	__u32 b = (hash >> 8) % TLD_CACHE_SLOTS;
	__u32 off = 0;
	__u64 e = 0, o;

	if (!v)
		return NULL;
	data = v->data;
	meta = v->meta;
	if (!data || !meta)
		return NULL;

	if ((__u32)(v->cache[a] >> 32) == hash)
		e = v->cache[a];
	else if ((__u32)(v->cache[b] >> 32) == hash)
		e = v->cache[b];

	if (!e || (e & __TLD_MISS) ||
	    !__tld_entry_ok(meta, (e & 0xff) - 1, name, len, size, &off)) {
		off = __tld_resolve(v, name, size, hash, e);
		if (!off)
			return NULL;
	}
	/*
	 * The verifier must see both bounds on the very register that is
	 * added to data. Hence a 64-bit copy (a 32-bit value would be
	 * zero-extended into a fresh register for each use) and compiler
	 * barriers: they keep clang from dropping a check it proved inside
	 * __tld_entry_ok() or __tld_resolve() (the verifier did not) and
	 * from folding both checks into one range check on a temporary.
	 */
	o = off;
	barrier_var(o);
	if (o > TLD_BLOCK_SIZE - size)
		return NULL;
	barrier_var(o);
	if (o < TLD_DATA_HDR_SIZE)
		return NULL;
	return (void *)data + o;
}

/**
 * tld_get_data() - pointer to a key's bytes in the task's data block
 * @obj: initialized by tld_object_init()
 * @key: member of struct tld_keys naming this key (compile-time check only)
 * @name: key name, a string literal
 * @size: bytes the caller will access, a compile-time constant
 *
 * The key must have been created with at least @size bytes. The first
 * access of a name per task scans the key table; later ones hit the cache
 * in the map value and verify it. The returned memory is the user's: its
 * content may change at any time and must be validated like any other
 * user input. Single keys are not read consistently with each other: use
 * tld_read_request() for the request a task serves.
 *
 * Return: pointer to @size readable and writable bytes, or NULL.
 */
#define tld_get_data(obj, key, name, size)					\
	({									\
		_Static_assert(sizeof(((struct tld_keys *)0)->key) ==		\
			       sizeof(tld_key_t), "key must be a tld_key_t");	\
		_Static_assert((size) > 0 &&					\
			       (size) <= TLD_BLOCK_SIZE - TLD_DATA_HDR_SIZE,	\
			       "invalid size");					\
		_Static_assert(sizeof(name) <= TLD_NAME_LEN,			\
			       "key name too long");				\
		__tld_get((obj), (name), sizeof(name), (size));			\
	})

#endif /* __TLD_BPF_H */
