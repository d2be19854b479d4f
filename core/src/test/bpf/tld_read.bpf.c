// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test programs for the Java core: read back what Java threads publish.
 *
 * tld_read (syscall, run with BPF_PROG_TEST_RUN from a Java thread) reads
 * the calling thread's keys into its context and bumps a counter that Java
 * then reads back. tld_sys_enter (tp_btf/sys_enter) records, per thread id,
 * the value of "test.value" at each syscall entry. tld_count (iter/task)
 * writes the tid of every task that has an element in tld_data_map: the
 * map's elements, which user space cannot iterate in a task storage map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tld.bpf.h"

struct tld_keys {
	tld_key_t value;
	tld_key_t text;
	tld_key_t late;
	tld_key_t counter;
};

#define FOUND_VALUE	(1 << 0)
#define FOUND_TEXT	(1 << 1)
#define FOUND_LATE	(1 << 2)
#define FOUND_COUNTER	(1 << 3)

/* Context of tld_read; layout mirrored by the Java test. */
struct read_ctx {
	__s32 init_err;
	__u32 found;
	__u64 value;
	__u64 late;
	__u64 counter;
	char text[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("syscall")
int tld_read(struct read_ctx *ctx)
{
	struct tld_object obj;
	__u64 *p;
	char *text;

	ctx->found = 0;
	ctx->init_err = tld_object_init(bpf_get_current_task_btf(), &obj);
	if (ctx->init_err)
		return 0;

	p = tld_get_data(&obj, value, "test.value", 8);
	if (p) {
		ctx->value = *p;
		ctx->found |= FOUND_VALUE;
	}
	text = tld_get_data(&obj, text, "test.text", 32);
	if (text) {
		__builtin_memcpy(ctx->text, text, sizeof(ctx->text));
		ctx->found |= FOUND_TEXT;
	}
	p = tld_get_data(&obj, late, "test.late", 8);
	if (p) {
		ctx->late = *p;
		ctx->found |= FOUND_LATE;
	}
	p = tld_get_data(&obj, counter, "test.counter", 8);
	if (p) {
		*p += 1;
		ctx->counter = *p;
		ctx->found |= FOUND_COUNTER;
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tld_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tld_object obj;
	__u32 tid;
	__u64 *p, v;

	if (tld_object_init(task, &obj))
		return 0;
	p = tld_get_data(&obj, value, "test.value", 8);
	if (!p)
		return 0;
	v = *p;
	tid = task->pid;
	bpf_map_update_elem(&seen, &tid, &v, BPF_ANY);
	return 0;
}

SEC("iter/task")
int tld_count(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u32 tid;

	if (!task || !bpf_task_storage_get(&tld_data_map, task, 0, 0))
		return 0;
	tid = task->pid;
	bpf_seq_write(ctx->meta->seq, &tid, sizeof(tid));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
