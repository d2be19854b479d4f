// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The shared data map. Loading this object creates (or, with a pin path,
 * reuses) tld_data_map; every tool that includes tld.bpf.h can reuse the
 * same pinned map. tld_probe lets user space check, from a given thread,
 * what BPF sees of that thread's registration.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tld.bpf.h"

struct tld_keys {
	tld_key_t unused;
};

/* Context of tld_probe, filled in for the calling thread. */
struct tld_probe_ctx {
	__s32 err;		/* tld_object_init() result */
	__u32 tid;		/* tid written in the thread's data block */
	__u32 keys;		/* key count in the process's key table */
	__u32 used;		/* data bytes handed out */
};

SEC("syscall")
int tld_probe(struct tld_probe_ctx *ctx)
{
	struct tld_object obj;
	struct tld_map_value *v;
	struct tld_data_u *data;
	struct tld_meta_u *meta;

	ctx->err = tld_object_init(bpf_get_current_task_btf(), &obj);
	if (ctx->err)
		return 0;
	v = obj.data_map;
	data = v->data;
	meta = v->meta;
	if (!data || !meta)
		return 0;
	ctx->tid = data->tid;
	ctx->keys = meta->cnt;
	ctx->used = meta->used;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
