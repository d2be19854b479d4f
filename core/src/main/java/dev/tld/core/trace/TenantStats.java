// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What the tracing programs measured for one (tenant, priority) since they were loaded,
 * summed over CPUs; {@code other} holds the tenants beyond the tenant table and those
 * retired.
 *
 * @param tenant the tenant's name
 * @param priority the priority
 * @param cpuNanos on-CPU time
 * @param syscalls system calls entered
 * @param offCpuNanos time off the CPU (blocked or runnable) in the middle of a request
 * @param preemptions involuntary context switches
 * @param switchesIn times a thread got a CPU while serving
 */
public record TenantStats(String tenant, int priority, long cpuNanos, long syscalls, long offCpuNanos, long preemptions,
		long switchesIn) {

	static TenantStats of(String tenant, KeyStats s) {
		return new TenantStats(tenant, s.priority(), s.cpuNanos(), s.syscalls(), s.offCpuNanos(), s.preemptions(),
				s.switchesIn());
	}

}
