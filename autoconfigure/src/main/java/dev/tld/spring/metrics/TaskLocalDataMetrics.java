// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.Tenant;
import dev.tld.core.trace.TenantStats;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;

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
 * <tr>
 * <td>{@code tld.tenants.active}</td>
 * <td>gauge</td>
 * <td>tenants</td>
 * <td>tenants with an id (and series) of their own</td>
 * </tr>
 * <tr>
 * <td>{@code tld.tenants.overflowed}</td>
 * <td>function counter</td>
 * <td>tenants</td>
 * <td>tenants that found the table full and were accounted as {@code other}</td>
 * </tr>
 * <tr>
 * <td>{@code tld.tenants.rejected}</td>
 * <td>function counter</td>
 * <td>tenants</td>
 * <td>tenants refused for their control characters ({@code other})</td>
 * </tr>
 * <tr>
 * <td>{@code tld.events.dropped}</td>
 * <td>function counter</td>
 * <td>events</td>
 * <td>what BPF could not account, tagged {@code reason}: {@code stats-full} (the
 * statistics map was full), {@code read-busy} (a read that gave up)</td>
 * </tr>
 * <tr>
 * <td>{@code tld.cpu.unsplit}</td>
 * <td>function counter</td>
 * <td>seconds</td>
 * <td>CPU time of slices that held more than one request, charged to the last one that
 * ended in them: the accounting's approximation</td>
 * </tr>
 * </table>
 * The per-tenant meters are tagged {@code tenant} and {@code priority}. Their cardinality
 * is bounded where tenants start: the runtime's tenant table gives at most
 * {@code tld.tenants.max} tenants a name of their own and clamps priorities to
 * {@code tld.priorities.*}; the rest are {@code tenant=other}. A retired tenant's series
 * are removed and its totals are added to {@code other}'s, so the sum over every series
 * is what BPF measured and every series only grows. Values are refreshed every
 * {@code tld.metrics.refresh-interval} from the BPF maps.
 */
public class TaskLocalDataMetrics implements MeterBinder, AutoCloseable {

	/** Tag value of tenants beyond the cardinality limit, and of retired ones. */
	public static final String OTHER = Tenant.OTHER.name();

	private static final Log logger = LogFactory.getLog(TaskLocalDataMetrics.class);

	private final TaskLocalDataRuntime runtime;

	private final @Nullable TaskLocalDataContext context;

	private final Duration refreshInterval;

	private final Map<String, Bucket> buckets = new HashMap<>();

	private @Nullable MeterRegistry registry;

	private @Nullable ScheduledExecutorService scheduler;

	/**
	 * Create the binder.
	 * @param runtime the source of the totals
	 * @param context the context whose refused tenants are counted, or null
	 * @param refreshInterval how often to read the BPF maps, at least
	 * {@link TaskLocalDataSettings#MIN_INTERVAL}
	 * @throws IllegalArgumentException if the interval is shorter
	 */
	public TaskLocalDataMetrics(TaskLocalDataRuntime runtime, @Nullable TaskLocalDataContext context,
			Duration refreshInterval) {
		if (refreshInterval.compareTo(TaskLocalDataSettings.MIN_INTERVAL) < 0) {
			throw new IllegalArgumentException("refresh interval must be at least "
					+ TaskLocalDataSettings.MIN_INTERVAL.toMillis() + "ms, got " + refreshInterval);
		}
		this.runtime = runtime;
		this.context = context;
		this.refreshInterval = refreshInterval;
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		this.registry = registry;
		TaskLocalDataRuntime r = this.runtime;
		Gauge
			.builder("tld.threads.registered", r,
					(x) -> (x.taskLocalData() != null) ? x.taskLocalData().registeredThreads() : 0)
			.description("Threads with task local data")
			.baseUnit("threads")
			.register(registry);
		Gauge.builder("tld.tenants.active", r, (x) -> x.tenants().size())
			.description("Tenants with an id and series of their own (at most tld.tenants.max)")
			.baseUnit("tenants")
			.register(registry);
		FunctionCounter.builder("tld.tenants.overflowed", r, (x) -> x.tenants().overflowed())
			.description("Tenants that found the tenant table full and were accounted as other")
			.baseUnit("tenants")
			.register(registry);
		TaskLocalDataContext c = this.context;
		if (c != null) {
			FunctionCounter.builder("tld.tenants.rejected", c, TaskLocalDataContext::rejectedTenants)
				.description("Tenants refused for their control characters and accounted as other")
				.baseUnit("tenants")
				.register(registry);
		}
		FunctionCounter.builder("tld.events.dropped", r, (x) -> x.counters().statsDropped())
			.tags("reason", "stats-full")
			.description("Updates BPF could not account: its statistics map was full")
			.baseUnit("events")
			.register(registry);
		FunctionCounter.builder("tld.events.dropped", r, (x) -> x.counters().readBusy())
			.tags("reason", "read-busy")
			.description("Reads of a request record that gave up: the thread kept publishing on another CPU")
			.baseUnit("events")
			.register(registry);
		FunctionCounter.builder("tld.cpu.unsplit", r, (x) -> x.counters().unsplitNanos() / 1e9)
			.description("CPU time of slices that held more than one request, charged to the last one that ended"
					+ " in them")
			.baseUnit("seconds")
			.register(registry);
		refresh();
		if (this.scheduler == null) {
			this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread t = new Thread(task, "tld-metrics");
				t.setDaemon(true);
				return t;
			});
			long ms = this.refreshInterval.toMillis();
			this.scheduler.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
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

	/**
	 * Read the BPF maps now and update (or create) the meters; remove the series of
	 * tenants that were retired (their totals are in {@code other}'s now).
	 */
	public synchronized void refresh() {
		MeterRegistry registry = this.registry;
		if (registry == null) {
			return;
		}
		Set<String> seen = new HashSet<>();
		for (TenantStats s : this.runtime.readStats()) {
			String key = s.tenant() + '\0' + s.priority();
			seen.add(key);
			Bucket b = this.buckets.computeIfAbsent(key,
					(k) -> new Bucket(registry, s.tenant(), String.valueOf(s.priority())));
			// BPF totals only grow; a retired tenant's move to other, which grows too
			b.cpuNanos = Math.max(b.cpuNanos, s.cpuNanos());
			b.offCpuNanos = Math.max(b.offCpuNanos, s.offCpuNanos());
			b.syscalls = Math.max(b.syscalls, s.syscalls());
			b.preemptions = Math.max(b.preemptions, s.preemptions());
		}
		for (String key : new ArrayList<>(this.buckets.keySet())) {
			if (!seen.contains(key)) {
				this.buckets.remove(key).remove(registry);
			}
		}
	}

	/**
	 * The series currently registered, per (tenant, priority).
	 * @return how many (tenant, priority) pairs have meters
	 */
	public synchronized int series() {
		return this.buckets.size();
	}

	@Override
	public synchronized void close() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
		}
	}

	/** One (tenant, priority) series. */
	private static final class Bucket {

		volatile long cpuNanos;

		volatile long offCpuNanos;

		volatile long syscalls;

		volatile long preemptions;

		private final List<Meter> meters = new ArrayList<>();

		Bucket(MeterRegistry registry, String tenant, String priority) {
			Tags tags = Tags.of("tenant", tenant, "priority", priority);
			this.meters.add(FunctionCounter.builder("tld.cpu.time", this, (b) -> b.cpuNanos / 1e9)
				.tags(tags)
				.baseUnit("seconds")
				.description("On-CPU time of threads serving the tenant")
				.register(registry));
			this.meters.add(FunctionCounter.builder("tld.offcpu.time", this, (b) -> b.offCpuNanos / 1e9)
				.tags(tags)
				.baseUnit("seconds")
				.description("Off-CPU time of threads in the middle of the tenant's requests")
				.register(registry));
			this.meters.add(FunctionCounter.builder("tld.syscalls", this, (b) -> b.syscalls)
				.tags(tags)
				.baseUnit("calls")
				.description("System calls made while serving the tenant")
				.register(registry));
			this.meters.add(FunctionCounter.builder("tld.preemptions", this, (b) -> b.preemptions)
				.tags(tags)
				.baseUnit("switches")
				.description("Involuntary context switches while serving the tenant")
				.register(registry));
		}

		void remove(MeterRegistry registry) {
			for (Meter m : this.meters) {
				registry.remove(m);
			}
		}

	}

}
