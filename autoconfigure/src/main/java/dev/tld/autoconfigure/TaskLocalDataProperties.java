// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import dev.tld.core.TldLayout;
import dev.tld.spring.KeyDefinition;
import dev.tld.spring.KeyType;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataSchema;

/**
 * Configuration of task local data, under the {@code tld} prefix. Validated once bound:
 * an invalid value fails startup with a message naming the property.
 */
@ConfigurationProperties("tld")
public class TaskLocalDataProperties implements InitializingBean {

	private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

	/**
	 * Whether to publish task local data at all.
	 */
	private boolean enabled = true;

	/**
	 * Whether to fail startup when BPF cannot be used (old kernel, no privileges, no BTF,
	 * no libbpf). When false, the application starts and the health indicator and the
	 * endpoint say why task local data is unavailable.
	 */
	private boolean failFast = false;

	/**
	 * Where the shared tld_data_map is pinned in bpffs; reused if a compatible map is
	 * pinned there, created and pinned otherwise. Empty for an unpinned map private to
	 * this process.
	 */
	private String pinPath = "/sys/fs/bpf/tld/tld_data_map";

	/**
	 * How often dead threads are released and the pin is re-checked for a replaced map.
	 */
	private Duration maintenanceInterval = Duration.ofSeconds(1);

	/**
	 * Tenant published for requests that carry no tenant header (at most 31 bytes of
	 * UTF-8). Empty for none: such requests are then not attributed to any tenant.
	 */
	private String defaultTenant = "unknown";

	/**
	 * Priority published for requests without a valid priority header.
	 */
	private int defaultPriority = 0;

	private final Headers headers = new Headers();

	/**
	 * Application-defined keys, published next to tenant, priority and request id and
	 * written through {@link TaskLocalDataContext#put(String, long)} and friends.
	 */
	private List<CustomKey> customKeys = new ArrayList<>();

	private final Tracing tracing = new Tracing();

	private final Metrics metrics = new Metrics();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isFailFast() {
		return this.failFast;
	}

	public void setFailFast(boolean failFast) {
		this.failFast = failFast;
	}

	public String getPinPath() {
		return this.pinPath;
	}

	public void setPinPath(@Nullable String pinPath) {
		this.pinPath = (pinPath != null) ? pinPath.trim() : "";
	}

	public Duration getMaintenanceInterval() {
		return this.maintenanceInterval;
	}

	public void setMaintenanceInterval(Duration maintenanceInterval) {
		this.maintenanceInterval = maintenanceInterval;
	}

	public String getDefaultTenant() {
		return this.defaultTenant;
	}

	public void setDefaultTenant(@Nullable String defaultTenant) {
		this.defaultTenant = (defaultTenant != null) ? defaultTenant : "";
	}

	public int getDefaultPriority() {
		return this.defaultPriority;
	}

	public void setDefaultPriority(int defaultPriority) {
		this.defaultPriority = defaultPriority;
	}

	public Headers getHeaders() {
		return this.headers;
	}

	public List<CustomKey> getCustomKeys() {
		return this.customKeys;
	}

	public void setCustomKeys(List<CustomKey> customKeys) {
		this.customKeys = customKeys;
	}

	public Tracing getTracing() {
		return this.tracing;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	/**
	 * Validate every property; a bad value fails startup with an error naming the
	 * property.
	 * @throws InvalidConfigurationPropertyValueException naming the offending property
	 */
	@Override
	public void afterPropertiesSet() {
		if (!this.pinPath.isEmpty()
				&& (!this.pinPath.startsWith("/") || this.pinPath.endsWith("/") || this.pinPath.contains("/../"))) {
			invalid("tld.pin-path", this.pinPath, "must be an absolute file path in bpffs, or empty for no pin");
		}
		positive("tld.maintenance-interval", this.maintenanceInterval);
		if (this.defaultTenant.getBytes(StandardCharsets.UTF_8).length > TaskLocalDataSchema.MAX_TENANT_BYTES) {
			invalid("tld.default-tenant", this.defaultTenant,
					"must be at most " + TaskLocalDataSchema.MAX_TENANT_BYTES + " bytes of UTF-8");
		}
		headerName("tld.headers.tenant", this.headers.tenant);
		headerName("tld.headers.priority", this.headers.priority);
		headerName("tld.headers.request-id", this.headers.requestId);
		positive("tld.metrics.refresh-interval", this.metrics.refreshInterval);
		if (this.metrics.maxTenants < 1 || this.metrics.maxTenants > 10_000) {
			invalid("tld.metrics.max-tenants", this.metrics.maxTenants, "must be between 1 and 10000");
		}
		validateCustomKeys();
	}

	/**
	 * The checks of {@link KeyDefinition} and
	 * {@link TaskLocalDataSchema#checkCustomKeys}, each failure naming the property at
	 * fault.
	 */
	private void validateCustomKeys() {
		if (this.customKeys.size() > TaskLocalDataSchema.MAX_CUSTOM_KEYS) {
			invalid("tld.custom-keys", this.customKeys.size() + " keys",
					"at most " + TaskLocalDataSchema.MAX_CUSTOM_KEYS + " custom keys fit next to the starter's "
							+ TaskLocalDataSchema.KEYS.size() + " (" + TldLayout.MAX_KEYS + " in all)");
		}
		Set<String> names = new HashSet<>();
		int used = TaskLocalDataSchema.KEYS_BYTES;
		for (int i = 0; i < this.customKeys.size(); i++) {
			CustomKey k = this.customKeys.get(i);
			String prefix = "tld.custom-keys[" + i + "]";
			String name = k.name;
			if (name == null) {
				invalid(prefix + ".name", null, "every custom key needs a name");
				return;
			}
			try {
				KeyDefinition.checkName(name);
			}
			catch (IllegalArgumentException ex) {
				invalid(prefix + ".name", name, ex.getMessage());
			}
			if (TaskLocalDataSchema.isReserved(name)) {
				invalid(prefix + ".name", name, "the prefix '" + TaskLocalDataSchema.RESERVED_PREFIX
						+ "' is reserved for the starter's own keys");
			}
			if (!names.add(name)) {
				invalid(prefix + ".name", name, "another custom key has the same name");
			}
			int size = k.effectiveSize();
			try {
				KeyDefinition.checkSize(k.type, size);
			}
			catch (IllegalArgumentException ex) {
				invalid(prefix + ".size", size, ex.getMessage());
			}
			used += TldLayout.alignedKeySize(size);
			if (used > TldLayout.DATA_CAPACITY) {
				invalid(prefix + ".size", size,
						"the keys declared up to here, the starter's " + TaskLocalDataSchema.KEYS_BYTES
								+ " bytes included, need " + used + " bytes, more than the " + TldLayout.DATA_CAPACITY
								+ " of a thread's block");
			}
		}
	}

	/**
	 * The custom keys, as the runtime defines them.
	 * @return the definitions, in order
	 */
	List<KeyDefinition> customKeyDefinitions() {
		return this.customKeys.stream()
			.map((k) -> new KeyDefinition(Objects.requireNonNull(k.name, "validated"), k.type, k.effectiveSize()))
			.toList();
	}

	private static void positive(String name, @Nullable Duration d) {
		if (d == null || d.isNegative() || d.isZero()) {
			invalid(name, d, "must be a positive duration");
		}
	}

	private static void headerName(String name, @Nullable String value) {
		if (value == null || !HEADER_NAME.matcher(value).matches()) {
			invalid(name, value, "must be a valid HTTP header name");
		}
	}

	private static void invalid(String name, @Nullable Object value, @Nullable String reason) {
		throw new InvalidConfigurationPropertyValueException(name, value, reason);
	}

	/**
	 * Request headers the default resolver reads.
	 */
	public static class Headers {

		/**
		 * Header carrying the tenant.
		 */
		private String tenant = "X-Tenant";

		/**
		 * Header carrying the priority (an integer).
		 */
		private String priority = "X-Priority";

		/**
		 * Header carrying the request id; when absent, an id is generated.
		 */
		private String requestId = "X-Request-Id";

		public String getTenant() {
			return this.tenant;
		}

		public void setTenant(String tenant) {
			this.tenant = tenant;
		}

		public String getPriority() {
			return this.priority;
		}

		public void setPriority(String priority) {
			this.priority = priority;
		}

		public String getRequestId() {
			return this.requestId;
		}

		public void setRequestId(String requestId) {
			this.requestId = requestId;
		}

	}

	/**
	 * An application-defined key.
	 */
	public static class CustomKey {

		/**
		 * Key name as BPF programs look it up: 1 to 59 of [A-Za-z0-9_.:-]; the "tld."
		 * prefix is reserved.
		 */
		private @Nullable String name;

		/**
		 * Value type; decides how the value is encoded.
		 */
		private KeyType type = KeyType.STRING;

		/**
		 * Size in bytes; defaults to the type's natural size (8 for long, 4 for int, 32
		 * for string and bytes).
		 */
		private @Nullable Integer size;

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

		public KeyType getType() {
			return this.type;
		}

		public void setType(KeyType type) {
			this.type = type;
		}

		public @Nullable Integer getSize() {
			return this.size;
		}

		public void setSize(@Nullable Integer size) {
			this.size = size;
		}

		/** The size to define, after defaults. */
		int effectiveSize() {
			return (this.size != null) ? this.size : this.type.defaultSize();
		}

	}

	/**
	 * The BPF tracing programs that account CPU, syscalls, off-CPU time and preemptions
	 * per tenant.
	 */
	public static class Tracing {

		/**
		 * Whether to attach the tracing programs (sched_switch, sys_enter).
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Micrometer meters fed from the tracing programs' maps.
	 */
	public static class Metrics {

		/**
		 * Whether to register the tld.* meters.
		 */
		private boolean enabled = true;

		/**
		 * How often the meters are refreshed from the BPF maps.
		 */
		private Duration refreshInterval = Duration.ofSeconds(5);

		/**
		 * Most distinct tenants given their own tag value; later tenants are counted
		 * under tenant "other".
		 */
		private int maxTenants = 50;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getRefreshInterval() {
			return this.refreshInterval;
		}

		public void setRefreshInterval(Duration refreshInterval) {
			this.refreshInterval = refreshInterval;
		}

		public int getMaxTenants() {
			return this.maxTenants;
		}

		public void setMaxTenants(int maxTenants) {
			this.maxTenants = maxTenants;
		}

	}

}
