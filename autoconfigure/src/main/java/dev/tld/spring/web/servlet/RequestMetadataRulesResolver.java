// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.security.Principal;
import java.util.function.BiFunction;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.filter.ServerHttpObservationFilter;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.RequestMetadataRules;

/**
 * The default {@link RequestMetadataResolver} once {@code tld.tenants.source},
 * {@code tld.priorities.source} or {@code tld.priorities.endpoints} are configured: the
 * tenant and priority from where {@link RequestMetadataRules} say (a header, the
 * principal, a token's claim, tracing baggage, an endpoint's priority). The principal is
 * {@link HttpServletRequest#getUserPrincipal()} (with Spring Security, its
 * {@code Authentication} once its filter chain ran), so it is known only after
 * authentication: {@link #refine} decides again what depends on it, from an
 * {@link AuthenticatedRequestMetadataFilter} after Spring Security's filters.
 */
public class RequestMetadataRulesResolver implements RequestMetadataResolver {

	private final RequestMetadataRules rules;

	private final BiFunction<Principal, String, @Nullable Object> claims;

	private final BaggageReader baggage;

	/**
	 * Create a resolver.
	 * @param rules where tenant and priority come from
	 * @param claims reads a claim of the token behind a principal (null when it has none)
	 * @param baggage reads a baggage field of the request's observation (Spring's
	 * {@code ServerHttpObservationFilter} keeps it in the request)
	 */
	public RequestMetadataRulesResolver(RequestMetadataRules rules,
			BiFunction<Principal, String, @Nullable Object> claims, BaggageReader baggage) {
		this.rules = rules;
		this.claims = claims;
		this.baggage = baggage;
	}

	@Override
	public RequestMetadata resolve(HttpServletRequest request) {
		return this.rules.resolve(view(request));
	}

	/**
	 * Decide again what depends on the authentication, keeping the rest.
	 * @param metadata what {@link #resolve} decided for the request
	 * @param request the request, after authentication
	 * @return the refined metadata, or {@code metadata} when nothing changed
	 */
	public RequestMetadata refine(RequestMetadata metadata, HttpServletRequest request) {
		return this.rules.refine(metadata, view(request));
	}

	/**
	 * The rules this resolver applies.
	 * @return the rules
	 */
	public RequestMetadataRules rules() {
		return this.rules;
	}

	private RequestMetadataRules.Request view(HttpServletRequest request) {
		return new RequestMetadataRules.Request() {

			@Override
			public @Nullable String header(String name) {
				return request.getHeader(name);
			}

			@Override
			public String method() {
				return request.getMethod();
			}

			@Override
			public PathContainer path() {
				return RequestPath.parse(request.getRequestURI(), request.getContextPath()).pathWithinApplication();
			}

			@Override
			public @Nullable Principal principal() {
				return request.getUserPrincipal();
			}

			@Override
			public @Nullable Object claim(String name) {
				Principal principal = request.getUserPrincipal();
				return (principal != null) ? RequestMetadataRulesResolver.this.claims.apply(principal, name) : null;
			}

			@Override
			public @Nullable String baggage(String name) {
				return RequestMetadataRulesResolver.this.baggage
					.read(ServerHttpObservationFilter.findObservationContext(request).orElse(null), name);
			}

		};
	}

}
