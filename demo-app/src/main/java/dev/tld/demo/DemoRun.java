// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;

/**
 * Everything one run of the {@link LoadDriver} sent and read.
 *
 * @param url the application
 * @param seconds how long the load ran
 * @param endpointStatus HTTP status of {@code /actuator/tasklocaldata} after the load
 * @param report its body, or null if it did not answer 200
 * @param threadsMidLoad threads as BPF read them halfway through the load (empty if not
 * read)
 * @param tenants one line per tenant: the driver's tenants first, in plan order, then any
 * other tenant BPF charged during the load
 */
record DemoRun(String url, double seconds, int endpointStatus, TaskLocalDataEndpoint.Report report,
		List<ThreadRecord> threadsMidLoad, List<TenantResult> tenants) {

	/** Attribution counts as right within this relative distance of the work ratio. */
	static final double TOLERANCE = 0.25;

	/**
	 * Whether BPF measured anything: the endpoint answered and the state is ACTIVE.
	 * @return true if the measured columns mean something
	 */
	boolean active() {
		return this.report != null && "ACTIVE".equals(this.report.state());
	}

	/**
	 * Whether every request the driver sent was answered 200.
	 * @return true if nothing failed and every tenant got requests through
	 */
	boolean allAnswered() {
		return this.tenants.stream()
			.filter((t) -> t.sent() != null)
			.allMatch((t) -> t.sent().failed() == 0 && t.sent().requests() > 0);
	}

	/**
	 * The driver's tenants.
	 * @return the lines with something sent
	 */
	List<TenantResult> sentTenants() {
		return this.tenants.stream().filter((t) -> t.sent() != null).toList();
	}

	/**
	 * A tenant's line.
	 * @param tenant the name
	 * @return the line, if any
	 */
	Optional<TenantResult> tenant(String tenant) {
		return this.tenants.stream().filter((t) -> t.tenant().equals(tenant)).findFirst();
	}

	/**
	 * The tenant sent the least CPU work (but some): the one the others are compared
	 * with.
	 * @return that tenant's line
	 */
	Optional<TenantResult> reference() {
		return sentTenants().stream()
			.filter((t) -> t.sent().cpuUnits() > 0)
			.min((a, b) -> Long.compare(a.sent().cpuUnits(), b.sent().cpuUnits()));
	}

	/**
	 * The tenant sent the most CPU work.
	 * @return that tenant's line
	 */
	Optional<TenantResult> heaviest() {
		return sentTenants().stream()
			.filter((t) -> t.sent().cpuUnits() > 0)
			.max((a, b) -> Long.compare(a.sent().cpuUnits(), b.sent().cpuUnits()));
	}

	/**
	 * {@code value(a) / value(b)} for two tenants, if both exist and b's value is
	 * positive.
	 * @param a numerator tenant
	 * @param b denominator tenant
	 * @param value what to compare
	 * @return the ratio
	 */
	OptionalDouble ratio(String a, String b, ToDoubleFunction<TenantResult> value) {
		Optional<TenantResult> x = tenant(a);
		Optional<TenantResult> y = tenant(b);
		if (x.isEmpty() || y.isEmpty() || value.applyAsDouble(y.get()) <= 0) {
			return OptionalDouble.empty();
		}
		return OptionalDouble.of(value.applyAsDouble(x.get()) / value.applyAsDouble(y.get()));
	}

	/**
	 * CPU work sent to a tenant relative to another.
	 * @param a numerator tenant
	 * @param b denominator tenant
	 * @return the ratio of units sent
	 */
	OptionalDouble workRatio(String a, String b) {
		return ratio(a, b, (t) -> (t.sent() != null) ? t.sent().cpuUnits() : 0);
	}

	/**
	 * CPU time BPF charged to a tenant (endpoint figures) relative to another.
	 * @param a numerator tenant
	 * @param b denominator tenant
	 * @return the ratio of CPU times
	 */
	OptionalDouble cpuRatio(String a, String b) {
		return ratio(a, b, TenantResult::cpuNanos);
	}

	/**
	 * CPU time on the {@code tld.cpu.time} meter of a tenant relative to another.
	 * @param a numerator tenant
	 * @param b denominator tenant
	 * @return the ratio of the meters' increases
	 */
	OptionalDouble meterCpuRatio(String a, String b) {
		return ratio(a, b, (t) -> t.meters().cpuSeconds());
	}

	/**
	 * Whether {@code measured} is within {@link #TOLERANCE} of {@code expected}.
	 * @param measured the measured ratio
	 * @param expected the ratio of the work sent
	 * @return true if close enough
	 */
	static boolean close(double measured, double expected) {
		return Math.abs(measured - expected) <= TOLERANCE * expected;
	}

}
