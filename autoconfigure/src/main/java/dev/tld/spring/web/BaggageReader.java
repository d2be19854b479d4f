// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web;

import org.jspecify.annotations.Nullable;

/**
 * Reads a tracing baggage field of a request ({@code tld.tenants.source=baggage}). The
 * auto-configuration declares one with Micrometer Tracing
 * ({@code dev.tld.spring.observation.TracingBaggage}). Typed without Micrometer so that
 * the web resolvers load without it.
 */
@FunctionalInterface
public interface BaggageReader {

	/**
	 * A baggage field's value.
	 * @param observation the request's observation ({@code io.micrometer.observation}'s
	 * {@code Observation} or its {@code Observation.Context}) whose span to read, or null
	 * for the span in scope
	 * @param field the field
	 * @return its value, or null
	 */
	@Nullable String read(@Nullable Object observation, String field);

}
