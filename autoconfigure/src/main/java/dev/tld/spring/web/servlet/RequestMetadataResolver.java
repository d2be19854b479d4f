// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import dev.tld.spring.RequestMetadata;

/**
 * Decides what a request publishes. The default reads the headers configured under
 * {@code tld.headers} ({@link HeaderRequestMetadataResolver}); declare a bean of this
 * type to take tenant, priority or request id from anywhere else (a JWT, the path, a
 * session).
 */
@FunctionalInterface
public interface RequestMetadataResolver {

	/**
	 * Resolve the metadata of a request. Called once per request, on the thread that
	 * serves it, before the rest of the filter chain. A resolver that throws does not
	 * fail the request: it is served without metadata.
	 * @param request the request
	 * @return the metadata to publish while the request is served, or null to publish
	 * nothing for it
	 */
	@Nullable RequestMetadata resolve(HttpServletRequest request);

}
