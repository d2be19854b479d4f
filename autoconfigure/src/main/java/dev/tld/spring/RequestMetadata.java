// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.Objects;

/**
 * What a thread publishes while it serves a request.
 *
 * @param tenant the tenant; empty means "not attributed to a tenant"; at most
 * {@link TaskLocalDataSchema#MAX_TENANT_BYTES} bytes of UTF-8 are published
 * @param priority the request's priority
 * @param requestId the request id; at most
 * {@link TaskLocalDataSchema#MAX_REQUEST_ID_BYTES} bytes of UTF-8 are published
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
