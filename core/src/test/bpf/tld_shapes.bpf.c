// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Verifier regression test for tld.bpf.h: one tld_get_data() call site per
 * program, each with its own constant size. With a single call site clang
 * specializes __tld_resolve() for that size and learns the range of its
 * result; the header must still leave the verifier a bound it can see.
 * Each program returns the first byte it read (or 255 if not found).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tld.bpf.h"

struct tld_keys {
	tld_key_t k;
};

#define SHAPE(size)							\
SEC("syscall")								\
int shape_##size(void *ctx)						\
{									\
	struct tld_object obj;						\
	unsigned char *p;						\
									\
	if (tld_object_init(bpf_get_current_task_btf(), &obj))		\
		return 254;						\
	p = tld_get_data(&obj, k, "shape.key", size);			\
	if (!p)								\
		return 255;						\
	return p[0] + p[(size) - 1];					\
}

SHAPE(1)
SHAPE(8)
SHAPE(32)
SHAPE(3776)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
