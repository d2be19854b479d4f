// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.tracing;

import io.micrometer.tracing.otel.bridge.EventListener;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper.ScopeAttachedEvent;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper.ScopeRestoredEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TraceContext;
import dev.tld.spring.ScopeStack;

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
	private final ScopeStack scopes = new ScopeStack();

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
			this.scopes.push(this.publisher.open(attached.getSpan(), OpenTelemetrySpanScopeListener::trace));
		}
		else if (event instanceof ScopeRestoredEvent) {
			this.scopes.pop();
		}
	}

	private static @Nullable TraceContext trace(Span span) {
		SpanContext c = span.getSpanContext();
		if (!c.isValid()) {
			return null;
		}
		return TraceContext.of(c.getTraceIdBytes(), c.getSpanIdBytes(), c.getTraceFlags().asByte() & 0xff);
	}

}
