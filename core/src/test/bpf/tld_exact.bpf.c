// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test programs for the exactness of tld_get_data()'s cache: two names with
 * the same hash (they share cache slots), and one name read with two sizes.
 * Each program reports in its context whether it found the key and the
 * 8 bytes it read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tld.bpf.h"

struct tld_keys {
	tld_key_t a;
	tld_key_t b;
	tld_key_t value;
};

struct exact_ctx {
	__u64 value;
	__s32 found;
	__s32 init_err;
};

#define READER(prog, key, name, size)					\
SEC("syscall")								\
int prog(struct exact_ctx *ctx)						\
{									\
	struct tld_object obj;						\
	__u64 *p;							\
									\
	ctx->found = 0;							\
	ctx->init_err = tld_object_init(bpf_get_current_task_btf(), &obj); \
	if (ctx->init_err)						\
		return 0;						\
	p = tld_get_data(&obj, key, name, size);			\
	if (p) {							\
		ctx->found = 1;						\
		ctx->value = *p;					\
	}								\
	return 0;							\
}

/* FNV-1a | 1 of both is 0xa61e6d25: the same two cache slots. */
READER(read_a, a, "c.118110", 8)
READER(read_b, b, "c.28896", 8)
/* "test.value" as an 8-byte key, and as a 16-byte one it is too small for. */
READER(read_value, value, "test.value", 8)
READER(read_value_16, value, "test.value", 16)
/* A prefix of "test.value", and a name it is a prefix of. */
READER(read_prefix, value, "test.valu", 8)
READER(read_longer, value, "test.values", 8)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
