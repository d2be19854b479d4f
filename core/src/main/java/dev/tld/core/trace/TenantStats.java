// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What the tracing programs measured for one (tenant, priority) since they were loaded,
 * summed over CPUs; {@code other} holds the tenants beyond the tenant table and those
 * retired.
 *
 * @param tenant the tenant's name
 * @param priority the priority
 * @param usage what threads used while serving it
 */
public record TenantStats(String tenant, int priority, Usage usage) {

	static TenantStats of(String tenant, KeyStats s) {
		return new TenantStats(tenant, s.priority(), s.usage());
	}

	/**
	 * On-CPU time.
	 * @return nanoseconds
	 */
	public long cpuNanos() {
		return this.usage.cpuNanos();
	}

}
