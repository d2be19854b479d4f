// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web;

import java.security.Principal;
import java.util.List;
import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;

import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.RequestMetadataSource;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.RequestMetadataRules;
import dev.tld.spring.web.TokenClaims;

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

	private static final String TOKEN_CLASS = "org.springframework.security.oauth2.server.resource.authentication."
			+ "AbstractOAuth2TokenAuthenticationToken";

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
	 * What reads a token's claims: Spring Security's resource server, where a source
	 * needs it.
	 * @param properties the properties
	 * @param classLoader the application's class loader
	 * @return the reader
	 * @throws InvalidConfigurationPropertyValueException if a source needs claims and the
	 * resource server is absent
	 */
	public static BiFunction<Principal, String, @Nullable Object> claims(TaskLocalDataProperties properties,
			@Nullable ClassLoader classLoader) {
		boolean needed = properties.getTenants().getSource() == RequestMetadataSource.CLAIM
				|| properties.getPriorities().getSource() == RequestMetadataSource.CLAIM;
		if (!needed) {
			return (principal, name) -> null;
		}
		if (!ClassUtils.isPresent(TOKEN_CLASS, classLoader)) {
			String property = (properties.getTenants().getSource() == RequestMetadataSource.CLAIM)
					? "tld.tenants.source" : "tld.priorities.source";
			throw new InvalidConfigurationPropertyValueException(property, "claim",
					"claims are read from Spring Security's OAuth2 resource server: add"
							+ " spring-boot-starter-security-oauth2-resource-server");
		}
		return Claims.reader();
	}

	/** Loads Spring Security's token classes only where a claim source needs them. */
	private static final class Claims {

		static BiFunction<Principal, String, @Nullable Object> reader() {
			return TokenClaims::claim;
		}

	}

	/**
	 * Matches when the tenant or the priority is known only after authentication
	 * ({@code tld.tenants.source} principal or claim, {@code tld.priorities.source}
	 * claim).
	 */
	public static final class OnAuthenticatedSourceCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Binder binder = Binder.get(context.getEnvironment());
			RequestMetadataSource tenant = binder.bind("tld.tenants.source", RequestMetadataSource.class)
				.orElse(RequestMetadataSource.HEADER);
			RequestMetadataSource priority = binder.bind("tld.priorities.source", RequestMetadataSource.class)
				.orElse(RequestMetadataSource.HEADER);
			ConditionMessage.Builder message = ConditionMessage.forCondition("tld.*.source");
			if (tenant.needsAuthentication() || priority.needsAuthentication()) {
				return ConditionOutcome.match(message.because("tenant from " + tenant + ", priority from " + priority));
			}
			return ConditionOutcome.noMatch(message.because("no source needs the authentication"));
		}

	}

}
