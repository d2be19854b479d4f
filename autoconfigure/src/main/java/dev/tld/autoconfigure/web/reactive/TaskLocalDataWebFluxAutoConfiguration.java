// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web.reactive;

import io.micrometer.observation.ObservationHandler;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.autoconfigure.web.RequestMetadataSources;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.reactive.AuthenticatedReactiveRequestMetadataFilter;
import dev.tld.spring.web.reactive.ReactiveRequestMetadataResolver;
import dev.tld.spring.web.reactive.ReactiveRequestMetadataRulesResolver;
import dev.tld.spring.web.reactive.ServerRequestObservationMetadataResolver;

/**
 * Publishes every WebFlux request's metadata through its server request observation, on
 * every thread a scope of it opens on (with
 * {@code spring.reactor.context-propagation=auto}, every thread its operators run on): a
 * {@link ServerRequestObservationMetadataResolver} tells the observation handler what the
 * request works for: from the headers, or, as {@code tld.tenants.source},
 * {@code tld.priorities.source} and {@code tld.priorities.endpoints} say, from tracing
 * baggage, the principal, a token's claim or an endpoint's priority
 * ({@link ReactiveRequestMetadataRulesResolver}; the principal and claims through an
 * {@link AuthenticatedReactiveRequestMetadataFilter} right after Spring Security's
 * {@code WebFilterChainProxy}). A {@link ReactiveRequestMetadataResolver} bean replaces
 * the default one. Needs an {@code ObservationRegistry}: without one, WebFlux requests
 * are not published.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ ObservationHandler.class, ServerRequestObservationContext.class })
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataWebFluxAutoConfiguration {

	/**
	 * The order of Spring Security's {@code WebFilterChainProxy} (it has no property).
	 */
	static final int SECURITY_WEB_FILTER_ORDER = -100;

	@Bean
	@ConditionalOnMissingBean
	ReactiveRequestMetadataResolver reactiveRequestMetadataResolver(TaskLocalDataProperties properties,
			Environment environment, ObjectProvider<BaggageReader> baggage, ResourceLoader resourceLoader) {
		if (RequestMetadataSources.configured(properties)) {
			return new ReactiveRequestMetadataRulesResolver(RequestMetadataSources.rules(properties),
					RequestMetadataSources.baggage(properties, environment, baggage.getIfAvailable()),
					RequestMetadataSources.claims(properties, resourceLoader.getClassLoader()));
		}
		TaskLocalDataProperties.Headers headers = properties.getHeaders();
		RequestMetadataHeaders rules = new RequestMetadataHeaders(headers.getTenant(), headers.getPriority(),
				headers.getRequestId(), properties.getDefaultTenant(), properties.getDefaultPriority(),
				properties.acceptedTenants());
		return (request) -> rules.resolve(request.getHeaders()::getFirst);
	}

	/**
	 * Re-resolves what depends on the authentication right after Spring Security's
	 * {@code WebFilterChainProxy}, where a source needs it and the resolver is the
	 * default one.
	 */
	@Bean
	@ConditionalOnMissingBean
	@Conditional(RequestMetadataSources.OnAuthenticatedSourceCondition.class)
	AuthenticatedReactiveRequestMetadataFilter authenticatedReactiveRequestMetadataFilter(TaskLocalDataContext context,
			ReactiveRequestMetadataResolver resolver) {
		if (!(resolver instanceof ReactiveRequestMetadataRulesResolver rules)) {
			throw new IllegalStateException("a ReactiveRequestMetadataResolver bean of the application's replaces"
					+ " tld.tenants.source and tld.priorities.source: leave them unset");
		}
		return new AuthenticatedReactiveRequestMetadataFilter(context, rules, SECURITY_WEB_FILTER_ORDER + 1);
	}

	@Bean
	ServerRequestObservationMetadataResolver reactiveServerRequestObservationMetadataResolver(
			ReactiveRequestMetadataResolver resolver) {
		return new ServerRequestObservationMetadataResolver(resolver);
	}

}
