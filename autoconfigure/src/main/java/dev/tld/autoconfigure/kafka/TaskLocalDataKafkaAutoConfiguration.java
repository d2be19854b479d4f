// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.micrometer.KafkaRecordReceiverContext;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.autoconfigure.observation.TaskLocalDataObservationAutoConfiguration;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.kafka.HeaderRecordMetadataResolver;
import dev.tld.spring.kafka.RecordMetadataResolver;
import dev.tld.spring.kafka.RecordReceiverObservationMetadataResolver;
import dev.tld.spring.kafka.RequestMetadataRecordInterceptor;

/**
 * Publishes each record a Spring Kafka record listener handles, on the consumer thread,
 * for the tenant, priority and request id in the record's headers (named as under
 * {@code tld.headers}; a {@link RecordMetadataResolver} bean replaces the header-based
 * one). With {@code spring.kafka.listener.observation-enabled=true} and an
 * {@code ObservationRegistry}, through the listener observation
 * ({@link RecordReceiverObservationMetadataResolver}), which also carries it to the
 * threads the listener's work hops to. Otherwise through a
 * {@link RequestMetadataRecordInterceptor} bean, which Spring Boot applies to its
 * {@code kafkaListenerContainerFactory}; it backs off when the application declares a
 * {@link RecordInterceptor} of its own (Boot applies only a unique one).
 */
@AutoConfiguration(after = { TaskLocalDataAutoConfiguration.class, TaskLocalDataObservationAutoConfiguration.class },
		afterName = { "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnClass({ RecordInterceptor.class, KafkaRecordReceiverContext.class })
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataKafkaAutoConfiguration {

	/** Boot's switch for listener observations. */
	static final String OBSERVATION_ENABLED = "spring.kafka.listener.observation-enabled";

	@Bean
	@ConditionalOnMissingBean
	RecordMetadataResolver recordMetadataResolver(TaskLocalDataProperties properties) {
		TaskLocalDataProperties.Headers headers = properties.getHeaders();
		return new HeaderRecordMetadataResolver(
				new RequestMetadataHeaders(headers.getTenant(), headers.getPriority(), headers.getRequestId(),
						properties.getDefaultTenant(), properties.getDefaultPriority(), properties.acceptedTenants()));
	}

	@Bean
	@ConditionalOnMissingBean(RecordInterceptor.class)
	@Conditional(WithoutListenerObservations.class)
	RequestMetadataRecordInterceptor<Object, Object> requestMetadataRecordInterceptor(TaskLocalDataContext context,
			RecordMetadataResolver resolver) {
		return new RequestMetadataRecordInterceptor<>(context, resolver);
	}

	@Bean
	RecordReceiverObservationMetadataResolver recordReceiverObservationMetadataResolver(
			RecordMetadataResolver resolver) {
		return new RecordReceiverObservationMetadataResolver(resolver);
	}

	/**
	 * No listener observation surrounds a record: they are off (Boot's default), or no
	 * {@code ObservationRegistry} exists to make them.
	 */
	static final class WithoutListenerObservations extends AnyNestedCondition {

		WithoutListenerObservations() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBooleanProperty(name = OBSERVATION_ENABLED, havingValue = false, matchIfMissing = true)
		static class ObservationsOff {

		}

		@ConditionalOnMissingBean(type = "io.micrometer.observation.ObservationRegistry")
		static class NoObservationRegistry {

		}

	}

}
