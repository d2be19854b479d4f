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
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

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
import dev.tld.core.trace.Figures;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.Usage;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;

/**
 * Micrometer meters fed from the BPF accounting program's per (tenant, priority) totals,
 * and the starter's own health figures; {@link TaskLocalDataMeters} documents each (name,
 * type, base unit, tags).
 * <p>
 * The per-tenant meters are tagged {@code tenant} and {@code priority}. Their cardinality
 * is bounded where tenants start: the runtime's tenant table gives at most
 * {@code tld.tenants.max} tenants a name of their own and clamps priorities to
 * {@code tld.priorities.*}; the rest are {@code tenant=other}. A retired tenant's series
 * are removed and its totals are added to {@code other}'s, so the sum over every series
 * is what BPF measured and every series only grows. A figure the running kernel cannot
 * measure ({@link dev.tld.core.trace.Figures}) has no meter, and system calls are counted
 * only with {@code tld.tracing.syscalls}. Values are refreshed every
 * {@code tld.metrics.refresh-interval} from the BPF maps.
 */
public class TaskLocalDataMetrics implements MeterBinder, AutoCloseable {

	private static final String TENANT = TaskLocalDataMeters.TagKey.TENANT.asString();

	private static final String PRIORITY = TaskLocalDataMeters.TagKey.PRIORITY.asString();

	private static final String KIND = TaskLocalDataMeters.TagKey.KIND.asString();

	private static final String REASON = TaskLocalDataMeters.TagKey.REASON.asString();

	/** Tag value of tenants beyond the cardinality limit, and of retired ones. */
	public static final String OTHER = Tenant.OTHER.name();

	private static final Log logger = LogFactory.getLog(TaskLocalDataMetrics.class);

	private final TaskLocalDataRuntime runtime;

	private final @Nullable TaskLocalDataContext context;

	private final Duration refreshInterval;

	private final Map<String, Bucket> buckets = new HashMap<>();

	/** Per priority, the final totals of the series that ended: not in other's meters. */
	private final Map<Integer, Usage> ended = new HashMap<>();

	private @Nullable MeterRegistry registry;

	private @Nullable ScheduledExecutorService scheduler;

	private final List<Series> perTenant;

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
		this.perTenant = seriesFor(runtime.figures(), runtime.countsSyscalls());
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		this.registry = registry;
		TaskLocalDataRuntime r = this.runtime;
		gauge(registry, TaskLocalDataMeters.THREADS_REGISTERED, r,
				(x) -> (x.taskLocalData() != null) ? x.taskLocalData().registeredThreads() : 0);
		gauge(registry, TaskLocalDataMeters.TENANTS_ACTIVE, r, (x) -> x.tenants().size());
		counter(registry, TaskLocalDataMeters.TENANTS_OVERFLOWED, Tags.empty(), r, (x) -> x.tenants().overflowed());
		TaskLocalDataContext c = this.context;
		if (c != null) {
			counter(registry, TaskLocalDataMeters.TENANTS_REJECTED, Tags.empty(), c,
					TaskLocalDataContext::rejectedTenants);
		}
		counter(registry, TaskLocalDataMeters.EVENTS_DROPPED, Tags.of(REASON, "stats-full"), r,
				(x) -> x.counters().statsDropped());
		counter(registry, TaskLocalDataMeters.EVENTS_DROPPED, Tags.of(REASON, "read-busy"), r,
				(x) -> x.counters().readBusy());
		counter(registry, TaskLocalDataMeters.CPU_UNSPLIT, Tags.empty(), r, (x) -> x.counters().unsplitNanos() / 1e9);
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
	 * Read the BPF maps now and update (or create) the meters. The series of a retired
	 * tenant end where they stand (the registry drops them; a scraper keeps their last
	 * value). Its totals are in {@code other}'s in the endpoint, but not in
	 * {@code other}'s meters, which leave the history of ended series out: a retirement
	 * never makes a counter jump by what it had counted already, so {@code rate()} and
	 * {@code increase()} count every charge once.
	 */
	public synchronized void refresh() {
		MeterRegistry registry = this.registry;
		if (registry == null) {
			return;
		}
		List<TenantStats> stats = this.runtime.readStats();
		Set<String> seen = new HashSet<>();
		for (TenantStats s : stats) {
			seen.add(s.tenant() + '\0' + s.priority());
		}
		for (Map.Entry<String, Bucket> e : new ArrayList<>(this.buckets.entrySet())) {
			if (!seen.contains(e.getKey())) {
				Bucket ended = this.buckets.remove(e.getKey());
				ended.remove(registry);
				if (!ended.tenant.equals(Tenant.OTHER.name())) {
					this.ended.merge(ended.priority, ended.usage, Usage::plus);
				}
			}
		}
		for (TenantStats s : stats) {
			Usage u = s.usage();
			if (s.tenant().equals(Tenant.OTHER.name())) {
				Usage history = this.ended.get(s.priority());
				if (history != null) {
					u = u.minus(history);
				}
			}
			this.buckets
				.computeIfAbsent(s.tenant() + '\0' + s.priority(),
						(k) -> new Bucket(registry, this.perTenant, s.tenant(), s.priority()))
				.update(u);
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

	private static <T> void gauge(MeterRegistry registry, TaskLocalDataMeters meter, T obj, ToDoubleFunction<T> f) {
		Gauge.builder(meter.getName(), obj, f)
			.description(meter.description())
			.baseUnit(meter.getBaseUnit())
			.register(registry);
	}

	private static <T> Meter counter(MeterRegistry registry, TaskLocalDataMeters meter, Tags tags, T obj,
			ToDoubleFunction<T> f) {
		return FunctionCounter.builder(meter.getName(), obj, f)
			.tags(tags)
			.description(meter.description())
			.baseUnit(meter.getBaseUnit())
			.register(registry);
	}

	/**
	 * The per-tenant series this runtime measures: those of the figures the kernel has,
	 * and system calls if counted.
	 */
	private static List<Series> seriesFor(Figures f, boolean syscalls) {
		List<Series> all = new ArrayList<>();
		if (f.cpu()) {
			all.add(new Series(TaskLocalDataMeters.CPU_TIME, Tags.empty(), Usage::cpuNanos, 1e-9));
		}
		if (f.runQueue()) {
			all.add(new Series(TaskLocalDataMeters.RUNQUEUE_WAIT, Tags.empty(), Usage::runQueueNanos, 1e-9));
			all.add(new Series(TaskLocalDataMeters.BLOCKED_TIME, Tags.empty(), Usage::blockedNanos, 1e-9));
		}
		if (f.switches()) {
			all.add(new Series(TaskLocalDataMeters.CONTEXT_SWITCHES, Tags.of(KIND, "voluntary"),
					Usage::voluntarySwitches, 1));
			all.add(new Series(TaskLocalDataMeters.CONTEXT_SWITCHES, Tags.of(KIND, "involuntary"),
					Usage::involuntarySwitches, 1));
		}
		if (f.io()) {
			all.add(new Series(TaskLocalDataMeters.IO_READ, Tags.empty(), Usage::readBytes, 1));
			all.add(new Series(TaskLocalDataMeters.IO_WRITE, Tags.empty(), Usage::writtenBytes, 1));
			all.add(new Series(TaskLocalDataMeters.IO_OPERATIONS, Tags.of(KIND, "read"), Usage::readCalls, 1));
			all.add(new Series(TaskLocalDataMeters.IO_OPERATIONS, Tags.of(KIND, "write"), Usage::writeCalls, 1));
		}
		if (f.storage()) {
			all.add(new Series(TaskLocalDataMeters.STORAGE_READ, Tags.empty(), Usage::storageReadBytes, 1));
			all.add(new Series(TaskLocalDataMeters.STORAGE_WRITE, Tags.empty(), Usage::storageWrittenBytes, 1));
		}
		if (f.faults()) {
			all.add(new Series(TaskLocalDataMeters.PAGE_FAULTS, Tags.of(KIND, "minor"), Usage::minorFaults, 1));
			all.add(new Series(TaskLocalDataMeters.PAGE_FAULTS, Tags.of(KIND, "major"), Usage::majorFaults, 1));
		}
		if (syscalls) {
			all.add(new Series(TaskLocalDataMeters.SYSCALLS, Tags.empty(), Usage::syscalls, 1));
		}
		return List.copyOf(all);
	}

	/** One per-tenant meter: which figure of {@link Usage}, in which unit. */
	private record Series(TaskLocalDataMeters meter, Tags tags, ToLongFunction<Usage> figure, double scale) {

	}

	/** One (tenant, priority): its meters and the totals they read. */
	private static final class Bucket {

		/** What BPF measured so far; totals only grow. */
		private volatile Usage usage = Usage.NONE;

		private final List<Meter> meters = new ArrayList<>();

		private final String tenant;

		private final int priority;

		Bucket(MeterRegistry registry, List<Series> series, String tenant, int priority) {
			this.tenant = tenant;
			this.priority = priority;
			Tags tags = Tags.of(TENANT, tenant, PRIORITY, String.valueOf(priority));
			for (Series s : series) {
				this.meters.add(counter(registry, s.meter(), tags.and(s.tags()), this,
						(b) -> s.figure().applyAsLong(b.usage) * s.scale()));
			}
		}

		/**
		 * Take new totals; a counter never goes back, even if a read raced a retirement.
		 */
		void update(Usage u) {
			Usage old = this.usage;
			this.usage = new Usage(Math.max(old.cpuNanos(), u.cpuNanos()),
					Math.max(old.runQueueNanos(), u.runQueueNanos()), Math.max(old.blockedNanos(), u.blockedNanos()),
					Math.max(old.voluntarySwitches(), u.voluntarySwitches()),
					Math.max(old.involuntarySwitches(), u.involuntarySwitches()),
					Math.max(old.readBytes(), u.readBytes()), Math.max(old.writtenBytes(), u.writtenBytes()),
					Math.max(old.readCalls(), u.readCalls()), Math.max(old.writeCalls(), u.writeCalls()),
					Math.max(old.storageReadBytes(), u.storageReadBytes()),
					Math.max(old.storageWrittenBytes(), u.storageWrittenBytes()),
					Math.max(old.minorFaults(), u.minorFaults()), Math.max(old.majorFaults(), u.majorFaults()),
					Math.max(old.syscalls(), u.syscalls()));
		}

		void remove(MeterRegistry registry) {
			for (Meter m : this.meters) {
				registry.remove(m);
			}
		}

	}

}
