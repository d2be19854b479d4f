// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.util.function.Predicate;

import jakarta.servlet.http.HttpServletRequest;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.RequestMetadataHeaders;

/**
 * The default {@link RequestMetadataResolver}: tenant, priority and request id from
 * request headers, with a default tenant and priority when they are missing or invalid,
 * and a random 16-hex-digit id when the request has none. The auto-configuration takes
 * the header names and the defaults from {@code tld.headers}, {@code tld.default-tenant}
 * and {@code tld.default-priority}, and which tenants to accept from
 * {@code tld.tenants.allowed} and {@code tld.tenants.pattern}.
 * <p>
 * Header values are decoded as UTF-8 (servlet containers hand header bytes over as
 * ISO-8859-1). A tenant that is not valid UTF-8 or not accepted is published as
 * {@code other}: the header is the client's claim, and a client can claim anything, so
 * only accept tenants this way from clients you trust (or resolve them from an
 * authenticated principal with a resolver of your own).
 */
public class HeaderRequestMetadataResolver implements RequestMetadataResolver {

	/** The header carrying the tenant unless configured otherwise. */
	public static final String DEFAULT_TENANT_HEADER = "X-Tenant";

	/** The header carrying the priority unless configured otherwise. */
	public static final String DEFAULT_PRIORITY_HEADER = "X-Priority";

	/** The header carrying the request id unless configured otherwise. */
	public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";

	/** The tenant of requests without one, unless configured otherwise. */
	public static final String DEFAULT_TENANT = "unknown";

	private final RequestMetadataHeaders headers;

	/**
	 * Create a resolver with the default headers ({@value #DEFAULT_TENANT_HEADER},
	 * {@value #DEFAULT_PRIORITY_HEADER}, {@value #DEFAULT_REQUEST_ID_HEADER}), tenant
	 * {@value #DEFAULT_TENANT} and priority 0 for requests without them.
	 */
	public HeaderRequestMetadataResolver() {
		this(DEFAULT_TENANT_HEADER, DEFAULT_PRIORITY_HEADER, DEFAULT_REQUEST_ID_HEADER, DEFAULT_TENANT, 0);
	}

	/**
	 * Create a resolver that accepts any tenant.
	 * @param tenantHeader the header carrying the tenant
	 * @param priorityHeader the header carrying the priority (an integer)
	 * @param requestIdHeader the header carrying the request id
	 * @param defaultTenant the tenant of requests without one; empty for none
	 * @param defaultPriority the priority of requests without a valid one
	 */
	public HeaderRequestMetadataResolver(String tenantHeader, String priorityHeader, String requestIdHeader,
			String defaultTenant, int defaultPriority) {
		this(tenantHeader, priorityHeader, requestIdHeader, defaultTenant, defaultPriority, (tenant) -> true);
	}

	/**
	 * Create a resolver.
	 * @param tenantHeader the header carrying the tenant
	 * @param priorityHeader the header carrying the priority (an integer)
	 * @param requestIdHeader the header carrying the request id
	 * @param defaultTenant the tenant of requests without one; empty for none
	 * @param defaultPriority the priority of requests without a valid one
	 * @param accepted which tenant headers to accept; the others are published as
	 * {@code other}
	 */
	public HeaderRequestMetadataResolver(String tenantHeader, String priorityHeader, String requestIdHeader,
			String defaultTenant, int defaultPriority, Predicate<String> accepted) {
		this.headers = new RequestMetadataHeaders(tenantHeader, priorityHeader, requestIdHeader, defaultTenant,
				defaultPriority, accepted);
	}

	@Override
	public RequestMetadata resolve(HttpServletRequest request) {
		return this.headers.resolve(request::getHeader);
	}

}
