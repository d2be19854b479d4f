// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.tracing;

import brave.propagation.CurrentTraceContext;
import io.micrometer.tracing.otel.bridge.EventListener;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.tracing.BraveSpanScopeDecorator;
import dev.tld.spring.tracing.OpenTelemetrySpanScopeListener;
import dev.tld.spring.tracing.SpanScopePublisher;

/**
 * Publishes the span a tracer puts in scope, with or without an observation, beside the
 * metadata the thread works for: with Brave, a {@link BraveSpanScopeDecorator}, which
 * Spring Boot's Brave auto-configuration applies to its {@code CurrentTraceContext}; with
 * OpenTelemetry (Micrometer Tracing's bridge), an {@link OpenTelemetrySpanScopeListener},
 * which Boot feeds with the scope events of every context OpenTelemetry makes current.
 * The span of an observation in scope is published by the observation handler as well
 * ({@code TaskLocalDataObservationAutoConfiguration}); publishing it twice costs nothing
 * (a thread does not publish again what it already publishes).
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataTracingAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(CurrentTraceContext.class)
	static class BraveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BraveSpanScopeDecorator taskLocalDataBraveSpanScopeDecorator(TaskLocalDataContext context) {
			return new BraveSpanScopeDecorator(new SpanScopePublisher(context));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(EventListener.class)
	static class OpenTelemetryConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OpenTelemetrySpanScopeListener taskLocalDataOpenTelemetrySpanScopeListener(TaskLocalDataContext context) {
			return new OpenTelemetrySpanScopeListener(new SpanScopePublisher(context));
		}

	}

}
