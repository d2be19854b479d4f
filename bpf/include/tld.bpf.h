/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tld.bpf.h - BPF side of task local data (TLD).
 *
 * A user-space process publishes, per thread, named values ("keys") in a
 * native block that the kernel pins through a UPTR in the task-storage map
 * tld_data_map. A BPF program reads them with plain loads:
 *
 *	struct tld_keys {
 *		tld_key_t tenant;
 *		tld_key_t prio;
 *	};
 *
 *	SEC("tp_btf/sys_enter")
 *	int BPF_PROG(on_enter, struct pt_regs *regs, long id)
 *	{
 *		struct tld_object obj;
 *		__u64 *prio;
 *
 *		if (tld_object_init(bpf_get_current_task_btf(), &obj))
 *			return 0;
 *		prio = tld_get_data(&obj, prio, "tld.priority", sizeof(*prio));
 *		if (prio)
 *			...
 *	}
 *
 * The API is source-compatible with the kernel selftests' prototype
 * (tools/testing/selftests/bpf/progs/task_local_data.bpf.h). Differences
 * that matter to callers:
 *
 *  - Lookups cost one task-storage lookup per program run: the cache of
 *    resolved offsets lives in the tld_data_map value itself, shared by
 *    every BPF tool that reads the map, instead of in a second map.
 *    tld_key_map still exists so that code naming it compiles; it is
 *    not used.
 *  - The native layout is versioned (see docs/abi.md). Blocks with an
 *    unknown magic or version read as "no data".
 *  - Everything in user memory is treated as hostile: a corrupt key count,
 *    name, size or offset makes a lookup fail; it never yields a pointer
 *    outside the thread's own data block and never loops without bound.
 *  - Blocks are TLD_BLOCK_SIZE (4 KiB) whatever the page size, so the same
 *    object works on 4, 16 and 64 KiB page kernels.
 *  - Key names are at most TLD_NAME_LEN - 1 (59) bytes.
 *
 * Requires Linux 6.13+ (UPTR) and a BTF task pointer (tp_btf, iter/task,
 * syscall programs with bpf_get_current_task_btf(), ...).
 */
#ifndef __TLD_BPF_H
#define __TLD_BPF_H

#include <bpf/bpf_helpers.h>

/* vmlinux.h has no errno values and libc's errno.h does not build for BPF. */
#ifndef ENODATA
#define ENODATA			61
#endif
#ifndef EPROTO
#define EPROTO			71
#endif

/* ABI constants: shared with user space, see docs/abi.md. */
#define TLD_ABI_VERSION		1
#define TLD_META_MAGIC		0x4d444c54	/* "TLDM" little endian */
#define TLD_DATA_MAGIC		0x44444c54	/* "TLDD" little endian */
#define TLD_BLOCK_SIZE		4096
#define TLD_NAME_LEN		60
#define TLD_META_HDR_SIZE	64
#define TLD_DATA_HDR_SIZE	16
#define TLD_MAX_KEYS		((TLD_BLOCK_SIZE - TLD_META_HDR_SIZE) / \
				 sizeof(struct tld_metadata))
#define TLD_CACHE_SLOTS		16

/* Compatibility with the prototype's name for the key limit. */
#define TLD_MAX_DATA_CNT	TLD_MAX_KEYS

/**
 * struct tld_metadata - one published key
 * @name: NUL-terminated key name (not trusted to be terminated)
 * @size: size in bytes the key was created with
 * @off: offset of the key's bytes from the start of struct tld_data_u
 */
struct tld_metadata {
	char name[TLD_NAME_LEN];
	__u16 size;
	__u16 off;
};

/**
 * struct tld_meta_u - per-process key table, one block shared by all threads
 * @magic: TLD_META_MAGIC
 * @version: TLD_ABI_VERSION
 * @cnt: number of valid entries in @metadata, published after the entry
 * @used: end offset of the data handed out so far
 * @reserved: zero
 * @metadata: the keys, in creation order
 */
struct tld_meta_u {
	__u32 magic;
	__u16 version;
	__u16 cnt;
	__u16 used;
	__u8 reserved[TLD_META_HDR_SIZE - 10];
	struct tld_metadata metadata[(TLD_BLOCK_SIZE - TLD_META_HDR_SIZE) /
				     sizeof(struct tld_metadata)];
};

/**
 * struct tld_data_u - one thread's data block
 * @magic: TLD_DATA_MAGIC while the block is registered, 0 once released
 * @tid: thread id as seen by the owner (informational, namespace-local)
 * @seq: reserved for consistent multi-field reads, zero in version 1
 * @reserved: zero
 * @data: key bytes, at the offsets given by struct tld_metadata
 */
struct tld_data_u {
	__u32 magic;
	__u32 tid;
	__u32 seq;
	__u32 reserved;
	char data[TLD_BLOCK_SIZE - TLD_DATA_HDR_SIZE];
};

/**
 * struct tld_map_value - value of tld_data_map
 * @data: this thread's data block (UPTR)
 * @meta: the process's key table (UPTR)
 * @cache: resolved offsets, owned by BPF; zeroed by every registration.
 *	   Entry format: bits 63..32 name hash, bits 15..0 offset, bit 31 set
 *	   for "not found while the table held bits 30..16 keys".
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
 * @obj: filled in; pass to tld_get_data()
 *
 * Costs one task-storage lookup. A block with an unknown magic or version
 * is treated as absent.
 *
 * Return: 0 on success; -ENODATA if the task never registered or was
 * released; -EPROTO if its blocks have an unknown layout. On error,
 * tld_get_data() on @obj returns NULL.
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
	if (data->magic != TLD_DATA_MAGIC || meta->magic != TLD_META_MAGIC ||
	    meta->version != TLD_ABI_VERSION)
		return -EPROTO;
	obj->data_map = v;
	return 0;
}

/*
 * FNV-1a of a key name. tld_get_data() only passes string literals, so
 * clang folds the whole loop into a constant: no cost at run time.
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

#define __TLD_MISS		(1u << 31)

/*
 * Slow path: scan the key table for @name. Returns the key's offset, or
 * __TLD_MISS | (cnt << 16) if the table (holding cnt keys) has no such
 * key of at least @size bytes at a valid offset, or 0 if the blocks are
 * gone. Every field comes from user memory, so each is range-checked: the
 * loop is bounded by TLD_MAX_KEYS whatever cnt says, names are compared
 * within their field, and an offset is used only if the whole requested
 * range lies in the data part of the block.
 */
static __noinline __u32 __tld_fetch(struct tld_map_value *v, const char *name,
				    __u32 size)
{
	struct tld_meta_u *meta;
	__u32 cnt, i, off, ksize;

	if (!v)
		return 0;
	meta = v->meta;
	if (!meta)
		return 0;
	cnt = meta->cnt;
	if (cnt > TLD_MAX_KEYS)
		cnt = TLD_MAX_KEYS;
	for (i = 0; i < TLD_MAX_KEYS; i++) {
		if (i >= cnt)
			break;
		if (bpf_strncmp(meta->metadata[i].name, TLD_NAME_LEN, name))
			continue;
		off = meta->metadata[i].off;
		ksize = meta->metadata[i].size;
		if (ksize < size || off < TLD_DATA_HDR_SIZE ||
		    off > TLD_BLOCK_SIZE - size)
			break;	/* corrupt or mismatched entry: no data */
		return off;
	}
	return __TLD_MISS | (cnt << 16);
}

/*
 * Look @name up through the two cache slots it may occupy; resolve and
 * fill a slot on a miss. Returns a pointer to @size bytes of the task's
 * data, or NULL. The cache is written by BPF only, but the offset is
 * range-checked again right before the pointer arithmetic anyway: that
 * check is what the verifier relies on, and it costs one compare.
 */
static __always_inline void *__tld_get(struct tld_object *obj, const char *name,
				       __u32 size)
{
	struct tld_map_value *v = obj->data_map;
	struct tld_data_u *data;
	struct tld_meta_u *meta;
	__u32 hash = __tld_hash(name);
	__u32 a = hash % TLD_CACHE_SLOTS;
	__u32 b = (hash >> 8) % TLD_CACHE_SLOTS;
	__u32 tag_a, tag_b, off, cnt;
	__u64 e = 0, o;

	if (!v)
		return NULL;
	data = v->data;
	if (!data)
		return NULL;

	tag_a = v->cache[a] >> 32;
	tag_b = v->cache[b] >> 32;
	if (tag_a == hash)
		e = v->cache[a];
	else if (tag_b == hash)
		e = v->cache[b];

	if (e && !(e & __TLD_MISS)) {
		off = e & 0xffff;
	} else {
		/* A cached miss is retried only once the table has grown. */
		if (e) {
			meta = v->meta;
			if (!meta)
				return NULL;
			cnt = meta->cnt;
			if (cnt > TLD_MAX_KEYS)
				cnt = TLD_MAX_KEYS;
			if (((e >> 16) & 0x7fff) == cnt)
				return NULL;
		}
		off = __tld_fetch(v, name, size);
		if (!off)
			return NULL;
		/* Our own slot, else a free one, else evict slot a. */
		if (tag_a != hash && tag_a && (tag_b == hash || !tag_b))
			a = b;
		v->cache[a] = ((__u64)hash << 32) | off;
		if (off & __TLD_MISS)
			return NULL;
	}
	/*
	 * The verifier must see both bounds on the very register that is
	 * added to data. Hence a 64-bit copy (a 32-bit value would be
	 * zero-extended into a fresh register for each use) and compiler
	 * barriers: they keep clang from dropping the upper check (it may
	 * have proven the bound across the call to __tld_fetch(), which the
	 * verifier does not) and from folding both checks into one range
	 * check on a temporary.
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
 * in the map value. The returned memory is the user's: its content may
 * change at any time and must be validated like any other user input.
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
		__tld_get((obj), (name), (size));				\
	})

#endif /* __TLD_BPF_H */
