// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.reactive;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.observation.ObservationRequestMetadataResolver;

/**
 * The metadata of a reactive server request observation (WebFlux's
 * {@code HttpWebHandlerAdapter} with an {@code ObservationRegistry}), as a
 * {@link ReactiveRequestMetadataResolver} decides it for its request.
 */
public final class ServerRequestObservationMetadataResolver implements ObservationRequestMetadataResolver {

	private final ReactiveRequestMetadataResolver resolver;

	/**
	 * Create the resolver.
	 * @param resolver decides a request's metadata
	 */
	public ServerRequestObservationMetadataResolver(ReactiveRequestMetadataResolver resolver) {
		this.resolver = resolver;
	}

	@Override
	public @Nullable RequestMetadata resolve(Observation.Context context) {
		if (context instanceof ServerRequestObservationContext server) {
			if (this.resolver instanceof ReactiveRequestMetadataRulesResolver rules) {
				return rules.resolve(server.getCarrier(), context);
			}
			return this.resolver.resolve(server.getCarrier());
		}
		return null;
	}

}
