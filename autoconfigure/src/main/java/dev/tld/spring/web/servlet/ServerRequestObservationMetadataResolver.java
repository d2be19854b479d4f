// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import io.micrometer.observation.Observation;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.observation.ServerRequestObservationContext;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.observation.ObservationRequestMetadataResolver;

/**
 * The metadata of a servlet server request observation (Spring's
 * {@code ServerHttpObservationFilter}), as a {@link RequestMetadataResolver} decides it
 * for its request; kept in the request as the {@link RequestMetadataFilter} keeps it
 * ({@link RequestMetadataFilter#METADATA_ATTRIBUTE}), for the
 * {@link RequestMetadataCallableInterceptor} and for a filter later in the chain.
 */
public final class ServerRequestObservationMetadataResolver implements ObservationRequestMetadataResolver {

	private final RequestMetadataResolver resolver;

	/**
	 * Create the resolver.
	 * @param resolver decides a request's metadata
	 */
	public ServerRequestObservationMetadataResolver(RequestMetadataResolver resolver) {
		this.resolver = resolver;
	}

	@Override
	public @Nullable RequestMetadata resolve(Observation.Context context) {
		if (!(context instanceof ServerRequestObservationContext server)) {
			return null;
		}
		HttpServletRequest request = server.getCarrier();
		if (request.getAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE) instanceof RequestMetadata existing) {
			return existing;
		}
		RequestMetadata metadata = this.resolver.resolve(request);
		if (metadata != null) {
			request.setAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE, metadata);
		}
		return metadata;
	}

}
