// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The shared data map. Loading this object creates (or, with a pin path,
 * reuses) tld_data_map; every tool that includes tld.bpf.h can reuse the
 * same pinned map. tld_probe lets user space check, from a given thread,
 * what BPF sees of that thread's registration; tld_audit_task (iter/task)
 * reports, for every task it is run over, the element the map holds for
 * it (struct tld_element_record, tld_audit.h). Loaded with another
 * tld_data_map reused (bpf_map__reuse_fd()), both check that map instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "tld.bpf.h"
#include "tld_audit.h"

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

/*
 * One record per task of the iterator: attach it restricted to a process
 * (bpf_iter_link_info.task.pid) to audit that process's threads. Reads only
 * the headers of the blocks an element points at, whoever wrote them.
 */
SEC("iter/task")
int tld_audit_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct tld_element_record rec;
	struct tld_map_value *v;
	struct tld_data_u *data;
	struct tld_meta_u *meta;

	if (!task)
		return 0;
	__builtin_memset(&rec, 0, sizeof(rec));
	rec.tid = tld_task_vtid(task);
	rec.host_tid = task->pid;
	rec.state = TLD_ELEM_ABSENT;
	v = bpf_task_storage_get(&tld_data_map, task, 0, 0);
	if (v) {
		data = v->data;
		meta = v->meta;
		rec.state = TLD_ELEM_EMPTY;
		if (data && meta) {
			rec.state = TLD_ELEM_PRESENT;
			rec.block_tid = data->tid;
			rec.data_magic = data->magic;
			rec.data_version = data->version;
			rec.meta_magic = meta->magic;
			rec.meta_version = meta->version;
			rec.owner = meta->owner;
		}
	}
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
