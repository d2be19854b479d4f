// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web;

import java.security.Principal;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.server.resource.authentication.AbstractOAuth2TokenAuthenticationToken;

/**
 * The claims of the OAuth2 token that authenticated a request, with Spring Security's
 * resource server: a JWT's claims ({@code JwtAuthenticationToken}) or an opaque token's
 * introspected attributes ({@code BearerTokenAuthentication}). Needs
 * {@code spring-security-oauth2-resource-server}.
 */
public final class TokenClaims {

	private TokenClaims() {
	}

	/**
	 * A claim of the token behind a principal.
	 * @param principal the request's principal (Spring Security's {@code Authentication})
	 * @param name the claim
	 * @return its value, or null when absent or the principal is not a token's
	 */
	public static @Nullable Object claim(@Nullable Principal principal, String name) {
		if (principal instanceof AbstractOAuth2TokenAuthenticationToken<?> token) {
			return token.getTokenAttributes().get(name);
		}
		return null;
	}

}
