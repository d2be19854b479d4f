// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TraceContext;

/**
 * The trace context of the span Micrometer Tracing made for an observation (its tracing
 * handler keeps it in the observation's context, and puts it in scope with each scope of
 * the observation), with either bridge (OpenTelemetry, Brave). The ids are published
 * whether the span is sampled or not; the {@code sampled} flag tells which. Spans without
 * valid W3C ids (the no-op tracer's) are not published.
 */
public final class MicrometerTracingTraceContextResolver implements ObservationTraceContextResolver {

	@Override
	public @Nullable TraceContext resolve(Observation.Context context) {
		TracingObservationHandler.TracingContext tracing = context.get(TracingObservationHandler.TracingContext.class);
		if (tracing == null) {
			return null;
		}
		Span span = tracing.getSpan();
		if (span == null) {
			return null;
		}
		io.micrometer.tracing.TraceContext c = span.context();
		String traceId = c.traceId();
		String spanId = c.spanId();
		if (traceId == null || spanId == null || traceId.isEmpty() || spanId.isEmpty()) {
			return null;
		}
		try {
			return TraceContext.fromHex(traceId, spanId, Boolean.TRUE.equals(c.sampled()));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

}
