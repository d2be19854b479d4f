// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import dev.tld.core.trace.Usage;

/**
 * One tenant's line of the summary: what the load driver sent it, and what was measured
 * for it over the load (differences between a reading before and one after, so earlier
 * traffic does not count).
 *
 * @param tenant the tenant
 * @param priority its priority ({@code -1} for a tenant the driver did not send, e.g. the
 * default tenant of its own actuator reads)
 * @param sent what was sent, or null for such a tenant
 * @param usage what BPF charged it, from {@code /actuator/tasklocaldata}, summed over
 * priorities
 * @param meters the same from the meters
 */
record TenantResult(String tenant, int priority, Sent sent, Usage usage, Meters meters) {

	/**
	 * On-CPU time BPF charged.
	 * @return nanoseconds, from the endpoint
	 */
	long cpuNanos() {
		return this.usage.cpuNanos();
	}

	/**
	 * What the meters say.
	 *
	 * @param cpuSeconds {@code tld.cpu.time}
	 * @param runQueueSeconds {@code tld.runqueue.wait}
	 * @param blockedSeconds {@code tld.blocked.time}
	 * @param involuntarySwitches {@code tld.context.switches{kind=involuntary}}
	 */
	record Meters(double cpuSeconds, double runQueueSeconds, double blockedSeconds, double involuntarySwitches) {

		static final Meters NONE = new Meters(0, 0, 0, 0);

		Meters minus(Meters o) {
			return new Meters(this.cpuSeconds - o.cpuSeconds, this.runQueueSeconds - o.runQueueSeconds,
					this.blockedSeconds - o.blockedSeconds, this.involuntarySwitches - o.involuntarySwitches);
		}

	}

	/**
	 * What the driver sent one tenant, counted from the answers it got.
	 *
	 * @param plan the tenant's plan
	 * @param rounds rounds completed
	 * @param requests requests answered 200
	 * @param failed requests that failed or answered another status
	 * @param cpuUnits units of CPU work asked for and done
	 * @param ioMillis milliseconds of waiting asked for
	 * @param lockMillis milliseconds of lock holding asked for
	 * @param lockWaitMillis milliseconds the {@code /lock} requests queued for the lock,
	 * as the application measured
	 * @param jvmCpuNanos CPU time of the {@code /cpu} computations, as the JVM measured
	 * it per thread
	 */
	record Sent(TenantPlan plan, long rounds, long requests, long failed, long cpuUnits, long ioMillis, long lockMillis,
			long lockWaitMillis, long jvmCpuNanos) {
	}

}
