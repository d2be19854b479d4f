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
 * @param traceId the trace id of the span in scope (the record's {@code otel} field), 32
 * lower-case hex digits in W3C order; empty when no span is in scope or not serving
 * @param spanId the span id of the span in scope, 16 hex digits; empty likewise
 * @param traceFlags the W3C trace flags of that span (bit 0: sampled); 0 likewise
 */
public record ThreadRecord(int tid, int hostTid, String name, boolean serving, boolean busy, String tenant,
		int tenantId, int priority, String requestId, long since, String traceId, String spanId, int traceFlags) {

	/**
	 * A record without a trace context.
	 * @param tid thread id in the process's pid namespace
	 * @param hostTid thread id in the initial pid namespace
	 * @param name thread name
	 * @param serving whether the thread serves a request
	 * @param busy whether BPF could not read the record consistently
	 * @param tenant the tenant
	 * @param tenantId the tenant id
	 * @param priority the priority
	 * @param requestId the request id
	 * @param since when the record was published
	 */
	public ThreadRecord(int tid, int hostTid, String name, boolean serving, boolean busy, String tenant, int tenantId,
			int priority, String requestId, long since) {
		this(tid, hostTid, name, serving, busy, tenant, tenantId, priority, requestId, since, "", "", 0);
	}

	/**
	 * Whether BPF read a valid trace context: a span was in scope.
	 * @return whether {@link #traceId()} and {@link #spanId()} are set
	 */
	public boolean traced() {
		return !this.traceId.isEmpty();
	}

}
