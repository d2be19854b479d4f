// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Decides what a request publishes. The default reads the headers configured under
 * {@code tld.headers}; declare a bean of this type to take tenant, priority or request id
 * from anywhere else (a JWT, the path, a session).
 */
@FunctionalInterface
public interface TldRequestResolver {

	/**
	 * Resolve the metadata of a request. Called once per request, on the thread that
	 * serves it, before the rest of the filter chain.
	 * @param request the request
	 * @return the metadata to publish while the request is served
	 */
	RequestMetadata resolve(HttpServletRequest request);

}
