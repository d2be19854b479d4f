// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.Environment;

import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.RequestMetadataSource;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.RequestMetadataRules;

/**
 * Builds the {@link RequestMetadataRules} of {@code tld.tenants.source},
 * {@code tld.priorities.source} and {@code tld.priorities.endpoints}, and checks what
 * they need of the rest of the application.
 */
public final class RequestMetadataSources {

	/**
	 * Boot's property listing the baggage fields the tracer propagates across processes.
	 */
	static final String REMOTE_FIELDS = "management.tracing.baggage.remote-fields";

	private RequestMetadataSources() {
	}

	/**
	 * Whether the properties ask for anything but the headers.
	 * @param properties the properties
	 * @return whether a source other than the header, or an endpoint, is configured
	 */
	public static boolean configured(TaskLocalDataProperties properties) {
		return properties.getTenants().getSource() != RequestMetadataSource.HEADER
				|| properties.getPriorities().getSource() != RequestMetadataSource.HEADER
				|| !properties.getPriorities().getEndpoints().isEmpty();
	}

	/**
	 * The rules of the properties.
	 * @param properties the (validated) properties
	 * @return the rules
	 */
	public static RequestMetadataRules rules(TaskLocalDataProperties properties) {
		TaskLocalDataProperties.Headers headers = properties.getHeaders();
		RequestMetadataHeaders rules = new RequestMetadataHeaders(headers.getTenant(), headers.getPriority(),
				headers.getRequestId(), properties.getDefaultTenant(), properties.getDefaultPriority(),
				properties.acceptedTenants());
		TaskLocalDataProperties.Tenants t = properties.getTenants();
		TaskLocalDataProperties.Priorities p = properties.getPriorities();
		return new RequestMetadataRules(rules, field(t.getSource(), t.getClaim(), t.getBaggage()),
				field(p.getSource(), p.getClaim(), p.getBaggage()), properties.endpointPriorities());
	}

	private static RequestMetadataRules.Field field(RequestMetadataSource source, @Nullable String claim,
			@Nullable String baggage) {
		return switch (source) {
			case CLAIM -> new RequestMetadataRules.Field(source, claim);
			case BAGGAGE -> new RequestMetadataRules.Field(source, baggage);
			default -> new RequestMetadataRules.Field(source, null);
		};
	}

	/**
	 * The baggage reader, checked: a baggage source needs Micrometer Tracing, and its
	 * field must be one the tracer extracts from requests (listed in
	 * {@value #REMOTE_FIELDS}).
	 * @param properties the properties
	 * @param environment the environment, for {@value #REMOTE_FIELDS}
	 * @param reader the reader, or null without Micrometer Tracing
	 * @return the reader, or one that reads nothing when no source reads baggage
	 * @throws InvalidConfigurationPropertyValueException naming the property at fault
	 */
	public static BaggageReader baggage(TaskLocalDataProperties properties, Environment environment,
			@Nullable BaggageReader reader) {
		List<String> remote = Binder.get(environment)
			.bind(REMOTE_FIELDS, Bindable.listOf(String.class))
			.orElse(List.of());
		boolean reads = false;
		if (properties.getTenants().getSource() == RequestMetadataSource.BAGGAGE) {
			check("tld.tenants.baggage", properties.getTenants().getBaggage(), remote, reader);
			reads = true;
		}
		if (properties.getPriorities().getSource() == RequestMetadataSource.BAGGAGE) {
			check("tld.priorities.baggage", properties.getPriorities().getBaggage(), remote, reader);
			reads = true;
		}
		return (reads && reader != null) ? reader : (observation, field) -> null;
	}

	private static void check(String property, @Nullable String field, List<String> remote,
			@Nullable BaggageReader reader) {
		if (reader == null) {
			throw new InvalidConfigurationPropertyValueException(property, field,
					"baggage is read through Micrometer Tracing: add io.micrometer:micrometer-tracing with a bridge"
							+ " (Brave or OpenTelemetry) and Spring Boot's tracing auto-configuration");
		}
		if (field == null || remote.stream().noneMatch((f) -> f.trim().equalsIgnoreCase(field.trim()))) {
			throw new InvalidConfigurationPropertyValueException(property, field, "must be listed in " + REMOTE_FIELDS
					+ " " + remote + ", or the tracer does not extract it from requests");
		}
	}

	/**
	 * Refuse the sources a server cannot read.
	 * @param properties the properties
	 * @param server the server, for the message
	 * @throws InvalidConfigurationPropertyValueException if a source needs the
	 * authentication
	 */
	public static void refuseAuthenticated(TaskLocalDataProperties properties, String server) {
		RequestMetadataSource tenant = properties.getTenants().getSource();
		if (tenant.needsAuthentication()) {
			throw new InvalidConfigurationPropertyValueException("tld.tenants.source",
					tenant.name().toLowerCase(java.util.Locale.ROOT), "not supported by " + server
							+ " yet: use header or baggage, or declare a resolver bean of your own");
		}
		RequestMetadataSource priority = properties.getPriorities().getSource();
		if (priority.needsAuthentication()) {
			throw new InvalidConfigurationPropertyValueException("tld.priorities.source",
					priority.name().toLowerCase(java.util.Locale.ROOT), "not supported by " + server
							+ " yet: use header, baggage or tld.priorities.endpoints, or declare a resolver bean of your own");
		}
	}

}
