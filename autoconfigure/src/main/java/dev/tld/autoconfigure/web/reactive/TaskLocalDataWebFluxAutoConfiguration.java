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
import org.springframework.core.env.Environment;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.autoconfigure.web.RequestMetadataSources;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.web.BaggageReader;
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
 * baggage or an endpoint's priority ({@link ReactiveRequestMetadataRulesResolver}; the
 * principal and claims are not supported for WebFlux and fail startup). A
 * {@link ReactiveRequestMetadataResolver} bean replaces the default one. Needs an
 * {@code ObservationRegistry}: without one, WebFlux requests are not published.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ ObservationHandler.class, ServerRequestObservationContext.class })
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataWebFluxAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReactiveRequestMetadataResolver reactiveRequestMetadataResolver(TaskLocalDataProperties properties,
			Environment environment, ObjectProvider<BaggageReader> baggage) {
		if (RequestMetadataSources.configured(properties)) {
			RequestMetadataSources.refuseAuthenticated(properties, "WebFlux");
			return new ReactiveRequestMetadataRulesResolver(RequestMetadataSources.rules(properties),
					RequestMetadataSources.baggage(properties, environment, baggage.getIfAvailable()));
		}
		TaskLocalDataProperties.Headers headers = properties.getHeaders();
		RequestMetadataHeaders rules = new RequestMetadataHeaders(headers.getTenant(), headers.getPriority(),
				headers.getRequestId(), properties.getDefaultTenant(), properties.getDefaultPriority(),
				properties.acceptedTenants());
		return (request) -> rules.resolve(request.getHeaders()::getFirst);
	}

	@Bean
	ServerRequestObservationMetadataResolver reactiveServerRequestObservationMetadataResolver(
			ReactiveRequestMetadataResolver resolver) {
		return new ServerRequestObservationMetadataResolver(resolver);
	}

}
