// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.reactive;

import java.security.Principal;
import java.util.function.BiFunction;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.RequestMetadataRules;

/**
 * The default {@link ReactiveRequestMetadataResolver}: the tenant and priority from where
 * {@link RequestMetadataRules} say (a header, the principal, a token's claim, tracing
 * baggage, an endpoint's priority). Resolved when the request's server observation first
 * opens a scope, before any authentication: a tenant or priority from the principal or a
 * claim is the default until an {@link AuthenticatedReactiveRequestMetadataFilter} after
 * Spring Security's {@code WebFilterChainProxy} {@link #refine refines} it.
 */
public class ReactiveRequestMetadataRulesResolver implements ReactiveRequestMetadataResolver {

	private final RequestMetadataRules rules;

	private final BaggageReader baggage;

	private final BiFunction<Principal, String, @Nullable Object> claims;

	/**
	 * Create a resolver that reads no claims.
	 * @param rules where tenant and priority come from
	 * @param baggage reads a baggage field of a request's observation (or of the span in
	 * scope when the observation is null)
	 */
	public ReactiveRequestMetadataRulesResolver(RequestMetadataRules rules, BaggageReader baggage) {
		this(rules, baggage, (principal, name) -> null);
	}

	/**
	 * Create a resolver.
	 * @param rules where tenant and priority come from
	 * @param baggage reads a baggage field of a request's observation (or of the span in
	 * scope when the observation is null)
	 * @param claims reads a claim of the token behind a principal (null when it has none)
	 */
	public ReactiveRequestMetadataRulesResolver(RequestMetadataRules rules, BaggageReader baggage,
			BiFunction<Principal, String, @Nullable Object> claims) {
		this.rules = rules;
		this.baggage = baggage;
		this.claims = claims;
	}

	/**
	 * Decide again what depends on the authentication, keeping the rest.
	 * @param metadata what was resolved for the request
	 * @param request the request
	 * @param principal its authenticated principal
	 * @return the refined metadata, or {@code metadata} when nothing changed
	 */
	public RequestMetadata refine(RequestMetadata metadata, ServerHttpRequest request, Principal principal) {
		return this.rules.refine(metadata, view(request, null, principal));
	}

	/**
	 * The rules this resolver applies.
	 * @return the rules
	 */
	public RequestMetadataRules rules() {
		return this.rules;
	}

	@Override
	public RequestMetadata resolve(ServerHttpRequest request) {
		return resolve(request, null);
	}

	/**
	 * Resolve the metadata of a request with its observation, whose span carries the
	 * baggage.
	 * @param request the request
	 * @param context its server request observation, or null
	 * @return the metadata
	 */
	public RequestMetadata resolve(ServerHttpRequest request, Observation.@Nullable Context context) {
		return this.rules.resolve(view(request, context, null));
	}

	private RequestMetadataRules.Request view(ServerHttpRequest request, Observation.@Nullable Context context,
			@Nullable Principal principal) {
		return new RequestMetadataRules.Request() {

			@Override
			public @Nullable String header(String name) {
				return request.getHeaders().getFirst(name);
			}

			@Override
			public String method() {
				return request.getMethod().name();
			}

			@Override
			public PathContainer path() {
				return request.getPath().pathWithinApplication();
			}

			@Override
			public @Nullable Principal principal() {
				return principal;
			}

			@Override
			public @Nullable Object claim(String name) {
				return (principal != null) ? ReactiveRequestMetadataRulesResolver.this.claims.apply(principal, name)
						: null;
			}

			@Override
			public @Nullable String baggage(String name) {
				return ReactiveRequestMetadataRulesResolver.this.baggage.read(context, name);
			}

		};
	}

}
