// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation;

import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.scheduling.support.ScheduledTaskObservationContext;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.context.TaskLocalDataContextPropagationAutoConfiguration;
import dev.tld.autoconfigure.observation.TaskLocalDataObservationAutoConfiguration;
import dev.tld.autoconfigure.web.reactive.TaskLocalDataWebFluxAutoConfiguration;
import dev.tld.autoconfigure.web.servlet.TaskLocalDataWebMvcAutoConfiguration;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.context.RequestMetadataThreadLocalAccessor;
import dev.tld.spring.observation.ObservationRequestMetadataResolver;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.spring.web.reactive.ReactiveRequestMetadataResolver;
import dev.tld.spring.web.servlet.ServerRequestObservationMetadataResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of the observation, context propagation and servlet auto-configurations, one
 * per condition. Contexts use an unpinned map and no tracing programs; on a host without
 * BPF the contexts exist all the same, so these run everywhere.
 */
class PropagationAutoConfigurationTests {

	private final WebApplicationContextRunner web = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataWebMvcAutoConfiguration.class, TaskLocalDataObservationAutoConfiguration.class,
				TaskLocalDataContextPropagationAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	private final WebApplicationContextRunner withObservations = this.web
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class));

	@Test
	void withAnObservationRegistryRequestsArePublishedThroughTheObservationNotTheFilter() {
		this.withObservations.run((context) -> {
			assertThat(context).hasSingleBean(ObservationRegistry.class)
				.hasSingleBean(RequestMetadataObservationHandler.class)
				.hasSingleBean(ServerRequestObservationMetadataResolver.class)
				.doesNotHaveBean("requestMetadataFilter")
				.hasBean("requestMetadataAsyncSupportConfigurer");
		});
	}

	@Test
	void withoutAnObservationRegistryTheFilterPublishes() {
		this.web.run((context) -> assertThat(context).doesNotHaveBean(ObservationRegistry.class)
			.hasBean("requestMetadataFilter")
			.hasBean("requestMetadataAsyncSupportConfigurer"));
	}

	@Test
	void withoutMicrometerObservationOnTheClasspathTheFilterPublishesAndNoHandlerExists() {
		this.web.withClassLoader(new FilteredClassLoader("io.micrometer.observation"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasBean("requestMetadataFilter")
				.doesNotHaveBean(RequestMetadataObservationHandler.class)
				.doesNotHaveBean(ServerRequestObservationMetadataResolver.class));
	}

	@Test
	void theHandlerIsRegisteredWithBootsObservationRegistry() throws Exception {
		ScheduledTaskObservationContext task = new ScheduledTaskObservationContext(this,
				PropagationAutoConfigurationTests.class
					.getDeclaredMethod("theHandlerIsRegisteredWithBootsObservationRegistry"));
		this.withObservations.run((context) -> {
			ObservationRegistry registry = context.getBean(ObservationRegistry.class);
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			Observation.createNotStarted("test", () -> task, registry)
				.observe(() -> assertThat(tld.current()).as("published by the handler in scope")
					.map(RequestMetadata::tenant)
					.contains("unknown"));
			assertThat(tld.current()).isEmpty();
		});
	}

	@Test
	void scheduledTasksWorkForTheDefaultTenantUnlessConfigured() throws Exception {
		ScheduledTaskObservationContext task = new ScheduledTaskObservationContext(this,
				PropagationAutoConfigurationTests.class
					.getDeclaredMethod("scheduledTasksWorkForTheDefaultTenantUnlessConfigured"));
		this.web.withPropertyValues("tld.default-tenant=house", "tld.default-priority=3").run((context) -> {
			ObservationRequestMetadataResolver resolver = context.getBean("scheduledTaskRequestMetadataResolver",
					ObservationRequestMetadataResolver.class);
			assertThat(resolver.resolve(task)).isEqualTo(new RequestMetadata("house", 3,
					"PropagationAutoConfigurationTests.scheduledTasksWorkForTheDefaultTenantUnlessConfigured"));
			assertThat(resolver.resolve(new Observation.Context())).isNull();
		});
		this.web.withPropertyValues("tld.scheduling.tenant=jobs", "tld.scheduling.priority=7").run((context) -> {
			RequestMetadata md = context
				.getBean("scheduledTaskRequestMetadataResolver", ObservationRequestMetadataResolver.class)
				.resolve(task);
			assertThat(md).isNotNull();
			assertThat(md.tenant()).isEqualTo("jobs");
			assertThat(md.priority()).isEqualTo(7);
		});
	}

	@Test
	void theAccessorIsRegisteredWhileTheContextLives() {
		String[] key = new String[1];
		this.web.run((context) -> {
			key[0] = (String) ContextRegistry.getInstance()
				.getThreadLocalAccessors()
				.stream()
				.map((a) -> a.key())
				.filter((k) -> k.toString().startsWith(RequestMetadataThreadLocalAccessor.KEY))
				.reduce((a, b) -> b)
				.orElseThrow();
			assertThat(context).hasSingleBean(ContextPropagatingTaskDecorator.class);
		});
		assertThat(ContextRegistry.getInstance().getThreadLocalAccessors()).as("removed when the context closed")
			.noneMatch((a) -> a.key().equals(key[0]));
	}

	@Test
	void anApplicationsContextPropagatingDecoratorReplacesOurs() {
		this.web.withUserConfiguration(UserDecorator.class)
			.run((context) -> assertThat(context.getBeansOfType(TaskDecorator.class)).containsOnlyKeys("myDecorator"));
	}

	@Test
	void withoutContextPropagationOnTheClasspathThereIsNoAccessorNorDecorator() {
		this.web.withClassLoader(new FilteredClassLoader("io.micrometer.context"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(ContextPropagatingTaskDecorator.class)
				.hasBean("requestMetadataFilter"));
	}

	@Test
	void reactiveApplicationsGetTheReactiveResolversAndServletOnesDoNot() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
					TaskLocalDataWebMvcAutoConfiguration.class, TaskLocalDataWebFluxAutoConfiguration.class))
			.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ReactiveRequestMetadataResolver.class)
				.hasSingleBean(dev.tld.spring.web.reactive.ServerRequestObservationMetadataResolver.class)
				.doesNotHaveBean(ServerRequestObservationMetadataResolver.class)
				.doesNotHaveBean("requestMetadataFilter"));
		this.web.withConfiguration(AutoConfigurations.of(TaskLocalDataWebFluxAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ReactiveRequestMetadataResolver.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserDecorator {

		@Bean
		ContextPropagatingTaskDecorator myDecorator() {
			return new ContextPropagatingTaskDecorator();
		}

	}

}
