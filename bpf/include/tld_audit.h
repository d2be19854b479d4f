/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tld_audit.h - what tld_map.bpf.o's tld_audit_task (iter/task) reports per
 * task, and how the starter's programs name tasks.
 *
 * A publisher checks, in BPF's view, that each of its threads still has the
 * element it registered in a tld_data_map: the program is loaded with the
 * map to check reused (libbpf's bpf_map__reuse_fd()) and its iterator is
 * restricted to the publisher's own process (bpf_iter_link_info.task.pid).
 * Java decodes struct tld_element_record (dev.tld.core); a core test
 * compares its size and offsets, as the compiled BTF has them, with the Java
 * constants. Integers are in the host's byte order. Include tld.bpf.h and
 * <bpf/bpf_core_read.h> first.
 */
#ifndef __TLD_AUDIT_H
#define __TLD_AUDIT_H

/* Values of tld_element_record.state. */
#define TLD_ELEM_ABSENT		0	/* the task has no element in the map */
#define TLD_ELEM_EMPTY		1	/* an element whose data or meta is NULL */
#define TLD_ELEM_PRESENT	2	/* an element with both blocks pinned */

/**
 * struct tld_element_record - one task of the process, as the map has it
 * @tid: the task's thread id in its own pid namespace (tld_task_vtid()),
 *	 0 if the task is exiting
 * @host_tid: its thread id in the initial pid namespace
 * @state: TLD_ELEM_ABSENT, TLD_ELEM_EMPTY or TLD_ELEM_PRESENT
 * @block_tid: the tid written in the element's data block (user memory:
 *	       whoever wrote the element chose it); 0 unless PRESENT
 * @data_magic: the data block's magic; 0 unless PRESENT
 * @meta_magic: the key table's magic; 0 unless PRESENT
 * @data_version: the data block's version; 0 unless PRESENT
 * @meta_version: the key table's version; 0 unless PRESENT
 * @reserved: 0
 * @owner: the key table's owner cookie (struct tld_meta_u.owner): a
 *	   random number each publisher keeps to itself, so an element that
 *	   points at someone else's key table has another one; 0 unless
 *	   PRESENT
 */
struct tld_element_record {
	__u32 tid;
	__u32 host_tid;
	__u32 state;
	__u32 block_tid;
	__u32 data_magic;
	__u32 meta_magic;
	__u16 data_version;
	__u16 meta_version;
	__u32 reserved;
	__u64 owner;
};

/**
 * tld_task_vtid() - a task's thread id in its own pid namespace
 * @task: BTF pointer to the task
 *
 * What gettid() returns in the task itself, and /proc/thread-self names,
 * inside a container as outside: the number of the task's pid at the level
 * of its own (deepest) pid namespace. The threads of one process share that
 * namespace, so for them it is also the id the process sees.
 *
 * Return: the id, or 0 if the task is exiting (its pid is detached).
 */
static __always_inline __u32 tld_task_vtid(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level;

	if (!pid)
		return 0;
	level = BPF_CORE_READ(pid, level);
	return BPF_CORE_READ(pid, numbers[level].nr);
}

/**
 * tld_task_vtgid() - a task's process id in its own pid namespace
 * @task: BTF pointer to the task
 *
 * Return: the thread group leader's tld_task_vtid(), or 0.
 */
static __always_inline __u32 tld_task_vtgid(struct task_struct *task)
{
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	if (!leader)
		return 0;
	return tld_task_vtid(leader);
}

#endif /* __TLD_AUDIT_H */
