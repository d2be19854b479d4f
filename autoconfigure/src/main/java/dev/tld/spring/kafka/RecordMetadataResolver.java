// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

import dev.tld.spring.RequestMetadata;

/**
 * Decides what the handling of a consumed record publishes. The default reads the record
 * headers named like the HTTP headers under {@code tld.headers}
 * ({@link HeaderRecordMetadataResolver}); declare a bean of this type to take tenant,
 * priority or request id from anywhere else (the topic, the key, a signed payload).
 */
@FunctionalInterface
public interface RecordMetadataResolver {

	/**
	 * Resolve the metadata of a record. Called once per record (once per delivery
	 * attempt), on the consumer thread, before the listener runs. A resolver that throws
	 * does not fail the record: it is handled without metadata.
	 * @param record the record
	 * @return the metadata to publish while the record is handled, or null to publish
	 * nothing for it
	 */
	@Nullable RequestMetadata resolve(ConsumerRecord<?, ?> record);

}
