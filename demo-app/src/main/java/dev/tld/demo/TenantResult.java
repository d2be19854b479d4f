// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

/**
 * One tenant's line of the summary: what the load driver sent it, and what was measured
 * for it over the load (differences between a reading before and one after, so earlier
 * traffic does not count).
 *
 * @param tenant the tenant
 * @param priority its priority ({@code -1} for a tenant the driver did not send, e.g. the
 * default tenant of its own actuator reads)
 * @param sent what was sent, or null for such a tenant
 * @param cpuNanos on-CPU time, from {@code /actuator/tasklocaldata}
 * @param offCpuNanos off-CPU time, from the endpoint
 * @param syscalls system calls, from the endpoint
 * @param preemptions involuntary context switches, from the endpoint
 * @param switchesIn context switches in, from the endpoint
 * @param meterCpuSeconds on-CPU time, from the {@code tld.cpu.time} meter
 * @param meterOffCpuSeconds off-CPU time, from the {@code tld.offcpu.time} meter
 * @param meterSyscalls system calls, from the {@code tld.syscalls} meter
 * @param meterPreemptions preemptions, from the {@code tld.preemptions} meter
 */
record TenantResult(String tenant, int priority, Sent sent, long cpuNanos, long offCpuNanos, long syscalls,
		long preemptions, long switchesIn, double meterCpuSeconds, double meterOffCpuSeconds, double meterSyscalls,
		double meterPreemptions) {

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
