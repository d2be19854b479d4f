// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;

import dev.tld.autoconfigure.kafka.app.KafkaApplication;
import dev.tld.spring.kafka.RequestMetadataRecordInterceptor;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.test.spring.IsolatedDataMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Listener observations on: each record is published through the listener observation
 * Spring Kafka opens around it, and no interceptor is applied. An embedded KRaft broker
 * on a random port, closed with the context after the class.
 */
@SpringBootTest(classes = KafkaApplication.class,
		properties = { "spring.kafka.consumer.auto-offset-reset=earliest", "logging.level.org.apache.kafka=warn",
				"logging.level.kafka=warn", "logging.level.state.change.logger=warn",
				"logging.level.org.springframework.kafka=warn",
				TaskLocalDataKafkaAutoConfiguration.OBSERVATION_ENABLED + "=true" })
@EmbeddedKafka(partitions = 1, topics = KafkaApplication.TOPIC)
@DirtiesContext
@IsolatedDataMap
class KafkaObservationPropagationTests extends KafkaPropagationTestSupport {

	@Autowired
	ApplicationContext applicationContext;

	@Autowired
	ConcurrentKafkaListenerContainerFactory<?, ?> factory;

	@Test
	void theObservationPublishesNotAnInterceptor() {
		assertThat(this.factory.getRecordInterceptor()).isNull();
		assertThat(this.applicationContext.getBeansOfType(RequestMetadataRecordInterceptor.class)).isEmpty();
		assertThat(this.factory.getContainerProperties().isObservationEnabled()).isTrue();
	}

	@Test
	void noScopeOfTheObservationIsRefused() throws Exception {
		handle("observed-once", 2, "o-1", 1_000);
		assertThat(this.applicationContext.getBean(RequestMetadataObservationHandler.class).refusedCloses()).isZero();
	}

	@Override
	String prefix() {
		return "observed";
	}

}
