// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.tracing;

import brave.propagation.CurrentTraceContext;
import brave.propagation.TraceContext;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.tracing.BraveSpanScopeDecorator;
import dev.tld.spring.tracing.OpenTelemetrySpanScopeListener;
import dev.tld.spring.tracing.SpanScopePublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of the tracing auto-configuration, one per condition. Contexts use an
 * unpinned map and no tracing programs; on a host without BPF the contexts exist all the
 * same, so these run everywhere.
 */
class TaskLocalDataTracingAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataTracingAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	@Test
	void withBothTracersOnTheClasspathBothHooksExist() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(BraveSpanScopeDecorator.class)
			.hasSingleBean(OpenTelemetrySpanScopeListener.class));
	}

	@Test
	@SuppressWarnings("try")
	void bootsBraveCurrentTraceContextAppliesTheDecorator() {
		this.runner.withConfiguration(AutoConfigurations.of(BraveAutoConfiguration.class)).run((context) -> {
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			CurrentTraceContext current = context.getBean(CurrentTraceContext.class);
			TraceContext span = TraceContext.newBuilder().traceIdHigh(1).traceId(2).spanId(3).sampled(true).build();
			try (TaskLocalDataContext.Scope request = tld.open(new RequestMetadata("acme", 1, "r-1"))) {
				try (CurrentTraceContext.Scope scope = current.newScope(span)) {
					assertThat(tld.currentTrace()).as("the span Brave put in scope")
						.contains(dev.tld.core.TraceContext.fromHex(span.traceIdString(), span.spanIdString(), true));
				}
				assertThat(tld.currentTrace()).as("after its scope closed").isEmpty();
				assertThat(tld.current()).map(RequestMetadata::tenant).contains("acme");
			}
			assertThat(tld.refusedCloses()).isZero();
		});
	}

	@Test
	void withoutBraveNoDecorator() {
		this.runner.withClassLoader(new FilteredClassLoader("brave."))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(BraveSpanScopeDecorator.class)
				.hasSingleBean(OpenTelemetrySpanScopeListener.class));
	}

	@Test
	void withoutTheOpenTelemetryBridgeNoListener() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.tracing.otel"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(OpenTelemetrySpanScopeListener.class)
				.hasSingleBean(BraveSpanScopeDecorator.class));
	}

	@Test
	void withoutTheStartersContextNothing() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskLocalDataTracingAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(BraveSpanScopeDecorator.class)
				.doesNotHaveBean(OpenTelemetrySpanScopeListener.class));
	}

	@Test
	void aDecoratorOfTheApplicationsOwnReplacesTheStartersOne() {
		this.runner.withUserConfiguration(OwnDecorator.class)
			.run((context) -> assertThat(context).getBean(BraveSpanScopeDecorator.class)
				.isSameAs(context.getBean("ownDecorator")));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnDecorator {

		@Bean
		BraveSpanScopeDecorator ownDecorator(TaskLocalDataContext context) {
			return new BraveSpanScopeDecorator(new SpanScopePublisher(context));
		}

	}

}
