// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.util.Objects;

/**
 * What a thread publishes while it serves a request.
 *
 * @param tenant the tenant; empty means "not attributed to a tenant"; at most 31 bytes of
 * UTF-8 are published
 * @param priority the request's priority
 * @param requestId the request id; at most 39 bytes of UTF-8 are published
 */
public record RequestMetadata(String tenant, int priority, String requestId) {

	/**
	 * Check the components.
	 * @param tenant the tenant, not null
	 * @param priority the priority
	 * @param requestId the request id, not null
	 */
	public RequestMetadata {
		Objects.requireNonNull(tenant, "tenant");
		Objects.requireNonNull(requestId, "requestId");
	}

}
