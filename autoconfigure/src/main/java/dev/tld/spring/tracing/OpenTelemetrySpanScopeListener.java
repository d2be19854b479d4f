// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.tracing;

import io.micrometer.tracing.otel.bridge.EventListener;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper.ScopeAttachedEvent;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper.ScopeRestoredEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TraceContext;
import dev.tld.spring.TaskLocalDataContext;

/**
 * Listens to the scope events Micrometer Tracing's OpenTelemetry bridge publishes for
 * every context OpenTelemetry makes current ({@code EventPublishingContextWrapper}, which
 * Spring Boot installs and feeds to every bean of this type): each span made current on a
 * thread that works for a request is published with the request's metadata until its
 * scope closes (see {@link SpanScopePublisher}). OpenTelemetry closes scopes innermost
 * first on the thread that opened them; each close is followed by a
 * {@link ScopeRestoredEvent}, which closes what the matching attach published.
 */
public final class OpenTelemetrySpanScopeListener implements EventListener {

	private final SpanScopePublisher publisher;

	/** What each attach on this thread published, innermost first. */
	private final ThreadLocal<@Nullable Entry> scopes = new ThreadLocal<>();

	/**
	 * Create a listener.
	 * @param publisher publishes the span in scope
	 */
	public OpenTelemetrySpanScopeListener(SpanScopePublisher publisher) {
		this.publisher = publisher;
	}

	@Override
	public void onEvent(Object event) {
		if (event instanceof ScopeAttachedEvent attached) {
			this.scopes.set(new Entry(this.publisher.open(trace(attached.getSpan())), this.scopes.get()));
		}
		else if (event instanceof ScopeRestoredEvent) {
			Entry top = this.scopes.get();
			if (top == null) {
				return; // attached before this listener existed
			}
			if (top.previous != null) {
				this.scopes.set(top.previous);
			}
			else {
				this.scopes.remove();
			}
			if (top.scope != null) {
				top.scope.close();
			}
		}
	}

	private static @Nullable TraceContext trace(@Nullable Span span) {
		if (span == null) {
			return null;
		}
		SpanContext c = span.getSpanContext();
		if (!c.isValid()) {
			return null;
		}
		return TraceContext.of(c.getTraceIdBytes(), c.getSpanIdBytes(), c.getTraceFlags().asByte() & 0xff);
	}

	/** An attach on this thread: what it published, or null. */
	private record Entry(TaskLocalDataContext.@Nullable Scope scope, @Nullable Entry previous) {
	}

}
