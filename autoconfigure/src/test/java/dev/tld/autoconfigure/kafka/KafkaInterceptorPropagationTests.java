// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;

import dev.tld.autoconfigure.kafka.app.KafkaApplication;
import dev.tld.spring.kafka.RequestMetadataRecordInterceptor;
import dev.tld.test.spring.IsolatedDataMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Listener observations off (Boot's default): each record is published by the record
 * interceptor Boot applies to its listener container factory. An embedded KRaft broker on
 * a random port, closed with the context after the class.
 */
@SpringBootTest(classes = KafkaApplication.class,
		properties = { "spring.kafka.consumer.auto-offset-reset=earliest", "logging.level.org.apache.kafka=warn",
				"logging.level.kafka=warn", "logging.level.state.change.logger=warn",
				"logging.level.org.springframework.kafka=warn" })
@EmbeddedKafka(partitions = 1, topics = KafkaApplication.TOPIC)
@DirtiesContext
@IsolatedDataMap
class KafkaInterceptorPropagationTests extends KafkaPropagationTestSupport {

	@Autowired
	ConcurrentKafkaListenerContainerFactory<?, ?> factory;

	@Test
	void theInterceptorPublishes() {
		assertThat(this.factory.getRecordInterceptor()).isInstanceOf(RequestMetadataRecordInterceptor.class);
	}

	@Override
	String prefix() {
		return "intercepted";
	}

}
