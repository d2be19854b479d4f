// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.actuate.health;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.tld.core.TaskLocalData;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * UP while threads publish to the service's own data map, which its programs read;
 * otherwise UNKNOWN with the reason (task local data is an observability feature: its
 * absence does not make the application unhealthy). A refused or failed shared map does
 * not change the status either (the service's own accounting runs): the {@code sharedMap}
 * detail says what became of it and why.
 */
public class TaskLocalDataHealthIndicator implements HealthIndicator {

	private final TaskLocalDataRuntime runtime;

	private final @Nullable TaskLocalDataContext context;

	/**
	 * Create the indicator.
	 * @param runtime the starter's runtime
	 */
	public TaskLocalDataHealthIndicator(TaskLocalDataRuntime runtime) {
		this(runtime, null);
	}

	/**
	 * Create the indicator.
	 * @param runtime the starter's runtime
	 * @param context the context whose unpublished scopes are reported, or null
	 */
	public TaskLocalDataHealthIndicator(TaskLocalDataRuntime runtime, @Nullable TaskLocalDataContext context) {
		this.runtime = runtime;
		this.context = context;
	}

	@Override
	public Health health() {
		TaskLocalDataRuntime r = this.runtime;
		TaskLocalData tld = r.taskLocalData();
		if (r.state() == TaskLocalDataRuntime.State.ACTIVE && tld != null && r.dataMapId() != 0) {
			Health.Builder up = Health.up()
				.withDetail("dataMapId", r.dataMapId())
				.withDetail("pinPath", r.pinPath())
				.withDetail("sharedMap", sharedMap(r))
				.withDetail("programs", r.attachedPrograms())
				.withDetail("registeredThreads", tld.registeredThreads())
				.withDetail("registrationFailures", tld.registrationFailures())
				.withDetail("tamperedElements", tld.tamperedElements())
				.withDetail("unpublishedScopes", (this.context != null) ? this.context.unpublishedScopes() : 0)
				.withDetail("refusedScopeCloses", (this.context != null) ? this.context.refusedCloses() : 0)
				.withDetail("tenants", r.tenants().size() + " of " + r.tenants().max())
				.withDetail("droppedEvents", r.counters().statsDropped() + r.counters().readBusy());
			String lastError = tld.lastError();
			if (lastError != null) {
				up.withDetail("lastError", lastError);
			}
			return up.build();
		}
		String reason = (r.reason() != null) ? r.reason() : "no data map is attached";
		return Health.unknown().withDetail("state", r.state().name()).withDetail("reason", reason).build();
	}

	private static Map<String, Object> sharedMap(TaskLocalDataRuntime r) {
		TaskLocalDataRuntime.SharedMap shared = r.sharedMap();
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("status", shared.status().name());
		if (shared.status() == TaskLocalDataRuntime.SharedMap.Status.ATTACHED) {
			m.put("mapId", r.sharedMapId());
		}
		String reason = shared.reason();
		if (reason != null) {
			m.put("reason", reason);
		}
		return m;
	}

}
