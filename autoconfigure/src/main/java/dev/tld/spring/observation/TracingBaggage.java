// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.observation;

import java.util.function.Supplier;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationView;
import io.micrometer.tracing.Baggage;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.util.function.SingletonSupplier;

import dev.tld.spring.web.BaggageReader;

/**
 * Reads tracing baggage through Micrometer Tracing, with either bridge (Brave,
 * OpenTelemetry): the baggage of an observation's span, which the tracing handler made
 * (with what it extracted from the request's headers) when the observation started; or,
 * without one, the baggage of the span in scope. The bridges extract only the fields
 * listed in {@code management.tracing.baggage.remote-fields}.
 */
public final class TracingBaggage implements BaggageReader {

	private final Supplier<@Nullable Tracer> tracer;

	/**
	 * Create a reader.
	 * @param tracer supplies the tracer when first asked (null when there is none: no
	 * baggage is then found)
	 */
	public TracingBaggage(Supplier<@Nullable Tracer> tracer) {
		this.tracer = SingletonSupplier.ofNullable(tracer);
	}

	@Override
	public @Nullable String read(@Nullable Object observation, String field) {
		if (observation instanceof Observation o) {
			return get(o.getContext(), field);
		}
		return get((observation instanceof Observation.Context c) ? c : null, field);
	}

	/**
	 * A baggage field's value.
	 * @param context the observation whose span to read (or of its nearest ancestor with
	 * a span), or null for the span in scope
	 * @param field the field
	 * @return its value, or null
	 */
	public @Nullable String get(Observation.@Nullable Context context, String field) {
		Tracer tracer = this.tracer.get();
		if (tracer == null) {
			return null;
		}
		Span span = span(context);
		if (span == null) {
			span = tracer.currentSpan();
		}
		if (span == null) {
			return null;
		}
		TraceContext trace = span.context();
		Baggage baggage = tracer.getBaggage(trace, field);
		return (baggage != null) ? baggage.get(trace) : null;
	}

	private static @Nullable Span span(Observation.@Nullable Context context) {
		Observation.ContextView view = context;
		for (int depth = 0; view != null && depth < 64; depth++) {
			TracingObservationHandler.TracingContext tracing = view.get(TracingObservationHandler.TracingContext.class);
			if (tracing != null && tracing.getSpan() != null) {
				return tracing.getSpan();
			}
			ObservationView parent = view.getParentObservation();
			view = (parent != null) ? parent.getContextView() : null;
		}
		return null;
	}

}
