// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.observation;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TraceContext;

/**
 * Tells the trace context of an observation's span, which the
 * {@link RequestMetadataObservationHandler} publishes with the observation's metadata
 * while a scope of it is open (BPF reads it in the request record's {@code otel} field).
 * The auto-configuration declares {@link MicrometerTracingTraceContextResolver} when
 * Micrometer Tracing is on the classpath.
 */
@FunctionalInterface
public interface ObservationTraceContextResolver {

	/**
	 * Resolve the trace context of an observation, when a scope of it opens. A resolver
	 * that throws is treated as one that returned null.
	 * @param context the observation's context
	 * @return its span's trace context, or null if it has no span
	 */
	@Nullable TraceContext resolve(Observation.Context context);

}
