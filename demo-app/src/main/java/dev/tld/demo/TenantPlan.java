// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.util.List;

/**
 * What the load driver sends one tenant in every round: one {@code /cpu}, one {@code /io}
 * and one {@code /lock} request. Every tenant gets the same number of rounds, so they
 * differ only in how much of each kind of work a request asks for.
 *
 * @param tenant the {@code X-Tenant} header
 * @param priority the {@code X-Priority} header
 * @param cpuUnits units of CPU work per {@code /cpu} request
 * @param ioMillis milliseconds waited per {@code /io} request
 * @param lockMillis milliseconds the shared lock is held per {@code /lock} request
 */
record TenantPlan(String tenant, int priority, int cpuUnits, int ioMillis, int lockMillis) {

	/**
	 * The demo's tenants: gold is sent 3x the CPU work of bronze and silver 2x, at the
	 * same request rate; the waits go the other way, and all share one lock. A unit is
	 * about a millisecond: requests this long keep the error of slice-granular accounting
	 * (a request's last scheduler slice, see docs/demo.md) small next to the work.
	 */
	static final List<TenantPlan> DEFAULT = List.of(new TenantPlan("gold", 1, 60, 10, 2),
			new TenantPlan("silver", 2, 40, 30, 2), new TenantPlan("bronze", 3, 20, 60, 2));

	TenantPlan {
		if (tenant == null || tenant.isBlank() || tenant.length() > 31) {
			throw new IllegalArgumentException("tenant must be 1 to 31 characters, got '" + tenant + "'");
		}
		if (cpuUnits < 0 || ioMillis < 0 || lockMillis < 0) {
			throw new IllegalArgumentException("amounts must not be negative: " + tenant);
		}
	}

	/**
	 * Parse {@code tenant:priority:cpuUnits:ioMillis:lockMillis}.
	 * @param spec the text
	 * @return the plan
	 */
	static TenantPlan parse(String spec) {
		String[] f = spec.split(":");
		if (f.length != 5) {
			throw new IllegalArgumentException(
					"a tenant is tenant:priority:cpuUnits:ioMillis:lockMillis, e.g. gold:1:60:10:2, got '" + spec
							+ "'");
		}
		try {
			return new TenantPlan(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
					Integer.parseInt(f[4]));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("not a number in '" + spec + "'", ex);
		}
	}

}
