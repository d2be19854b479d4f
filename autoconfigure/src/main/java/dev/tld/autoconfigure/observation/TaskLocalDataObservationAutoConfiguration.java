// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.observation;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.TracingObservationHandler;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.support.ScheduledTaskObservationContext;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.observation.MicrometerTracingTraceContextResolver;
import dev.tld.spring.observation.ObservationRequestMetadataResolver;
import dev.tld.spring.observation.ObservationTraceContextResolver;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.spring.observation.TracingBaggage;
import dev.tld.spring.web.BaggageReader;

/**
 * Publishes the request metadata of the observation in scope on every thread a scope of
 * it opens on: a {@link RequestMetadataObservationHandler}, which Spring Boot registers
 * with its {@code ObservationRegistry}, fed by every
 * {@link ObservationRequestMetadataResolver} bean (the web auto-configurations declare
 * those of server requests; this one that of {@code @Scheduled} methods, with the tenant
 * {@code tld.scheduling.tenant}, by default {@code tld.default-tenant}). With Micrometer
 * Tracing on the classpath, the handler also publishes the ids of the observation's span
 * ({@link MicrometerTracingTraceContextResolver}, unless an
 * {@link ObservationTraceContextResolver} bean is declared), and reads tracing baggage
 * for {@code tld.tenants.source=baggage} ({@link TracingBaggage}).
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnClass(ObservationHandler.class)
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RequestMetadataObservationHandler requestMetadataObservationHandler(TaskLocalDataContext context,
			ObjectProvider<ObservationRequestMetadataResolver> resolvers,
			ObjectProvider<ObservationTraceContextResolver> traces) {
		return new RequestMetadataObservationHandler(context, resolvers.orderedStream().toList(), traces.getIfUnique());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(TracingObservationHandler.class)
	static class TracingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ObservationTraceContextResolver micrometerTracingTraceContextResolver() {
			return new MicrometerTracingTraceContextResolver();
		}

		@Bean
		@ConditionalOnMissingBean
		BaggageReader tracingBaggage(ObjectProvider<Tracer> tracer) {
			return new TracingBaggage(tracer::getIfAvailable);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ScheduledTaskObservationContext.class)
	static class SchedulingConfiguration {

		@Bean
		ObservationRequestMetadataResolver scheduledTaskRequestMetadataResolver(TaskLocalDataProperties properties) {
			return scheduledTasks(properties);
		}

	}

	/**
	 * A scheduled method works for {@code tld.scheduling.tenant} (or the default tenant)
	 * at {@code tld.scheduling.priority} (or the default priority); its request id is
	 * {@code <class>.<method>}.
	 */
	static ObservationRequestMetadataResolver scheduledTasks(TaskLocalDataProperties properties) {
		TaskLocalDataProperties.Scheduling scheduling = properties.getScheduling();
		String configuredTenant = scheduling.getTenant();
		String tenant = (configuredTenant != null) ? configuredTenant : properties.getDefaultTenant();
		Integer configuredPriority = scheduling.getPriority();
		int priority = (configuredPriority != null) ? configuredPriority : properties.getDefaultPriority();
		return (context) -> {
			if (context instanceof ScheduledTaskObservationContext task) {
				return new RequestMetadata(tenant, priority,
						task.getTargetClass().getSimpleName() + "." + task.getMethod().getName());
			}
			return null;
		};
	}

}
