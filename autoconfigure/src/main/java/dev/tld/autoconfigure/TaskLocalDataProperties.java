// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

import dev.tld.core.PinPath;
import dev.tld.core.TldLayout;
import dev.tld.spring.KeyDefinition;
import dev.tld.spring.KeyType;
import dev.tld.spring.RequestMetadataSource;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataSchema;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.spring.web.EndpointPriority;

/**
 * Configuration of task local data, under the {@code tld} prefix. Validated once bound:
 * an invalid value fails startup with a message naming the property.
 */
@ConfigurationProperties("tld")
public class TaskLocalDataProperties implements InitializingBean {

	private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

	/** Pairs BPF's statistics map holds ({@code TLD_STATS_MAX_ENTRIES}). */
	static final int STATS_ENTRIES = 4096;

	/** Most priorities a range may hold. */
	static final int MAX_PRIORITIES = 64;

	/** Most tenants with an id of their own. */
	static final int MAX_TENANTS = 10_000;

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
	 * Where the shared tld_data_map is pinned in bpffs, for outside tools; reused if a
	 * compatible map is pinned there, created and pinned otherwise. The pin needs a
	 * directory of its own, which the starter creates with mode 0700; an existing one
	 * must be owned by the service's uid with a mode no wider than 0700, and neither it
	 * nor the pin may be a symbolic link, or the shared map is refused (the service's own
	 * accounting, on a map of its own, runs anyway). Empty for no shared map.
	 */
	private String pinPath = "/sys/fs/bpf/tld/tld_data_map";

	/**
	 * How often dead threads are released, the pin is re-checked for a replaced map and
	 * the maps are audited for elements someone else deleted or replaced. At least 10ms.
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

	private final Tenants tenants = new Tenants();

	private final Priorities priorities = new Priorities();

	private final Tracing tracing = new Tracing();

	private final Metrics metrics = new Metrics();

	private final Scheduling scheduling = new Scheduling();

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

	public Tenants getTenants() {
		return this.tenants;
	}

	public Priorities getPriorities() {
		return this.priorities;
	}

	public Tracing getTracing() {
		return this.tracing;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Scheduling getScheduling() {
		return this.scheduling;
	}

	/**
	 * The tenants a header-based resolver accepts: {@code tld.tenants.allowed} and
	 * {@code tld.tenants.pattern}, both if both are set.
	 * @return the predicate
	 */
	public Predicate<String> acceptedTenants() {
		Set<String> allowed = Set.copyOf(this.tenants.getAllowed());
		String regex = this.tenants.getPattern();
		Pattern pattern = (regex != null) ? Pattern.compile(regex) : null;
		return (tenant) -> (allowed.isEmpty() || allowed.contains(tenant))
				&& (pattern == null || pattern.matcher(tenant).matches());
	}

	/**
	 * Validate every property; a bad value fails startup with an error naming the
	 * property.
	 * @throws InvalidConfigurationPropertyValueException naming the offending property
	 */
	@Override
	public void afterPropertiesSet() {
		String pinProblem = this.pinPath.isEmpty() ? null : PinPath.problem(this.pinPath);
		if (pinProblem != null) {
			invalid("tld.pin-path", this.pinPath, pinProblem
					+ "; it must name a pin in a directory of its own in bpffs, or be empty for no shared map");
		}
		atLeastMinimum("tld.maintenance-interval", this.maintenanceInterval);
		if (this.defaultTenant.getBytes(StandardCharsets.UTF_8).length > TaskLocalDataSchema.MAX_TENANT_BYTES) {
			invalid("tld.default-tenant", this.defaultTenant,
					"must be at most " + TaskLocalDataSchema.MAX_TENANT_BYTES + " bytes of UTF-8");
		}
		headerName("tld.headers.tenant", this.headers.tenant);
		headerName("tld.headers.priority", this.headers.priority);
		headerName("tld.headers.request-id", this.headers.requestId);
		atLeastMinimum("tld.metrics.refresh-interval", this.metrics.refreshInterval);
		if (this.metrics.maxTenants != null) {
			invalid("tld.metrics.max-tenants", this.metrics.maxTenants,
					"replaced by tld.tenants.max, which bounds tenants where they start (BPF's accounting, the"
							+ " endpoint and the meters alike)");
		}
		if (this.tenants.max < 1 || this.tenants.max > MAX_TENANTS) {
			invalid("tld.tenants.max", this.tenants.max, "must be between 1 and " + MAX_TENANTS
					+ " (BPF accounts at most " + STATS_ENTRIES + " (tenant, priority) pairs)");
		}
		atLeastMinimum("tld.tenants.idle-timeout", this.tenants.idleTimeout);
		if (this.tenants.pattern != null) {
			try {
				Pattern.compile(this.tenants.pattern);
			}
			catch (java.util.regex.PatternSyntaxException ex) {
				invalid("tld.tenants.pattern", this.tenants.pattern,
						"is not a regular expression: " + ex.getDescription());
			}
		}
		for (int i = 0; i < this.tenants.allowed.size(); i++) {
			String t = this.tenants.allowed.get(i);
			if (t == null || t.isBlank()) {
				invalid("tld.tenants.allowed[" + i + "]", t, "must not be empty");
			}
		}
		if (this.priorities.max < this.priorities.min) {
			invalid("tld.priorities.max", this.priorities.max,
					"must not be below tld.priorities.min (" + this.priorities.min + ")");
		}
		if ((long) this.priorities.max - this.priorities.min + 1 > MAX_PRIORITIES) {
			invalid("tld.priorities.max", this.priorities.max, "the range from tld.priorities.min holds more than "
					+ MAX_PRIORITIES + " priorities: each makes a series per tenant");
		}
		if (this.defaultPriority < this.priorities.min || this.defaultPriority > this.priorities.max) {
			invalid("tld.default-priority", this.defaultPriority, "must be within tld.priorities.min and max ("
					+ this.priorities.min + " to " + this.priorities.max + ")");
		}
		validateCustomKeys();
		validateSources();
	}

	/**
	 * Where tenant and priority come from: a claim or baggage source needs its field's
	 * name, a principal has no priority, every endpoint a valid pattern, known methods
	 * and a priority in range.
	 */
	private void validateSources() {
		sourceField("tld.tenants", this.tenants.source, this.tenants.claim, this.tenants.baggage);
		if (this.priorities.source == RequestMetadataSource.PRINCIPAL) {
			invalid("tld.priorities.source", "principal",
					"a principal has a name, not a priority: use header, claim or baggage");
		}
		sourceField("tld.priorities", this.priorities.source, this.priorities.claim, this.priorities.baggage);
		boolean web = ClassUtils.isPresent("org.springframework.web.util.pattern.PathPatternParser",
				getClass().getClassLoader());
		for (int i = 0; i < this.priorities.endpoints.size(); i++) {
			Endpoint e = this.priorities.endpoints.get(i);
			String prefix = "tld.priorities.endpoints[" + i + "]";
			if (e.pattern == null || e.pattern.isBlank()) {
				invalid(prefix + ".pattern", e.pattern, "every endpoint needs a path pattern");
			}
			if (e.priority == null) {
				invalid(prefix + ".priority", null, "every endpoint needs a priority");
			}
			else if (e.priority < this.priorities.min || e.priority > this.priorities.max) {
				invalid(prefix + ".priority", e.priority, "must be within tld.priorities.min and max ("
						+ this.priorities.min + " to " + this.priorities.max + ")");
			}
			if (web) {
				EndpointChecks.check(prefix, e);
			}
		}
	}

	private static void sourceField(String prefix, RequestMetadataSource source, @Nullable String claim,
			@Nullable String baggage) {
		if (source == RequestMetadataSource.CLAIM && (claim == null || claim.isBlank())) {
			invalid(prefix + ".claim", claim, prefix + ".source=claim needs the name of the claim to read");
		}
		if (source == RequestMetadataSource.BAGGAGE && (baggage == null || baggage.isBlank())) {
			invalid(prefix + ".baggage", baggage,
					prefix + ".source=baggage needs the name of the baggage field to read");
		}
	}

	/**
	 * The endpoints in the rules' own terms, once validated.
	 * @return the endpoints, in order
	 */
	public List<EndpointPriority> endpointPriorities() {
		return this.priorities.endpoints.stream()
			.map((e) -> EndpointPriority.of(Objects.requireNonNull(e.pattern, "validated"), e.methods,
					Objects.requireNonNull(e.priority, "validated")))
			.toList();
	}

	/** The checks that need Spring's web classes, loaded only where they are present. */
	private static final class EndpointChecks {

		static void check(String prefix, Endpoint e) {
			try {
				PathPatternParser.defaultInstance.parse(Objects.requireNonNull(e.pattern, "checked"));
			}
			catch (PatternParseException ex) {
				invalid(prefix + ".pattern", e.pattern, "is not a valid path pattern: " + ex.getMessage());
			}
			for (int m = 0; m < e.methods.size(); m++) {
				String method = e.methods.get(m);
				try {
					EndpointPriority.method((method != null) ? method : "");
				}
				catch (IllegalArgumentException ex) {
					invalid(prefix + ".methods[" + m + "]", method, ex.getMessage());
				}
			}
		}

	}

	/**
	 * The checks of {@link KeyDefinition} and
	 * {@link TaskLocalDataSchema#checkCustomKeys}, each failure naming the property at
	 * fault.
	 */
	private void validateCustomKeys() {
		if (this.customKeys.size() > TaskLocalDataSchema.MAX_CUSTOM_KEYS) {
			invalid("tld.custom-keys", this.customKeys.size() + " keys",
					"at most " + TaskLocalDataSchema.MAX_CUSTOM_KEYS + " custom keys fit in a key table");
		}
		Set<String> names = new HashSet<>();
		int used = 0;
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
			if (used > TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY) {
				invalid(prefix + ".size", size, "the keys declared up to here need " + used + " bytes, more than the "
						+ TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY + " of a thread's block");
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

	private static void atLeastMinimum(String name, @Nullable Duration d) {
		if (d == null || d.compareTo(TaskLocalDataSettings.MIN_INTERVAL) < 0) {
			invalid(name, d, "must be at least " + TaskLocalDataSettings.MIN_INTERVAL.toMillis()
					+ "ms: a shorter interval costs CPU for nothing");
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
		 * Key name as BPF programs look it up: 1 to 55 of [A-Za-z0-9_.:-]; the "tld."
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
	 * The tenant table: every tenant a thread publishes is interned to a small id that
	 * BPF accounts by, at most {@code max} at a time; the rest are "other".
	 */
	public static class Tenants {

		/**
		 * Most tenants with an id (and meter series) of their own at a time; further
		 * tenants are accounted as "other" until idle ones are retired. A warning is
		 * logged the first time the table is full.
		 */
		private int max = TaskLocalDataSettings.DEFAULT_MAX_TENANTS;

		/**
		 * How long nobody must have served a tenant for it to be retired: its id and its
		 * series go, what BPF measured for it stays under "other". Keeps a burst of
		 * invented tenants from holding the table for good. At least 10ms.
		 */
		private Duration idleTimeout = TaskLocalDataSettings.DEFAULT_TENANT_IDLE_TIMEOUT;

		/**
		 * Tenants the header resolver accepts; any other tenant header is published as
		 * "other". Empty: any tenant.
		 */
		private List<String> allowed = new ArrayList<>();

		/**
		 * Regular expression a tenant header must match in full to be accepted; others
		 * are published as "other". Unset: any tenant.
		 */
		private @Nullable String pattern;

		/**
		 * Where the default resolvers take the tenant from: header (tld.headers.tenant,
		 * the client's claim), principal (the authenticated principal's name), claim (the
		 * claim tld.tenants.claim of the OAuth2 token that authenticated the request) or
		 * baggage (the tracing baggage field tld.tenants.baggage, which must be listed in
		 * management.tracing.baggage.remote-fields). Requests without one publish
		 * tld.default-tenant. See docs/security.md for the trust each implies.
		 */
		private RequestMetadataSource source = RequestMetadataSource.HEADER;

		/**
		 * The token claim carrying the tenant, with source=claim.
		 */
		private @Nullable String claim;

		/**
		 * The baggage field carrying the tenant, with source=baggage.
		 */
		private @Nullable String baggage;

		public RequestMetadataSource getSource() {
			return this.source;
		}

		public void setSource(RequestMetadataSource source) {
			this.source = source;
		}

		public @Nullable String getClaim() {
			return this.claim;
		}

		public void setClaim(@Nullable String claim) {
			this.claim = claim;
		}

		public @Nullable String getBaggage() {
			return this.baggage;
		}

		public void setBaggage(@Nullable String baggage) {
			this.baggage = baggage;
		}

		public int getMax() {
			return this.max;
		}

		public void setMax(int max) {
			this.max = max;
		}

		public Duration getIdleTimeout() {
			return this.idleTimeout;
		}

		public void setIdleTimeout(Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
		}

		public List<String> getAllowed() {
			return this.allowed;
		}

		public void setAllowed(List<String> allowed) {
			this.allowed = allowed;
		}

		public @Nullable String getPattern() {
			return this.pattern;
		}

		public void setPattern(@Nullable String pattern) {
			this.pattern = pattern;
		}

	}

	/**
	 * The range priorities are clamped to: every priority makes a series per tenant, so a
	 * client cannot make more than the range holds.
	 */
	public static class Priorities {

		/**
		 * Lowest priority published; lower ones are published as this.
		 */
		private int min = TaskLocalDataSettings.DEFAULT_MIN_PRIORITY;

		/**
		 * Highest priority published; higher ones are published as this.
		 */
		private int max = TaskLocalDataSettings.DEFAULT_MAX_PRIORITY;

		/**
		 * Where the default resolvers take the priority from when no endpoint of
		 * tld.priorities.endpoints matches: header (tld.headers.priority), claim
		 * (tld.priorities.claim) or baggage (tld.priorities.baggage, listed in
		 * management.tracing.baggage.remote-fields). Requests without one publish
		 * tld.default-priority.
		 */
		private RequestMetadataSource source = RequestMetadataSource.HEADER;

		/**
		 * The token claim carrying the priority, with source=claim.
		 */
		private @Nullable String claim;

		/**
		 * The baggage field carrying the priority, with source=baggage.
		 */
		private @Nullable String baggage;

		/**
		 * Priorities of endpoints, checked in order, the first match wins over
		 * tld.priorities.source: a path pattern (Spring's PathPattern syntax, within the
		 * application), optionally the HTTP methods, and the priority (within min and
		 * max).
		 */
		private List<Endpoint> endpoints = new ArrayList<>();

		public RequestMetadataSource getSource() {
			return this.source;
		}

		public void setSource(RequestMetadataSource source) {
			this.source = source;
		}

		public @Nullable String getClaim() {
			return this.claim;
		}

		public void setClaim(@Nullable String claim) {
			this.claim = claim;
		}

		public @Nullable String getBaggage() {
			return this.baggage;
		}

		public void setBaggage(@Nullable String baggage) {
			this.baggage = baggage;
		}

		public List<Endpoint> getEndpoints() {
			return this.endpoints;
		}

		public void setEndpoints(List<Endpoint> endpoints) {
			this.endpoints = endpoints;
		}

		public int getMin() {
			return this.min;
		}

		public void setMin(int min) {
			this.min = min;
		}

		public int getMax() {
			return this.max;
		}

		public void setMax(int max) {
			this.max = max;
		}

	}

	/**
	 * The priority of the requests to an endpoint.
	 */
	public static class Endpoint {

		/**
		 * Path pattern in Spring's PathPattern syntax, matched against the path within
		 * the application, such as /api/checkout/**.
		 */
		private @Nullable String pattern;

		/**
		 * HTTP methods the entry applies to (GET, HEAD, POST, PUT, PATCH, DELETE,
		 * OPTIONS, TRACE); empty for every method.
		 */
		private List<String> methods = new ArrayList<>();

		/**
		 * Priority of the endpoint's requests, within tld.priorities.min and max.
		 */
		private @Nullable Integer priority;

		public @Nullable String getPattern() {
			return this.pattern;
		}

		public void setPattern(@Nullable String pattern) {
			this.pattern = pattern;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public @Nullable Integer getPriority() {
			return this.priority;
		}

		public void setPriority(@Nullable Integer priority) {
			this.priority = priority;
		}

	}

	/**
	 * What {@code @Scheduled} methods publish while they run (through the scheduled task
	 * observation, so where an ObservationRegistry exists).
	 */
	public static class Scheduling {

		/**
		 * Tenant of scheduled jobs; tld.default-tenant when not set.
		 */
		private @Nullable String tenant;

		/**
		 * Priority of scheduled jobs; tld.default-priority when not set.
		 */
		private @Nullable Integer priority;

		public @Nullable String getTenant() {
			return this.tenant;
		}

		public void setTenant(@Nullable String tenant) {
			this.tenant = tenant;
		}

		public @Nullable Integer getPriority() {
			return this.priority;
		}

		public void setPriority(@Nullable Integer priority) {
			this.priority = priority;
		}

	}

	/**
	 * The BPF program that accounts, per tenant and priority, what the kernel counts per
	 * thread: CPU time, run-queue wait, blocked time, switches, I/O and page faults.
	 */
	public static class Tracing {

		/**
		 * Whether to attach the accounting program at sched_switch. Other processes pay
		 * one task-storage lookup per context switch.
		 */
		private boolean enabled = true;

		/**
		 * Whether to also count system calls per tenant, through a sys_enter program.
		 * Costly to the whole host: with any sys_enter program attached, every system
		 * call of every process takes the tracing slow path (about 100 ns more per call,
		 * measured on Linux 6.18; see docs/accounting.md).
		 */
		private boolean syscalls;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public boolean isSyscalls() {
			return this.syscalls;
		}

		public void setSyscalls(boolean syscalls) {
			this.syscalls = syscalls;
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
		 * How often the meters are refreshed from the BPF maps. At least 10ms.
		 */
		private Duration refreshInterval = Duration.ofSeconds(5);

		private @Nullable Integer maxTenants;

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

		/**
		 * Replaced by tld.tenants.max: set, it fails startup with a pointer to it.
		 * @return the value set, or null
		 */
		@Deprecated(since = "0.2.0", forRemoval = true)
		@DeprecatedConfigurationProperty(replacement = "tld.tenants.max",
				reason = "Tenants are bounded where they start: BPF's accounting, the endpoint and the meters alike.")
		public @Nullable Integer getMaxTenants() {
			return this.maxTenants;
		}

		@Deprecated(since = "0.2.0", forRemoval = true)
		public void setMaxTenants(@Nullable Integer maxTenants) {
			this.maxTenants = maxTenants;
		}

	}

}
