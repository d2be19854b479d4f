// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.tracing;

import brave.propagation.CurrentTraceContext;
import brave.propagation.TraceContext;
import org.jspecify.annotations.Nullable;

import dev.tld.spring.TaskLocalDataContext;

/**
 * A Brave {@link CurrentTraceContext.ScopeDecorator}: each span Brave puts in scope on a
 * thread that works for a request is published with the request's metadata, until that
 * scope closes (see {@link SpanScopePublisher}). Spring Boot's Brave auto-configuration
 * applies every bean of this type to its {@code CurrentTraceContext}.
 */
public final class BraveSpanScopeDecorator implements CurrentTraceContext.ScopeDecorator {

	private final SpanScopePublisher publisher;

	/**
	 * Create a decorator.
	 * @param publisher publishes the span in scope
	 */
	public BraveSpanScopeDecorator(SpanScopePublisher publisher) {
		this.publisher = publisher;
	}

	@Override
	public CurrentTraceContext.Scope decorateScope(@Nullable TraceContext context, CurrentTraceContext.Scope scope) {
		TaskLocalDataContext.Scope published = this.publisher.open(context, BraveSpanScopeDecorator::trace);
		if (published == null) {
			return scope;
		}
		return () -> {
			scope.close();
			published.close();
		};
	}

	private static dev.tld.core.@Nullable TraceContext trace(TraceContext context) {
		try {
			return dev.tld.core.TraceContext.fromHex(context.traceIdString(), context.spanIdString(),
					Boolean.TRUE.equals(context.sampled()));
		}
		catch (IllegalArgumentException ex) {
			return null; // not W3C ids: nothing to publish
		}
	}

}
