// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.util.concurrent.ThreadLocalRandom;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The default {@link TldRequestResolver}: tenant, priority and request id from the
 * headers named under {@code tld.headers}, with {@code tld.default-tenant} and
 * {@code tld.default-priority} when they are missing or invalid, and a random
 * 16-hex-digit id when the request has none.
 */
public class HeaderRequestResolver implements TldRequestResolver {

	private final TaskLocalDataProperties properties;

	/**
	 * Create a resolver.
	 * @param properties header names and defaults
	 */
	public HeaderRequestResolver(TaskLocalDataProperties properties) {
		this.properties = properties;
	}

	@Override
	public RequestMetadata resolve(HttpServletRequest request) {
		TaskLocalDataProperties.Headers h = this.properties.getHeaders();
		String tenant = request.getHeader(h.getTenant());
		if (tenant == null || tenant.isBlank()) {
			tenant = this.properties.getDefaultTenant();
		}
		int priority = this.properties.getDefaultPriority();
		String p = request.getHeader(h.getPriority());
		if (p != null) {
			try {
				priority = Integer.parseInt(p.trim());
			}
			catch (NumberFormatException ex) {
				// keep the default: a bad header must not fail the request
			}
		}
		String id = request.getHeader(h.getRequestId());
		if (id == null || id.isBlank()) {
			id = String.format("%016x", ThreadLocalRandom.current().nextLong());
		}
		return new RequestMetadata(tenant.strip(), priority, id);
	}

}
