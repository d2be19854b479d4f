// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.kafka;

import java.util.Objects;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.support.micrometer.KafkaRecordReceiverContext;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.observation.ObservationRequestMetadataResolver;

/**
 * The metadata of a Spring Kafka listener observation (a
 * {@link KafkaRecordReceiverContext}, opened around each record when the container's
 * {@code observationEnabled} is set, in Spring Boot by
 * {@code spring.kafka.listener.observation-enabled=true}), as a
 * {@link RecordMetadataResolver} decides it for the observation's record. The observation
 * handler publishes it on the consumer thread for as long as the observation's scope is
 * open: the listener, the interceptors and the error handler.
 */
public final class RecordReceiverObservationMetadataResolver implements ObservationRequestMetadataResolver {

	private final RecordMetadataResolver resolver;

	/**
	 * Create the resolver.
	 * @param resolver decides a record's metadata
	 */
	public RecordReceiverObservationMetadataResolver(RecordMetadataResolver resolver) {
		this.resolver = Objects.requireNonNull(resolver, "resolver");
	}

	@Override
	public @Nullable RequestMetadata resolve(Observation.Context context) {
		if (context instanceof KafkaRecordReceiverContext receiver) {
			return this.resolver.resolve(receiver.getCarrier());
		}
		return null;
	}

}
