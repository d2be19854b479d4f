// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.servlet.http.HttpServletRequest;

import dev.tld.spring.RequestMetadata;

/**
 * The default {@link RequestMetadataResolver}: tenant, priority and request id from
 * request headers, with a default tenant and priority when they are missing or invalid,
 * and a random 16-hex-digit id when the request has none. The auto-configuration takes
 * the header names and the defaults from {@code tld.headers}, {@code tld.default-tenant}
 * and {@code tld.default-priority}.
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

	private final String tenantHeader;

	private final String priorityHeader;

	private final String requestIdHeader;

	private final String defaultTenant;

	private final int defaultPriority;

	/**
	 * Create a resolver with the default headers ({@value #DEFAULT_TENANT_HEADER},
	 * {@value #DEFAULT_PRIORITY_HEADER}, {@value #DEFAULT_REQUEST_ID_HEADER}), tenant
	 * {@value #DEFAULT_TENANT} and priority 0 for requests without them.
	 */
	public HeaderRequestMetadataResolver() {
		this(DEFAULT_TENANT_HEADER, DEFAULT_PRIORITY_HEADER, DEFAULT_REQUEST_ID_HEADER, DEFAULT_TENANT, 0);
	}

	/**
	 * Create a resolver.
	 * @param tenantHeader the header carrying the tenant
	 * @param priorityHeader the header carrying the priority (an integer)
	 * @param requestIdHeader the header carrying the request id
	 * @param defaultTenant the tenant of requests without one; empty for none
	 * @param defaultPriority the priority of requests without a valid one
	 */
	public HeaderRequestMetadataResolver(String tenantHeader, String priorityHeader, String requestIdHeader,
			String defaultTenant, int defaultPriority) {
		this.tenantHeader = Objects.requireNonNull(tenantHeader, "tenantHeader");
		this.priorityHeader = Objects.requireNonNull(priorityHeader, "priorityHeader");
		this.requestIdHeader = Objects.requireNonNull(requestIdHeader, "requestIdHeader");
		this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
		this.defaultPriority = defaultPriority;
	}

	@Override
	public RequestMetadata resolve(HttpServletRequest request) {
		String tenant = request.getHeader(this.tenantHeader);
		if (tenant == null || tenant.isBlank()) {
			tenant = this.defaultTenant;
		}
		int priority = this.defaultPriority;
		String p = request.getHeader(this.priorityHeader);
		if (p != null) {
			try {
				priority = Integer.parseInt(p.trim());
			}
			catch (NumberFormatException ex) {
				// keep the default: a bad header must not fail the request
			}
		}
		String id = request.getHeader(this.requestIdHeader);
		if (id == null || id.isBlank()) {
			id = String.format("%016x", ThreadLocalRandom.current().nextLong());
		}
		return new RequestMetadata(tenant.strip(), priority, id);
	}

}
