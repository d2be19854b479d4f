// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.tracing;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.tld.core.TraceContext;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;

/**
 * What a span put in scope publishes: the thread's current metadata again, with that
 * span's trace context, until the span's scope closes. The tracer-specific hooks
 * ({@link BraveSpanScopeDecorator}, {@link OpenTelemetrySpanScopeListener}) call it; the
 * observation handler publishes the span of an observation in scope itself, so this
 * matters for spans put in scope without an observation ({@code Tracer.withSpan},
 * {@code @NewSpan}, a library's own instrumentation).
 * <p>
 * A trace context is published only with metadata: on a thread that works for nothing, a
 * span in scope publishes nothing. A span that the thread already publishes publishes
 * nothing again, and a scope without a span (a tracer clearing the current span)
 * publishes the metadata without a trace context.
 */
public final class SpanScopePublisher {

	private final TaskLocalDataContext context;

	/**
	 * Create a publisher.
	 * @param context publishes the metadata
	 */
	public SpanScopePublisher(TaskLocalDataContext context) {
		this.context = Objects.requireNonNull(context, "context");
	}

	/**
	 * A span's scope opened on the calling thread. Its ids are read only if the thread
	 * works for something: a tracer calls this for every scope it opens.
	 * @param <S> the tracer's type of span or trace context
	 * @param span the span now in scope, or null if the scope has none
	 * @param ids the span's trace context, or null if it has no valid W3C ids
	 * @return the scope to close when the span's scope closes, on this thread, or null if
	 * nothing was published
	 */
	public <S> TaskLocalDataContext.@Nullable Scope open(@Nullable S span,
			Function<? super S, @Nullable TraceContext> ids) {
		Optional<RequestMetadata> metadata = this.context.current();
		if (metadata.isEmpty()) {
			return null;
		}
		TraceContext trace = (span != null) ? ids.apply(span) : null;
		if (Objects.equals(trace, this.context.currentTrace().orElse(null))) {
			return null;
		}
		return this.context.open(metadata.get(), trace);
	}

}
