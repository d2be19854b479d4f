// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.reactive;

import java.security.Principal;
import java.util.Optional;

import io.micrometer.observation.Observation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.observation.RequestMetadataObservationHandler;

/**
 * Decides again, once Spring Security's {@code WebFilterChainProxy} authenticated a
 * WebFlux request, what depends on the authentication (a tenant or priority from the
 * principal or a token's claim): ordered right after it. When the refined metadata
 * differs, the request's server observation works for it from then on
 * ({@link RequestMetadataObservationHandler#update}: every scope opened later, on every
 * thread a hop of the request runs on, publishes it), and the current thread publishes it
 * while the rest of the chain is subscribed (the part of the handler that runs there
 * before its first hop). A request without a principal (or with an anonymous one) keeps
 * what was resolved before: the default tenant.
 */
public class AuthenticatedReactiveRequestMetadataFilter implements WebFilter, Ordered {

	private static final Log logger = LogFactory.getLog(AuthenticatedReactiveRequestMetadataFilter.class);

	private static final String ANONYMOUS = "org.springframework.security.authentication.AnonymousAuthenticationToken";

	private final TaskLocalDataContext context;

	private final ReactiveRequestMetadataRulesResolver resolver;

	private final int order;

	/**
	 * Create the filter.
	 * @param context publishes the metadata
	 * @param resolver resolves and refines the request's metadata
	 * @param order the filter's order: right after Spring Security's
	 */
	public AuthenticatedReactiveRequestMetadataFilter(TaskLocalDataContext context,
			ReactiveRequestMetadataRulesResolver resolver, int order) {
		this.context = context;
		this.resolver = resolver;
		this.order = order;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		Optional<ServerRequestObservationContext> observation = ServerRequestObservationContext
			.findCurrent(exchange.getAttributes());
		if (observation.isEmpty()) {
			return chain.filter(exchange);
		}
		Observation.Context context = observation.get();
		return exchange.getPrincipal()
			.filter((p) -> !ANONYMOUS.equals(p.getClass().getName()))
			.map((p) -> Optional.ofNullable(refine(exchange, context, p)))
			.defaultIfEmpty(Optional.empty())
			.flatMap((refined) -> refined.isPresent() ? publishing(refined.get(), chain.filter(exchange))
					: chain.filter(exchange));
	}

	private @Nullable RequestMetadata refine(ServerWebExchange exchange, Observation.Context observation,
			Principal principal) {
		try {
			RequestMetadata metadata = RequestMetadataObservationHandler.metadata(observation);
			if (metadata == null) {
				metadata = this.resolver.resolve(exchange.getRequest(), observation);
			}
			RequestMetadata refined = this.resolver.refine(metadata, exchange.getRequest(), principal);
			if (refined.equals(metadata)) {
				return null;
			}
			RequestMetadataObservationHandler.update(observation, refined);
			return refined;
		}
		catch (RuntimeException ex) {
			logger.debug("Request metadata could not be refined after authentication; kept as it was", ex);
			return null;
		}
	}

	/**
	 * The rest of the chain, subscribed while this thread publishes the refined metadata.
	 */
	private Mono<Void> publishing(RequestMetadata refined, Mono<Void> rest) {
		return new Mono<>() {
			@Override
			public void subscribe(CoreSubscriber<? super Void> actual) {
				TaskLocalDataContext.Scope scope = AuthenticatedReactiveRequestMetadataFilter.this.context.open(refined,
						AuthenticatedReactiveRequestMetadataFilter.this.context.currentTrace().orElse(null));
				try {
					rest.subscribe(actual);
				}
				finally {
					scope.close();
				}
			}
		};
	}

	@Override
	public int getOrder() {
		return this.order;
	}

}
