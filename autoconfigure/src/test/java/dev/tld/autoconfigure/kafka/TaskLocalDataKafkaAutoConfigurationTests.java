// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka;

import java.nio.charset.StandardCharsets;

import io.micrometer.observation.ObservationRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.micrometer.KafkaRecordReceiverContext;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.observation.TaskLocalDataObservationAutoConfiguration;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.kafka.RecordMetadataResolver;
import dev.tld.spring.kafka.RecordReceiverObservationMetadataResolver;
import dev.tld.spring.kafka.RequestMetadataRecordInterceptor;
import dev.tld.spring.observation.ObservationRequestMetadataResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of the Kafka auto-configuration, one per condition, with Boot's Kafka
 * auto-configuration (no broker is contacted: nothing is started). Contexts use an
 * unpinned map and no tracing programs; on a host without BPF the contexts exist all the
 * same, so these run everywhere.
 */
class TaskLocalDataKafkaAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataObservationAutoConfiguration.class, KafkaAutoConfiguration.class,
				TaskLocalDataKafkaAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	private final ApplicationContextRunner withObservations = this.runner
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class));

	@Test
	void withListenerObservationsOffBootsFactoryGetsTheInterceptor() {
		this.withObservations.run((context) -> {
			assertThat(context).hasSingleBean(ObservationRegistry.class)
				.hasSingleBean(RecordMetadataResolver.class)
				.hasSingleBean(RecordReceiverObservationMetadataResolver.class)
				.hasSingleBean(RequestMetadataRecordInterceptor.class);
			assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class).getRecordInterceptor())
				.isSameAs(context.getBean(RequestMetadataRecordInterceptor.class));
		});
	}

	@Test
	void withListenerObservationsOnTheObservationPublishesAndNoInterceptorIsDeclared() {
		this.withObservations.withPropertyValues(TaskLocalDataKafkaAutoConfiguration.OBSERVATION_ENABLED + "=true")
			.run((context) -> {
				assertThat(context).hasSingleBean(RecordReceiverObservationMetadataResolver.class)
					.doesNotHaveBean(RequestMetadataRecordInterceptor.class);
				assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class).getRecordInterceptor())
					.isNull();
				assertThat(context.getBeansOfType(ObservationRequestMetadataResolver.class).values())
					.as("resolvers the observation handler asks")
					.hasAtLeastOneElementOfType(RecordReceiverObservationMetadataResolver.class);
			});
	}

	@Test
	void withListenerObservationsOnButNoObservationRegistryTheInterceptorPublishes() {
		this.runner.withPropertyValues(TaskLocalDataKafkaAutoConfiguration.OBSERVATION_ENABLED + "=true")
			.run((context) -> assertThat(context).doesNotHaveBean(ObservationRegistry.class)
				.hasSingleBean(RequestMetadataRecordInterceptor.class));
	}

	@Test
	void anInterceptorOfTheApplicationReplacesIt() {
		this.withObservations.withUserConfiguration(OwnInterceptor.class).run((context) -> {
			assertThat(context).doesNotHaveBean(RequestMetadataRecordInterceptor.class);
			assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class).getRecordInterceptor())
				.as("Boot applies only a unique interceptor: the application's stays applied")
				.isSameAs(context.getBean("ownInterceptor"));
		});
	}

	@Test
	void aResolverOfTheApplicationReplacesTheHeaderBasedOne() {
		this.withObservations.withUserConfiguration(OwnResolver.class).run((context) -> {
			assertThat(context).hasSingleBean(RecordMetadataResolver.class);
			ConsumerRecord<String, String> record = new ConsumerRecord<>("orders", 0, 0, null, "v");
			KafkaRecordReceiverContext receiver = new KafkaRecordReceiverContext(record, "listener", "client", "group",
					() -> "cluster");
			assertThat(context.getBean(RecordReceiverObservationMetadataResolver.class).resolve(receiver))
				.isEqualTo(new RequestMetadata("topic-orders", 1, "own"));
		});
	}

	@Test
	void theHeaderBasedResolverReadsTheConfiguredHttpHeaderNames() {
		this.runner.withPropertyValues("tld.headers.tenant=tenant-id", "tld.default-tenant=nobody").run((context) -> {
			RecordMetadataResolver resolver = context.getBean(RecordMetadataResolver.class);
			ConsumerRecord<String, String> record = new ConsumerRecord<>("t", 0, 0, null, "v");
			assertThat(resolver.resolve(record)).extracting(RequestMetadata::tenant).isEqualTo("nobody");
			record.headers().add("tenant-id", "acme".getBytes(StandardCharsets.UTF_8));
			record.headers().add("X-Priority", "4".getBytes(StandardCharsets.UTF_8));
			RequestMetadata metadata = resolver.resolve(record);
			assertThat(metadata).isNotNull();
			assertThat(metadata.tenant()).isEqualTo("acme");
			assertThat(metadata.priority()).isEqualTo(4);
		});
	}

	@Test
	void withoutSpringKafkaNothingIsDeclared() {
		this.withObservations.withClassLoader(new FilteredClassLoader("org.springframework.kafka"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(RecordMetadataResolver.class)
				.doesNotHaveBean(RecordReceiverObservationMetadataResolver.class)
				.doesNotHaveBean(RequestMetadataRecordInterceptor.class));
	}

	@Test
	void whenTaskLocalDataIsDisabledNothingIsDeclared() {
		this.withObservations.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(RecordMetadataResolver.class)
				.doesNotHaveBean(RequestMetadataRecordInterceptor.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnInterceptor {

		@Bean
		RecordInterceptor<Object, Object> ownInterceptor() {
			return new RecordInterceptor<>() {
				@Override
				public @Nullable ConsumerRecord<Object, Object> intercept(ConsumerRecord<Object, Object> record,
						Consumer<Object, Object> consumer) {
					return record;
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnResolver {

		@Bean
		RecordMetadataResolver ownResolver() {
			return (record) -> new RequestMetadata("topic-" + record.topic(), 1, "own");
		}

	}

}
