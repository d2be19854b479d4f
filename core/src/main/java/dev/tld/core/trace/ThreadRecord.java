// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What BPF reads for one thread right now, as {@code tld_dump_task} reported it: the
 * thread's request record, read as one consistent snapshot.
 *
 * @param tid thread id in the process's pid namespace (what {@code gettid()} returns in
 * the thread and {@code /proc/thread-self} names, inside a container too)
 * @param hostTid thread id in the initial pid namespace (what tools on the host see)
 * @param name thread name as the kernel knows it (15 characters at most)
 * @param serving whether the thread serves a request right now
 * @param busy whether BPF could not read the record consistently (the thread kept
 * publishing on another CPU meanwhile): then nothing else is known
 * @param tenant the tenant, empty when not serving
 * @param tenantId the tenant id of the record's attribution key
 * @param priority the priority of the record's attribution key
 * @param requestId the request id, empty when not serving
 * @param since when the record was published, in CLOCK_MONOTONIC nanoseconds
 */
public record ThreadRecord(int tid, int hostTid, String name, boolean serving, boolean busy, String tenant,
		int tenantId, int priority, String requestId, long since) {

}
