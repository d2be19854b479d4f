// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

/**
 * Where the default resolvers take a request's tenant or priority from
 * ({@code tld.tenants.source}, {@code tld.priorities.source}). Each implies a different
 * trust: see {@code docs/security.md}.
 */
public enum RequestMetadataSource {

	/**
	 * A request header ({@code tld.headers.tenant}, {@code tld.headers.priority}): the
	 * client's claim, whoever the client is.
	 */
	HEADER,

	/**
	 * The name of the authenticated principal
	 * ({@code HttpServletRequest#getUserPrincipal},
	 * {@code ServerWebExchange#getPrincipal}, which Spring Security sets to the
	 * {@code Authentication}): as trusted as the authentication. Tenants only. Known once
	 * authentication ran: requests that are not authenticated publish the default tenant.
	 */
	PRINCIPAL,

	/**
	 * A claim of the OAuth2 token that authenticated the request (a JWT's claim, or an
	 * opaque token's introspected attribute), named by {@code tld.tenants.claim} or
	 * {@code tld.priorities.claim}: as trusted as the token's issuer and its
	 * verification.
	 */
	CLAIM,

	/**
	 * A tracing baggage field, named by {@code tld.tenants.baggage} or
	 * {@code tld.priorities.baggage} and read through Micrometer Tracing: whoever sent
	 * the upstream request set it, so trust it only inside a mesh whose edge strips or
	 * sets it.
	 */
	BAGGAGE;

	/**
	 * Whether this source is known only after the request was authenticated.
	 * @return true for {@link #PRINCIPAL} and {@link #CLAIM}
	 */
	public boolean needsAuthentication() {
		return this == PRINCIPAL || this == CLAIM;
	}

}
