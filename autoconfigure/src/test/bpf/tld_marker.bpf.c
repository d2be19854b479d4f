// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Leak detector for the starter's tests. Java code that knows which tenant
 * the current thread serves (from the request itself, not from the
 * starter) makes a marker system call: getpid(MARKER_MAGIC, index), whose
 * arguments getpid ignores. At that syscall entry this program reads the
 * request record the thread publishes through task local data and compares
 * its tenant with expected[index] (index 0: no tenant at all).
 *
 * counters[0]: markers checked, counters[1]: mismatches, counters[2]:
 * markers that matched a non-empty tenant. last_bad[0]: the last mismatch.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tld.bpf.h"

/* getpid: its number differs between architectures (as LibC.SYS_GETPID). */
#if defined(__TARGET_ARCH_arm64)
#define MARKER_SYSCALL	172
#else
#define MARKER_SYSCALL	39
#endif
#define MARKER_MAGIC	0x4b52414d444c54ULL	/* "TLDMARK" */
#define TENANTS		64
#define NAME_LEN	32

struct tld_keys {
	tld_key_t unused;
};

struct name {
	char s[NAME_LEN];
};

struct mismatch {
	__u32 tid;
	__u32 index;
	char seen[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TENANTS);
	__type(key, __u32);
	__type(value, struct name);
} expected SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mismatch);
} last_bad SEC(".maps");

/* The test's process (claim()): markers of other processes (another build's) are not ours. */
__u32 owner_tgid;

static __always_inline void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &i);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tld_marker, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mismatch m = {};
	struct tld_request req;
	struct tld_object obj;
	struct name *want;
	__u32 index, zero = 0;
	bool differ = false;
	int i;

	if (id != MARKER_SYSCALL || PT_REGS_PARM1_CORE(regs) != MARKER_MAGIC ||
	    (bpf_get_current_pid_tgid() >> 32) != owner_tgid)
		return 0;
	index = PT_REGS_PARM2_CORE(regs);
	want = bpf_map_lookup_elem(&expected, &index);
	if (!want)
		return 0;
	if (!tld_object_init(task, &obj) && !tld_read_request(&obj, &req) &&
	    tld_req_serving(&req))
		__builtin_memcpy(m.seen, req.tenant, NAME_LEN);
	for (i = 0; i < NAME_LEN; i++) {
		if (m.seen[i] != want->s[i]) {
			differ = true;
			break;
		}
		if (!m.seen[i])
			break;
	}
	count(0);
	if (differ) {
		count(1);
		m.tid = task->pid;
		m.index = index;
		bpf_map_update_elem(&last_bad, &zero, &m, BPF_ANY);
	} else if (want->s[0]) {
		count(2);
	}
	return 0;
}

/* Run by the test once loaded: its process is the only one whose markers count. */
SEC("syscall")
int claim(void *ctx)
{
	owner_tgid = bpf_get_current_pid_tgid() >> 32;
	return owner_tgid;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
