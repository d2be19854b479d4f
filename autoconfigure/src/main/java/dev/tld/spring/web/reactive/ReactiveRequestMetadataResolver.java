// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.reactive;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.tld.spring.RequestMetadata;

/**
 * Decides what a reactive request publishes. The default reads the headers configured
 * under {@code tld.headers}; declare a bean of this type to take tenant, priority or
 * request id from anywhere else.
 */
@FunctionalInterface
public interface ReactiveRequestMetadataResolver {

	/**
	 * Resolve the metadata of a request. Called once per request, when its server
	 * observation starts. A resolver that throws does not fail the request: it is served
	 * without metadata.
	 * @param request the request
	 * @return the metadata to publish while the request is served, or null to publish
	 * nothing for it
	 */
	@Nullable RequestMetadata resolve(ServerHttpRequest request);

}
