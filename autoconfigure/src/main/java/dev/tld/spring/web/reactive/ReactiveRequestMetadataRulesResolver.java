// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.reactive;

import java.security.Principal;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.RequestMetadataRules;

/**
 * The default {@link ReactiveRequestMetadataResolver}: the tenant and priority from where
 * {@link RequestMetadataRules} say (a header, tracing baggage, an endpoint's priority).
 * Resolved when the request's server observation first opens a scope, before any
 * authentication: a tenant or priority from the principal or a claim is not available to
 * WebFlux requests (the auto-configuration refuses those sources there), and the rules'
 * defaults apply.
 */
public class ReactiveRequestMetadataRulesResolver implements ReactiveRequestMetadataResolver {

	private final RequestMetadataRules rules;

	private final BaggageReader baggage;

	/**
	 * Create a resolver.
	 * @param rules where tenant and priority come from
	 * @param baggage reads a baggage field of a request's observation (or of the span in
	 * scope when the observation is null)
	 */
	public ReactiveRequestMetadataRulesResolver(RequestMetadataRules rules, BaggageReader baggage) {
		this.rules = rules;
		this.baggage = baggage;
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
		return this.rules.resolve(new RequestMetadataRules.Request() {

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
				return null;
			}

			@Override
			public @Nullable Object claim(String name) {
				return null;
			}

			@Override
			public @Nullable String baggage(String name) {
				return ReactiveRequestMetadataRulesResolver.this.baggage.read(context, name);
			}

		});
	}

}
