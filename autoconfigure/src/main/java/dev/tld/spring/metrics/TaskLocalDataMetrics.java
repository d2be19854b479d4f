// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.metrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.trace.TenantStats;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * Micrometer meters fed from the BPF tracing programs' per (tenant, priority) totals.
 * <table>
 * <caption>Meters</caption>
 * <tr>
 * <th>name</th>
 * <th>type</th>
 * <th>unit</th>
 * <th>what</th>
 * </tr>
 * <tr>
 * <td>{@code tld.cpu.time}</td>
 * <td>function counter</td>
 * <td>seconds</td>
 * <td>on-CPU time of threads serving the tenant</td>
 * </tr>
 * <tr>
 * <td>{@code tld.offcpu.time}</td>
 * <td>function counter</td>
 * <td>seconds</td>
 * <td>time such threads spent off the CPU (blocked or waiting to run) in the middle of a
 * request</td>
 * </tr>
 * <tr>
 * <td>{@code tld.syscalls}</td>
 * <td>function counter</td>
 * <td>calls</td>
 * <td>system calls entered</td>
 * </tr>
 * <tr>
 * <td>{@code tld.preemptions}</td>
 * <td>function counter</td>
 * <td>switches</td>
 * <td>involuntary context switches</td>
 * </tr>
 * <tr>
 * <td>{@code tld.threads.registered}</td>
 * <td>gauge</td>
 * <td>threads</td>
 * <td>threads with task local data</td>
 * </tr>
 * </table>
 * The per-tenant meters are tagged {@code tenant} and {@code priority}. At most
 * {@code tld.metrics.max-tenants} tenants get their own tag value, the first seen first;
 * the rest are summed under {@code tenant=other}, so the tag's cardinality is bounded.
 * Values are refreshed every {@code tld.metrics.refresh-interval} from the BPF maps.
 */
public class TaskLocalDataMetrics implements MeterBinder, AutoCloseable {

	/** Tag value of tenants beyond the cardinality limit. */
	public static final String OTHER = "other";

	private static final Log logger = LogFactory.getLog(TaskLocalDataMetrics.class);

	private final TaskLocalDataRuntime runtime;

	private final int maxTenants;

	private final Duration refreshInterval;

	private final Set<String> admitted = new LinkedHashSet<>();

	private final Map<String, Bucket> buckets = new HashMap<>();

	private @Nullable MeterRegistry registry;

	private @Nullable ScheduledExecutorService scheduler;

	/**
	 * Create the binder.
	 * @param runtime the source of the totals
	 * @param maxTenants tenants with their own tag value
	 * @param refreshInterval how often to read the BPF maps
	 */
	public TaskLocalDataMetrics(TaskLocalDataRuntime runtime, int maxTenants, Duration refreshInterval) {
		this.runtime = runtime;
		this.maxTenants = maxTenants;
		this.refreshInterval = refreshInterval;
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		this.registry = registry;
		Gauge
			.builder("tld.threads.registered", this.runtime,
					(r) -> (r.taskLocalData() != null) ? r.taskLocalData().registeredThreads() : 0)
			.description("Threads with task local data")
			.baseUnit("threads")
			.register(registry);
		refresh();
		if (this.scheduler == null) {
			ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((r) -> {
				Thread t = new Thread(r, "tld-metrics");
				t.setDaemon(true);
				return t;
			});
			long ms = this.refreshInterval.toMillis();
			scheduler.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
			this.scheduler = scheduler;
		}
	}

	private void refreshQuietly() {
		try {
			refresh();
		}
		catch (RuntimeException ex) {
			logger.debug("Refreshing task local data meters failed", ex);
		}
	}

	/** Read the BPF maps now and update (or create) the meters. */
	public synchronized void refresh() {
		MeterRegistry registry = this.registry;
		if (registry == null) {
			return;
		}
		List<TenantStats> stats = this.runtime.readStats();
		Map<String, long[]> totals = new HashMap<>();
		for (TenantStats s : stats) {
			String tenant = tag(s.tenant());
			long[] t = totals.computeIfAbsent(tenant + "\0" + s.priority(), (k) -> new long[4]);
			t[0] += s.cpuNanos();
			t[1] += s.offCpuNanos();
			t[2] += s.syscalls();
			t[3] += s.preemptions();
		}
		totals.forEach((k, t) -> {
			int sep = k.indexOf('\0');
			Bucket b = this.buckets.computeIfAbsent(k,
					(key) -> new Bucket(registry, key.substring(0, sep), key.substring(sep + 1)));
			b.cpuNanos = t[0];
			b.offCpuNanos = t[1];
			b.syscalls = t[2];
			b.preemptions = t[3];
		});
	}

	private String tag(String tenant) {
		if (this.admitted.contains(tenant)) {
			return tenant;
		}
		if (this.admitted.size() < this.maxTenants && !OTHER.equals(tenant)) {
			this.admitted.add(tenant);
			return tenant;
		}
		return OTHER;
	}

	@Override
	public synchronized void close() {
		ScheduledExecutorService scheduler = this.scheduler;
		if (scheduler != null) {
			scheduler.shutdownNow();
		}
	}

	/** One (tenant, priority) series; BPF totals only grow, and so does each bucket. */
	private static final class Bucket {

		volatile long cpuNanos;

		volatile long offCpuNanos;

		volatile long syscalls;

		volatile long preemptions;

		Bucket(MeterRegistry registry, String tenant, String priority) {
			Tags tags = Tags.of("tenant", tenant, "priority", priority);
			FunctionCounter.builder("tld.cpu.time", this, (b) -> b.cpuNanos / 1e9)
				.tags(tags)
				.baseUnit("seconds")
				.description("On-CPU time of threads serving the tenant")
				.register(registry);
			FunctionCounter.builder("tld.offcpu.time", this, (b) -> b.offCpuNanos / 1e9)
				.tags(tags)
				.baseUnit("seconds")
				.description("Off-CPU time of threads in the middle of the tenant's requests")
				.register(registry);
			FunctionCounter.builder("tld.syscalls", this, (b) -> b.syscalls)
				.tags(tags)
				.baseUnit("calls")
				.description("System calls made while serving the tenant")
				.register(registry);
			FunctionCounter.builder("tld.preemptions", this, (b) -> b.preemptions)
				.tags(tags)
				.baseUnit("switches")
				.description("Involuntary context switches while serving the tenant")
				.register(registry);
		}

	}

}
