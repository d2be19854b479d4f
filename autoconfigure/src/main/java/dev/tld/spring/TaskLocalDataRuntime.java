// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.BpfMap;
import dev.tld.core.KernelSupport;
import dev.tld.core.PinPath;
import dev.tld.core.PinRefusedException;
import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.Tenant;
import dev.tld.core.TenantTable;
import dev.tld.core.TldKey;
import dev.tld.core.TldThread;
import dev.tld.core.trace.Accounting;
import dev.tld.core.trace.Counters;
import dev.tld.core.trace.Figures;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.core.trace.Tracer;

/**
 * The starter's state: the {@link TaskLocalData} with its custom keys, the tenant table
 * that bounds how many tenants BPF accounts apart, the loaded tracing programs and what
 * they measure. Whether BPF could be used, and if not why, is in {@link #state()} and
 * {@link #reason()}; the rest of the starter (request registration, meters, endpoint,
 * health) reads it from here.
 * <p>
 * Two maps: the tracing programs read a data map of the service's own, never pinned, so
 * they account this service's threads only and no other process can write what they read.
 * Every thread also registers with the shared map pinned at {@code tld.pin-path}, for
 * outside tools; the pin is checked ({@link PinPath}) and refused, with the reason in
 * {@link #sharedMap()}, if another user could have planted or reached it. A refused
 * shared map never stops the service's own accounting.
 */
public final class TaskLocalDataRuntime implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(TaskLocalDataRuntime.class);

	/** Whether task local data reaches BPF. */
	public enum State {

		/** The data map is attached and the programs loaded. */
		ACTIVE,
		/** The host cannot run it (kernel, privileges, BTF, libbpf); see the reason. */
		UNAVAILABLE,
		/** The host looked able, but loading or attaching failed; see the reason. */
		FAILED

	}

	/**
	 * The shared map pinned at {@code tld.pin-path}, for outside tools.
	 *
	 * @param pinPath where it is pinned, empty for none
	 * @param status what became of it
	 * @param reason why it is not attached, or null
	 */
	public record SharedMap(String pinPath, Status status, @Nullable String reason) {

		/** What became of the shared map. */
		public enum Status {

			/** Every thread registers with it. */
			ATTACHED,
			/**
			 * The pin path, or what is on disk there, would let another user plant or
			 * reach the map: nothing was pinned or attached.
			 */
			REFUSED,
			/** The pin was safe, but creating, reusing or attaching the map failed. */
			FAILED,
			/** No pin path is configured, or task local data is not active. */
			NONE

		}

		static SharedMap none(String pinPath) {
			return new SharedMap(pinPath, Status.NONE, null);
		}

	}

	private final State state;

	private final @Nullable String reason;

	private final KernelSupport.Report support;

	private final TaskLocalDataSettings settings;

	private final TenantTable tenants;

	private final @Nullable TaskLocalData tld;

	private final Map<String, TldKey> keys;

	private final @Nullable Tracer tracer;

	private final @Nullable Accounting accounting;

	private final Figures figures;

	private final SharedMap sharedMap;

	private volatile @Nullable ScheduledExecutorService retirement;

	private TaskLocalDataRuntime(State state, @Nullable String reason, KernelSupport.Report support,
			TaskLocalDataSettings settings, TenantTable tenants, @Nullable TaskLocalData tld, Map<String, TldKey> keys,
			@Nullable Tracer tracer, SharedMap sharedMap) {
		this.state = state;
		this.reason = reason;
		this.support = support;
		this.settings = settings;
		this.tenants = tenants;
		this.tld = tld;
		this.keys = keys;
		this.tracer = tracer;
		this.accounting = (tracer != null) ? new Accounting(tracer, tenants) : null;
		this.figures = (tracer != null && settings.tracing()) ? tracer.figures() : Figures.NONE;
		this.sharedMap = sharedMap;
	}

	/**
	 * Start: define the custom keys, load the tracing programs with a data map of their
	 * own, attach the programs, then check the pin path and create or reuse the shared
	 * map there. Never throws for a host that cannot run BPF unless
	 * {@link TaskLocalDataSettings#failFast()} is set; the state says what happened. A
	 * refused or failed shared map is not a failure of the runtime (the service accounts
	 * on its own map), whatever fail-fast says: {@link #sharedMap()} says why.
	 * @param settings what to start
	 * @param support what the host offers
	 * @return the runtime
	 * @throws TaskLocalDataUnavailableException if BPF is unusable and fail-fast is set
	 */
	public static TaskLocalDataRuntime start(TaskLocalDataSettings settings, KernelSupport.Report support) {
		String pin = settings.pinPath();
		TenantTable tenants = new TenantTable(settings.tenants().max(),
				() -> logger.warn("Task local data: more than " + settings.tenants().max()
						+ " tenants are in use at once; the others are accounted as tenant 'other' until idle tenants"
						+ " are retired (after " + settings.tenants().idleTimeout() + " unused; see tld.tenants.*)."
						+ " Said once."));
		if (!support.available()) {
			return unusable(State.UNAVAILABLE, support.reason(), support, settings, tenants, null);
		}
		if (settings.virtualThreads()) {
			return unusable(State.UNAVAILABLE, "spring.threads.virtual.enabled=true: requests run on virtual threads, "
					+ "whose data would belong to whichever carrier thread runs them at the moment; task local data "
					+ "is per OS thread, so nothing is published rather than something wrong", support, settings,
					tenants, null);
		}
		TaskLocalData tld = null;
		Tracer tracer = null;
		Map<String, TldKey> keys;
		try {
			tld = TaskLocalData.create(settings.maintenanceInterval());
			keys = defineKeys(tld, settings);
			tracer = Tracer.load(settings.classLoader());
			// Our programs read the tracer's map, the service's own: whatever happens to
			// the shared pin, they account this service and nothing else.
			tld.attach(tracer.dataMap());
			tracer.attachDump();
			if (settings.tracing()) {
				tracer.attachAccounting(settings.syscalls());
			}
		}
		catch (RuntimeException ex) {
			// The instance first: it unregisters its threads from the tracer's map.
			if (tld != null) {
				tld.close();
			}
			if (tracer != null) {
				tracer.close();
			}
			return unusable(State.FAILED, String.valueOf(ex.getMessage()), support, settings, tenants, ex);
		}
		SharedMap shared = attachShared(tld, pin);
		logger.info("Task local data active: own data map " + tracer.dataMap() + ", programs "
				+ tracer.attachedPrograms() + ", shared map " + describe(shared));
		TaskLocalDataRuntime runtime = new TaskLocalDataRuntime(State.ACTIVE, null, support, settings, tenants, tld,
				keys, tracer, shared);
		runtime.startRetirement();
		return runtime;
	}

	/**
	 * Check the pin path, create or reuse the shared map there and register every thread
	 * with it; a tool that restarts and pins a fresh map there gets every thread
	 * registered too (maintenance follows the pin). Never throws: what went wrong is in
	 * the result, and nothing this created is left behind.
	 */
	private static SharedMap attachShared(TaskLocalData tld, String pin) {
		if (pin.isEmpty()) {
			return SharedMap.none(pin);
		}
		PinPath path = null;
		try {
			path = PinPath.of(pin);
			path.prepare();
			path.ensureMap();
			tld.attachPinned(path.path());
			return new SharedMap(pin, SharedMap.Status.ATTACHED, null);
		}
		catch (PinRefusedException ex) {
			String left = (path != null) ? path.discard() : null;
			return refusedShared(SharedMap.Status.REFUSED, ex.getMessage() + leftBehind(left), pin);
		}
		catch (RuntimeException ex) {
			String left = (path != null) ? path.discard() : null;
			return refusedShared(SharedMap.Status.FAILED,
					"cannot use the shared map pinned at " + pin + ": " + ex.getMessage() + leftBehind(left), pin);
		}
	}

	private static SharedMap refusedShared(SharedMap.Status status, String reason, String pin) {
		logger.warn("Task local data: no shared map (" + status + "): " + reason + ". This service's own accounting"
				+ " runs on a map of its own; outside tools reading " + pin + " do not see its threads.");
		return new SharedMap(pin, status, reason);
	}

	private static String leftBehind(@Nullable String left) {
		return (left != null) ? " (and " + left + ")" : "";
	}

	private static String describe(SharedMap shared) {
		return switch (shared.status()) {
			case ATTACHED -> "pinned at " + shared.pinPath();
			case NONE -> "none (tld.pin-path is empty)";
			default -> shared.status() + ": " + shared.reason();
		};
	}

	private static TaskLocalDataRuntime unusable(State state, String reason, KernelSupport.Report support,
			TaskLocalDataSettings settings, TenantTable tenants, @Nullable Throwable cause) {
		if (settings.failFast()) {
			throw new TaskLocalDataUnavailableException(reason, cause);
		}
		logger.warn("Task local data is not published to BPF (" + state + "): " + reason
				+ ". The application runs without it; set tld.fail-fast=true to refuse to start instead.");
		// Without BPF, requests are still tracked in Java (current(), wrap()), but
		// nothing is mapped or registered.
		return new TaskLocalDataRuntime(state, reason, support, settings, tenants, null, Map.of(), null,
				SharedMap.none(settings.pinPath()));
	}

	private static Map<String, TldKey> defineKeys(TaskLocalData tld, TaskLocalDataSettings settings) {
		Map<String, TldKey> keys = new LinkedHashMap<>();
		for (KeyDefinition k : settings.customKeys()) {
			keys.put(k.name(), tld.defineKey(k.name(), k.size()));
		}
		return Collections.unmodifiableMap(keys);
	}

	/**
	 * Retire idle tenants a few times per idle timeout, on a daemon thread of its own.
	 */
	private void startRetirement() {
		ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor((r) -> {
			Thread t = new Thread(r, "tld-tenants");
			t.setDaemon(true);
			return t;
		});
		long period = Math.max(100, this.settings.tenants().idleTimeout().toMillis() / 4);
		s.scheduleWithFixedDelay(this::retireIdleTenantsQuietly, period, period, TimeUnit.MILLISECONDS);
		this.retirement = s;
	}

	private void retireIdleTenantsQuietly() {
		try {
			retireIdleTenants();
		}
		catch (RuntimeException ex) {
			logger.debug("Retiring idle tenants failed", ex);
		}
	}

	/**
	 * Retire the tenants nobody served for {@code tld.tenants.idle-timeout}: their ids
	 * go, and so do their series; what BPF measured for them is kept under {@code other}.
	 * Runs periodically; safe to call at any time.
	 * @return the tenants retired
	 */
	public List<Tenant> retireIdleTenants() {
		Set<Tenant> serving = servingTenants();
		Duration idle = this.settings.tenants().idleTimeout();
		Accounting accounting = this.accounting;
		return (accounting != null) ? accounting.retireIdle(idle, serving) : this.tenants.retireIdle(idle, serving);
	}

	/**
	 * The tenants the threads publish right now (Java's copy: good enough to keep ids).
	 */
	private Set<Tenant> servingTenants() {
		TaskLocalData tld = this.tld;
		if (tld == null) {
			return Set.of();
		}
		return tld.threads()
			.stream()
			.map(TldThread::published)
			.filter((r) -> r != null)
			.map(RequestRecord::tenant)
			.collect(Collectors.toSet());
	}

	/**
	 * Whether BPF sees what threads publish.
	 * @return the state
	 */
	public State state() {
		return this.state;
	}

	/**
	 * Why the state is not {@link State#ACTIVE}.
	 * @return the reason, or null when active
	 */
	public @Nullable String reason() {
		return this.reason;
	}

	/**
	 * What the host offers.
	 * @return the probe's report
	 */
	public KernelSupport.Report support() {
		return this.support;
	}

	/**
	 * What the runtime was started with.
	 * @return the settings
	 */
	public TaskLocalDataSettings settings() {
		return this.settings;
	}

	/**
	 * The configured pin path of the shared map.
	 * @return the path, empty for none
	 */
	public String pinPath() {
		return this.settings.pinPath();
	}

	/**
	 * The tenants with an id of their own, at most {@code tld.tenants.max}.
	 * @return the table
	 */
	public TenantTable tenants() {
		return this.tenants;
	}

	/**
	 * The task local data, or null when not {@link State#ACTIVE}.
	 * @return the instance or null
	 */
	public @Nullable TaskLocalData taskLocalData() {
		return this.tld;
	}

	/**
	 * The custom keys, by name.
	 * @return the keys; empty when not active
	 */
	public Map<String, TldKey> keys() {
		return this.keys;
	}

	/**
	 * The BPF programs attached.
	 * @return program names
	 */
	public List<String> attachedPrograms() {
		Tracer tracer = this.tracer;
		return (tracer != null) ? tracer.attachedPrograms() : List.of();
	}

	/**
	 * Which figures the accounting measures on this kernel: each needs fields of
	 * {@code task_struct} that a kernel may lack; the others do not depend on it.
	 * @return the figures; {@link Figures#NONE} when not active or not tracing
	 */
	public Figures figures() {
		return this.figures;
	}

	/**
	 * Whether system calls are counted per tenant ({@code tld.tracing.syscalls}).
	 * @return true if the {@code sys_enter} program is attached
	 */
	public boolean countsSyscalls() {
		return attachedPrograms().contains(Tracer.SYSCALL_PROGRAM);
	}

	/**
	 * The id of the service's own data map, the one its programs read.
	 * @return the map id, or 0 when not active
	 */
	public int dataMapId() {
		TaskLocalData tld = this.tld;
		if (tld == null) {
			return 0;
		}
		List<BpfMap> maps = tld.maps();
		return maps.isEmpty() ? 0 : maps.get(0).id();
	}

	/**
	 * The shared map for outside tools: attached, refused or failed, and why.
	 * @return what became of it
	 */
	public SharedMap sharedMap() {
		return this.sharedMap;
	}

	/**
	 * The id of the map pinned at {@code tld.pin-path} that threads register with now (a
	 * tool that pinned a fresh map there is followed).
	 * @return the map id, or 0 if none is attached
	 */
	public int sharedMapId() {
		TaskLocalData tld = this.tld;
		if (tld == null || this.sharedMap.status() != SharedMap.Status.ATTACHED) {
			return 0;
		}
		int own = dataMapId();
		for (BpfMap m : tld.maps()) {
			if (m.id() != own) {
				return m.id();
			}
		}
		return 0;
	}

	/**
	 * What BPF currently reads for every thread of this process that has task local data,
	 * read back through the {@code iter/task} program (not from Java's copy), from the
	 * service's own map: the kernel visits this process's threads only, and ids are those
	 * of its pid namespace.
	 * @return one record per thread; empty when not active
	 */
	public List<ThreadRecord> readThreads() {
		Tracer tracer = this.tracer;
		return (tracer != null) ? tracer.readThreads() : List.of();
	}

	/**
	 * The per (tenant, priority) totals the tracing programs accumulated, summed over
	 * CPUs, by tenant name, the most CPU time first. Tenants beyond the table and retired
	 * ones are under {@code other}: the sum over every entry is what BPF measured.
	 * @return the totals; empty when not active
	 */
	public List<TenantStats> readStats() {
		Accounting accounting = this.accounting;
		return (accounting != null) ? accounting.snapshot() : List.of();
	}

	/**
	 * Events the programs could not account (a full statistics map, reads that gave up)
	 * and how much CPU time they charged by approximation.
	 * @return the counters; zero when not active
	 */
	public Counters counters() {
		Accounting accounting = this.accounting;
		return (accounting != null) ? accounting.counters() : new Counters(0, 0, 0);
	}

	/**
	 * Unregister the threads, then detach the programs and free what was loaded: in that
	 * order, so that no element is deleted through a closed map.
	 */
	@Override
	public void close() {
		ScheduledExecutorService retirement = this.retirement;
		if (retirement != null) {
			retirement.shutdownNow();
		}
		TaskLocalData tld = this.tld;
		if (tld != null) {
			tld.close();
		}
		Tracer tracer = this.tracer;
		if (tracer != null) {
			tracer.close();
		}
	}

}
