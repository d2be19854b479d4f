// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

/**
 * The PromQL the demo prints, for a Prometheus server that scrapes
 * {@code /actuator/prometheus}: the meter {@code tld.cpu.time} is the counter
 * {@code tld_cpu_time_seconds_total} there, tagged {@code tenant}, {@code priority} and
 * (the demo's common tag) {@code application}; the server adds {@code instance}.
 */
public final class PromQl {

	/** Where the demo's meters are scraped. */
	public static final String SCRAPE_PATH = "/actuator/prometheus";

	private PromQl() {
	}

	/**
	 * Each tenant's share of the CPU time an application spent serving tenants, summed
	 * over its instances: 0 to 1 per (application, tenant).
	 * @param window the rate window, e.g. {@code 1m} (at least four scrape intervals)
	 * @return the query
	 */
	public static String cpuShare(String window) {
		return "sum by (application, tenant) (rate(tld_cpu_time_seconds_total[" + window + "]))\n"
				+ "  / ignoring (tenant) group_left sum by (application) (rate(tld_cpu_time_seconds_total[" + window
				+ "]))";
	}

}
