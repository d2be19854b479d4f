// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.tld.core.TaskLocalData;

/**
 * How to start a {@link TaskLocalDataRuntime}. The auto-configuration builds it from the
 * {@code tld.*} properties; {@link #builder()} starts from the same defaults.
 *
 * @param pinPath where the shared data map is pinned in bpffs for outside tools, reused
 * if a compatible map is pinned there; empty for none (the service's programs read a map
 * of its own either way). Checked at start by {@link dev.tld.core.PinPath}: a path
 * spelled wrong or unsafe on disk is refused, with the reason in
 * {@link TaskLocalDataRuntime#sharedMap()}
 * @param maintenanceInterval how often dead threads are released and the pin re-checked
 * @param tracing whether to attach the accounting program ({@code sched_switch})
 * @param syscalls whether tracing also counts system calls per tenant
 * ({@code sys_enter}), at a cost to every system call of every process on the host
 * @param failFast whether {@link TaskLocalDataRuntime#start} throws
 * {@link TaskLocalDataUnavailableException} when BPF cannot be used, instead of returning
 * a runtime that says why
 * @param customKeys the application's keys
 * @param classLoader the class loader that holds the {@code tld-bpf} jar
 * @param virtualThreads whether requests run on virtual threads: then nothing is
 * published, since task local data is per OS thread
 * @param tenants how many tenants get an id (and series) of their own, and when idle ones
 * are retired
 * @param priorities the range priorities are clamped to
 */
public record TaskLocalDataSettings(String pinPath, Duration maintenanceInterval, boolean tracing, boolean syscalls,
		boolean failFast, List<KeyDefinition> customKeys, ClassLoader classLoader, boolean virtualThreads,
		Tenants tenants, Priorities priorities) {

	/**
	 * The shortest interval accepted anywhere (maintenance, refreshes, idle timeout):
	 * shorter ones cost CPU for nothing.
	 */
	public static final Duration MIN_INTERVAL = Duration.ofMillis(10);

	/** Where the data map is pinned by default. */
	public static final String DEFAULT_PIN_PATH = "/sys/fs/bpf/tld/tld_data_map";

	/** Tenants with an id of their own unless configured otherwise. */
	public static final int DEFAULT_MAX_TENANTS = 100;

	/** How long a tenant must be unused to be retired, unless configured otherwise. */
	public static final Duration DEFAULT_TENANT_IDLE_TIMEOUT = Duration.ofSeconds(30);

	/** The lowest priority published unless configured otherwise. */
	public static final int DEFAULT_MIN_PRIORITY = 0;

	/** The highest priority published unless configured otherwise. */
	public static final int DEFAULT_MAX_PRIORITY = 9;

	/**
	 * The bound on tenants, where cardinality starts.
	 *
	 * @param max tenants with an id of their own at a time; the others are {@code other}
	 * @param idleTimeout how long nobody must have served a tenant for it to be retired
	 * (its id, its series), so that invented tenants cannot keep real ones out for good
	 */
	public record Tenants(int max, Duration idleTimeout) {

		/**
		 * Check the components.
		 * @param max at least 1
		 * @param idleTimeout at least {@link #MIN_INTERVAL}
		 * @throws IllegalArgumentException if one is out of range
		 */
		public Tenants {
			if (max < 1) {
				throw new IllegalArgumentException("at least 1 tenant, got " + max);
			}
			if (idleTimeout.compareTo(MIN_INTERVAL) < 0) {
				throw new IllegalArgumentException(
						"tenant idle timeout must be at least " + MIN_INTERVAL.toMillis() + "ms, got " + idleTimeout);
			}
		}

	}

	/**
	 * The range priorities are clamped to: a client cannot make more series than it
	 * holds.
	 *
	 * @param min the lowest priority published
	 * @param max the highest
	 */
	public record Priorities(int min, int max) {

		/**
		 * Check the components.
		 * @param min the lowest
		 * @param max the highest, not below {@code min}
		 * @throws IllegalArgumentException if {@code max < min}
		 */
		public Priorities {
			if (max < min) {
				throw new IllegalArgumentException("priority range [" + min + ", " + max + "] is empty");
			}
		}

		/**
		 * A priority in the range.
		 * @param priority any priority
		 * @return the nearest priority in [min, max]
		 */
		public int clamp(int priority) {
			return Math.max(this.min, Math.min(this.max, priority));
		}

	}

	/**
	 * Check the components.
	 * @param pinPath the pin path, empty for none
	 * @param maintenanceInterval at least {@link #MIN_INTERVAL}
	 * @param tracing whether to trace
	 * @param syscalls whether to count system calls
	 * @param failFast whether to fail fast
	 * @param customKeys the custom keys
	 * @param classLoader the class loader
	 * @param virtualThreads whether requests run on virtual threads
	 * @param tenants the bound on tenants
	 * @param priorities the priority range
	 * @throws IllegalArgumentException if the interval is below {@link #MIN_INTERVAL} or
	 * the custom keys do not fit ({@link TaskLocalDataSchema#checkCustomKeys(List)})
	 */
	public TaskLocalDataSettings {
		Objects.requireNonNull(pinPath, "pinPath");
		Objects.requireNonNull(classLoader, "classLoader");
		Objects.requireNonNull(tenants, "tenants");
		Objects.requireNonNull(priorities, "priorities");
		if (maintenanceInterval.compareTo(MIN_INTERVAL) < 0) {
			throw new IllegalArgumentException("maintenance interval must be at least " + MIN_INTERVAL.toMillis()
					+ "ms, got " + maintenanceInterval);
		}
		customKeys = List.copyOf(customKeys);
		TaskLocalDataSchema.checkCustomKeys(customKeys);
	}

	/**
	 * A builder starting from the defaults: pinned at {@value #DEFAULT_PIN_PATH},
	 * maintained every {@link TaskLocalData#DEFAULT_MAINTENANCE_INTERVAL}, tracing, not
	 * failing fast, no custom keys, this class's class loader, platform threads,
	 * {@value #DEFAULT_MAX_TENANTS} tenants retired after 30 s unused, priorities
	 * {@value #DEFAULT_MIN_PRIORITY} to {@value #DEFAULT_MAX_PRIORITY}.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Builds {@link TaskLocalDataSettings}.
	 */
	public static final class Builder {

		private String pinPath = DEFAULT_PIN_PATH;

		private Duration maintenanceInterval = TaskLocalData.DEFAULT_MAINTENANCE_INTERVAL;

		private boolean tracing = true;

		private boolean syscalls;

		private boolean failFast;

		private final List<KeyDefinition> customKeys = new ArrayList<>();

		private ClassLoader classLoader = TaskLocalDataSettings.class.getClassLoader();

		private boolean virtualThreads;

		private Tenants tenants = new Tenants(DEFAULT_MAX_TENANTS, DEFAULT_TENANT_IDLE_TIMEOUT);

		private Priorities priorities = new Priorities(DEFAULT_MIN_PRIORITY, DEFAULT_MAX_PRIORITY);

		private Builder() {
		}

		/**
		 * The bound on tenants.
		 * @param tenants the bound and the idle timeout
		 * @return this builder
		 */
		public Builder tenants(Tenants tenants) {
			this.tenants = tenants;
			return this;
		}

		/**
		 * The priority range.
		 * @param priorities the range
		 * @return this builder
		 */
		public Builder priorities(Priorities priorities) {
			this.priorities = priorities;
			return this;
		}

		/**
		 * Where to pin the shared data map.
		 * @param pinPath a pin in a directory of its own in bpffs, or empty for none
		 * @return this builder
		 */
		public Builder pinPath(String pinPath) {
			this.pinPath = pinPath;
			return this;
		}

		/**
		 * How often to release dead threads and re-check the pin.
		 * @param maintenanceInterval at least {@link #MIN_INTERVAL}
		 * @return this builder
		 */
		public Builder maintenanceInterval(Duration maintenanceInterval) {
			this.maintenanceInterval = maintenanceInterval;
			return this;
		}

		/**
		 * Whether to attach the tracing programs.
		 * @param tracing true to attach them
		 * @return this builder
		 */
		public Builder tracing(boolean tracing) {
			this.tracing = tracing;
			return this;
		}

		/**
		 * Whether tracing also counts system calls per tenant, through a
		 * {@code sys_enter} program: every system call of every process on the host then
		 * takes the tracing slow path (some 100 ns each, measured: bench/README.md).
		 * @param syscalls true to count them
		 * @return this builder
		 */
		public Builder syscalls(boolean syscalls) {
			this.syscalls = syscalls;
			return this;
		}

		/**
		 * Whether to throw when BPF cannot be used.
		 * @param failFast true to throw
		 * @return this builder
		 */
		public Builder failFast(boolean failFast) {
			this.failFast = failFast;
			return this;
		}

		/**
		 * Add custom keys, after those added before.
		 * @param keys the keys
		 * @return this builder
		 */
		public Builder customKeys(List<KeyDefinition> keys) {
			this.customKeys.addAll(keys);
			return this;
		}

		/**
		 * The class loader to read the BPF objects through.
		 * @param classLoader the loader that holds the {@code tld-bpf} jar
		 * @return this builder
		 */
		public Builder classLoader(ClassLoader classLoader) {
			this.classLoader = classLoader;
			return this;
		}

		/**
		 * Whether requests run on virtual threads.
		 * @param virtualThreads true if they do
		 * @return this builder
		 */
		public Builder virtualThreads(boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
			return this;
		}

		/**
		 * Build the settings.
		 * @return the settings
		 * @throws IllegalArgumentException if a value is not valid
		 */
		public TaskLocalDataSettings build() {
			return new TaskLocalDataSettings(this.pinPath, this.maintenanceInterval, this.tracing, this.syscalls,
					this.failFast, this.customKeys, this.classLoader, this.virtualThreads, this.tenants,
					this.priorities);
		}

	}

}
