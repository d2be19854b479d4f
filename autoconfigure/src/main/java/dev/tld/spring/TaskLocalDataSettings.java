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
 * @param pinPath where the data map is pinned in bpffs, reused if a compatible map is
 * pinned there; empty for an unpinned map private to the process
 * @param maintenanceInterval how often dead threads are released and the pin re-checked
 * @param tracing whether to attach the tracing programs (sched_switch, sys_enter)
 * @param failFast whether {@link TaskLocalDataRuntime#start} throws
 * {@link TaskLocalDataUnavailableException} when BPF cannot be used, instead of returning
 * a runtime that says why
 * @param customKeys the application's keys, defined after the starter's
 * ({@link TaskLocalDataSchema#KEYS})
 * @param classLoader the class loader that holds the {@code tld-bpf} jar
 * @param virtualThreads whether requests run on virtual threads: then nothing is
 * published, since task local data is per OS thread
 */
public record TaskLocalDataSettings(String pinPath, Duration maintenanceInterval, boolean tracing, boolean failFast,
		List<KeyDefinition> customKeys, ClassLoader classLoader, boolean virtualThreads) {

	/** Where the data map is pinned by default. */
	public static final String DEFAULT_PIN_PATH = "/sys/fs/bpf/tld/tld_data_map";

	/**
	 * Check the components.
	 * @param pinPath the pin path, empty for none
	 * @param maintenanceInterval a positive interval
	 * @param tracing whether to trace
	 * @param failFast whether to fail fast
	 * @param customKeys the custom keys
	 * @param classLoader the class loader
	 * @param virtualThreads whether requests run on virtual threads
	 * @throws IllegalArgumentException if the interval is not positive or the custom keys
	 * do not fit ({@link TaskLocalDataSchema#checkCustomKeys(List)})
	 */
	public TaskLocalDataSettings {
		Objects.requireNonNull(pinPath, "pinPath");
		Objects.requireNonNull(classLoader, "classLoader");
		if (maintenanceInterval.isNegative() || maintenanceInterval.isZero()) {
			throw new IllegalArgumentException("maintenance interval must be positive: " + maintenanceInterval);
		}
		customKeys = List.copyOf(customKeys);
		TaskLocalDataSchema.checkCustomKeys(customKeys);
	}

	/**
	 * A builder starting from the defaults: pinned at {@value #DEFAULT_PIN_PATH},
	 * maintained every {@link TaskLocalData#DEFAULT_MAINTENANCE_INTERVAL}, tracing, not
	 * failing fast, no custom keys, this class's class loader, platform threads.
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

		private boolean failFast;

		private final List<KeyDefinition> customKeys = new ArrayList<>();

		private ClassLoader classLoader = TaskLocalDataSettings.class.getClassLoader();

		private boolean virtualThreads;

		private Builder() {
		}

		/**
		 * Where to pin the data map.
		 * @param pinPath an absolute path in bpffs, or empty for an unpinned map
		 * @return this builder
		 */
		public Builder pinPath(String pinPath) {
			this.pinPath = pinPath;
			return this;
		}

		/**
		 * How often to release dead threads and re-check the pin.
		 * @param maintenanceInterval a positive interval
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
			return new TaskLocalDataSettings(this.pinPath, this.maintenanceInterval, this.tracing, this.failFast,
					this.customKeys, this.classLoader, this.virtualThreads);
		}

	}

}
